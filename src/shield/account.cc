#include "shield/account.h"

#include "shield/sodium_once.h"

namespace depinfer::shield {

AccountSigner::AccountSigner() {
  internal::EnsureSodium();
  crypto_sign_keypair(public_.data(), secret_.data());
}

AccountSigner::AccountSigner(std::span<const std::uint8_t, 32> seed) {
  internal::EnsureSodium();
  crypto_sign_seed_keypair(public_.data(), secret_.data(), seed.data());
}

AccountSigner::~AccountSigner() { sodium_memzero(secret_.data(), secret_.size()); }

Signature AccountSigner::Sign(std::span<const std::uint8_t> message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

}  // namespace depinfer::shield
