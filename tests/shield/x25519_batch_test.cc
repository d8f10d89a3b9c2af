// The batched X25519 (IFMA, eight lanes) and its plain reference twin must equal libsodium's
// crypto_scalarmult bit for bit, including on non-canonical, twist and small-order inputs.
#include "shield/x25519_batch.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <random>

namespace depinfer::shield {
namespace {

X25519Key FromHex(const char* h) {
  X25519Key k{};
  EXPECT_EQ(sodium_hex2bin(k.data(), 32, h, 64, nullptr, nullptr, nullptr), 0);
  return k;
}

std::vector<X25519Key> EdgePoints() {
  std::vector<X25519Key> v;
  const char* hex[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",  // 0
      "0100000000000000000000000000000000000000000000000000000000000000",  // 1
      "0900000000000000000000000000000000000000000000000000000000000000",  // base point
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // 2^255 - 1
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // top bit set
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",  // order 8
      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",  // RFC 7748 5.2
  };
  for (const char* h : hex) v.push_back(FromHex(h));
  return v;
}

void CheckAgainstLibsodium(const X25519Key& scalar, const std::vector<X25519Key>& points) {
  const std::size_t n = points.size();
  std::vector<X25519Key> fast(n), ref(n);
  std::vector<std::uint8_t> fast_ok(n), ref_ok(n);
  X25519Batch(scalar, points, fast, fast_ok);
  X25519BatchReference(scalar, points, ref, ref_ok);
  for (std::size_t i = 0; i < n; ++i) {
    X25519Key want{};
    int rc = crypto_scalarmult(want.data(), scalar.data(), points[i].data());
    std::uint8_t want_ok = rc == 0 ? 1 : 0;
    ASSERT_EQ(ref_ok[i], want_ok) << i;
    ASSERT_EQ(fast_ok[i], want_ok) << i;
    if (want_ok) {
      ASSERT_EQ(ref[i], want) << "reference, point " << i;
      ASSERT_EQ(fast[i], want) << "batch, point " << i;
    } else {
      ASSERT_EQ(ref[i], X25519Key{});
      ASSERT_EQ(fast[i], X25519Key{});
    }
  }
}

TEST(X25519Batch, Rfc7748Vector) {
  // RFC 7748 section 5.2, first test vector.
  X25519Key scalar = FromHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
  X25519Key u = FromHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
  X25519Key out[1];
  std::uint8_t ok[1];
  X25519Batch(scalar, std::span(&u, 1), out, ok);
  EXPECT_EQ(out[0], FromHex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
  X25519BatchReference(scalar, std::span(&u, 1), out, ok);
  EXPECT_EQ(out[0], FromHex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
}

TEST(X25519Batch, EdgeCasesMatchLibsodium) {
  std::mt19937_64 rng(5);
  for (int s = 0; s < 8; ++s) {
    X25519Key scalar;
    for (auto& b : scalar) b = static_cast<std::uint8_t>(rng());
    if (s == 0) scalar.fill(0);
    if (s == 1) scalar.fill(0xff);
    CheckAgainstLibsodium(scalar, EdgePoints());
  }
}

TEST(X25519Batch, RandomInputsMatchLibsodium) {
  std::mt19937_64 rng(6);
  for (int round = 0; round < 20; ++round) {
    X25519Key scalar;
    for (auto& b : scalar) b = static_cast<std::uint8_t>(rng());
    // Any length (partial groups of eight), random bytes (on the curve or its twist, some
    // non-canonical) and honest public keys.
    std::vector<X25519Key> points(static_cast<std::size_t>(round * 3 + 1));
    for (std::size_t i = 0; i < points.size(); ++i) {
      for (auto& b : points[i]) b = static_cast<std::uint8_t>(rng());
      if (i % 2 == 1) {
        X25519Key sk = points[i];
        crypto_scalarmult_base(points[i].data(), sk.data());
      }
    }
    CheckAgainstLibsodium(scalar, points);
  }
}

TEST(X25519Batch, ReportsBackend) {
  std::printf("batched X25519 uses %s\n", X25519BatchUsesIfma() ? "AVX-512 IFMA" : "libsodium");
}

}  // namespace
}  // namespace depinfer::shield
