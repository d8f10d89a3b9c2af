#include <gtest/gtest.h>

#include "math/msm.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using testing::RandomG1;
using testing::RandomG2;
using testing::TestRng;

template <class J>
J NaiveMsm(const std::vector<typename J::Affine>& pts, const std::vector<Fr>& ks) {
  J sum = J::Infinity();
  for (std::size_t i = 0; i < pts.size(); ++i) sum += J::FromAffine(pts[i]).ScalarMulVartime(ks[i].ToInt());
  return sum;
}

// Scalars shaped like real witnesses: many 0 and 1, some small, some full width, some r-1.
Fr WitnessLikeScalar(TestRng& rng, int kind) {
  switch (kind % 5) {
    case 0: return Fr::Zero();
    case 1: return Fr::One();
    case 2: return Fr::FromU64(rng() % 1000);
    case 3: return -Fr::One();
    default: return Fr::Random(rng);
  }
}

TEST(MsmTest, G1MatchesNaiveSum) {
  TestRng rng(40);
  for (std::size_t n : {0u, 1u, 2u, 15u, 16u, 17u, 100u, 1000u}) {
    std::vector<G1Affine> pts;
    std::vector<Fr> ks;
    for (std::size_t i = 0; i < n; ++i) {
      pts.push_back(RandomG1(rng).ToAffine());
      ks.push_back(i % 2 ? Fr::Random(rng) : WitnessLikeScalar(rng, static_cast<int>(i)));
    }
    if (n > 3) pts[3] = pts[2];        // repeated base
    if (n > 5) pts[5] = -pts[4];       // negated base
    if (n > 7) pts[7] = G1Affine::Infinity();
    G1 got;
    ASSERT_TRUE(MsmG1(pts, ks, &got).ok());
    EXPECT_EQ(got, NaiveMsm<G1>(pts, ks)) << "n = " << n;
  }
}

// Bases drawn from a pool of three points and their negations, so buckets keep meeting a point
// with their own x coordinate (doubling and cancellation inside the batch-affine windows, the
// vector path's special lanes included), with small and full scalars.
TEST(MsmTest, FewDistinctBasesHitTheSpecialCases) {
  TestRng rng(43);
  std::vector<G1Affine> pool;
  for (int i = 0; i < 3; ++i) pool.push_back(RandomG1(rng).ToAffine());
  for (std::size_t n : {64u, 700u, 5000u}) {
    std::vector<G1Affine> pts;
    std::vector<Fr> ks;
    for (std::size_t i = 0; i < n; ++i) {
      const G1Affine& p = pool[rng() % pool.size()];
      pts.push_back(rng() % 2 ? p : -p);
      ks.push_back(i % 3 ? Fr::Random(rng) : Fr::FromU64(rng() % 64));
    }
    G1 got;
    ASSERT_TRUE(MsmG1(pts, ks, &got).ok());
    EXPECT_EQ(got, NaiveMsm<G1>(pts, ks)) << "n = " << n;
    std::vector<G2Affine> pts2;
    const G2Affine q = RandomG2(rng).ToAffine();
    for (std::size_t i = 0; i < std::min<std::size_t>(n, 700); ++i) pts2.push_back(i % 2 ? q : -q);
    std::vector<Fr> ks2(ks.begin(), ks.begin() + static_cast<std::ptrdiff_t>(pts2.size()));
    G2 got2;
    ASSERT_TRUE(MsmG2(pts2, ks2, &got2).ok());
    EXPECT_EQ(got2, NaiveMsm<G2>(pts2, ks2)) << "G2, n = " << pts2.size();
  }
}

TEST(MsmTest, SmallScalarsOnly) {
  TestRng rng(41);
  std::vector<G1Affine> pts;
  std::vector<Fr> ks;
  for (int i = 0; i < 500; ++i) {
    pts.push_back(RandomG1(rng).ToAffine());
    ks.push_back(Fr::FromU64(rng() % 4));
  }
  G1 got;
  ASSERT_TRUE(MsmG1(pts, ks, &got).ok());
  EXPECT_EQ(got, NaiveMsm<G1>(pts, ks));
}

TEST(MsmTest, G2MatchesNaiveSum) {
  TestRng rng(42);
  std::vector<G2Affine> pts;
  std::vector<Fr> ks;
  for (int i = 0; i < 64; ++i) {
    pts.push_back(RandomG2(rng).ToAffine());
    ks.push_back(WitnessLikeScalar(rng, i));
  }
  G2 got;
  ASSERT_TRUE(MsmG2(pts, ks, &got).ok());
  EXPECT_EQ(got, NaiveMsm<G2>(pts, ks));
}

TEST(MsmTest, LengthMismatchIsAnError) {
  std::vector<G1Affine> pts(3, G1Generator());
  std::vector<Fr> ks(2, Fr::One());
  G1 out = G1::FromAffine(G1Generator());
  Status st = MsmG1(pts, ks, &out);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(out, G1::FromAffine(G1Generator()));
}

TEST(MsmTest, WindowModelGrowsWithSize) {
  EXPECT_LE(MsmWindowBits(1 << 10, 254), MsmWindowBits(1 << 16, 254));
  EXPECT_LE(MsmWindowBits(1 << 16, 254), MsmWindowBits(1 << 20, 254));
  EXPECT_LE(MsmWindowBits(1 << 16, 8), 9);
}

}  // namespace
}  // namespace depinfer::math::bn254
