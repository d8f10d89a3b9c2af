// .zkey: the snarkjs Groth16 key parsed and compared with `snarkjs zkey export json`, its
// coefficients compared with the circuit's .r1cs, the corruption cases, and our writer (which
// gives snarkjs's file back byte for byte, plus our checksum section).
#include "snark/formats/zkey.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "formats_test_util.h"
#include "snark/formats/r1cs.h"

namespace depinfer::snark::formats {
namespace {

using namespace testing;
using nlohmann::json;

Groth16Zkey Fixture() {
  Groth16Zkey z;
  Status st = ParseGroth16Zkey(LoadBytes("formats.zkey"), &z);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return z;
}

json G1Json(const G1Affine& p) {
  if (p.infinity) return json::array({"0", "1", "0"});
  return json::array({p.x.ToDecimal(), p.y.ToDecimal(), "1"});
}
json G2Json(const G2Affine& p) {
  if (p.infinity) return json::array({json::array({"0", "0"}), json::array({"1", "0"}), json::array({"0", "0"})});
  return json::array({json::array({p.x.c0.ToDecimal(), p.x.c1.ToDecimal()}),
                      json::array({p.y.c0.ToDecimal(), p.y.c1.ToDecimal()}), json::array({"1", "0"})});
}

TEST(Zkey, FixtureMatchesSnarkjsExport) {
  Groth16Zkey z = Fixture();
  json j = LoadJson("formats.zkey.json");
  EXPECT_EQ(j["protocol"], "groth16");
  EXPECT_EQ(j["q"].get<std::string>(), Fp::kModulus.ToDecimal());
  EXPECT_EQ(j["r"].get<std::string>(), Fr::kModulus.ToDecimal());
  EXPECT_EQ(z.n_vars, j["nVars"].get<std::uint32_t>());
  EXPECT_EQ(z.n_public, j["nPublic"].get<std::uint32_t>());
  EXPECT_EQ(z.domain_size, j["domainSize"].get<std::uint32_t>());
  EXPECT_EQ(G1Json(z.alpha1), j["vk_alpha_1"]);
  EXPECT_EQ(G1Json(z.beta1), j["vk_beta_1"]);
  EXPECT_EQ(G2Json(z.beta2), j["vk_beta_2"]);
  EXPECT_EQ(G2Json(z.gamma2), j["vk_gamma_2"]);
  EXPECT_EQ(G1Json(z.delta1), j["vk_delta_1"]);
  EXPECT_EQ(G2Json(z.delta2), j["vk_delta_2"]);
  ASSERT_EQ(z.ic.size(), j["IC"].size());
  for (std::size_t i = 0; i < z.ic.size(); ++i) EXPECT_EQ(G1Json(z.ic[i]), j["IC"][i]) << i;
  ASSERT_EQ(z.coeffs.size(), j["ccoefs"].size());
  for (std::size_t i = 0; i < z.coeffs.size(); ++i) {
    const auto& c = j["ccoefs"][i];
    EXPECT_EQ(z.coeffs[i].matrix, c["matrix"].get<std::uint32_t>()) << i;
    EXPECT_EQ(z.coeffs[i].constraint, c["constraint"].get<std::uint32_t>()) << i;
    EXPECT_EQ(z.coeffs[i].signal, c["signal"].get<std::uint32_t>()) << i;
    EXPECT_EQ(z.coeffs[i].value.ToDecimal(), c["value"].get<std::string>()) << i;
  }
  ASSERT_EQ(z.a.size(), j["A"].size());
  ASSERT_EQ(z.b1.size(), j["B1"].size());
  ASSERT_EQ(z.b2.size(), j["B2"].size());
  for (std::size_t i = 0; i < z.n_vars; ++i) {
    EXPECT_EQ(G1Json(z.a[i]), j["A"][i]) << i;
    EXPECT_EQ(G1Json(z.b1[i]), j["B1"][i]) << i;
    EXPECT_EQ(G2Json(z.b2[i]), j["B2"][i]) << i;
  }
  // snarkjs's export pads C with nulls for the public wires; the file stores only the private.
  ASSERT_EQ(j["C"].size(), z.n_vars);
  ASSERT_EQ(z.c.size(), z.n_vars - z.n_public - 1);
  for (std::size_t i = 0; i <= z.n_public; ++i) EXPECT_TRUE(j["C"][i].is_null());
  for (std::size_t i = 0; i < z.c.size(); ++i) EXPECT_EQ(G1Json(z.c[i]), j["C"][z.n_public + 1 + i]) << i;
  ASSERT_EQ(z.h.size(), j["hExps"].size());
  for (std::size_t i = 0; i < z.h.size(); ++i) EXPECT_EQ(G1Json(z.h[i]), j["hExps"][i]) << i;
  EXPECT_TRUE(z.b2[0].infinity);  // wire 0 never appears in B in this circuit
}

TEST(Zkey, Contributions) {
  Groth16Zkey z = Fixture();
  ASSERT_EQ(z.contributions.size(), 2u);
  EXPECT_EQ(z.contributions[0].type, 0u);
  EXPECT_EQ(z.contributions[0].name, "depinfer fixtures");
  EXPECT_FALSE(z.contributions[0].has_num_iterations_exp);
  EXPECT_EQ(z.contributions[1].type, 1u);
  EXPECT_EQ(z.contributions[1].name, "depinfer beacon");
  EXPECT_TRUE(z.contributions[1].has_num_iterations_exp);
  EXPECT_EQ(z.contributions[1].num_iterations_exp, 10);
  ASSERT_EQ(z.contributions[1].beacon_hash.size(), 32u);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(z.contributions[1].beacon_hash[i], i + 1);
  EXPECT_EQ(z.contributions[1].delta_after, z.delta1);
  EXPECT_NE(z.contributions[0].delta_after, z.delta1);
}

// The coefficient section is the r1cs's A and B matrices, plus one A entry per public wire.
TEST(Zkey, CoefficientsAreTheR1csMatrices) {
  Groth16Zkey z = Fixture();
  R1cs r;
  ASSERT_TRUE(ParseR1cs(LoadBytes("formats.r1cs"), &r).ok());
  ASSERT_EQ(z.n_vars, r.n_wires);
  ASSERT_EQ(z.n_public, r.n_public());
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, Fr> want, got;
  for (std::uint32_t i = 0; i < r.constraints.size(); ++i) {
    for (const auto& t : r.constraints[i].a) want[{0, i, t.wire}] = t.coeff;
    for (const auto& t : r.constraints[i].b) want[{1, i, t.wire}] = t.coeff;
  }
  for (std::uint32_t s = 0; s <= r.n_public(); ++s) {
    want[{0, static_cast<std::uint32_t>(r.constraints.size()) + s, s}] = Fr::One();
  }
  for (const auto& c : z.coeffs) got[{c.matrix, c.constraint, c.signal}] = c.value;
  EXPECT_EQ(got.size(), z.coeffs.size());
  EXPECT_EQ(got, want);
}

// --- corruption -----------------------------------------------------------------------------

class ZkeyCorruption : public ::testing::Test {
 protected:
  void SetUp() override { bytes_ = LoadBytes("formats.zkey"); }
  Status Parse(const std::vector<std::uint8_t>& b) {
    Groth16Zkey z;
    z.n_vars = 4242;
    Status st = ParseGroth16Zkey(b, &z);
    if (!st.ok()) {
      EXPECT_EQ(z.n_vars, 4242u) << "output modified on failure";
    }
    return st;
  }
  std::size_t At(std::uint32_t section) const { return SectionDataAt(bytes_, section); }
  // Offsets inside section 2.
  std::size_t Counts() const { return At(2) + 4 + 32 + 4 + 32; }  // nVars, nPublic, domainSize
  std::size_t Alpha1() const { return Counts() + 12; }
  std::size_t Beta2() const { return Alpha1() + 2 * kG1Bytes; }
  std::vector<std::uint8_t> bytes_;
};

void PutG2Mont(std::vector<std::uint8_t>& b, std::size_t at, const G2Affine& p) {
  PutLe256(b, at, p.x.c0.montgomery());
  PutLe256(b, at + 32, p.x.c1.montgomery());
  PutLe256(b, at + 64, p.y.c0.montgomery());
  PutLe256(b, at + 96, p.y.c1.montgomery());
}

TEST_F(ZkeyCorruption, EveryTruncationFails) {
  for (std::size_t n = 0; n < bytes_.size(); ++n) {
    EXPECT_FALSE(Parse(std::vector<std::uint8_t>(bytes_.begin(), bytes_.begin() + n)).ok()) << n;
  }
}

TEST_F(ZkeyCorruption, MagicVersionProtocolPrimes) {
  auto b = bytes_;
  b[0] = 'p';
  EXPECT_ERROR_CONTAINS(Parse(b), "wrong magic");
  b = bytes_;
  PutLe32(b, 4, 2);
  EXPECT_ERROR_CONTAINS(Parse(b), "unsupported version 2");
  for (std::uint32_t protocol : {0u, 2u, 10u}) {
    b = bytes_;
    PutLe32(b, At(1), protocol);
    EXPECT_ERROR_CONTAINS(Parse(b), "is not Groth16");
  }
  b = bytes_;
  b[At(2) + 4] ^= 2;
  EXPECT_ERROR_CONTAINS(Parse(b), "is not BN254's base field q");
  b = bytes_;
  PutLe256(b, At(2) + 4, Fr::kModulus);  // r where q belongs
  EXPECT_ERROR_CONTAINS(Parse(b), "is not BN254's base field q");
  b = bytes_;
  b[At(2) + 4 + 32 + 4 + 31] ^= 0x10;
  EXPECT_ERROR_CONTAINS(Parse(b), "is not BN254's scalar field r");
  b = bytes_;
  PutLe32(b, At(2), 48);
  EXPECT_ERROR_CONTAINS(Parse(b), "field element size is 48");
}

TEST_F(ZkeyCorruption, Counts) {
  auto b = bytes_;
  PutLe32(b, Counts(), 8);  // nVars
  EXPECT_ERROR_CONTAINS(Parse(b), "nVars G1 points");
  b = bytes_;
  PutLe32(b, Counts() + 4, 7);  // nPublic = nVars
  EXPECT_ERROR_CONTAINS(Parse(b), "exceeds nVars");
  b = bytes_;
  PutLe32(b, Counts() + 4, 2);
  EXPECT_ERROR_CONTAINS(Parse(b), "(nPublic + 1) G1 points");
  for (std::uint32_t d : {0u, 6u, 1u << 29}) {
    b = bytes_;
    PutLe32(b, Counts() + 8, d);
    EXPECT_ERROR_CONTAINS(Parse(b), "not a power of two");
  }
  b = bytes_;
  PutLe32(b, Counts() + 8, 16);
  EXPECT_ERROR_CONTAINS(Parse(b), "domainSize G1 points");
}

TEST_F(ZkeyCorruption, HeaderPoints) {
  auto b = bytes_;
  std::fill(b.begin() + static_cast<std::ptrdiff_t>(Alpha1()), b.begin() + static_cast<std::ptrdiff_t>(Alpha1() + 64), 0);
  EXPECT_ERROR_CONTAINS(Parse(b), "alpha1 is the point at infinity");
  b = bytes_;
  b[Alpha1() + 40] ^= 1;  // y
  EXPECT_ERROR_CONTAINS(Parse(b), "not on the curve");
  b = bytes_;
  PutLe256(b, Alpha1(), Fp::kModulus);
  EXPECT_ERROR_CONTAINS(Parse(b), "not canonical");
  b = bytes_;
  PutG2Mont(b, Beta2(), TwistPointOutsideG2());
  EXPECT_ERROR_CONTAINS(Parse(b), "beta2");
  EXPECT_ERROR_CONTAINS(Parse(b), "not in the prime-order subgroup");
  b = bytes_;
  b[Beta2() + 100] ^= 4;
  EXPECT_ERROR_CONTAINS(Parse(b), "not on the twist");
  // The same point with c0 and c1 swapped (the Ethereum order) is not on the twist.
  Groth16Zkey z;
  ASSERT_TRUE(ParseGroth16Zkey(bytes_, &z).ok());
  G2Affine swapped = z.beta2;
  std::swap(swapped.x.c0, swapped.x.c1);
  std::swap(swapped.y.c0, swapped.y.c1);
  b = bytes_;
  PutG2Mont(b, Beta2(), swapped);
  EXPECT_ERROR_CONTAINS(Parse(b), "not on the twist");
}

TEST_F(ZkeyCorruption, SectionPoints) {
  Groth16Zkey z;
  ASSERT_TRUE(ParseGroth16Zkey(bytes_, &z).ok());
  for (std::uint32_t s : {3u, 5u, 6u, 8u, 9u}) {
    auto b = bytes_;
    b[At(s) + 33] ^= 0x01;  // the first point's y (or, for an all-zero point, no longer zero)
    EXPECT_ERROR_CONTAINS(Parse(b), "not on the curve");
    b = bytes_;
    for (int i = 0; i < 32; ++i) b[At(s) + i] = 0xff;
    EXPECT_ERROR_CONTAINS(Parse(b), "not canonical");
  }
  // B2: the last point (wire 0 is at infinity) replaced by a twist point outside G2.
  auto b = bytes_;
  PutG2Mont(b, At(7) + (z.n_vars - 1) * kG2Bytes, TwistPointOutsideG2());
  EXPECT_ERROR_CONTAINS(Parse(b), "zkey B2");
  EXPECT_ERROR_CONTAINS(Parse(b), "not in the prime-order subgroup");
}

TEST_F(ZkeyCorruption, Coefficients) {
  const std::size_t c = At(4);
  auto b = bytes_;
  PutLe32(b, c, GetLe32(bytes_, c) + 1);
  EXPECT_ERROR_CONTAINS(Parse(b), "4 + nCoefs * 44");
  b = bytes_;
  PutLe32(b, c, 0xffffffff);
  EXPECT_ERROR_CONTAINS(Parse(b), "4 + nCoefs * 44");
  b = bytes_;
  PutLe32(b, c + 4, 2);
  EXPECT_ERROR_CONTAINS(Parse(b), "is not A (0) or B (1)");
  b = bytes_;
  PutLe32(b, c + 8, 8);
  EXPECT_ERROR_CONTAINS(Parse(b), "outside the domain");
  b = bytes_;
  PutLe32(b, c + 12, 7);
  EXPECT_ERROR_CONTAINS(Parse(b), "signal 7 >= nVars");
  b = bytes_;
  PutLe256(b, c + 16, Fr::kModulus);
  EXPECT_ERROR_CONTAINS(Parse(b), "coefficient is not canonical");
}

TEST_F(ZkeyCorruption, Contributions) {
  const std::size_t c = At(10);
  const std::size_t first = c + 64 + 4;
  const std::size_t contribution_fixed = 3 * kG1Bytes + kG2Bytes + 64;
  auto b = bytes_;
  PutLe32(b, c + 64, 3);
  EXPECT_FALSE(Parse(b).ok());
  b = bytes_;
  PutLe32(b, c + 64, 1);
  EXPECT_ERROR_CONTAINS(Parse(b), "section size does not add up");
  b = bytes_;
  PutLe32(b, c + 64, 0xffffffff);
  EXPECT_ERROR_CONTAINS(Parse(b), "claims 4294967295 contributions");
  b = bytes_;
  PutLe32(b, first + contribution_fixed, 7);  // type
  EXPECT_ERROR_CONTAINS(Parse(b), "unknown contribution type 7");
  // The first contribution's parameters: tag 1 (name), length, "depinfer fixtures".
  const std::size_t params = first + contribution_fixed + 8;
  ASSERT_EQ(b[params], 1);
  b = bytes_;
  b[params] = 9;
  EXPECT_ERROR_CONTAINS(Parse(b), "unknown contribution parameter tag 9");
  b = bytes_;
  b[params] = 0;
  EXPECT_ERROR_CONTAINS(Parse(b), "increasing tag order");
  b = bytes_;
  b[params + 1] = 200;  // name longer than the parameters
  EXPECT_ERROR_CONTAINS(Parse(b), "truncated contribution parameter");
  b = bytes_;
  PutLe32(b, params - 4, GetLe32(bytes_, params - 4) + 1000);  // paramsLength
  EXPECT_ERROR_CONTAINS(Parse(b), "truncated");
  // The last contribution's deltaAfter no longer matches delta1 (alpha1 is a valid point).
  Groth16Zkey z;
  ASSERT_TRUE(ParseGroth16Zkey(bytes_, &z).ok());
  std::size_t second = params + GetLe32(bytes_, params - 4);
  b = bytes_;
  std::copy(bytes_.begin() + static_cast<std::ptrdiff_t>(Alpha1()),
            bytes_.begin() + static_cast<std::ptrdiff_t>(Alpha1() + kG1Bytes),
            b.begin() + static_cast<std::ptrdiff_t>(second));
  EXPECT_ERROR_CONTAINS(Parse(b), "does not match the last contribution");
}

TEST_F(ZkeyCorruption, SectionTable) {
  for (std::uint32_t s = 1; s <= 10; ++s) {
    auto b = bytes_;
    PutLe32(b, SectionHeaderAt(b, s), 11);
    EXPECT_ERROR_CONTAINS(Parse(b), "unknown section type 11");
    b = bytes_;
    PutLe32(b, SectionHeaderAt(b, s), s == 1 ? 2 : 1);
    EXPECT_ERROR_CONTAINS(Parse(b), "duplicate section");
    b = bytes_;
    PutLe64(b, SectionHeaderAt(b, s) + 4, SectionSize(bytes_, s) + 1);
    EXPECT_FALSE(Parse(b).ok()) << s;
    b = bytes_;
    PutLe64(b, SectionHeaderAt(b, s) + 4, SectionSize(bytes_, s) + (1ull << 33));
    EXPECT_ERROR_CONTAINS(Parse(b), "claims");
  }
  auto b = bytes_;
  b.push_back(1);
  EXPECT_ERROR_CONTAINS(Parse(b), "trailing bytes");
}

TEST_F(ZkeyCorruption, ByteFlipsParseOrFailCleanly) {
  // Flips across the whole file (a stride keeps it quick): each must give a clean Status. The
  // flips a strict parser cannot see are those that leave a valid value: inside the coefficient
  // values (12 * 32 bytes), the circuit hash and transcripts (3 * 64), the names and the beacon
  // hash (64): about 640 bytes, every fifth of them.
  constexpr std::size_t kStride = 5;
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < bytes_.size(); i += kStride) {
    auto b = bytes_;
    b[i] ^= 0x21;
    Groth16Zkey z;
    if (ParseGroth16Zkey(b, &z).ok()) ++accepted;
  }
  EXPECT_LT(accepted * kStride, 640u + 50);
}

// --- writer ------------------------------------------------------------------------------

// Our writer reproduces snarkjs's file exactly, section by section; only the checksum section
// is added at the end.
TEST(ZkeyWriter, ReproducesSnarkjsFileThenAddsChecksum) {
  const std::vector<std::uint8_t> theirs = LoadBytes("formats.zkey");
  const std::vector<std::uint8_t> ours = WriteGroth16Zkey(Fixture());
  ASSERT_EQ(ours.size(), theirs.size() + 12 + 32);
  // Same magic and version; the section count is one more.
  EXPECT_TRUE(std::equal(theirs.begin(), theirs.begin() + 8, ours.begin()));
  EXPECT_EQ(GetLe32(ours, 8), GetLe32(theirs, 8) + 1);
  EXPECT_TRUE(std::equal(theirs.begin() + 12, theirs.end(), ours.begin() + 12));
  EXPECT_EQ(GetLe32(ours, theirs.size()), kZkeyChecksumSection);
  EXPECT_FALSE(ZkeyHasChecksum(theirs));
  EXPECT_TRUE(ZkeyHasChecksum(ours));
}

TEST(ZkeyWriter, RoundTrip) {
  const Groth16Zkey z = Fixture();
  Groth16Zkey back;
  ASSERT_TRUE(ParseGroth16Zkey(WriteGroth16Zkey(z), &back).ok());
  EXPECT_EQ(back.n_vars, z.n_vars);
  EXPECT_EQ(back.n_public, z.n_public);
  EXPECT_EQ(back.domain_size, z.domain_size);
  EXPECT_EQ(back.alpha1, z.alpha1);
  EXPECT_EQ(back.beta2, z.beta2);
  EXPECT_EQ(back.gamma2, z.gamma2);
  EXPECT_EQ(back.delta2, z.delta2);
  EXPECT_EQ(back.ic, z.ic);
  EXPECT_EQ(back.coeffs, z.coeffs);
  EXPECT_EQ(back.a, z.a);
  EXPECT_EQ(back.b1, z.b1);
  EXPECT_EQ(back.b2, z.b2);
  EXPECT_EQ(back.c, z.c);
  EXPECT_EQ(back.h, z.h);
  EXPECT_EQ(back.cs_hash, z.cs_hash);
  ASSERT_EQ(back.contributions.size(), z.contributions.size());
  for (std::size_t i = 0; i < z.contributions.size(); ++i) {
    EXPECT_EQ(back.contributions[i].name, z.contributions[i].name);
    EXPECT_EQ(back.contributions[i].beacon_hash, z.contributions[i].beacon_hash);
    EXPECT_EQ(back.contributions[i].transcript, z.contributions[i].transcript);
  }
}

// Any damage to a checksummed key is reported as damage, before any field is looked at: here
// flips inside coefficient values that the field checks alone accept.
TEST(ZkeyWriter, ChecksumCatchesDamage) {
  const std::vector<std::uint8_t> file = WriteGroth16Zkey(Fixture());
  std::size_t rejected_by_checksum = 0, total = 0;
  for (std::size_t i = 0; i + 32 < file.size(); i += 7) {
    auto b = file;
    b[i] ^= 0x01;
    Groth16Zkey z;
    Status st = ParseGroth16Zkey(b, &z);
    ++total;
    EXPECT_FALSE(st.ok()) << "flip at " << i << " accepted";
    if (st.message().find("checksum") != std::string::npos) ++rejected_by_checksum;
  }
  // Flips in the section table may be caught by the container checks first; all others by
  // the checksum.
  EXPECT_GT(rejected_by_checksum * 10, total * 9);
  // Damage to the checksum itself.
  auto b = file;
  b.back() ^= 0x80;
  Groth16Zkey z;
  EXPECT_ERROR_CONTAINS(ParseGroth16Zkey(b, &z), "does not match its checksum");
  // The checksum section anywhere but last.
  b = WriteGroth16Zkey(Fixture());
  std::vector<std::uint8_t> moved(b.begin(), b.begin() + 12);
  const std::size_t cs_at = b.size() - 44;
  moved.insert(moved.end(), b.begin() + static_cast<std::ptrdiff_t>(cs_at), b.end());
  moved.insert(moved.end(), b.begin() + 12, b.begin() + static_cast<std::ptrdiff_t>(cs_at));
  EXPECT_ERROR_CONTAINS(ParseGroth16Zkey(moved, &z), "must be the last");
}

}  // namespace
}  // namespace depinfer::snark::formats
