// The iden3 binfile container: header and section table checks, the bounded reader, the writer.
#include "snark/formats/binfile.h"

#include <gtest/gtest.h>

#include "formats_test_util.h"

namespace depinfer::snark::formats {
namespace {

using testing::PutLe32;
using testing::PutLe64;

constexpr SectionSpec kSpecs[] = {{1, true, "one"}, {2, true, "two"}, {3, false, "three"}};

std::vector<std::uint8_t> Sample() {
  BinWriter w("test", 7);
  w.BeginSection(1);
  w.U32(0xdeadbeef);
  w.EndSection();
  w.BeginSection(2);
  w.U64(0x0102030405060708ULL);
  w.U32(5);
  w.EndSection();
  return w.Finish();
}

Status ParseSample(const std::vector<std::uint8_t>& b) {
  BinFile f;
  return BinFile::Parse(b, "test", "test", 7, kSpecs, &f);
}

TEST(BinFile, WriterLayoutAndParse) {
  auto b = Sample();
  ASSERT_EQ(b.size(), 12u + 12 + 4 + 12 + 12);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "test");
  EXPECT_EQ(testing::GetLe32(b, 4), 7u);
  EXPECT_EQ(testing::GetLe32(b, 8), 2u);
  BinFile f;
  ASSERT_TRUE(BinFile::Parse(b, "test", "test", 7, kSpecs, &f).ok());
  EXPECT_TRUE(f.Has(1));
  EXPECT_TRUE(f.Has(2));
  EXPECT_FALSE(f.Has(3));
  EXPECT_EQ(f.Section(1).size(), 4u);
  EXPECT_EQ(f.Section(2).size(), 12u);
  SectionReader r(f.Section(2), "two");
  std::uint64_t v64 = 0;
  std::uint32_t v32 = 0;
  ASSERT_TRUE(r.U64(&v64).ok());
  EXPECT_FALSE(r.ExpectEnd().ok());
  ASSERT_TRUE(r.U32(&v32).ok());
  EXPECT_EQ(v64, 0x0102030405060708ULL);
  EXPECT_EQ(v32, 5u);
  EXPECT_TRUE(r.ExpectEnd().ok());
  EXPECT_ERROR_CONTAINS(r.U32(&v32), "truncated");
  EXPECT_EQ(v32, 5u);  // untouched on failure
}

TEST(BinFile, EveryTruncationFails) {
  auto b = Sample();
  for (std::size_t n = 0; n < b.size(); ++n) {
    std::vector<std::uint8_t> t(b.begin(), b.begin() + n);
    EXPECT_FALSE(ParseSample(t).ok()) << "length " << n;
  }
}

TEST(BinFile, HeaderErrors) {
  auto b = Sample();
  auto m = b;
  m[0] = 'x';
  EXPECT_ERROR_CONTAINS(ParseSample(m), "wrong magic");
  m = b;
  PutLe32(m, 4, 8);
  EXPECT_ERROR_CONTAINS(ParseSample(m), "unsupported version 8");
  m = b;
  PutLe32(m, 8, 1000000);
  EXPECT_ERROR_CONTAINS(ParseSample(m), "section count");
  m = b;
  PutLe32(m, 8, 3);
  EXPECT_ERROR_CONTAINS(ParseSample(m), "truncated");
  m = b;
  PutLe32(m, 8, 1);
  EXPECT_ERROR_CONTAINS(ParseSample(m), "trailing bytes");
}

TEST(BinFile, SectionTableErrors) {
  auto b = Sample();
  auto m = b;
  PutLe64(m, 16, 5);  // section 1 claims one more byte than it has
  EXPECT_FALSE(ParseSample(m).ok());
  m = b;
  PutLe64(m, 16, ~std::uint64_t{0});
  EXPECT_ERROR_CONTAINS(ParseSample(m), "claims");
  m = b;
  PutLe64(m, 16, 3);  // one byte shorter: the next header is misread
  EXPECT_FALSE(ParseSample(m).ok());
  m = b;
  PutLe32(m, 12, 9);
  EXPECT_ERROR_CONTAINS(ParseSample(m), "unknown section type 9");
  m = b;
  PutLe32(m, 12 + 16, 1);  // the second section is also type 1
  EXPECT_ERROR_CONTAINS(ParseSample(m), "duplicate section 1");
  m = b;
  PutLe32(m, 12 + 16, 3);  // section 2 missing
  EXPECT_ERROR_CONTAINS(ParseSample(m), "missing section 2");
  m = b;
  m.push_back(0);
  EXPECT_ERROR_CONTAINS(ParseSample(m), "trailing bytes");
}

TEST(BinFile, LittleEndian256) {
  math::BigInt<4> v = Fr::kModulus;
  std::uint8_t b[32];
  StoreLE(v, b);
  EXPECT_EQ(b[0], 0x01);  // r = 0x30644e...f0000001
  EXPECT_EQ(b[31], 0x30);
  EXPECT_TRUE(LoadLE(b) == v);
}

}  // namespace
}  // namespace depinfer::snark::formats
