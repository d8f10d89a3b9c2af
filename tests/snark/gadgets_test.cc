// Each gadget: values on satisfiable instances (edge values included), exact constraint
// counts, and an unsatisfiable instance (a tampered wire) reported in the gadget's scope.
#include "snark/gadgets.h"

#include <gtest/gtest.h>

#include "snark_test_util.h"

namespace depinfer::snark {
namespace {

using testing::ExpectUnsatisfiedAfter;
using testing::LastInternal;
using testing::PMinus1;
using testing::Pow2;

const Fr k0 = Fr::Zero();
const Fr k1 = Fr::One();

TEST(Boolean, ZeroAndOneSatisfy) {
  for (const Fr& v : {k0, k1}) {
    ConstraintSystem cs;
    Variable x = cs.PrivateInput("x", v);
    ConstraintSystem::Scope s(cs, "bool");
    AssertBoolean(cs, x);
    EXPECT_EQ(cs.num_constraints(), 1u);
    EXPECT_SATISFIED(cs);
  }
}

TEST(Boolean, OtherValuesFail) {
  for (const Fr& v : {Fr::FromU64(2), PMinus1()}) {
    ConstraintSystem cs;
    Variable x = cs.PrivateInput("x", k0);
    {
      ConstraintSystem::Scope s(cs, "bool");
      AssertBoolean(cs, x);
    }
    ExpectUnsatisfiedAfter(cs, x, v, "bool");
  }
}

TEST(Boolean, LogicTruthTables) {
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 2; ++b) {
      ConstraintSystem cs;
      Variable x = cs.PrivateInput("a", Fr::FromU64(a));
      Variable y = cs.PrivateInput("b", Fr::FromU64(b));
      EXPECT_EQ(cs.Value(And(cs, x, y)), Fr::FromU64(a & b));
      EXPECT_EQ(cs.Value(Or(cs, x, y)), Fr::FromU64(a | b));
      EXPECT_EQ(cs.Value(Xor(cs, x, y)), Fr::FromU64(a ^ b));
      EXPECT_EQ(cs.Value(Not(x)), Fr::FromU64(1 - a));
      EXPECT_EQ(cs.num_constraints(), 3u);
      EXPECT_SATISFIED(cs);
    }
  }
}

TEST(Equality, EqualSatisfiesUnequalFails) {
  ConstraintSystem cs;
  Variable a = cs.PrivateInput("a", PMinus1());
  Variable b = cs.PublicInput("b", PMinus1());
  {
    ConstraintSystem::Scope s(cs, "eq");
    AssertEqual(cs, a, b);
  }
  EXPECT_EQ(cs.num_constraints(), 1u);
  EXPECT_SATISFIED(cs);
  ExpectUnsatisfiedAfter(cs, b, k0, "eq");
}

TEST(Equality, ConditionalEquality) {
  struct Case {
    int cond;
    std::uint64_t a, b;
    bool holds;
  };
  for (const Case& c : {Case{1, 5, 5, true}, Case{0, 5, 6, true}, Case{1, 5, 6, false}}) {
    ConstraintSystem cs;
    Variable cond = cs.PrivateInput("cond", Fr::FromU64(c.cond));
    Variable a = cs.PrivateInput("a", Fr::FromU64(c.a));
    Variable b = cs.PrivateInput("b", Fr::FromU64(c.b));
    {
      ConstraintSystem::Scope s(cs, "eq_if");
      AssertEqualIf(cs, cond, a, b);
    }
    EXPECT_EQ(cs.num_constraints(), 1u);
    UnsatisfiedConstraint u;
    EXPECT_EQ(cs.IsSatisfied(&u).ok(), c.holds);
    if (!c.holds) {
      EXPECT_EQ(u.scope_path, "eq_if");
    }
  }
}

TEST(Equality, NonZeroAndNotEqual) {
  for (const Fr& v : {k1, Fr::FromU64(2), PMinus1()}) {
    ConstraintSystem cs;
    Variable x = cs.PrivateInput("x", v);
    AssertNonZero(cs, x);
    AssertNotEqual(cs, x, Fr::FromU64(5));
    EXPECT_EQ(cs.num_constraints(), 2u);
    EXPECT_SATISFIED(cs);
  }
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", k0);
  {
    ConstraintSystem::Scope s(cs, "nonzero");
    AssertNonZero(cs, x);  // no inverse exists: the hint gives 0 and 0 * 0 != 1
  }
  UnsatisfiedConstraint u;
  EXPECT_FALSE(cs.IsSatisfied(&u).ok());
  EXPECT_EQ(u.scope_path, "nonzero");
}

TEST(IsZero, ValuesAndCost) {
  for (const Fr& v : {k0, k1, PMinus1(), Pow2(200)}) {
    ConstraintSystem cs;
    Variable x = cs.PrivateInput("x", v);
    LC z = IsZero(cs, x);
    LC e = IsEqual(cs, x, Fr::FromU64(1));
    EXPECT_EQ(cs.Value(z), v.IsZero() ? k1 : k0);
    EXPECT_EQ(cs.Value(e), v == k1 ? k1 : k0);
    EXPECT_EQ(cs.num_constraints(), 4u);
    EXPECT_SATISFIED(cs);
  }
  ConstraintSystem cs;
  EXPECT_EQ(cs.Value(IsZero(cs, LC())), k1);
  EXPECT_EQ(cs.Value(IsZero(cs, Fr::FromU64(3))), k0);
  EXPECT_EQ(cs.num_constraints(), 0u);
}

TEST(IsZero, ClaimingZeroForNonzeroFails) {
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", Fr::FromU64(5));
  {
    ConstraintSystem::Scope s(cs, "is_zero");
    IsZero(cs, x);
  }
  // Wires: inv (hint), m = x * inv; out = 1 - m. A cheat sets inv = m = 0 to claim out = 1.
  Variable inv = LastInternal(cs, 1), m = LastInternal(cs);
  ASSERT_TRUE(cs.TEST_SetValue(inv, k0).ok());
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, m, k0, "is_zero");
  EXPECT_EQ(u.index_in_scope, 1u);  // x * out = 0 catches it
}

TEST(IsZero, ClaimingNonzeroForZeroFails) {
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", k0);
  {
    ConstraintSystem::Scope s(cs, "is_zero");
    IsZero(cs, x);
  }
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, LastInternal(cs), k1, "is_zero");
  EXPECT_EQ(u.index_in_scope, 0u);  // x * inv = m cannot give 1
}

TEST(Select, PicksAndCosts) {
  for (int c = 0; c < 2; ++c) {
    ConstraintSystem cs;
    Variable cond = cs.PrivateInput("c", Fr::FromU64(c));
    Variable a = cs.PrivateInput("a", Fr::FromU64(10));
    Variable b = cs.PrivateInput("b", PMinus1());
    LC out;
    {
      ConstraintSystem::Scope s(cs, "select");
      out = Select(cs, cond, a, b);
    }
    EXPECT_EQ(cs.Value(out), c ? Fr::FromU64(10) : PMinus1());
    EXPECT_EQ(cs.num_constraints(), 1u);
    EXPECT_SATISFIED(cs);
    ExpectUnsatisfiedAfter(cs, LastInternal(cs), Fr::FromU64(3), "select");
  }
  ConstraintSystem cs;
  Variable cond = cs.PrivateInput("c", k1);
  Select(cs, cond, Fr::FromU64(4), Fr::FromU64(9));  // constants: linear in cond
  EXPECT_EQ(cs.num_constraints(), 0u);
}

TEST(Mux, EveryIndexOverVariablesAndConstants) {
  for (std::size_t index = 0; index < 8; ++index) {
    ConstraintSystem cs;
    std::vector<LC> bits, vars, consts;
    for (std::size_t i = 0; i < 3; ++i) {
      bits.push_back(cs.PrivateInput("s", Fr::FromU64((index >> i) & 1)));
    }
    for (std::size_t k = 0; k < 8; ++k) {
      vars.push_back(cs.PrivateInput("v", Fr::FromU64(100 + k)));
      consts.push_back(Fr::FromU64(200 + k * k));  // not affine in k
    }
    LC from_vars;
    {
      ConstraintSystem::Scope s(cs, "mux_vars");
      from_vars = Mux(cs, bits, vars);
    }
    EXPECT_EQ(cs.num_constraints(), 7u);
    LC from_consts = Mux(cs, bits, consts);
    EXPECT_EQ(cs.num_constraints(), 7u + 3u);
    EXPECT_EQ(cs.Value(from_vars), Fr::FromU64(100 + index));
    EXPECT_EQ(cs.Value(from_consts), Fr::FromU64(200 + index * index));
    EXPECT_SATISFIED(cs);
    if (index == 5) ExpectUnsatisfiedAfter(cs, LastInternal(cs, 3), k0, "mux_vars");
  }
  ConstraintSystem cs;
  std::vector<LC> two_bits = {cs.PrivateInput("s0", k1), cs.PrivateInput("s1", k0)};
  std::vector<LC> four = {Fr::FromU64(1), Fr::FromU64(2), Fr::FromU64(4), Fr::FromU64(8)};
  EXPECT_EQ(cs.Value(Mux(cs, two_bits, four)), Fr::FromU64(2));
  EXPECT_EQ(cs.num_constraints(), 1u);  // circomlib Mux2: 1 after --O2 as well
}

TEST(ConditionalSwap, BothWays) {
  for (int swap = 0; swap < 2; ++swap) {
    ConstraintSystem cs;
    Variable s = cs.PrivateInput("s", Fr::FromU64(swap));
    Variable a = cs.PrivateInput("a", Fr::FromU64(1));
    Variable b = cs.PrivateInput("b", PMinus1());
    std::pair<LC, LC> out;
    {
      ConstraintSystem::Scope scope(cs, "swap");
      out = ConditionalSwap(cs, s, a, b);
    }
    EXPECT_EQ(cs.Value(out.first), swap ? PMinus1() : k1);
    EXPECT_EQ(cs.Value(out.second), swap ? k1 : PMinus1());
    EXPECT_EQ(cs.num_constraints(), 1u);
    EXPECT_SATISFIED(cs);
    ExpectUnsatisfiedAfter(cs, LastInternal(cs), Fr::FromU64(7), "swap");
  }
}

TEST(ToBits, EdgeValuesFit) {
  for (std::size_t n : {1u, 8u, 64u, 128u, 253u}) {
    for (const Fr& v : {k0, k1, Pow2(n) - k1}) {
      ConstraintSystem cs;
      Variable x = cs.PrivateInput("x", v);
      std::vector<LC> bits = ToBits(cs, x, n);
      ASSERT_EQ(bits.size(), n);
      EXPECT_EQ(cs.num_constraints(), n);
      EXPECT_EQ(cs.Value(FromBits(bits)), v);
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_EQ(cs.Value(bits[i]), v.ToInt().Bit(i) ? k1 : k0);
      }
      EXPECT_SATISFIED(cs);
    }
  }
}

TEST(ToBits, ValuesThatDoNotFitFail) {
  for (std::size_t n : {1u, 8u, 64u, 253u}) {
    for (const Fr& v : {Pow2(n), PMinus1()}) {
      ConstraintSystem cs;
      Variable x = cs.PrivateInput("x", v);
      {
        ConstraintSystem::Scope s(cs, "range");
        AssertInRange(cs, x, n);
      }
      UnsatisfiedConstraint u;
      EXPECT_FALSE(cs.IsSatisfied(&u).ok()) << "n=" << n;
      EXPECT_EQ(u.scope_path, "range");
      EXPECT_EQ(u.index_in_scope, n - 1);  // bits 1..n-1 are boolean; bit 0 = x - rest is not
    }
  }
}

TEST(ToBits, NonBooleanBitFails) {
  // A cheat: bit 1 = 2 (not a bit) and bit 2 = 0 leave bit 0 = 5 - 4 = 1 and the sum right,
  // so only the booleanity of bit 1 catches it.
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", Fr::FromU64(5));
  std::vector<LC> bits;
  {
    ConstraintSystem::Scope s(cs, "bits");
    bits = ToBits(cs, x, 4);
  }
  EXPECT_SATISFIED(cs);
  Variable b1, b2;
  ASSERT_TRUE(bits[1].AsVariable(&b1));
  ASSERT_TRUE(bits[2].AsVariable(&b2));
  ASSERT_TRUE(cs.TEST_SetValue(b2, k0).ok());
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, b1, Fr::FromU64(2), "bits");
  EXPECT_EQ(u.index_in_scope, 0u);
  // Restoring bit 1 but not bit 2 leaves bit 0 = 5 - 2 = 3: its check (the last) fails.
  u = ExpectUnsatisfiedAfter(cs, b1, k0, "bits");
  EXPECT_EQ(u.index_in_scope, 3u);
}

TEST(ToBitsStrict, CanonicalBitsOfEdgeValues) {
  for (const Fr& v : {k0, k1, PMinus1(), Pow2(253), Pow2(253) - k1, Fr::Random(testing::Rng())}) {
    ConstraintSystem cs;
    Variable x = cs.PrivateInput("x", v);
    std::vector<LC> bits = ToBitsStrict(cs, x);
    ASSERT_EQ(bits.size(), 254u);
    EXPECT_EQ(cs.num_constraints(), 331u);
    for (std::size_t i = 0; i < 254; ++i) {
      EXPECT_EQ(cs.Value(bits[i]), v.ToInt().Bit(i) ? k1 : k0) << i;
    }
    EXPECT_SATISFIED(cs);
  }
}

TEST(ToBitsStrict, OnlyIntegersBelowRPass) {
  // The bits are private inputs here, so every wire of the comparison is computed from them
  // honestly: a failure comes from the comparison itself. 5 + r is the alias a cheat would
  // use for x = 5 (it fits in 254 bits and equals 5 mod r).
  auto with_int = [](const math::BigInt<4>& v, bool below_r) {
    ConstraintSystem cs;
    std::vector<LC> bits;
    for (std::size_t i = 0; i < 254; ++i) bits.push_back(cs.PrivateInput("b", v.Bit(i) ? k1 : k0));
    {
      ConstraintSystem::Scope s(cs, "canonical");
      AssertCanonicalBits(cs, bits);
    }
    EXPECT_EQ(cs.num_constraints(), 331u);
    UnsatisfiedConstraint u;
    EXPECT_EQ(cs.IsSatisfied(&u).ok(), below_r) << v.ToDecimal();
    if (!below_r) {
      EXPECT_EQ(u.scope_path, "canonical");
    }
  };
  using Int = math::BigInt<4>;
  Int r = Fr::kModulus, r_minus_1, r_plus_5, all_ones;
  Int::Sub(r_minus_1, r, Int(1));
  Int::Add(r_plus_5, r, Int(5));
  for (std::size_t i = 0; i < 254; ++i) all_ones.limb[i / 64] |= math::u64{1} << (i % 64);
  with_int(Int(0), true);
  with_int(Int(5), true);
  with_int(r_minus_1, true);
  with_int(Fr::Random(testing::Rng()).ToInt(), true);
  with_int(r, false);
  with_int(r_plus_5, false);
  with_int(all_ones, false);
  // Just above r - 1 at a single low zero of r - 1.
  Int r_minus_1_plus_bit = r_minus_1;
  r_minus_1_plus_bit.limb[0] |= 1u << 3;
  with_int(r_minus_1_plus_bit, false);
  // A non-boolean bit at a 1 of r - 1 is caught as well.
  ConstraintSystem cs;
  std::vector<LC> bits;
  for (std::size_t i = 0; i < 254; ++i) bits.push_back(cs.PrivateInput("b", i == 253 ? Fr::FromU64(2) : k0));
  AssertCanonicalBits(cs, bits);
  EXPECT_FALSE(cs.IsSatisfied().ok());
}

TEST(LessThan, EdgeValues) {
  const std::size_t n = 64;
  const Fr top = Pow2(n) - k1;
  struct Case {
    Fr a, b;
    bool lt;
  };
  const Case cases[] = {{k0, k0, false},  {k0, k1, true},   {k1, k0, false},
                        {top, top, false}, {k0, top, true}, {top, k0, false},
                        {top - k1, top, true}};
  for (const Case& c : cases) {
    ConstraintSystem cs;
    Variable a = cs.PrivateInput("a", c.a);
    Variable b = cs.PrivateInput("b", c.b);
    LC lt = LessThan(cs, a, b, n);
    LC le = LessOrEqual(cs, a, b, n);
    EXPECT_EQ(cs.num_constraints(), 2 * (n + 1));
    EXPECT_EQ(cs.Value(lt), c.lt ? k1 : k0);
    EXPECT_EQ(cs.Value(le), (c.lt || c.a == c.b) ? k1 : k0);
    EXPECT_SATISFIED(cs);
  }
}

TEST(LessThan, FlippedAnswerFails) {
  ConstraintSystem cs;
  Variable a = cs.PrivateInput("a", Fr::FromU64(5));
  Variable b = cs.PrivateInput("b", Fr::FromU64(9));
  LC lt;
  {
    ConstraintSystem::Scope s(cs, "lt");
    lt = LessThan(cs, a, b, 8);
  }
  EXPECT_EQ(cs.Value(lt), k1);
  // The answer is 1 - (top bit); setting the top bit claims a >= b.
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, LastInternal(cs), k1, "lt");
  EXPECT_EQ(u.index_in_scope, 8u);  // bit 0, derived from the rest, is no longer a bit
}

TEST(LessThan, OperandsOutsideTheRangeNeedTheCallersCheck) {
  // LessThan assumes a, b < 2^n: with a = p - 1 it would answer "p - 1 < 0" (a + 2^n - b
  // wraps to 2^n - 1). The range check the contract asks for rejects such a witness.
  ConstraintSystem cs;
  Variable a = cs.PrivateInput("a", PMinus1());
  Variable b = cs.PrivateInput("b", k0);
  {
    ConstraintSystem::Scope s(cs, "range_a");
    AssertInRange(cs, a, 64);
  }
  AssertInRange(cs, b, 64);
  LessThan(cs, a, b, 64);
  UnsatisfiedConstraint u;
  EXPECT_FALSE(cs.IsSatisfied(&u).ok());
  EXPECT_EQ(u.scope_path, "range_a");
}

TEST(GadgetsDeathTest, BadWidthsAbort) {
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", k0);
  EXPECT_DEATH(ToBits(cs, x, 0), "1 to 253 bits");
  EXPECT_DEATH(ToBits(cs, x, 254), "1 to 253 bits");
  EXPECT_DEATH(LessThan(cs, x, x, 253), "1 to 252 bits");
  std::vector<LC> bits(2, LC(x)), three(3, LC(x));
  EXPECT_DEATH(Mux(cs, bits, three), "2\\^bits options");
}

}  // namespace
}  // namespace depinfer::snark
