#include <gtest/gtest.h>

#include "math/bn254.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using testing::TestRng;

template <class F>
class FieldTest : public ::testing::Test {};
using FieldTypes = ::testing::Types<Fp, Fr>;
TYPED_TEST_SUITE(FieldTest, FieldTypes);

TYPED_TEST(FieldTest, ModulusIsPrimeByFermat) {
  using F = TypeParam;
  // a^(p-1) = 1 for several bases: catches a mistyped modulus (a composite one fails).
  BigInt<4> pm1;
  BigInt<4>::Sub(pm1, F::kModulus, BigInt<4>(1));
  for (u64 base : {2, 3, 5, 7, 11, 13}) EXPECT_TRUE(F::FromU64(base).Pow(pm1).IsOne()) << base;
}

TYPED_TEST(FieldTest, Axioms) {
  using F = TypeParam;
  TestRng rng(1);
  for (int i = 0; i < 200; ++i) {
    F a = F::Random(rng), b = F::Random(rng), c = F::Random(rng);
    EXPECT_EQ(a + b, b + a);
    EXPECT_EQ(a * b, b * a);
    EXPECT_EQ((a + b) + c, a + (b + c));
    EXPECT_EQ((a * b) * c, a * (b * c));
    EXPECT_EQ(a * (b + c), a * b + a * c);
    EXPECT_EQ(a - a, F::Zero());
    EXPECT_EQ(a + (-a), F::Zero());
    EXPECT_EQ(a * F::One(), a);
    EXPECT_EQ(a.Square(), a * a);
    EXPECT_EQ(a.Double(), a + a);
    EXPECT_EQ(a.Half().Double(), a);
    EXPECT_EQ(a - b, -(b - a));
  }
}

TYPED_TEST(FieldTest, EdgeValues) {
  using F = TypeParam;
  F m1 = -F::One();
  EXPECT_EQ(m1 * m1, F::One());
  EXPECT_EQ(m1 + F::One(), F::Zero());
  EXPECT_EQ(F::Zero() * m1, F::Zero());
  EXPECT_TRUE((-F::Zero()).IsZero());
  BigInt<4> pm1;
  BigInt<4>::Sub(pm1, F::kModulus, BigInt<4>(1));
  EXPECT_EQ(m1.ToInt(), pm1);
}

TYPED_TEST(FieldTest, AsmKernelsMatchGeneric) {
  using F = TypeParam;
  TestRng rng(2);
  std::vector<F> xs = {F::Zero(), F::One(), -F::One()};
  for (int i = 0; i < 2000; ++i) xs.push_back(F::Random(rng));
  for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
    auto generic = MontgomeryMulGeneric<4>(xs[i].montgomery(), xs[i + 1].montgomery(),
                                           F::kModulus, F::kInv);
    EXPECT_EQ((xs[i] * xs[i + 1]).montgomery(), generic);
    EXPECT_EQ((xs[i] + xs[i + 1]).montgomery(),
              ModAddGeneric<4>(xs[i].montgomery(), xs[i + 1].montgomery(), F::kModulus));
    EXPECT_EQ((xs[i] - xs[i + 1]).montgomery(),
              ModSubGeneric<4>(xs[i].montgomery(), xs[i + 1].montgomery(), F::kModulus));
  }
}

TYPED_TEST(FieldTest, InverseRoundTrips) {
  using F = TypeParam;
  TestRng rng(3);
  EXPECT_TRUE(F::Zero().Inverse().IsZero());
  EXPECT_TRUE(F::Zero().InverseVartime().IsZero());
  for (int i = 0; i < 100; ++i) {
    F a = F::Random(rng);
    EXPECT_TRUE((a * a.Inverse()).IsOne());
    EXPECT_EQ(a.Inverse(), a.InverseVartime());
  }
  std::vector<F> xs;
  for (int i = 0; i < 50; ++i) xs.push_back(i % 7 == 0 ? F::Zero() : F::Random(rng));
  std::vector<F> inv = xs;
  F::BatchInverseVartime(inv);
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(inv[i], xs[i].Inverse());
}

TYPED_TEST(FieldTest, SqrtAndLegendre) {
  using F = TypeParam;
  TestRng rng(4);
  int non_squares = 0;
  for (int i = 0; i < 100; ++i) {
    F a = F::Random(rng);
    F sq = a.Square();
    F r;
    ASSERT_TRUE(sq.SqrtVartime(&r));
    EXPECT_EQ(r.Square(), sq);
    EXPECT_EQ(sq.Legendre(), 1);
    F b = F::Random(rng);
    if (b.Legendre() == -1) {
      ++non_squares;
      EXPECT_FALSE(b.SqrtVartime(&r));
    }
  }
  EXPECT_GT(non_squares, 20);
  EXPECT_EQ(F::Zero().Legendre(), 0);
}

TYPED_TEST(FieldTest, BytesAndDecimalRoundTripAndRejectNonCanonical) {
  using F = TypeParam;
  TestRng rng(5);
  for (int i = 0; i < 50; ++i) {
    F a = F::Random(rng);
    std::uint8_t buf[32];
    a.ToBytesBE(buf);
    F b;
    ASSERT_TRUE(F::FromBytesBE(buf, &b).ok());
    EXPECT_EQ(a, b);
    F c;
    ASSERT_TRUE(F::FromDecimal(a.ToDecimal(), &c).ok());
    EXPECT_EQ(a, c);
  }
  // p itself, p + 1 and 2^256 - 1 are not canonical.
  F out = F::One();
  auto p_bytes = F::kModulus.ToBytesBE();
  EXPECT_FALSE(F::FromBytesBE(p_bytes, &out).ok());
  std::array<std::uint8_t, 32> ff;
  ff.fill(0xff);
  EXPECT_FALSE(F::FromBytesBE(ff, &out).ok());
  EXPECT_FALSE(F::FromBytesBE(std::span<const std::uint8_t>(ff.data(), 31), &out).ok());
  EXPECT_FALSE(F::FromDecimal(F::kModulus.ToDecimal(), &out).ok());
  for (const char* bad : {"", "-1", "+1", "01", " 1", "1 ", "0x10", "1e5", "12a"}) {
    EXPECT_FALSE(F::FromDecimal(bad, &out).ok()) << bad;
  }
  EXPECT_FALSE(F::FromDecimal(std::string(100, '9'), &out).ok());
  EXPECT_TRUE(out.IsOne()) << "failed decoders must leave the output untouched";
  EXPECT_TRUE(F::FromDecimal("0", &out).ok());
  EXPECT_TRUE(out.IsZero());
}

TYPED_TEST(FieldTest, PowMatchesRepeatedMultiplication) {
  using F = TypeParam;
  TestRng rng(6);
  F a = F::Random(rng);
  F acc = F::One();
  for (u64 e = 0; e < 40; ++e) {
    EXPECT_EQ(a.PowU64(e), acc);
    acc *= a;
  }
}

TEST(FieldTest, OsRandomProducesDistinctElements) {
  EXPECT_NE(Fr::RandomOs(), Fr::RandomOs());
}

}  // namespace
}  // namespace depinfer::math::bn254
