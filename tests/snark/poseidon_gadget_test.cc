// Poseidon in a circuit equals native Poseidon, for every width; its cost; tampering.
#include "snark/poseidon_gadget.h"

#include <gtest/gtest.h>

#include "snark_test_util.h"

namespace depinfer::snark {
namespace {

using testing::ExpectUnsatisfiedAfter;
using testing::LastInternal;
using testing::PMinus1;
using testing::Rng;

TEST(PoseidonGadget, EqualsNativeForEveryWidth) {
  for (std::size_t n = 1; n <= kPoseidonMaxInputs; ++n) {
    std::vector<Fr> values;
    for (std::size_t i = 0; i < n; ++i) values.push_back(Fr::Random(Rng()));
    ConstraintSystem cs;
    std::vector<LC> inputs;
    for (const Fr& v : values) inputs.push_back(cs.PrivateInput("in", v));
    LC out = PoseidonGadget(cs, inputs);
    cs.PublicOutput("hash", out);
    EXPECT_EQ(cs.Value(out), Poseidon(values)) << n << " inputs";
    EXPECT_EQ(cs.num_constraints(), PoseidonGadgetConstraints(n) + 1) << n << " inputs";
    EXPECT_SATISFIED(cs);
  }
}

TEST(PoseidonGadget, ConstraintCountsForWidthsTwoToSeven) {
  // 3 * (8t + R_P - 1); circom --O2 gives the same for circomlib's Poseidon(n) (see
  // circom_counts_test, which compiles it).
  const std::size_t expected[] = {213, 240, 261, 297, 321, 354};
  for (std::size_t n = 1; n <= 6; ++n) {
    EXPECT_EQ(PoseidonGadgetConstraints(n), expected[n - 1]);
  }
}

TEST(PoseidonGadget, EdgeInputs) {
  const Fr edge[] = {Fr::Zero(), Fr::One(), PMinus1()};
  for (const Fr& a : edge) {
    for (const Fr& b : edge) {
      ConstraintSystem cs;
      LC in[2] = {cs.PrivateInput("a", a), cs.PrivateInput("b", b)};
      LC out = PoseidonGadget(cs, in);
      EXPECT_EQ(cs.Value(out), Poseidon({a, b}));
      EXPECT_SATISFIED(cs);
    }
  }
}

TEST(PoseidonGadget, ConstantInputsCostNothing) {
  ConstraintSystem cs;
  LC in[2] = {Fr::FromU64(1), Fr::FromU64(2)};
  LC out = PoseidonGadget(cs, in);
  EXPECT_EQ(cs.num_constraints(), 0u);
  ASSERT_TRUE(out.IsConstant());
  EXPECT_EQ(out.ConstantTerm(), Poseidon({Fr::FromU64(1), Fr::FromU64(2)}));
}

TEST(PoseidonGadget, TamperedSboxIsReportedInItsRound) {
  ConstraintSystem cs;
  LC in[2] = {cs.PrivateInput("a", Fr::FromU64(1)), cs.PrivateInput("b", Fr::FromU64(2))};
  {
    ConstraintSystem::Scope s(cs, "hash");
    cs.PublicOutput("out", PoseidonGadget(cs, in));
  }
  EXPECT_SATISFIED(cs);
  // The last wire is x^5 of the last S-box of the last full round (round 64 of 65 for t=3).
  UnsatisfiedConstraint u =
      ExpectUnsatisfiedAfter(cs, LastInternal(cs), Fr::FromU64(1), "hash/poseidon/full_round[64]");
  EXPECT_EQ(u.scope_path, "hash/poseidon/full_round[64]");
  EXPECT_EQ(u.index_in_scope, 8u);  // 3 S-boxes x 3 constraints: the very last one
}

TEST(PoseidonGadget, TamperedInputIsReportedInTheFirstRound) {
  ConstraintSystem cs;
  Variable a = cs.PrivateInput("a", Fr::FromU64(1));
  LC in[2] = {a, cs.PrivateInput("b", Fr::FromU64(2))};
  {
    ConstraintSystem::Scope s(cs, "hash");
    cs.PublicOutput("out", PoseidonGadget(cs, in));
  }
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, a, Fr::FromU64(3), "hash/poseidon/full_round[0]");
  EXPECT_EQ(u.index, 0u);
}

TEST(PoseidonGadget, SetupModeBuildsTheSameShape) {
  ConstraintSystem cs(ConstraintSystem::Mode::kWithoutValues);
  std::vector<LC> in;
  for (int i = 0; i < 4; ++i) in.push_back(cs.PrivateInput("in", std::nullopt));
  PoseidonGadget(cs, in);
  EXPECT_EQ(cs.num_constraints(), PoseidonGadgetConstraints(4));
}

}  // namespace
}  // namespace depinfer::snark
