// The join-split circuit: satisfied by honest witnesses (dummy inputs included), unsatisfied by
// every cheat, the same constraints with and without values, and its cost per part.
#include "shield/joinsplit.h"

#include <gtest/gtest.h>

#include <iostream>

#include "shield/commitment_tree.h"
#include "shield_test_util.h"
#include "snark/poseidon.h"

namespace depinfer::shield {
namespace {

using snark::ConstraintSystem;
using testing::Fixture;

Status Check(const JoinSplitPublic& pub, const JoinSplitWitness& wit) {
  ConstraintSystem cs;
  BuildJoinSplit(cs, &pub, &wit);
  return cs.IsSatisfied();
}

TEST(JoinSplit, HonestTransferIsSatisfied) {
  Fixture f(70, 30, 90, 10);
  EXPECT_TRUE(Check(f.Public(), f.wit).ok()) << Check(f.Public(), f.wit).ToString();
}

TEST(JoinSplit, ConstraintCountAndReport) {
  ConstraintSystem cs(ConstraintSystem::Mode::kWithoutValues);
  BuildJoinSplit(cs, nullptr, nullptr);
  std::cout << cs.ScopeReportText();
  EXPECT_EQ(cs.num_public(), kJoinSplitPublicInputs);
  EXPECT_LE(cs.num_constraints(), 20000u);
}

TEST(JoinSplit, SameConstraintsWithAndWithoutValues) {
  Fixture f(70, 30, 90, 10);
  const JoinSplitPublic pub = f.Public();
  ConstraintSystem with;
  BuildJoinSplit(with, &pub, &f.wit);
  ConstraintSystem without(ConstraintSystem::Mode::kWithoutValues);
  BuildJoinSplit(without, nullptr, nullptr);
  ASSERT_EQ(with.num_constraints(), without.num_constraints());
  ASSERT_EQ(with.num_wires(), without.num_wires());
  const snark::R1cs a = with.ToR1cs(), b = without.ToR1cs();
  EXPECT_EQ(a.a.row_start, b.a.row_start);
  EXPECT_EQ(a.a.column, b.a.column);
  EXPECT_EQ(a.b.column, b.b.column);
  EXPECT_EQ(a.c.column, b.c.column);
  EXPECT_EQ(a.a.value, b.a.value);
  EXPECT_EQ(a.b.value, b.b.value);
  EXPECT_EQ(a.c.value, b.c.value);
}

TEST(JoinSplit, DepositAndWithdrawalBalance) {
  Fixture deposit(70, 30, 150, 0);  // 100 in the notes + 50 from outside
  EXPECT_TRUE(Check(deposit.Public({false, 50}), deposit.wit).ok());
  Fixture withdraw(70, 30, 20, 0);  // 80 leaves the pool
  EXPECT_TRUE(Check(withdraw.Public({true, 80}), withdraw.wit).ok());
  EXPECT_FALSE(Check(withdraw.Public({true, 79}), withdraw.wit).ok());
}

TEST(JoinSplit, DummyInputsNeedNoPath) {
  Fixture f(70, 0, 60, 10);
  f.wit.inputs[1].path.assign(kTreeDepth, Fr::FromU64(3));  // garbage
  f.wit.inputs[1].position = 12345;
  EXPECT_TRUE(Check(f.Public(), f.wit).ok());
  // A real (nonzero) note with a garbage path is refused.
  Fixture g(70, 30, 90, 10);
  g.wit.inputs[1].path[7] = Fr::FromU64(3);
  EXPECT_FALSE(Check(g.Public(), g.wit).ok());
}

TEST(JoinSplit, CheatsAreUnsatisfied) {
  Fixture f(70, 30, 90, 10);
  const JoinSplitPublic good = f.Public();
  {  // outputs worth more than inputs
    JoinSplitWitness w = f.wit;
    w.outputs[0].amount = 91;
    EXPECT_FALSE(Check(ComputeJoinSplitPublic(w, f.root, Fr::Zero(), good.ext_hash), w).ok());
  }
  {  // an output amount that wraps the field: out0 = r - 1 ("-1") and out1 = 101
    ConstraintSystem cs;
    JoinSplitWitness w = f.wit;
    w.outputs[1].amount = 101;
    JoinSplitPublic pub = ComputeJoinSplitPublic(w, f.root, Fr::Zero(), good.ext_hash);
    // Replace the output amount wire by -1 and its commitment by the matching one.
    Note wrapped = w.outputs[0];
    const Fr minus_one = -Fr::One();
    pub.commitments[0] = snark::Poseidon({wrapped.asset, minus_one, wrapped.owner, wrapped.blinding});
    BuildJoinSplit(cs, &pub, &w);
    // find the out_amount wire of output 0 and set it to -1
    // (the range check must be what fails: everything else holds)
    bool set = false;
    for (std::size_t i = 0; i < cs.num_private_inputs() && !set; ++i) {
      snark::Variable v(snark::Variable::Kind::kPrivateInput, static_cast<std::uint32_t>(i));
      if (cs.Name(v) == "out_amount") {
        ASSERT_TRUE(cs.TEST_SetValue(v, minus_one).ok());
        set = true;
      }
    }
    ASSERT_TRUE(set);
    snark::UnsatisfiedConstraint where;
    EXPECT_FALSE(cs.IsSatisfied(&where).ok());
    EXPECT_NE(where.scope_path.find("output[0]/amount_range"), std::string::npos) << where.scope_path;
  }
  {  // wrong nullifier
    JoinSplitPublic pub = good;
    pub.nullifiers[0] += Fr::One();
    EXPECT_FALSE(Check(pub, f.wit).ok());
  }
  {  // a root the paths do not lead to
    JoinSplitPublic pub = good;
    pub.root += Fr::One();
    EXPECT_FALSE(Check(pub, f.wit).ok());
  }
  {  // someone else's key
    JoinSplitWitness w = f.wit;
    w.sk = Fr::FromU64(5);
    EXPECT_FALSE(Check(ComputeJoinSplitPublic(w, f.root, Fr::Zero(), good.ext_hash), w).ok());
  }
  {  // the same note twice
    JoinSplitWitness w = f.wit;
    w.inputs[1] = w.inputs[0];
    w.outputs[0].amount = 130;
    EXPECT_FALSE(Check(ComputeJoinSplitPublic(w, f.root, Fr::Zero(), good.ext_hash), w).ok());
  }
  {  // an output commitment that is not the output's
    JoinSplitPublic pub = good;
    pub.commitments[1] += Fr::One();
    EXPECT_FALSE(Check(pub, f.wit).ok());
  }
  {  // another asset
    JoinSplitPublic pub = good;
    pub.asset = Fr::One();
    EXPECT_FALSE(Check(pub, f.wit).ok());
  }
}

}  // namespace
}  // namespace depinfer::shield
