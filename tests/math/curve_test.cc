#include <gtest/gtest.h>

#include "math/bn254.h"
#include "math/encoding.h"
#include "math/fixed_base.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using testing::RandomG1;
using testing::RandomG2;
using testing::RandomTwistPoint;
using testing::TestRng;

template <class J>
J NaiveMul(const J& p, u64 k) {
  J r = J::Infinity();
  for (u64 i = 0; i < k; ++i) r += p;
  return r;
}

TEST(CurveTest, GeneratorsAreOnCurveAndHaveOrderR) {
  EXPECT_TRUE(G1Generator().IsOnCurve());
  EXPECT_TRUE(G2Generator().IsOnCurve());
  EXPECT_TRUE(G1::FromAffine(G1Generator()).ScalarMulVartime(FrParams::kModulus).IsInfinity());
  EXPECT_TRUE(G2::FromAffine(G2Generator()).ScalarMulVartime(FrParams::kModulus).IsInfinity());
}

template <class J>
void CheckGroupLaw(const J& p, const J& q, const J& s) {
  using A = typename J::Affine;
  EXPECT_TRUE(p.IsOnCurve());
  EXPECT_EQ(p + q, q + p);
  EXPECT_EQ((p + q) + s, p + (q + s));
  EXPECT_EQ(p + p, p.Double());
  EXPECT_TRUE((p - p).IsInfinity());
  EXPECT_EQ(p + J::Infinity(), p);
  EXPECT_EQ(J::Infinity() + p, p);
  A qa = q.ToAffine();
  EXPECT_EQ(p.AddMixed(qa), p + q);
  EXPECT_EQ(p.AddMixed(p.ToAffine()), p.Double());
  EXPECT_TRUE(p.AddMixed((-p).ToAffine()).IsInfinity());
  EXPECT_EQ(J::FromAffine(p.ToAffine()), p);
  auto batch = J::BatchToAffine({p, J::Infinity(), q});
  EXPECT_EQ(batch[0], p.ToAffine());
  EXPECT_TRUE(batch[1].infinity);
  EXPECT_EQ(batch[2], qa);
}

TEST(CurveTest, GroupLawG1) {
  TestRng rng(20);
  for (int i = 0; i < 20; ++i) CheckGroupLaw(RandomG1(rng), RandomG1(rng), RandomG1(rng));
}

TEST(CurveTest, GroupLawG2) {
  TestRng rng(21);
  for (int i = 0; i < 10; ++i) CheckGroupLaw(RandomG2(rng), RandomG2(rng), RandomG2(rng));
}

template <class J>
void CheckScalarMul(TestRng& rng, const J& p) {
  for (u64 k : {0, 1, 2, 3, 15, 16, 17, 31, 33, 100}) {
    EXPECT_EQ(p.ScalarMulVartime(BigInt<4>(k)), NaiveMul(p, k)) << k;
    EXPECT_EQ(p.ScalarMulConstTime(BigInt<4>(k)), NaiveMul(p, k)) << k;
  }
  for (int i = 0; i < 10; ++i) {
    Fr a = Fr::Random(rng), b = Fr::Random(rng);
    J pa = p.ScalarMulVartime(a.ToInt());
    EXPECT_EQ(pa, p.ScalarMulConstTime(a.ToInt()));
    // (a + b) P = aP + bP and a(bP) = (ab)P
    EXPECT_EQ(p.ScalarMulVartime((a + b).ToInt()), pa + p.ScalarMulVartime(b.ToInt()));
    EXPECT_EQ(pa.ScalarMulVartime(b.ToInt()), p.ScalarMulVartime((a * b).ToInt()));
  }
  // Scalars at and above r, and the all-ones scalar (exercises the wNAF top carry).
  BigInt<4> r = FrParams::kModulus, r1 = r;
  r1.AddSmall(1);
  EXPECT_TRUE(p.ScalarMulConstTime(r).IsInfinity());
  EXPECT_EQ(p.ScalarMulVartime(r1), p);
  BigInt<4> ones;
  ones.limb = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
  EXPECT_EQ(p.ScalarMulVartime(ones), p.ScalarMulConstTime(ones));
  EXPECT_TRUE(J::Infinity().ScalarMulConstTime(ones).IsInfinity());
}

TEST(CurveTest, ScalarMulG1) {
  TestRng rng(22);
  CheckScalarMul(rng, RandomG1(rng));
}

TEST(CurveTest, ScalarMulG2) {
  TestRng rng(23);
  CheckScalarMul(rng, RandomG2(rng));
}

TEST(CurveTest, CompleteAdditionHandlesEveryCase) {
  TestRng rng(24);
  using P = ProjectivePoint<G1Cfg>;
  G1 a = RandomG1(rng), b = RandomG1(rng);
  P pa = P::FromJacobian(a), pb = P::FromJacobian(b), inf = P::Infinity();
  EXPECT_EQ((pa + pb).ToJacobian(), a + b);
  EXPECT_EQ((pa + pa).ToJacobian(), a.Double());
  EXPECT_TRUE((pa + P::FromJacobian(-a)).ToJacobian().IsInfinity());
  EXPECT_EQ((pa + inf).ToJacobian(), a);
  EXPECT_EQ((inf + pa).ToJacobian(), a);
  EXPECT_TRUE((inf + inf).ToJacobian().IsInfinity());
}

TEST(CurveTest, G2SubgroupCheckMatchesOrderCheck) {
  TestRng rng(25);
  for (int i = 0; i < 8; ++i) {
    G2 q = RandomG2(rng);
    EXPECT_TRUE(IsInG2SubgroupVartime(q));
    EXPECT_TRUE(IsInG2SubgroupSlowVartime(q));
    G2 t = G2::FromAffine(RandomTwistPoint(rng));
    EXPECT_TRUE(t.IsOnCurve());
    EXPECT_FALSE(IsInG2SubgroupSlowVartime(t));
    EXPECT_FALSE(IsInG2SubgroupVartime(t));
  }
  EXPECT_TRUE(IsInG2SubgroupVartime(G2::Infinity()));
}

// The batched test gives the one-point test's answer on points of G2, on random twist points,
// on points of small order (the twist's cofactor is 10069 * 5864401 * a 218-bit prime), on
// G2 points plus such a point, and at infinity; with a count that leaves a partial group of eight.
TEST(CurveTest, G2SubgroupBatchMatchesOnePointTest) {
  TestRng rng(27);
  // [r * cofactor / l] T has order l (or is O) for l = 10069 and 5864401 (cofactor / l < r).
  auto small_order = [&](const char* cofactor_over_l) {
    Fr k;
    EXPECT_TRUE(Fr::FromDecimal(cofactor_over_l, &k).ok());
    for (;;) {
      G2 s = G2::FromAffine(RandomTwistPoint(rng)).ScalarMulVartime(Fr::kModulus).ScalarMulVartime(k.ToInt());
      if (!s.IsInfinity()) return s;
    }
  };
  const G2 s1 = small_order("2173824895405628684302950218021379986974303100027769687325441613140792921");
  const G2 s2 = small_order("3732391913827051598662234343329740767871136014433462681300250716605949");
  EXPECT_TRUE(s1.ScalarMulVartime(BigInt<1>(10069)).IsInfinity());
  EXPECT_TRUE(s2.ScalarMulVartime(BigInt<1>(5864401)).IsInfinity());
  std::vector<G2Affine> pts;
  for (int i = 0; i < 43; ++i) {
    switch (i % 7) {
      case 0: case 1: pts.push_back(RandomG2(rng).ToAffine()); break;
      case 2: pts.push_back(RandomTwistPoint(rng)); break;
      case 3: pts.push_back(s1.ToAffine()); break;
      case 4: pts.push_back((RandomG2(rng) + s2).ToAffine()); break;
      case 5: pts.push_back((RandomG2(rng) + s1 + s2).ToAffine()); break;
      default: pts.push_back(i == 6 ? G2Affine::Infinity() : s2.ToAffine()); break;
    }
  }
  std::vector<std::uint8_t> got(pts.size(), 7);
  IsInG2SubgroupBatchVartime(pts, got.data());
  int in = 0;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    ASSERT_TRUE(pts[i].IsOnCurve()) << i;
    const bool want = pts[i].infinity || IsInG2SubgroupSlowVartime(G2::FromAffine(pts[i]));
    EXPECT_EQ(want, IsInG2SubgroupVartime(G2::FromAffine(pts[i]))) << i;
    EXPECT_EQ(got[i], want ? 1 : 0) << "point " << i << " (kind " << i % 7 << ")";
    in += want ? 1 : 0;
  }
  EXPECT_EQ(in, 13 + 1);  // cases 0 and 1, and the one point at infinity
}

// The batched G1 multiplication agrees with ScalarMulVartime: 128-bit and full-width scalars,
// zero, one, small ones, r - 1, r and above (the scalar path), points at infinity, and a count
// that leaves a partial group of eight.
TEST(CurveTest, G1ScalarMulBatchMatchesScalarMul) {
  TestRng rng(28);
  std::vector<G1Affine> pts;
  std::vector<BigInt<4>> ks;
  BigInt<4> r_minus_1 = Fr::kModulus;
  r_minus_1.limb[0] -= 1;
  for (int i = 0; i < 37; ++i) {
    pts.push_back(i == 9 ? G1Affine::Infinity() : RandomG1(rng).ToAffine());
    BigInt<4> k = Fr::Random(rng).ToInt();
    if (i % 3 == 0) k.limb[2] = k.limb[3] = 0;  // 128 bits, as the batch verifier's weights
    if (i == 1) k = BigInt<4>();
    if (i == 2) k = BigInt<4>(1);
    if (i == 4) k = BigInt<4>(15);
    if (i == 5) k = BigInt<4>(16);
    if (i == 7) k = r_minus_1;
    if (i == 8) k = Fr::kModulus;
    if (i == 10) k.limb = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
    ks.push_back(k);
  }
  const std::vector<G1> got = ScalarMulBatchVartime(pts, ks);
  ASSERT_EQ(got.size(), pts.size());
  for (std::size_t i = 0; i < pts.size(); ++i) {
    EXPECT_EQ(got[i], G1::FromAffine(pts[i]).ScalarMulVartime(ks[i])) << i;
  }
}

TEST(CurveTest, PsiActsAsMultiplicationByP) {
  TestRng rng(26);
  G2 q = RandomG2(rng);
  // p mod r: psi(Q) = [p]Q on G2.
  BigInt<4> p = FpParams::kModulus;
  EXPECT_EQ(Psi(q), q.ScalarMulVartime(p));
}

TEST(EncodingTest, EthereumRoundTrip) {
  TestRng rng(27);
  for (int i = 0; i < 10; ++i) {
    G1Affine p = RandomG1(rng).ToAffine();
    G2Affine q = RandomG2(rng).ToAffine();
    G1Affine p2;
    G2Affine q2;
    ASSERT_TRUE(DecodeG1Eth(EncodeG1Eth(p), &p2).ok());
    ASSERT_TRUE(DecodeG2Eth(EncodeG2Eth(q), &q2).ok());
    EXPECT_EQ(p, p2);
    EXPECT_EQ(q, q2);
  }
  G1Affine inf1;
  G2Affine inf2;
  ASSERT_TRUE(DecodeG1Eth(EncodeG1Eth(G1Affine::Infinity()), &inf1).ok());
  ASSERT_TRUE(DecodeG2Eth(EncodeG2Eth(G2Affine::Infinity()), &inf2).ok());
  EXPECT_TRUE(inf1.infinity && inf2.infinity);
}

TEST(EncodingTest, CompressedRoundTrip) {
  TestRng rng(28);
  for (int i = 0; i < 20; ++i) {
    G1Affine p = RandomG1(rng).ToAffine();
    G2Affine q = RandomG2(rng).ToAffine();
    for (G1Affine pp : {p, -p}) {
      G1Affine out;
      ASSERT_TRUE(DecodeG1Compressed(EncodeG1Compressed(pp), &out).ok());
      EXPECT_EQ(out, pp);
    }
    for (G2Affine qq : {q, -q}) {
      G2Affine out;
      ASSERT_TRUE(DecodeG2Compressed(EncodeG2Compressed(qq), &out).ok());
      EXPECT_EQ(out, qq);
    }
  }
  G1Affine o1;
  G2Affine o2;
  ASSERT_TRUE(DecodeG1Compressed(EncodeG1Compressed(G1Affine::Infinity()), &o1).ok());
  ASSERT_TRUE(DecodeG2Compressed(EncodeG2Compressed(G2Affine::Infinity()), &o2).ok());
  EXPECT_TRUE(o1.infinity && o2.infinity);
}

TEST(EncodingTest, RejectsBadInputAndLeavesOutputUntouched) {
  TestRng rng(29);
  const G1Affine g1 = G1Generator();
  const G2Affine g2 = G2Generator();
  G1Affine out1 = g1;
  G2Affine out2 = g2;
  // Wrong lengths.
  std::vector<std::uint8_t> short1(63, 0), short2(127, 0);
  EXPECT_FALSE(DecodeG1Eth(short1, &out1).ok());
  EXPECT_FALSE(DecodeG2Eth(short2, &out2).ok());
  // Off the curve: y + 1.
  G1Affine bad1 = G1Affine::FromXY(g1.x, g1.y + Fp::One());
  Status st = DecodeG1Eth(EncodeG1Eth(bad1), &out1);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not on the curve"), std::string::npos) << st.ToString();
  G2Affine bad2 = G2Affine::FromXY(g2.x, g2.y + Fp2::One());
  EXPECT_FALSE(DecodeG2Eth(EncodeG2Eth(bad2), &out2).ok());
  // On the twist but outside the subgroup.
  G2Affine twist = RandomTwistPoint(rng);
  st = DecodeG2Eth(EncodeG2Eth(twist), &out2);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("subgroup"), std::string::npos) << st.ToString();
  EXPECT_FALSE(DecodeG2Compressed(EncodeG2Compressed(twist), &out2).ok());
  // A coordinate equal to p.
  auto enc = EncodeG1Eth(g1);
  auto p_bytes = FpParams::kModulus.ToBytesBE();
  std::copy(p_bytes.begin(), p_bytes.end(), enc.begin());
  EXPECT_FALSE(DecodeG1Eth(enc, &out1).ok());
  // Compressed: both flags set, infinity with stray bits, x with no curve point.
  auto c1 = EncodeG1Compressed(g1);
  c1[0] |= 0xc0;
  EXPECT_FALSE(DecodeG1Compressed(c1, &out1).ok());
  auto cinf = EncodeG1Compressed(G1Affine::Infinity());
  cinf[31] = 1;
  EXPECT_FALSE(DecodeG1Compressed(cinf, &out1).ok());
  std::array<std::uint8_t, 32> no_point{};
  for (int x = 0;; ++x) {
    Fp fx = Fp::FromU64(static_cast<u64>(x)), y;
    if (!(fx.Square() * fx + Fp::FromU64(3)).SqrtVartime(&y)) {
      fx.ToBytesBE(no_point.data());
      break;
    }
  }
  EXPECT_FALSE(DecodeG1Compressed(no_point, &out1).ok());
  EXPECT_EQ(out1, g1);
  EXPECT_EQ(out2, g2);
}

// The constant-time fixed-base product (a setup's secrets) equals the table-lookup one, for
// scalars with zero bytes, all-ones bytes, 0, 1 and r - 1, and random ones.
template <class Cfg>
void CheckFixedBaseConstTime(const AffinePoint<Cfg>& base, TestRng& rng) {
  const FixedBaseTable<Cfg> table(base);
  std::vector<BigInt<4>> ks = {BigInt<4>(0), BigInt<4>(1), BigInt<4>(0xff00ff00ff00ff00ULL)};
  BigInt<4> r_minus_1 = FrParams::kModulus;
  r_minus_1.limb[0] -= 1;
  ks.push_back(r_minus_1);
  for (int i = 0; i < 12; ++i) ks.push_back(Fr::Random(rng).ToInt());
  for (const BigInt<4>& k : ks) {
    EXPECT_EQ(table.MulConstTime(k), table.MulVartime(k));
  }
  EXPECT_TRUE(table.MulConstTime(BigInt<4>(0)).IsInfinity());
}

TEST(CurveTest, FixedBaseConstTimeEqualsVartime) {
  TestRng rng(51);
  CheckFixedBaseConstTime<G1Cfg>(RandomG1(rng).ToAffine(), rng);
  CheckFixedBaseConstTime<G2Cfg>(RandomG2(rng).ToAffine(), rng);
}

}  // namespace
}  // namespace depinfer::math::bn254
