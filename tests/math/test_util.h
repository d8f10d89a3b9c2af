// Helpers shared by the math tests: a deterministic RNG and random group elements.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "math/bn254.h"

namespace depinfer::math::bn254::testing {

// Deterministic 64-bit generator so failures reproduce.
struct TestRng {
  std::mt19937_64 gen;
  explicit TestRng(std::uint64_t seed = 42) : gen(seed) {}
  std::uint64_t operator()() { return gen(); }
};

inline Fr RandomFr(TestRng& rng) { return Fr::Random(rng); }
inline G1 RandomG1(TestRng& rng) {
  return G1::FromAffine(G1Generator()).ScalarMulVartime(Fr::Random(rng).ToInt());
}
inline G2 RandomG2(TestRng& rng) {
  return G2::FromAffine(G2Generator()).ScalarMulVartime(Fr::Random(rng).ToInt());
}
// A point on the twist that (with overwhelming probability) is not in G2: solve for y at a
// random x without clearing the cofactor.
inline G2Affine RandomTwistPoint(TestRng& rng) {
  for (;;) {
    Fp2 x{Fp::Random(rng), Fp::Random(rng)};
    Fp2 y;
    if ((x.Square() * x + G2Cfg::B()).SqrtVartime(&y)) return G2Affine::FromXY(x, y);
  }
}

inline std::vector<std::uint8_t> FromHex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::size_t start = (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) ? 2 : 0;
  for (std::size_t i = start; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nib(hex[i]) * 16 + nib(hex[i + 1])));
  }
  return out;
}
inline std::string ToHex(const std::uint8_t* data, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(d[data[i] >> 4]);
    s.push_back(d[data[i] & 15]);
  }
  return s;
}

}  // namespace depinfer::math::bn254::testing
