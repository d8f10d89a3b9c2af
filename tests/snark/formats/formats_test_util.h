// Shared helpers for the file-format tests: fixture loading, byte patching at section offsets,
// and points that are on the twist but outside G2.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "snark/formats/binfile.h"

namespace depinfer::snark::formats::testing {

inline std::string DataPath(const std::string& name) { return std::string(DEPINFER_FORMATS_DATA) + "/" + name; }

inline std::vector<std::uint8_t> LoadBytes(const std::string& name) {
  std::vector<std::uint8_t> out;
  Status st = ReadFileBytes(DataPath(name), &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

inline std::string LoadText(const std::string& name) {
  std::ifstream in(DataPath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json LoadJson(const std::string& name) { return nlohmann::json::parse(LoadText(name)); }

inline std::uint32_t GetLe32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
inline void PutLe32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int j = 0; j < 4; ++j) b[at + j] = static_cast<std::uint8_t>(v >> (8 * j));
}
inline void PutLe64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  for (int j = 0; j < 8; ++j) b[at + j] = static_cast<std::uint8_t>(v >> (8 * j));
}

// Offset of the section header (type u32, size u64) of section `type`, walking the table as the
// format describes it; the data starts 12 bytes later.
inline std::size_t SectionHeaderAt(const std::vector<std::uint8_t>& b, std::uint32_t type) {
  std::size_t pos = 12;
  std::uint32_t n = GetLe32(b, 8);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t t = GetLe32(b, pos);
    std::uint64_t size = GetLe32(b, pos + 4) | static_cast<std::uint64_t>(GetLe32(b, pos + 8)) << 32;
    if (t == type) return pos;
    pos += 12 + size;
  }
  ADD_FAILURE() << "no section " << type;
  return 0;
}
inline std::size_t SectionDataAt(const std::vector<std::uint8_t>& b, std::uint32_t type) {
  return SectionHeaderAt(b, type) + 12;
}
inline std::uint64_t SectionSize(const std::vector<std::uint8_t>& b, std::uint32_t type) {
  std::size_t h = SectionHeaderAt(b, type);
  return GetLe32(b, h + 4) | static_cast<std::uint64_t>(GetLe32(b, h + 8)) << 32;
}

// Writes a 32-byte little-endian integer.
inline void PutLe256(std::vector<std::uint8_t>& b, std::size_t at, const math::BigInt<4>& v) {
  StoreLE(v, b.data() + at);
}

// A point on the twist y^2 = x^3 + 3/(9+u) that is not in the order-r subgroup.
inline G2Affine TwistPointOutsideG2() {
  for (std::uint64_t i = 1;; ++i) {
    Fp2 x{Fp::FromU64(i), Fp::FromU64(1)};
    Fp2 y;
    if (!(x.Square() * x + math::bn254::G2Cfg::B()).SqrtVartime(&y)) continue;
    G2Affine p = G2Affine::FromXY(x, y);
    if (!math::bn254::IsInG2SubgroupVartime(math::bn254::G2::FromAffine(p))) return p;
  }
}

// Expects `st` to be an error whose message contains `needle`.
#define EXPECT_ERROR_CONTAINS(st, needle)                                              \
  do {                                                                                 \
    ::depinfer::Status _s = (st);                                                      \
    EXPECT_FALSE(_s.ok()) << "expected an error containing \"" << (needle) << "\"";    \
    EXPECT_NE(_s.message().find(needle), std::string::npos) << _s.ToString();          \
  } while (0)

}  // namespace depinfer::snark::formats::testing
