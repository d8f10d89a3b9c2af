// Keys and addresses of the shielded pool (shared/DESIGN.md section 4), all from one 32-byte
// seed (the recovery phrase, shield/mnemonic.h):
//
//   sk          = BLAKE2b-512(seed, personal "Depinfer_SpendSk") read big-endian, mod r
//   pk          = Poseidon(sk)                                   (OwnerKey, shield/note.h)
//   view secret = BLAKE2b-256(seed, personal "Depinfer_ViewKey") (an X25519 secret key)
//   view public = X25519(view secret, 9)                         (crypto_scalarmult_base)
//
// Why: sk must be uniform in Fr so pk and nullifiers hide nothing about it; reducing a 512-bit
// hash modulo the 254-bit r leaves a bias below 2^-258, so there is no retry loop whose length
// could depend on the secret. The X25519 pair is separate from sk so that the viewing key can
// find and read incoming notes without being able to spend them (spending needs sk, and pk =
// Poseidon(sk) cannot be inverted).
//
//   Address     = bech32m(hrp, pk (32 bytes big-endian) || view public (32 bytes))
//   ViewingKey  = bech32m(hrp, view secret (32 bytes) || pk (32 bytes))
//   hrp         = "dpi" / "dpivk" on the main network, "dpt" / "dptvk" on test and dev networks
//
// Secrets (sk, view secret) are wiped when their holder is destroyed or moved from, are never
// copied implicitly (Clone() copies on purpose), and never appear in error messages. Operations
// on them are constant time.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "shield/mnemonic.h"
#include "shield/note.h"

namespace depinfer::shield {

enum class Network { kMain, kTest };

using X25519Key = std::array<std::uint8_t, 32>;

// Domain strings (BLAKE2b personalisation, exactly 16 bytes each).
inline constexpr char kPersonalSpendSk[] = "Depinfer_SpendSk";
inline constexpr char kPersonalViewKey[] = "Depinfer_ViewKey";

// The 512-bit big-endian integer `wide` modulo r, in constant time: it is cut into four
// 128-bit limbs (each below r) and recombined by Horner's rule with 2^128 mod r, using only
// Montgomery multiplications and additions, which do not branch on their inputs.
Fr ReduceWide512(std::span<const std::uint8_t, 64> wide);

// Where notes can be sent: pk and the X25519 public key that encrypts them (public data).
struct Address {
  Fr pk;
  X25519Key view_public{};

  // bech32m text, "dpi1..." (kMain) or "dpt1..." (kTest); 113 characters.
  std::string Encode(Network network) const;
  // Parses an address for `network`. Rejects another network's address (saying which), another
  // kind of string, a payload that is not 64 bytes, a non-canonical pk (>= r) and a
  // small-order X25519 key (nobody could read notes sent to it). `out` untouched on error.
  static Status Decode(std::string_view text, Network network, Address* out);

  bool operator==(const Address&) const = default;
};

// Sees, cannot spend: the X25519 secret (finds and decrypts incoming notes) and pk (to
// recompute their commitments). It holds no sk, so it cannot make nullifiers or proofs.
class ViewingKey {
 public:
  ViewingKey() = default;  // empty (all zeros); a target for Decode
  ViewingKey(const X25519Key& secret, const Fr& pk);
  ViewingKey(ViewingKey&& other) noexcept;
  ViewingKey& operator=(ViewingKey&& other) noexcept;
  ViewingKey(const ViewingKey&) = delete;
  ViewingKey& operator=(const ViewingKey&) = delete;
  ~ViewingKey();

  ViewingKey Clone() const { return ViewingKey(secret_, pk_); }

  const Fr& pk() const { return pk_; }
  const X25519Key& view_public() const { return public_; }
  Address address() const { return Address{pk_, public_}; }

  // shared = X25519(view secret, epk). Fails (shared untouched) when epk has small order,
  // i.e. the result would be all zeros. Constant time in the secret.
  Status SharedSecret(const X25519Key& epk, X25519Key* shared) const;
  // The same for many ephemeral keys at once (eight per AVX-512 IFMA pass, shield/x25519_batch.h):
  // shared[i] = X25519(view secret, epks[i]); ok[i] = 0 when epks[i] has small order (shared[i]
  // is then all zeros). Preconditions: shared and ok have epks.size() entries.
  void SharedSecrets(std::span<const X25519Key> epks, std::span<X25519Key> shared,
                     std::span<std::uint8_t> ok) const;

  // bech32m text "dpivk1..." / "dptvk1...". This string is a secret: whoever has it sees every
  // incoming note. The caller should wipe it when done.
  std::string Encode(Network network) const;
  // Parses a viewing key for `network` (wrong network, wrong length, non-canonical pk are
  // rejected; messages never quote the key). `out` untouched on error.
  static Status Decode(std::string_view text, Network network, ViewingKey* out);

 private:
  void Wipe();
  X25519Key secret_{};
  Fr pk_;
  X25519Key public_{};
};

// Spends: sk, plus the viewing key of the same seed.
class SpendingKey {
 public:
  static SpendingKey FromSeed(std::span<const std::uint8_t, kSeedBytes> seed);

  SpendingKey(SpendingKey&& other) noexcept;
  SpendingKey& operator=(SpendingKey&& other) noexcept;
  SpendingKey(const SpendingKey&) = delete;
  SpendingKey& operator=(const SpendingKey&) = delete;
  ~SpendingKey();

  SpendingKey Clone() const { return SpendingKey(sk_, view_.Clone()); }

  const Fr& sk() const { return sk_; }
  const Fr& pk() const { return view_.pk(); }
  const ViewingKey& viewing_key() const { return view_; }
  Address address() const { return view_.address(); }

 private:
  SpendingKey(const Fr& sk, ViewingKey view) : sk_(sk), view_(std::move(view)) {}
  Fr sk_;
  ViewingKey view_;
};

}  // namespace depinfer::shield
