// Key derivation, the constant-time wide reduction, and the bech32m forms of addresses and
// viewing keys (see keys.h for the formulas and why).
#include "shield/keys.h"

#include <sodium.h>

#include <cstring>
#include <vector>

#include "shield/bech32m.h"
#include "shield/sodium_once.h"
#include "shield/x25519_batch.h"

namespace depinfer::shield {
namespace {

constexpr std::size_t kPayloadBytes = 64;

const char* AddressHrp(Network n) { return n == Network::kMain ? "dpi" : "dpt"; }
const char* ViewingKeyHrp(Network n) { return n == Network::kMain ? "dpivk" : "dptvk"; }
const char* NetworkName(Network n) { return n == Network::kMain ? "main" : "test"; }

// BLAKE2b of the seed under a 16-byte personalisation, no key, no salt.
void DeriveFromSeed(std::span<const std::uint8_t, kSeedBytes> seed, const char* personal,
                    std::uint8_t* out, std::size_t out_len) {
  static_assert(sizeof(kPersonalSpendSk) - 1 == crypto_generichash_blake2b_PERSONALBYTES);
  static_assert(sizeof(kPersonalViewKey) - 1 == crypto_generichash_blake2b_PERSONALBYTES);
  crypto_generichash_blake2b_salt_personal(out, out_len, seed.data(), seed.size(), nullptr, 0,
                                           nullptr,
                                           reinterpret_cast<const unsigned char*>(personal));
}

// 128-bit big-endian chunk k (0 = most significant) of the 64-byte input, as an element of Fr.
Fr Chunk128(std::span<const std::uint8_t, 64> wide, std::size_t k) {
  math::BigInt<4> x;
  x.FromBytesBE(wide.data() + 16 * k, 16);  // < 2^128 < r
  Fr f = Fr::FromCanonical(x);
  sodium_memzero(&x, sizeof x);
  return f;
}

// Recognises the prefix of a string meant for another network or another kind of key, so the
// error can say what it is instead of just "wrong prefix".
Status CheckHrp(const std::string& hrp, Network network, bool viewing_key) {
  const char* want = viewing_key ? ViewingKeyHrp(network) : AddressHrp(network);
  if (hrp == want) return Status::Ok();
  const char* what = viewing_key ? "viewing key" : "address";
  for (Network other : {Network::kMain, Network::kTest}) {
    if (hrp == (viewing_key ? ViewingKeyHrp(other) : AddressHrp(other))) {
      return Status::InvalidArgument(std::string("this ") + what + " is for the " +
                                     NetworkName(other) + " network, expected one for the " +
                                     NetworkName(network) + " network");
    }
    if (hrp == (viewing_key ? AddressHrp(other) : ViewingKeyHrp(other))) {
      return Status::InvalidArgument(std::string("expected a ") + what + ", got a " +
                                     (viewing_key ? "payment address" : "viewing key"));
    }
  }
  return Status::InvalidArgument(std::string("not a Depinfer ") + what + " (prefix \"" + hrp +
                                 "\", expected \"" + want + "\")");
}

bool IsSmallOrder(const X25519Key& point) {
  internal::EnsureSodium();
  // Clamped X25519 scalars are multiples of 8, so the product is the identity (all zeros,
  // which crypto_scalarmult reports as -1) exactly when the point's order divides 8.
  std::uint8_t scalar[crypto_scalarmult_SCALARBYTES];
  std::memset(scalar, 0x5a, sizeof scalar);
  std::uint8_t out[crypto_scalarmult_BYTES];
  return crypto_scalarmult(out, scalar, point.data()) != 0;
}

}  // namespace

Fr ReduceWide512(std::span<const std::uint8_t, 64> wide) {
  static const Fr kTwo128 = [] {
    math::BigInt<4> x;
    x.limb[2] = 1;
    return Fr::FromCanonical(x);
  }();
  Fr acc = Chunk128(wide, 0);
  for (std::size_t k = 1; k < 4; ++k) acc = acc * kTwo128 + Chunk128(wide, k);
  return acc;
}

// --- Address ------------------------------------------------------------------------------

std::string Address::Encode(Network network) const {
  std::uint8_t payload[kPayloadBytes];
  pk.ToBytesBE(payload);
  std::memcpy(payload + 32, view_public.data(), 32);
  return Bech32mEncode(AddressHrp(network), payload);
}

Status Address::Decode(std::string_view text, Network network, Address* out) {
  std::string hrp;
  std::vector<std::uint8_t> payload;
  DEPINFER_RETURN_IF_ERROR(Bech32mDecode(text, &hrp, &payload).WithContext("address"));
  DEPINFER_RETURN_IF_ERROR(CheckHrp(hrp, network, false));
  if (payload.size() != kPayloadBytes) {
    return Status::InvalidArgument("address payload must be 64 bytes, got " +
                                   std::to_string(payload.size()));
  }
  Address a;
  DEPINFER_RETURN_IF_ERROR(Fr::FromBytesBE(std::span(payload.data(), 32), &a.pk)
                               .WithContext("address pk"));
  std::memcpy(a.view_public.data(), payload.data() + 32, 32);
  if (IsSmallOrder(a.view_public)) {
    return Status::InvalidArgument(
        "address encryption key is a small-order X25519 point: no one could read notes sent "
        "to it");
  }
  *out = a;
  return Status::Ok();
}

// --- ViewingKey ---------------------------------------------------------------------------

ViewingKey::ViewingKey(const X25519Key& secret, const Fr& pk) : secret_(secret), pk_(pk) {
  internal::EnsureSodium();
  crypto_scalarmult_base(public_.data(), secret_.data());
}

ViewingKey::ViewingKey(ViewingKey&& other) noexcept
    : secret_(other.secret_), pk_(other.pk_), public_(other.public_) {
  other.Wipe();
}

ViewingKey& ViewingKey::operator=(ViewingKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    pk_ = other.pk_;
    public_ = other.public_;
    other.Wipe();
  }
  return *this;
}

ViewingKey::~ViewingKey() { Wipe(); }

void ViewingKey::Wipe() {
  sodium_memzero(secret_.data(), secret_.size());
  sodium_memzero(&pk_, sizeof pk_);
  sodium_memzero(public_.data(), public_.size());
}

Status ViewingKey::SharedSecret(const X25519Key& epk, X25519Key* shared) const {
  X25519Key s;
  if (crypto_scalarmult(s.data(), secret_.data(), epk.data()) != 0) {
    return Status::InvalidArgument("ephemeral key is a small-order X25519 point");
  }
  *shared = s;
  sodium_memzero(s.data(), s.size());
  return Status::Ok();
}

void ViewingKey::SharedSecrets(std::span<const X25519Key> epks, std::span<X25519Key> shared,
                               std::span<std::uint8_t> ok) const {
  X25519Batch(secret_, epks, shared, ok);
}

std::string ViewingKey::Encode(Network network) const {
  std::uint8_t payload[kPayloadBytes];
  std::memcpy(payload, secret_.data(), 32);
  pk_.ToBytesBE(payload + 32);
  std::string s = Bech32mEncode(ViewingKeyHrp(network), payload);
  sodium_memzero(payload, sizeof payload);
  return s;
}

Status ViewingKey::Decode(std::string_view text, Network network, ViewingKey* out) {
  std::string hrp;
  std::vector<std::uint8_t> payload;
  DEPINFER_RETURN_IF_ERROR(Bech32mDecode(text, &hrp, &payload).WithContext("viewing key"));
  auto wipe = [&] { sodium_memzero(payload.data(), payload.size()); };
  Status st = CheckHrp(hrp, network, true);
  if (st.ok() && payload.size() != kPayloadBytes) {
    st = Status::InvalidArgument("viewing key payload must be 64 bytes, got " +
                                 std::to_string(payload.size()));
  }
  Fr pk;
  if (st.ok()) {
    st = Fr::FromBytesBE(std::span(payload.data() + 32, 32), &pk).WithContext("viewing key pk");
  }
  if (!st.ok()) {
    wipe();
    return st;
  }
  X25519Key secret;
  std::memcpy(secret.data(), payload.data(), 32);
  wipe();
  *out = ViewingKey(secret, pk);
  sodium_memzero(secret.data(), secret.size());
  return Status::Ok();
}

// --- SpendingKey --------------------------------------------------------------------------

SpendingKey SpendingKey::FromSeed(std::span<const std::uint8_t, kSeedBytes> seed) {
  internal::EnsureSodium();
  std::uint8_t wide[64];
  DeriveFromSeed(seed, kPersonalSpendSk, wide, sizeof wide);
  Fr sk = ReduceWide512(std::span<const std::uint8_t, 64>(wide, 64));
  sodium_memzero(wide, sizeof wide);
  X25519Key view_secret;
  DeriveFromSeed(seed, kPersonalViewKey, view_secret.data(), view_secret.size());
  SpendingKey key(sk, ViewingKey(view_secret, OwnerKey(sk)));
  sodium_memzero(view_secret.data(), view_secret.size());
  sodium_memzero(&sk, sizeof sk);
  return key;
}

SpendingKey::SpendingKey(SpendingKey&& other) noexcept
    : sk_(other.sk_), view_(std::move(other.view_)) {
  sodium_memzero(&other.sk_, sizeof other.sk_);
}

SpendingKey& SpendingKey::operator=(SpendingKey&& other) noexcept {
  if (this != &other) {
    sk_ = other.sk_;
    view_ = std::move(other.view_);
    sodium_memzero(&other.sk_, sizeof other.sk_);
  }
  return *this;
}

SpendingKey::~SpendingKey() { sodium_memzero(&sk_, sizeof sk_); }

}  // namespace depinfer::shield
