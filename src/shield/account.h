// Transparent accounts: an Ed25519 key pair (libsodium) whose public key names the account on
// the ledger. It signs deposits into the shielded pool (and, in the ledger, transparent
// transfers). The secret half is wiped when the holder is destroyed.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "shield/transaction.h"

namespace depinfer::shield {

class AccountSigner {
 public:
  // A new random key pair.
  AccountSigner();
  // The key pair of a 32-byte seed (crypto_sign_seed_keypair).
  explicit AccountSigner(std::span<const std::uint8_t, 32> seed);
  AccountSigner(const AccountSigner&) = delete;
  AccountSigner& operator=(const AccountSigner&) = delete;
  ~AccountSigner();

  const AccountKey& account() const { return public_; }
  Signature Sign(std::span<const std::uint8_t> message) const;

 private:
  AccountKey public_{};
  std::array<std::uint8_t, 64> secret_{};
};

}  // namespace depinfer::shield
