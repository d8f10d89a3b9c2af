// .r1cs: circom's file parsed and compared with `snarkjs r1cs export json` / `r1cs info`, the
// writer round trip (byte-identical to circom's output), and every corruption we can think of.
#include "snark/formats/r1cs.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "formats_test_util.h"
#include "snark/formats/wtns.h"

namespace depinfer::snark::formats {
namespace {

using namespace testing;

R1cs Fixture() {
  R1cs r;
  Status st = ParseR1cs(LoadBytes("formats.r1cs"), &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return r;
}

TEST(R1cs, FixtureMatchesSnarkjs) {
  R1cs r = Fixture();
  auto j = LoadJson("formats.r1cs.json");
  EXPECT_EQ(r.prime.ToDecimal(), j["prime"].get<std::string>());
  EXPECT_EQ(r.n_wires, j["nVars"].get<std::uint32_t>());
  EXPECT_EQ(r.n_pub_out, j["nOutputs"].get<std::uint32_t>());
  EXPECT_EQ(r.n_pub_in, j["nPubInputs"].get<std::uint32_t>());
  EXPECT_EQ(r.n_prv_in, j["nPrvInputs"].get<std::uint32_t>());
  EXPECT_EQ(r.n_labels, j["nLabels"].get<std::uint64_t>());
  ASSERT_EQ(r.constraints.size(), j["nConstraints"].get<std::size_t>());
  ASSERT_EQ(r.constraints.size(), j["constraints"].size());
  for (std::size_t i = 0; i < r.constraints.size(); ++i) {
    const R1csRow* rows[3] = {&r.constraints[i].a, &r.constraints[i].b, &r.constraints[i].c};
    for (int m = 0; m < 3; ++m) {
      const auto& want = j["constraints"][i][m];
      ASSERT_EQ(rows[m]->size(), want.size()) << "constraint " << i << " row " << m;
      for (const auto& t : *rows[m]) {
        EXPECT_EQ(t.coeff.ToDecimal(), want[std::to_string(t.wire)].get<std::string>())
            << "constraint " << i << " row " << m << " wire " << t.wire;
      }
    }
  }
  ASSERT_EQ(r.wire_to_label.size(), j["map"].size());
  for (std::size_t i = 0; i < r.wire_to_label.size(); ++i) EXPECT_EQ(r.wire_to_label[i], j["map"][i].get<std::uint64_t>());
  // `snarkjs r1cs info`, as recorded when the fixtures were made.
  std::string info = LoadText("r1cs_info.txt");
  auto count = [&](const std::string& what) -> std::uint64_t {
    std::string key = "# of " + what + ": ";
    auto at = info.find(key);
    EXPECT_NE(at, std::string::npos) << what;
    return at == std::string::npos ? ~0ull : std::stoull(info.substr(at + key.size()));
  };
  EXPECT_NE(info.find("Curve: bn-128"), std::string::npos);
  EXPECT_EQ(count("Wires"), r.n_wires);
  EXPECT_EQ(count("Constraints"), r.constraints.size());
  EXPECT_EQ(count("Private Inputs"), r.n_prv_in);
  EXPECT_EQ(count("Public Inputs"), r.n_pub_in);
  EXPECT_EQ(count("Labels"), r.n_labels);
  EXPECT_EQ(count("Outputs"), r.n_pub_out);
  EXPECT_EQ(r.n_wires, 7u);
  EXPECT_EQ(r.constraints.size(), 3u);
  EXPECT_EQ(r.n_public(), 3u);
}

TEST(R1cs, CircomCustomGatesAreRefused) {
  R1cs r;
  Status st = ParseR1cs(LoadBytes("custom_gates.r1cs"), &r);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_ERROR_CONTAINS(st, "PLONK custom gates");
}

TEST(R1cs, FixtureWitnessSatisfiesConstraints) {
  R1cs r = Fixture();
  std::vector<Fr> w;
  ASSERT_TRUE(ParseWtns(LoadBytes("formats.wtns"), &w).ok());
  std::size_t failed = 99;
  EXPECT_TRUE(R1csIsSatisfied(r, w, &failed));
  w[4] += Fr::One();  // private input a
  EXPECT_FALSE(R1csIsSatisfied(r, w, &failed));
  w.pop_back();
  EXPECT_FALSE(R1csIsSatisfied(r, w));
}

TEST(R1cs, WriterReproducesCircomByteForByte) {
  auto bytes = LoadBytes("formats.r1cs");
  R1cs r = Fixture();
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(WriteR1cs(r, &out).ok());
  EXPECT_EQ(out, bytes);
}

TEST(R1cs, WriterRoundTripOfOurOwnSystem) {
  R1cs r;
  r.n_wires = 5;
  r.n_pub_out = 1;
  r.n_pub_in = 1;
  r.n_prv_in = 1;
  r.n_labels = 9;
  r.wire_to_label = {0, 1, 2, 3, 8};
  // x * x = y,  y * (x + 5) = out,  with a coefficient of -1 and an empty row.
  R1csConstraint k1{{{3, Fr::One()}}, {{3, Fr::One()}}, {{4, Fr::One()}}};
  R1csConstraint k2{{{4, Fr::One()}}, {{3, Fr::One()}, {0, Fr::FromU64(5)}}, {{1, -Fr::One()}, {2, Fr::FromU64(2)}}};
  R1csConstraint k3{{}, {}, {}};
  r.constraints = {k1, k2, k3};
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(WriteR1cs(r, &out).ok());
  R1cs back;
  ASSERT_TRUE(ParseR1cs(out, &back).ok());
  EXPECT_EQ(back, r);
  std::vector<std::uint8_t> again;
  ASSERT_TRUE(WriteR1cs(back, &again).ok());
  EXPECT_EQ(again, out);
}

TEST(R1cs, WriterRejectsInconsistentSystems) {
  R1cs r = Fixture();
  std::vector<std::uint8_t> out = {42};
  R1cs bad = r;
  bad.constraints[0].a[0].wire = r.n_wires;
  EXPECT_ERROR_CONTAINS(WriteR1cs(bad, &out), "uses wire");
  bad = r;
  bad.wire_to_label.pop_back();
  EXPECT_ERROR_CONTAINS(WriteR1cs(bad, &out), "wire-to-label map");
  bad = r;
  bad.n_prv_in = r.n_wires;
  EXPECT_ERROR_CONTAINS(WriteR1cs(bad, &out), "exceeds nWires");
  bad = r;
  bad.wire_to_label[2] = r.n_labels;
  EXPECT_ERROR_CONTAINS(WriteR1cs(bad, &out), "out of range");
  bad = r;
  bad.prime = Fp::kModulus;
  EXPECT_FALSE(WriteR1cs(bad, &out).ok());
  EXPECT_EQ(out, std::vector<std::uint8_t>{42});  // untouched on failure
}

// --- corruption -----------------------------------------------------------------------------

class R1csCorruption : public ::testing::Test {
 protected:
  void SetUp() override { bytes_ = LoadBytes("formats.r1cs"); }
  Status Parse(const std::vector<std::uint8_t>& b) {
    R1cs r;
    r.n_wires = 12345;
    Status st = ParseR1cs(b, &r);
    if (!st.ok()) {
      EXPECT_EQ(r.n_wires, 12345u) << "output modified on failure";
    }
    return st;
  }
  std::size_t Header() const { return SectionDataAt(bytes_, 1); }
  std::size_t Constraints() const { return SectionDataAt(bytes_, 2); }
  std::vector<std::uint8_t> bytes_;
};

TEST_F(R1csCorruption, EveryTruncationFails) {
  for (std::size_t n = 0; n < bytes_.size(); ++n) {
    std::vector<std::uint8_t> t(bytes_.begin(), bytes_.begin() + n);
    EXPECT_FALSE(Parse(t).ok()) << "truncated to " << n;
  }
  auto longer = bytes_;
  longer.push_back(0);
  EXPECT_ERROR_CONTAINS(Parse(longer), "trailing");
}

TEST_F(R1csCorruption, MagicVersionPrime) {
  auto b = bytes_;
  b[1] = 'X';
  EXPECT_ERROR_CONTAINS(Parse(b), "wrong magic");
  b = bytes_;
  PutLe32(b, 4, 2);
  EXPECT_ERROR_CONTAINS(Parse(b), "unsupported version 2");
  b = bytes_;
  b[Header() + 4] ^= 1;  // the prime's lowest byte
  EXPECT_ERROR_CONTAINS(Parse(b), "is not BN254's scalar field r");
  b = bytes_;
  PutLe256(b, Header() + 4, Fp::kModulus);  // BN254's q instead of r
  EXPECT_ERROR_CONTAINS(Parse(b), "is not BN254's scalar field r");
  b = bytes_;
  PutLe32(b, Header(), 48);  // BLS12-381-sized field elements
  EXPECT_ERROR_CONTAINS(Parse(b), "field element size is 48");
}

TEST_F(R1csCorruption, SectionSizes) {
  for (std::uint32_t type : {1u, 2u, 3u}) {
    for (std::uint64_t delta : {1ull, 4ull, 36ull, 1ull << 40}) {
      auto b = bytes_;
      PutLe64(b, SectionHeaderAt(b, type) + 4, SectionSize(bytes_, type) + delta);
      EXPECT_FALSE(Parse(b).ok()) << "section " << type << " +" << delta;
      b = bytes_;
      PutLe64(b, SectionHeaderAt(b, type) + 4, SectionSize(bytes_, type) - 1);
      EXPECT_FALSE(Parse(b).ok()) << "section " << type << " -1";
    }
  }
  // Consistent container, inconsistent contents: the header section one byte longer.
  auto b = bytes_;
  std::size_t h = SectionHeaderAt(b, 1);
  PutLe64(b, h + 4, SectionSize(bytes_, 1) + 1);
  b.insert(b.begin() + static_cast<std::ptrdiff_t>(h + 12 + SectionSize(bytes_, 1)), 0);
  EXPECT_ERROR_CONTAINS(Parse(b), "section size does not add up");
}

TEST_F(R1csCorruption, SectionTable) {
  auto b = bytes_;
  PutLe32(b, SectionHeaderAt(b, 3), 2);
  EXPECT_ERROR_CONTAINS(Parse(b), "duplicate section 2");
  b = bytes_;
  PutLe32(b, SectionHeaderAt(b, 3), 99);
  EXPECT_ERROR_CONTAINS(Parse(b), "unknown section type 99");
  b = bytes_;
  PutLe32(b, SectionHeaderAt(b, 3), 4);
  EXPECT_ERROR_CONTAINS(Parse(b), "missing section 3");
  // A custom-gates section appended (a valid container, a file Groth16 cannot use).
  b = bytes_;
  PutLe32(b, 8, 4);
  for (std::uint8_t x : {4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) b.push_back(x);
  EXPECT_ERROR_CONTAINS(Parse(b), "custom gates");
}

TEST_F(R1csCorruption, Counts) {
  std::size_t h = Header() + 4 + 32;  // nWires
  auto b = bytes_;
  PutLe32(b, h, 4);  // wires 4..6 are now out of range, and 1 + 2 + 1 + 2 > 4
  EXPECT_ERROR_CONTAINS(Parse(b), "exceeds nWires");
  b = bytes_;
  PutLe32(b, h, 6);  // counts fit, but wire 6 is used
  EXPECT_FALSE(Parse(b).ok());
  b = bytes_;
  PutLe32(b, h + 16, 4);  // nLabels = 4: labels 4..6 out of range
  EXPECT_ERROR_CONTAINS(Parse(b), "label 4 is out of range");
  b = bytes_;
  PutLe32(b, h + 24, 4);  // nConstraints = 4
  EXPECT_FALSE(Parse(b).ok());
  b = bytes_;
  PutLe32(b, h + 24, 0xffffffff);
  EXPECT_ERROR_CONTAINS(Parse(b), "claims 4294967295 constraints");
  b = bytes_;
  PutLe32(b, h + 24, 2);  // fewer constraints than the section holds
  EXPECT_ERROR_CONTAINS(Parse(b), "section size does not add up");
}

TEST_F(R1csCorruption, Terms) {
  std::size_t c = Constraints();
  // Constraint 0, row A: nTerms, wire, coefficient.
  auto b = bytes_;
  PutLe32(b, c, 0xffffffff);
  EXPECT_ERROR_CONTAINS(Parse(b), "claims 4294967295 terms");
  b = bytes_;
  PutLe32(b, c + 4, 7);
  EXPECT_ERROR_CONTAINS(Parse(b), "wire id 7 is out of range");
  b = bytes_;
  PutLe256(b, c + 8, Fr::kModulus);
  EXPECT_ERROR_CONTAINS(Parse(b), "not canonical");
  b = bytes_;
  for (int i = 0; i < 32; ++i) b[c + 8 + i] = 0xff;
  EXPECT_ERROR_CONTAINS(Parse(b), "not canonical");
  b = bytes_;
  PutLe256(b, c + 8, Fr::kModulus);
  auto* p = &b[c + 8];
  p[0] -= 1;  // r - 1 is fine
  EXPECT_TRUE(Parse(b).ok());
}

TEST_F(R1csCorruption, EveryByteFlipParsesOrFailsCleanly) {
  // Not every flip is detectable (a coefficient changes to another canonical value), but none may
  // crash, and a parse that succeeds must re-encode to the flipped bytes.
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    auto b = bytes_;
    b[i] ^= 0x80;
    R1cs r;
    if (ParseR1cs(b, &r).ok()) {
      std::vector<std::uint8_t> out;
      ASSERT_TRUE(WriteR1cs(r, &out).ok());
      EXPECT_EQ(out, b) << "byte " << i;
    }
  }
}

}  // namespace
}  // namespace depinfer::snark::formats

namespace depinfer::snark::formats {
namespace {

TEST(FormatFiles, ReadAndWriteByPath) {
  using testing::DataPath;
  R1cs r;
  ASSERT_TRUE(ReadR1csFile(DataPath("formats.r1cs"), &r).ok());
  std::vector<Fr> w;
  ASSERT_TRUE(ReadWtnsFile(DataPath("formats.wtns"), &w).ok());
  EXPECT_EQ(ReadR1csFile("/nonexistent/x.r1cs", &r).code(), Status::Code::kIOError);
  std::string path = ::testing::TempDir() + "/depinfer_formats_file_test.r1cs";
  ASSERT_TRUE(WriteR1csFile(path, r).ok());
  R1cs back;
  ASSERT_TRUE(ReadR1csFile(path, &back).ok());
  EXPECT_EQ(back, r);
  ASSERT_TRUE(WriteWtnsFile(path, w).ok());  // a witness where a constraint system is expected
  Status st = ReadR1csFile(path, &back);
  EXPECT_ERROR_CONTAINS(st, path + ": r1cs: wrong magic \"wtns\"");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace depinfer::snark::formats
