// The Groth16 verifier on proofs simulated with the trapdoor: knowing alpha, beta, gamma, delta
// and the IC discrete logs, anyone can solve the verification equation for C, which exercises
// exactly the check a verifier makes (the prover and snarkjs interop tests come with the
// prover).
#include <gtest/gtest.h>

#include <random>

#include "snark/groth16/simulator.h"

namespace depinfer::snark::groth16 {
namespace {

using math::bn254::G1;
using math::bn254::G1Generator;
using math::bn254::G2;
using math::bn254::G2Generator;

struct Rng {
  std::mt19937_64 g;
  explicit Rng(std::uint64_t seed) : g(seed) {}
  std::uint64_t operator()() { return g(); }
};

struct Fixture {
  Trapdoor td;
  VerifyingKey vk;
  PreparedVerifyingKey pvk;

  Fixture(Rng& rng, std::size_t num_public) : td(Trapdoor::Random(rng, num_public)), vk(td.Key()) {
    EXPECT_TRUE(PreparedVerifyingKey::Prepare(vk, &pvk).ok());
  }
  Proof Simulate(Rng& rng, const std::vector<Fr>& inputs) const { return td.Simulate(rng, inputs); }
};

std::vector<Fr> RandomInputs(Rng& rng, std::size_t n) {
  std::vector<Fr> v(n);
  for (auto& x : v) x = Fr::Random(rng);
  return v;
}

TEST(Groth16VerifierTest, AcceptsValidAndRejectsTampered) {
  Rng rng(1);
  Fixture f(rng, 3);
  auto inputs = RandomInputs(rng, 3);
  Proof p = f.Simulate(rng, inputs);
  ASSERT_TRUE(f.pvk.Verify(inputs, p).ok());

  // Other public inputs.
  auto other = inputs;
  other[1] += Fr::One();
  Status st = f.pvk.Verify(other, p);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "proof does not verify");
  // Tampered points (valid group elements, wrong values).
  Proof t = p;
  t.a = (G1::FromAffine(t.a) + G1::FromAffine(G1Generator())).ToAffine();
  EXPECT_FALSE(f.pvk.Verify(inputs, t).ok());
  t = p;
  t.c = -t.c;
  EXPECT_FALSE(f.pvk.Verify(inputs, t).ok());
  t = p;
  t.b = Trapdoor::G2Mul(Fr::FromU64(5));
  EXPECT_FALSE(f.pvk.Verify(inputs, t).ok());
}

TEST(Groth16VerifierTest, RejectsMalformedProofsAndInputCounts) {
  Rng rng(2);
  Fixture f(rng, 2);
  auto inputs = RandomInputs(rng, 2);
  Proof p = f.Simulate(rng, inputs);
  // Wrong number of public inputs, both ways.
  std::vector<Fr> short_inputs(inputs.begin(), inputs.begin() + 1);
  Status st = f.pvk.Verify(short_inputs, p);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("malformed public inputs"), std::string::npos);
  auto long_inputs = inputs;
  long_inputs.push_back(Fr::One());
  EXPECT_FALSE(f.pvk.Verify(long_inputs, p).ok());
  // A point off the curve.
  Proof bad = p;
  bad.a.y += math::bn254::Fp::One();
  st = f.pvk.Verify(inputs, bad);
  EXPECT_NE(st.message().find("malformed proof A"), std::string::npos) << st.ToString();
  // A G2 point on the twist but outside the subgroup.
  math::bn254::Fp2 x{math::bn254::Fp::One(), math::bn254::Fp::Zero()}, y;
  for (;; x += math::bn254::Fp2::One()) {
    if ((x.Square() * x + math::bn254::G2Cfg::B()).SqrtVartime(&y)) break;
  }
  bad = p;
  bad.b = G2Affine::FromXY(x, y);
  st = f.pvk.Verify(inputs, bad);
  EXPECT_NE(st.message().find("subgroup"), std::string::npos) << st.ToString();
  // A key with a bad point is refused at preparation.
  VerifyingKey vk = f.vk;
  vk.ic[1].y += math::bn254::Fp::One();
  PreparedVerifyingKey out;
  EXPECT_FALSE(PreparedVerifyingKey::Prepare(vk, &out).ok());
}

TEST(Groth16VerifierTest, BatchAcceptsValidAndNamesTheBadOnes) {
  Rng rng(3);
  Fixture f(rng, 2);
  std::vector<std::vector<Fr>> inputs;
  std::vector<Proof> proofs;
  for (int j = 0; j < 13; ++j) {
    inputs.push_back(RandomInputs(rng, 2));
    proofs.push_back(f.Simulate(rng, inputs.back()));
  }
  std::vector<bool> bad;
  ASSERT_TRUE(f.pvk.VerifyBatch(inputs, proofs, &bad).ok());
  EXPECT_EQ(bad, std::vector<bool>(13, false));
  // Break three: wrong inputs, a swapped proof, and a malformed point.
  inputs[2][0] += Fr::One();
  std::swap(proofs[5], proofs[6]);
  proofs[11].c.y += math::bn254::Fp::One();
  Status st = f.pvk.VerifyBatch(inputs, proofs, &bad);
  EXPECT_FALSE(st.ok());
  std::vector<bool> want(13, false);
  want[2] = want[5] = want[6] = want[11] = true;
  EXPECT_EQ(bad, want) << st.ToString();
}

// Keys above PreparedVerifyingKey::kMaxTabledInputs take the MSM for their input terms instead
// of the fixed-base tables: the same answers.
TEST(Groth16VerifierTest, KeysWithManyInputsVerifyWithoutTables) {
  Rng rng(7);
  for (std::size_t n : {std::size_t{16}, std::size_t{17}, std::size_t{40}}) {
    Fixture f(rng, n);
    std::vector<std::vector<Fr>> inputs;
    std::vector<Proof> proofs;
    for (int j = 0; j < 5; ++j) {
      inputs.push_back(RandomInputs(rng, n));
      proofs.push_back(f.Simulate(rng, inputs.back()));
    }
    EXPECT_TRUE(f.pvk.Verify(inputs[0], proofs[0]).ok()) << n;
    std::vector<bool> bad;
    EXPECT_TRUE(f.pvk.VerifyBatch(inputs, proofs, &bad).ok()) << n;
    inputs[3][n - 1] += Fr::One();
    EXPECT_FALSE(f.pvk.Verify(inputs[3], proofs[3]).ok()) << n;
    EXPECT_FALSE(f.pvk.VerifyBatch(inputs, proofs, &bad).ok()) << n;
    std::vector<bool> want(5, false);
    want[3] = true;
    EXPECT_EQ(bad, want) << n;
  }
}

TEST(Groth16VerifierTest, BatchWithFixedWeightsIsDeterministic) {
  Rng rng(4);
  Fixture f(rng, 1);
  std::vector<std::vector<Fr>> inputs = {RandomInputs(rng, 1), RandomInputs(rng, 1)};
  std::vector<Proof> proofs = {f.Simulate(rng, inputs[0]), f.Simulate(rng, inputs[1])};
  // Two proofs whose errors cancel in an unweighted sum must still fail: C_0 + D and C_1 - D.
  G1 d = G1::FromAffine(G1Generator());
  proofs[0].c = (G1::FromAffine(proofs[0].c) + d).ToAffine();
  proofs[1].c = (G1::FromAffine(proofs[1].c) - d).ToAffine();
  std::uint8_t seed[32] = {7};
  std::vector<bool> bad;
  EXPECT_FALSE(f.pvk.VerifyBatch(inputs, proofs, &bad, seed).ok());
  EXPECT_EQ(bad, std::vector<bool>({true, true}));
}

}  // namespace
}  // namespace depinfer::snark::groth16
