// .wtns: the witness snarkjs computed, compared with `snarkjs wtns export json`, the writer round
// trip (byte-identical to snarkjs's file) and the corruption cases.
#include "snark/formats/wtns.h"

#include <gtest/gtest.h>

#include "formats_test_util.h"

namespace depinfer::snark::formats {
namespace {

using namespace testing;

Status Parse(const std::vector<std::uint8_t>& b) {
  std::vector<Fr> w = {Fr::FromU64(77)};
  Status st = ParseWtns(b, &w);
  if (!st.ok()) {
    EXPECT_EQ(w, std::vector<Fr>{Fr::FromU64(77)}) << "output modified on failure";
  }
  return st;
}

TEST(Wtns, FixtureMatchesSnarkjs) {
  std::vector<Fr> w;
  Status st = ParseWtns(LoadBytes("formats.wtns"), &w);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto j = LoadJson("formats.wtns.json");
  ASSERT_EQ(w.size(), j.size());
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_EQ(w[i].ToDecimal(), j[i].get<std::string>()) << i;
  // input.json: a = 3, b = 11, c = 5; out = a*b*c + 7 = 172, d = (a - b)(a + 2b) = -200.
  EXPECT_TRUE(w[0].IsOne());
  EXPECT_EQ(w[1], Fr::FromU64(172));
  EXPECT_EQ(w[2], -Fr::FromU64(200));
  EXPECT_EQ(w[3], Fr::FromU64(5));
}

TEST(Wtns, WriterReproducesSnarkjsByteForByte) {
  auto bytes = LoadBytes("formats.wtns");
  std::vector<Fr> w;
  ASSERT_TRUE(ParseWtns(bytes, &w).ok());
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(WriteWtns(w, &out).ok());
  EXPECT_EQ(out, bytes);
}

TEST(Wtns, RoundTrip) {
  for (std::size_t n : {0, 1, 2, 100}) {
    std::vector<Fr> w;
    for (std::size_t i = 0; i < n; ++i) w.push_back(Fr::FromU64(i * 1000003) - Fr::FromU64(7));
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(WriteWtns(w, &out).ok());
    EXPECT_EQ(out.size(), 12 + 12 + 40 + 12 + 32 * n);
    std::vector<Fr> back;
    ASSERT_TRUE(ParseWtns(out, &back).ok());
    EXPECT_EQ(back, w);
  }
}

TEST(Wtns, Corruption) {
  const auto bytes = LoadBytes("formats.wtns");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(Parse(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + n)).ok()) << n;
  }
  auto b = bytes;
  b[3] = 'x';
  EXPECT_ERROR_CONTAINS(Parse(b), "wrong magic");
  for (std::uint32_t v : {1u, 3u}) {
    b = bytes;
    PutLe32(b, 4, v);
    EXPECT_ERROR_CONTAINS(Parse(b), "unsupported version");
  }
  const std::size_t h = SectionDataAt(bytes, 1);
  const std::size_t v = SectionDataAt(bytes, 2);
  b = bytes;
  b[h + 4 + 31] ^= 0x01;  // the prime's top byte
  EXPECT_ERROR_CONTAINS(Parse(b), "is not BN254's scalar field r");
  b = bytes;
  PutLe32(b, h, 8);  // a 64-bit field (Goldilocks-sized)
  EXPECT_ERROR_CONTAINS(Parse(b), "field element size is 8");
  b = bytes;
  PutLe32(b, h + 36, 8);  // nWitness one more than the values section holds
  EXPECT_ERROR_CONTAINS(Parse(b), "expected 32 * nWitness");
  b = bytes;
  PutLe32(b, h + 36, 6);
  EXPECT_ERROR_CONTAINS(Parse(b), "expected 32 * nWitness");
  b = bytes;
  PutLe256(b, v + 32 * 2, Fr::kModulus);
  EXPECT_ERROR_CONTAINS(Parse(b), "witness 2");
  b = bytes;
  PutLe64(b, SectionHeaderAt(b, 2) + 4, SectionSize(bytes, 2) + 32);
  EXPECT_ERROR_CONTAINS(Parse(b), "claims");
  b = bytes;
  PutLe32(b, SectionHeaderAt(b, 2), 1);
  EXPECT_ERROR_CONTAINS(Parse(b), "duplicate section 1");
  b = bytes;
  PutLe32(b, 8, 1);
  EXPECT_ERROR_CONTAINS(Parse(b), "trailing bytes");
}

}  // namespace
}  // namespace depinfer::snark::formats
