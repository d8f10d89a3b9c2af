#include <gtest/gtest.h>

#include "math/pairing.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using testing::RandomG1;
using testing::RandomG2;
using testing::TestRng;

template <std::size_t N>
Fp12 PowFp12(const Fp12& f, const BigInt<N>& e) {
  Fp12 r = Fp12::One();
  for (std::size_t i = e.BitLength(); i-- > 0;) {
    r = r.Square();
    if (e.Bit(i)) r *= f;
  }
  return r;
}

// (p^4 - p^2 + 1) / r, computed outside (Python big integers) and pasted as a fact.
constexpr auto kHardExponent = BigIntFromHex<12>(
    "1baaa710b0759ad331ec15183177faf6c0eb522d5b122784e529a5861876f6b3b1b1355d189227d79581e16f3fd90c"
    "66b887d56d5095f23aaa441e3954bcf8adcc7b44c87cdbacff1154e7e1da014fd5abf5cc4f49c36d4e81bb482ccdf4"
    "2b1");

Fp12 RandFp12(TestRng& r) {
  auto f2 = [&] { return Fp2{Fp::Random(r), Fp::Random(r)}; };
  return {{f2(), f2(), f2()}, {f2(), f2(), f2()}};
}

TEST(PairingTest, HardPartIsExactlyTheHardExponent) {
  TestRng rng(30);
  Fp12 f = FinalExponentiationEasy(RandFp12(rng));
  EXPECT_EQ(FinalExponentiationHard(f), PowFp12(f, kHardExponent));
}

TEST(PairingTest, ResultHasOrderR) {
  Fp12 e = Pairing(G1Generator(), G2Generator());
  EXPECT_FALSE(e.IsOne()) << "non-degenerate";
  EXPECT_TRUE(PowFp12(e, FrParams::kModulus).IsOne());
}

TEST(PairingTest, Bilinearity) {
  TestRng rng(31);
  G1Affine p = RandomG1(rng).ToAffine();
  G2Affine q = RandomG2(rng).ToAffine();
  Fp12 e = Pairing(p, q);
  for (int i = 0; i < 3; ++i) {
    Fr a = Fr::Random(rng), b = Fr::Random(rng);
    G1Affine ap = G1::FromAffine(p).ScalarMulVartime(a.ToInt()).ToAffine();
    G2Affine bq = G2::FromAffine(q).ScalarMulVartime(b.ToInt()).ToAffine();
    EXPECT_EQ(Pairing(ap, bq), PowFp12(e, (a * b).ToInt()));
    EXPECT_EQ(Pairing(ap, q), Pairing(p, G2::FromAffine(q).ScalarMulVartime(a.ToInt()).ToAffine()));
  }
  // e(P1 + P2, Q) = e(P1, Q) e(P2, Q)
  G1Affine p2 = RandomG1(rng).ToAffine();
  G1Affine sum = (G1::FromAffine(p) + G1::FromAffine(p2)).ToAffine();
  EXPECT_EQ(Pairing(sum, q), Pairing(p, q) * Pairing(p2, q));
}

TEST(PairingTest, InfinityGivesOne) {
  EXPECT_TRUE(Pairing(G1Affine::Infinity(), G2Generator()).IsOne());
  EXPECT_TRUE(Pairing(G1Generator(), G2Affine::Infinity()).IsOne());
}

TEST(PairingTest, MultiPairingAndProductCheck) {
  TestRng rng(32);
  std::vector<G1Affine> ps;
  std::vector<G2Affine> qs;
  Fp12 product = Fp12::One();
  for (int i = 0; i < 4; ++i) {
    ps.push_back(RandomG1(rng).ToAffine());
    qs.push_back(RandomG2(rng).ToAffine());
    product *= Pairing(ps.back(), qs.back());
  }
  EXPECT_EQ(MultiPairing(ps, qs), product);
  // e(aP, Q) * e(-P, aQ) = 1
  Fr a = Fr::Random(rng);
  G1Affine ap = G1::FromAffine(ps[0]).ScalarMulVartime(a.ToInt()).ToAffine();
  G2Affine aq = G2::FromAffine(qs[0]).ScalarMulVartime(a.ToInt()).ToAffine();
  std::vector<G1Affine> cp = {ap, -ps[0]};
  std::vector<G2Affine> cq = {qs[0], aq};
  EXPECT_TRUE(PairingProductIsOne(cp, cq));
  cq[1] = qs[1];
  EXPECT_FALSE(PairingProductIsOne(cp, cq));
}

TEST(PairingTest, PreparedMatchesUnprepared) {
  TestRng rng(33);
  G1Affine p = RandomG1(rng).ToAffine();
  G2Affine q = RandomG2(rng).ToAffine();
  G2Prepared prep = PrepareG2(q);
  const G2Prepared* ptr = &prep;
  EXPECT_EQ(FinalExponentiation(MillerLoop(std::span<const G1Affine>(&p, 1),
                                           std::span<const G2Prepared* const>(&ptr, 1))),
            Pairing(p, q));
}

}  // namespace
// The batched preparation gives PrepareG2's lines exactly, for full groups of eight, a partial
// group and points at infinity among them.
TEST(PairingTest, PrepareG2BatchMatchesPrepareG2) {
  TestRng rng(41);
  std::vector<G2Affine> qs;
  for (int i = 0; i < 19; ++i) qs.push_back(i == 5 ? G2Affine::Infinity() : RandomG2(rng).ToAffine());
  const std::vector<G2Prepared> batch = PrepareG2Batch(qs);
  ASSERT_EQ(batch.size(), qs.size());
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const G2Prepared one = PrepareG2(qs[i]);
    EXPECT_EQ(batch[i].infinity, one.infinity) << i;
    ASSERT_EQ(batch[i].lines.size(), one.lines.size()) << i;
    for (std::size_t k = 0; k < one.lines.size(); ++k) {
      ASSERT_TRUE(batch[i].lines[k].c0 == one.lines[k].c0 && batch[i].lines[k].c1 == one.lines[k].c1 &&
                  batch[i].lines[k].c2 == one.lines[k].c2)
          << "point " << i << ", line " << k;
    }
  }
}

// The Miller loop of unprepared points (lanes of eight where available) is MillerLoop's field
// element, not only after the final exponentiation: for 1 to 19 pairs (full and partial groups),
// with points at infinity on either side among them.
TEST(PairingTest, MillerLoopOnceEqualsPreparedMillerLoop) {
  TestRng rng(43);
  std::vector<G1Affine> ps;
  std::vector<G2Affine> qs;
  for (int i = 0; i < 19; ++i) {
    ps.push_back(i == 4 ? G1Affine::Infinity() : RandomG1(rng).ToAffine());
    qs.push_back(i == 11 ? G2Affine::Infinity() : RandomG2(rng).ToAffine());
  }
  for (std::size_t n : {1, 2, 7, 8, 9, 16, 17, 19}) {
    const std::span<const G1Affine> p(ps.data(), n);
    const std::span<const G2Affine> q(qs.data(), n);
    std::vector<G2Prepared> prepared;
    for (const G2Affine& x : q) prepared.push_back(PrepareG2(x));
    std::vector<const G2Prepared*> ptrs;
    for (const G2Prepared& x : prepared) ptrs.push_back(&x);
    EXPECT_EQ(MillerLoopOnce(p, q), MillerLoop(p, ptrs)) << n << " pairs";
  }
  EXPECT_EQ(MillerLoopOnce({}, {}), Fp12::One());
}

}  // namespace depinfer::math::bn254
