#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "snark/constraint_system.h"
#include "snark/groth16/circom_r1cs.h"
#include "snark/groth16/prover.h"
#include "snark/merkle.h"

namespace depinfer::snark::groth16 {
namespace {

// y_0 = x (public), y_(k+1) = y_k^2 + k, out = y_m (public): wires 0 = 1, 1 = out, 2 = x,
// 3.. = y_1..y_m (circom order: outputs, then public inputs, then private).
struct SquareChain {
  snark::R1cs r1cs;
  std::vector<Fr> witness;

  SquareChain(std::size_t m, const Fr& x) {
    r1cs.num_public_outputs = 1;
    r1cs.num_public_inputs = 1;
    r1cs.num_wires = 3 + m;
    witness = {Fr::One(), Fr::Zero(), x};
    Fr y = x;
    std::uint32_t prev = 2;
    for (std::size_t k = 0; k < m; ++k) {
      std::uint32_t next = static_cast<std::uint32_t>(3 + k);
      Fr kf = Fr::FromU64(k);
      r1cs.a.AppendRow({{prev, Fr::One()}});
      r1cs.b.AppendRow({{prev, Fr::One()}});
      r1cs.c.AppendRow({{next, Fr::One()}, {0, -kf}});
      y = y.Square() + kf;
      witness.push_back(y);
      prev = next;
    }
    // out * 1 = y_m
    r1cs.a.AppendRow({{1, Fr::One()}});
    r1cs.b.AppendRow({{0, Fr::One()}});
    r1cs.c.AppendRow({{prev, Fr::One()}});
    witness[1] = y;
  }
  std::vector<Fr> Public() const { return {witness[1], witness[2]}; }
};

const std::uint8_t kSeed[32] = {1, 2, 3};

TEST(Groth16ProverTest, ProofVerifiesAndTamperingFails) {
  SquareChain c(20, Fr::FromU64(3));
  ASSERT_TRUE(snark::CheckWitness(c.r1cs, c.witness).ok());
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
  ASSERT_FALSE(snark::CheckWitness(c.r1cs, bad).ok());
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
  snark::R1cs broken = c.r1cs;
  broken.a.column[0] = 999;  // beyond the wires
  EXPECT_FALSE(groth16::Setup(broken, &pk, kSeed).ok());
  broken = c.r1cs;
  broken.c.value[0] = Fr::Zero();  // a stored zero is not canonical
  EXPECT_FALSE(groth16::Setup(broken, &pk, kSeed).ok());
  broken = c.r1cs;
  broken.b.row_start.pop_back();  // B one row short
  EXPECT_FALSE(groth16::Setup(broken, &pk, kSeed).ok());
}

// A circom .r1cs may list a row's terms in any order, repeat a wire or store a zero: FromCircom
// puts rows in canonical form without changing any constraint, so the key is the one the
// canonical circuit gets.
TEST(Groth16ProverTest, CircomRowsInAnyFormGiveTheSameKey) {
  SquareChain c(6, Fr::FromU64(5));
  formats::R1cs circom = ToCircomR1cs(c.r1cs);
  for (formats::R1csConstraint& k : circom.constraints) {
    for (formats::R1csRow* row : {&k.a, &k.b, &k.c}) {
      if (row->empty()) continue;
      // w*x becomes w*(x+1) + w*(-1) + 0*0, in reverse order.
      const formats::R1csTerm t = row->front();
      row->front().coeff = t.coeff + Fr::One();
      row->push_back({t.wire, -Fr::One()});
      row->push_back({0, Fr::Zero()});
      std::reverse(row->begin(), row->end());
    }
  }
  snark::R1cs back;
  ASSERT_TRUE(FromCircom(circom, &back).ok());
  EXPECT_TRUE(snark::CheckWitness(back, c.witness).ok());
  ProvingKey ours, theirs;
  ASSERT_TRUE(groth16::Setup(c.r1cs, &ours, kSeed).ok());
  ASSERT_TRUE(groth16::Setup(back, &theirs, kSeed).ok());
  EXPECT_EQ(ours.vk.ic, theirs.vk.ic);
  EXPECT_EQ(ours.a, theirs.a);
  EXPECT_EQ(ours.c, theirs.c);
  EXPECT_TRUE(CheckKeyMatchesCircuit(theirs, c.r1cs).ok());
  // A wire beyond the count is refused.
  circom.constraints[0].a.push_back({circom.n_wires, Fr::One()});
  EXPECT_FALSE(FromCircom(circom, &back).ok());
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
  snark::R1cs r1cs = cs.ToR1cs();
  std::vector<Fr> witness = cs.Witness();
  ASSERT_TRUE(snark::CheckWitness(r1cs, witness).ok());
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
