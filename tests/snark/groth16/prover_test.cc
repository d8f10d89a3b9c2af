#include <gtest/gtest.h>

#include <random>

#include "snark/constraint_system.h"
#include "snark/groth16/prover.h"
#include "snark/merkle.h"

namespace depinfer::snark::groth16 {
namespace {

// y_0 = x (public), y_(k+1) = y_k^2 + k, out = y_m (public): wires 0 = 1, 1 = out, 2 = x,
// 3.. = y_1..y_m (circom order: outputs, then public inputs, then private).
struct SquareChain {
  R1cs r1cs;
  std::vector<Fr> witness;

  SquareChain(std::size_t m, const Fr& x) {
    r1cs.num_public = 2;
    r1cs.num_wires = static_cast<std::uint32_t>(3 + m);
    witness = {Fr::One(), Fr::Zero(), x};
    Fr y = x;
    std::uint32_t prev = 2;
    for (std::size_t k = 0; k < m; ++k) {
      std::uint32_t next = static_cast<std::uint32_t>(3 + k);
      Fr kf = Fr::FromU64(k);
      r1cs.a.push_back({{prev, Fr::One()}});
      r1cs.b.push_back({{prev, Fr::One()}});
      r1cs.c.push_back({{next, Fr::One()}, {0, -kf}});
      y = y.Square() + kf;
      witness.push_back(y);
      prev = next;
    }
    // out * 1 = y_m
    r1cs.a.push_back({{1, Fr::One()}});
    r1cs.b.push_back({{0, Fr::One()}});
    r1cs.c.push_back({{prev, Fr::One()}});
    witness[1] = y;
  }
  std::vector<Fr> Public() const { return {witness[1], witness[2]}; }
};

const std::uint8_t kSeed[32] = {1, 2, 3};

TEST(Groth16ProverTest, ProofVerifiesAndTamperingFails) {
  SquareChain c(20, Fr::FromU64(3));
  ASSERT_TRUE(c.r1cs.IsSatisfied(c.witness).ok());
  ProvingKey pk;
  ASSERT_TRUE(groth16::Setup(c.r1cs, &pk, kSeed).ok());
  EXPECT_EQ(pk.domain_log, 5);  // 21 constraints + 3 public rows -> 32
  PreparedVerifyingKey pvk;
  ASSERT_TRUE(PreparedVerifyingKey::Prepare(pk.vk, &pvk).ok());
  Proof proof;
  ASSERT_TRUE(Prove(pk, c.witness, &proof).ok());
  EXPECT_TRUE(pvk.Verify(c.Public(), proof).ok());
  // Another public output, and a proof from a witness that does not satisfy the R1CS.
  auto pub = c.Public();
  pub[0] += Fr::One();
  EXPECT_FALSE(pvk.Verify(pub, proof).ok());
  auto bad = c.witness;
  bad[5] += Fr::One();
  ASSERT_FALSE(c.r1cs.IsSatisfied(bad).ok());
  Proof forged;
  ASSERT_TRUE(Prove(pk, bad, &forged).ok());
  EXPECT_FALSE(pvk.Verify(c.Public(), forged).ok());
}

TEST(Groth16ProverTest, FreshRandomnessGivesDifferentProofsThatBothVerify) {
  SquareChain c(5, Fr::FromU64(11));
  ProvingKey pk;
  ASSERT_TRUE(groth16::Setup(c.r1cs, &pk).ok());  // OS randomness
  PreparedVerifyingKey pvk;
  ASSERT_TRUE(PreparedVerifyingKey::Prepare(pk.vk, &pvk).ok());
  Proof p1, p2;
  ASSERT_TRUE(Prove(pk, c.witness, &p1).ok());
  ASSERT_TRUE(Prove(pk, c.witness, &p2).ok());
  EXPECT_NE(p1.a, p2.a);
  EXPECT_TRUE(pvk.Verify(c.Public(), p1).ok());
  EXPECT_TRUE(pvk.Verify(c.Public(), p2).ok());
  // And in one batch.
  std::vector<std::vector<Fr>> inputs = {c.Public(), c.Public()};
  std::vector<Proof> proofs = {p1, p2};
  std::vector<bool> badv;
  EXPECT_TRUE(pvk.VerifyBatch(inputs, proofs, &badv).ok());
}

TEST(Groth16ProverTest, BadInputsAreErrors) {
  SquareChain c(3, Fr::FromU64(2));
  ProvingKey pk;
  ASSERT_TRUE(groth16::Setup(c.r1cs, &pk, kSeed).ok());
  Proof p;
  auto short_w = c.witness;
  short_w.pop_back();
  EXPECT_FALSE(Prove(pk, short_w, &p).ok());
  auto w0 = c.witness;
  w0[0] = Fr::FromU64(2);
  EXPECT_FALSE(Prove(pk, w0, &p).ok());
  R1cs broken = c.r1cs;
  broken.a[0].push_back({999, Fr::One()});
  EXPECT_FALSE(groth16::Setup(broken, &pk, kSeed).ok());
}

// Circuits built with the gadget library go through the same prover: a depth-8 Poseidon
// Merkle membership proof (the shape of the shielded pool's spend statement).

TEST(Groth16ProverTest, GadgetCircuitsProveAndVerify) {
  struct Rng {
    std::mt19937_64 g{5};
    std::uint64_t operator()() { return g(); }
  } rng;
  const std::size_t depth = 8;
  Fr leaf = Fr::Random(rng);
  std::vector<Fr> siblings(depth);
  for (auto& s : siblings) s = Fr::Random(rng);
  const std::uint64_t index = 0xa5;
  const Fr root = snark::MerkleRoot(leaf, index, siblings);

  snark::ConstraintSystem cs;
  snark::LC root_in = cs.PublicInput("root", root);
  snark::LC leaf_in = cs.PrivateInput("leaf", leaf);
  std::vector<snark::LC> bits, sibs;
  for (std::size_t i = 0; i < depth; ++i) {
    bits.push_back(cs.PrivateInput("bit", Fr::FromU64((index >> i) & 1)));
    sibs.push_back(cs.PrivateInput("sibling", siblings[i]));
  }
  snark::AssertMerkleMembership(cs, leaf_in, bits, sibs, root_in);
  ASSERT_TRUE(cs.IsSatisfied().ok());
  R1cs r1cs = FromCircuit(cs.ToR1cs());
  std::vector<Fr> witness = cs.Witness();
  ASSERT_TRUE(r1cs.IsSatisfied(witness).ok());
  ProvingKey pk;
  ASSERT_TRUE(groth16::Setup(r1cs, &pk, kSeed).ok());
  PreparedVerifyingKey pvk;
  ASSERT_TRUE(PreparedVerifyingKey::Prepare(pk.vk, &pvk).ok());
  Proof proof;
  ASSERT_TRUE(Prove(pk, witness, &proof).ok());
  std::vector<Fr> pub = {root};
  EXPECT_TRUE(pvk.Verify(pub, proof).ok());
  pub[0] += Fr::One();  // another root
  EXPECT_FALSE(pvk.Verify(pub, proof).ok());
}

}  // namespace
}  // namespace depinfer::snark::groth16
