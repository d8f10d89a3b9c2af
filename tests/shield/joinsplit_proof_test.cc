// Join-split proofs: ours verify here and in snarkjs, tampering is caught, a bad witness gets
// an error that names the broken part, and the circuit exports to circom's .r1cs.
#include <gtest/gtest.h>

#include "shield_test_util.h"
#include "snark/formats/r1cs.h"

namespace depinfer::shield {
namespace {

using testing::Fixture;
using testing::TestKeys;

TEST(JoinSplitProof, VerifiesHereAndInSnarkjs) {
  Fixture f(70, 30, 90, 10);
  const JoinSplitPublic pub = f.Public({true, 0});
  Proof proof;
  ASSERT_TRUE(TestKeys().Prove(pub, f.wit, &proof).ok());
  EXPECT_TRUE(TestKeys().Verify(pub, proof).ok());

  const int snarkjs = testing::SnarkjsVerify(TestKeys().verifying_key(), pub.ToVector(), proof);
  if (snarkjs < 0) GTEST_SKIP() << "snarkjs not available (set DEPINFER_SNARKJS)";
  EXPECT_EQ(snarkjs, 1);
  // snarkjs rejects it for another statement too.
  JoinSplitPublic other = pub;
  other.ext_hash += Fr::One();
  EXPECT_EQ(testing::SnarkjsVerify(TestKeys().verifying_key(), other.ToVector(), proof), 0);
}

TEST(JoinSplitProof, RejectsOtherStatementsAndTamperedProofs) {
  Fixture f(70, 30, 80, 10);
  const JoinSplitPublic pub = f.Public({true, 10});
  Proof proof;
  ASSERT_TRUE(TestKeys().Prove(pub, f.wit, &proof).ok());
  ASSERT_TRUE(TestKeys().Verify(pub, proof).ok());
  for (std::size_t k = 0; k < kJoinSplitPublicInputs; ++k) {
    std::vector<Fr> v = pub.ToVector();
    v[k] += Fr::One();
    EXPECT_FALSE(TestKeys().Verify(JoinSplitPublic::FromVector(v), proof).ok()) << "input " << k;
  }
  Proof tampered = proof;
  tampered.c = proof.a;
  EXPECT_FALSE(TestKeys().Verify(pub, tampered).ok());
  tampered = proof;
  std::swap(tampered.a, tampered.c);
  EXPECT_FALSE(TestKeys().Verify(pub, tampered).ok());
}

TEST(JoinSplitProof, BadWitnessNamesTheBrokenPart) {
  Fixture f(70, 30, 90, 10);
  JoinSplitPublic pub = f.Public();
  pub.commitments[1] += Fr::One();
  Proof proof;
  const Status st = TestKeys().Prove(pub, f.wit, &proof);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("output[1]/commitment"), std::string::npos) << st.ToString();
}

TEST(JoinSplitProof, ZkeyForAnotherCircuitIsRefused) {
  std::unique_ptr<JoinSplitKeys> keys;
  const Status st = JoinSplitKeys::FromZkeyFile(DEPINFER_FORMATS_DATA "/formats.zkey", &keys);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not a join-split key"), std::string::npos) << st.ToString();
  EXPECT_FALSE(JoinSplitKeys::FromZkeyFile(DEPINFER_FORMATS_DATA "/missing.zkey", &keys).ok());
}

TEST(JoinSplitProof, ExportsToCircomR1cs) {
  const snark::formats::R1cs r1cs = JoinSplitR1cs();
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(snark::formats::WriteR1cs(r1cs, &bytes).ok());
  snark::formats::R1cs back;
  ASSERT_TRUE(snark::formats::ParseR1cs(bytes, &back).ok());
  EXPECT_EQ(back, r1cs);
  EXPECT_EQ(back.n_pub_in, kJoinSplitPublicInputs);
  EXPECT_EQ(back.constraints.size(), 18201u);
}

}  // namespace
}  // namespace depinfer::shield
