#include <gtest/gtest.h>

#include "math/bn254.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using testing::TestRng;

Fp2 RandFp2(TestRng& r) { return {Fp::Random(r), Fp::Random(r)}; }
Fp6 RandFp6(TestRng& r) { return {RandFp2(r), RandFp2(r), RandFp2(r)}; }
Fp12 RandFp12(TestRng& r) { return {RandFp6(r), RandFp6(r)}; }

// Schoolbook Fp12 multiplication straight from the tower's defining relations, as an
// independent reference for the Karatsuba code.
Fp12 NaiveMul(const Fp12& a, const Fp12& b) {
  auto mul6 = [](const Fp6& x, const Fp6& y) {
    Fp2 xs[3] = {x.c0, x.c1, x.c2}, ys[3] = {y.c0, y.c1, y.c2};
    Fp2 r[5] = {};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) r[i + j] += xs[i] * ys[j];
    return Fp6{r[0] + TowerCfg::MulByXi(r[3]), r[1] + TowerCfg::MulByXi(r[4]), r[2]};
  };
  Fp6 t = mul6(a.c1, b.c1);
  Fp6 v_t{TowerCfg::MulByXi(t.c2), t.c0, t.c1};
  return {mul6(a.c0, b.c0) + v_t, mul6(a.c0, b.c1) + mul6(a.c1, b.c0)};
}

TEST(TowerTest, Fp2Arithmetic) {
  TestRng rng(10);
  Fp2 u{Fp::Zero(), Fp::One()};
  EXPECT_EQ(u * u, -Fp2::One());
  for (int i = 0; i < 100; ++i) {
    Fp2 a = RandFp2(rng), b = RandFp2(rng);
    EXPECT_EQ(a.Square(), a * a);
    EXPECT_TRUE((a * a.Inverse()).IsOne());
    EXPECT_EQ(a.Inverse(), a.InverseVartime());
    EXPECT_EQ(a * b, b * a);
    Fp2 r;
    ASSERT_TRUE(a.Square().SqrtVartime(&r));
    EXPECT_EQ(r.Square(), a.Square());
    // Frobenius on Fp2 is conjugation: a^p = conj(a).
    EXPECT_EQ(a.Pow(Fp::kModulus), a.Conjugate());
  }
}

TEST(TowerTest, Fp6AndFp12MatchSchoolbook) {
  TestRng rng(11);
  for (int i = 0; i < 30; ++i) {
    Fp12 a = RandFp12(rng), b = RandFp12(rng);
    EXPECT_EQ(a * b, NaiveMul(a, b));
    EXPECT_EQ(a.Square(), NaiveMul(a, a));
    EXPECT_TRUE((a * a.Inverse()).IsOne());
    EXPECT_EQ(a.Inverse(), a.InverseVartime());
    Fp6 x = RandFp6(rng);
    EXPECT_EQ(x.Square(), x * x);
    EXPECT_TRUE((x * x.Inverse()) == Fp6::One());
  }
}

TEST(TowerTest, SparseLineMultiplication) {
  TestRng rng(12);
  for (int i = 0; i < 30; ++i) {
    Fp12 f = RandFp12(rng);
    Fp2 a0 = RandFp2(rng), b0 = RandFp2(rng), b1 = RandFp2(rng);
    Fp12 line{{a0, Fp2::Zero(), Fp2::Zero()}, {b0, b1, Fp2::Zero()}};
    EXPECT_EQ(f.MulByLine(a0, b0, b1), f * line);
  }
}

TEST(TowerTest, FrobeniusIsPowerOfP) {
  TestRng rng(13);
  Fp12 f = RandFp12(rng);
  Fp12 fp = f;
  // f^p by the generic power, compared with the coefficient maps for p, p^2, p^3.
  for (int k = 1; k <= 3; ++k) {
    Fp12 acc = Fp12::One();
    Fp12 base = fp;
    for (std::size_t bit = Fp::kModulus.BitLength(); bit-- > 0;) {
      acc = acc.Square();
      if (Fp::kModulus.Bit(bit)) acc *= base;
    }
    fp = acc;
    EXPECT_EQ(Frobenius(f, k), fp) << "power " << k;
  }
}

TEST(TowerTest, CyclotomicSquareMatchesSquareInCyclotomicSubgroup) {
  TestRng rng(14);
  for (int i = 0; i < 10; ++i) {
    // f^((p^6-1)(p^2+1)) lies in the cyclotomic subgroup.
    Fp12 f = RandFp12(rng);
    Fp12 t = f.Conjugate() * f.Inverse();
    Fp12 g = Frobenius(t, 2) * t;
    EXPECT_EQ(g.CyclotomicSquare(), g.Square());
    // Conjugation inverts there.
    EXPECT_TRUE((g * g.Conjugate()).IsOne());
  }
}

}  // namespace
}  // namespace depinfer::math::bn254
