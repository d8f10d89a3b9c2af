#include <gtest/gtest.h>

#include <string>
#include <type_traits>

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
  for (std::size_t n : {0u, 1u, 2u, 15u, 16u, 17u, 47u, 48u, 49u, 100u, 1000u}) {
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
  for (std::size_t n : {40u, 64u, 700u, 5000u}) {
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

// One base with the scalars 1..n (and its negation with the same scalars): every bucket of
// the low windows holds a multiple of the same point, so the running sums of the bucket
// reduction keep meeting their own buckets (doubling) and their negations (cancellation).
TEST(MsmTest, OneBaseEveryDigitValue) {
  TestRng rng(44);
  const G1Affine p = RandomG1(rng).ToAffine();
  for (std::size_t n : {2048u, 6000u}) {
    for (int mode = 0; mode < 3; ++mode) {
      std::vector<G1Affine> pts;
      std::vector<Fr> ks;
      for (std::size_t i = 0; i < n; ++i) {
        pts.push_back(mode == 1 && i % 2 ? -p : p);
        ks.push_back(mode == 2 ? Fr::FromU64(i % 700 + 1) : Fr::FromU64(i + 1));
      }
      G1 got, portable;
      ASSERT_TRUE(MsmG1(pts, ks, &got).ok());
      ASSERT_TRUE(MsmG1(pts, ks, &portable, MsmPath::kPortable).ok());
      EXPECT_EQ(got, NaiveMsm<G1>(pts, ks)) << "n = " << n << ", mode " << mode;
      EXPECT_EQ(got, portable) << "n = " << n << ", mode " << mode;
    }
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

// The default path (AVX-512 IFMA where built) against the portable reference and the naive sum.
template <class J>
void ExpectPathsAgree(const std::vector<typename J::Affine>& pts, const std::vector<Fr>& ks,
                      bool check_naive, const std::string& what) {
  J fast, portable;
  if constexpr (std::is_same_v<J, G1>) {
    ASSERT_TRUE(MsmG1(pts, ks, &fast).ok());
    ASSERT_TRUE(MsmG1(pts, ks, &portable, MsmPath::kPortable).ok());
  } else {
    ASSERT_TRUE(MsmG2(pts, ks, &fast).ok());
    ASSERT_TRUE(MsmG2(pts, ks, &portable, MsmPath::kPortable).ok());
  }
  EXPECT_EQ(fast, portable) << what;
  if (check_naive) {
    EXPECT_EQ(fast, NaiveMsm<J>(pts, ks)) << what;
  }
}

// Small n, n not a multiple of 8, points at infinity, 0 and 1 scalars, repeated and negated bases.
TEST(MsmTest, G2SmallSizesAndEdgeInputs) {
  TestRng rng(43);
  for (std::size_t n : {0u, 1u, 2u, 7u, 8u, 9u, 15u, 16u, 17u, 23u, 24u, 25u, 33u, 63u, 65u, 130u}) {
    std::vector<G2Affine> pts;
    std::vector<Fr> ks;
    for (std::size_t i = 0; i < n; ++i) {
      pts.push_back(RandomG2(rng).ToAffine());
      ks.push_back(i % 3 ? Fr::Random(rng) : WitnessLikeScalar(rng, static_cast<int>(i)));
    }
    if (n > 3) pts[3] = pts[2];
    if (n > 5) pts[5] = -pts[4];
    if (n > 7) pts[7] = G2Affine::Infinity();
    if (n > 9) ks[9] = Fr::Zero();
    if (n > 10) ks[10] = Fr::One();
    ExpectPathsAgree<G2>(pts, ks, true, "n = " + std::to_string(n));
  }
}

// Few distinct points and few distinct scalars: accumulators that meet the same point again
// (doubling) or its negation (cancellation), busy accumulators whose additions wait for the
// next batch, and accumulators that go back to infinity.
template <class J>
void CollidingBucketsCase(std::uint64_t seed) {
  using A = typename J::Affine;
  TestRng rng(seed);
  std::vector<A> pool;
  if constexpr (std::is_same_v<J, G1>) {
    pool = {RandomG1(rng).ToAffine(), RandomG1(rng).ToAffine()};
  } else {
    pool = {RandomG2(rng).ToAffine(), RandomG2(rng).ToAffine()};
  }
  pool.push_back(-pool[0]);
  pool.push_back(pool[0]);
  pool.push_back(A::Infinity());
  const Fr scalar_pool[] = {Fr::FromU64(2), Fr::FromU64(3), -Fr::FromU64(2), Fr::FromU64(5),
                            Fr::FromU64(1) + Fr::FromU64(1 << 20), Fr::One(), Fr::Zero()};
  for (std::size_t n : {40u, 300u, 1500u}) {
    std::vector<A> pts;
    std::vector<Fr> ks;
    for (std::size_t i = 0; i < n; ++i) {
      pts.push_back(pool[rng() % pool.size()]);
      ks.push_back(scalar_pool[rng() % std::size(scalar_pool)]);
    }
    ExpectPathsAgree<J>(pts, ks, true, "colliding, n = " + std::to_string(n));
    // One point, one scalar: every addition lands on an accumulator equal to the point.
    std::vector<A> same(n, pool[0]);
    std::vector<Fr> same_k(n, Fr::FromU64(7));
    ExpectPathsAgree<J>(same, same_k, false, "same point, n = " + std::to_string(n));
    J want = J::FromAffine(pool[0]).ScalarMulVartime(Fr::FromU64(7 * n).ToInt());
    J got;
    if constexpr (std::is_same_v<J, G1>) {
      ASSERT_TRUE(MsmG1(same, same_k, &got).ok());
    } else {
      ASSERT_TRUE(MsmG2(same, same_k, &got).ok());
    }
    EXPECT_EQ(got, want) << "same point, n = " << n;
    // P and -P alternating with the same scalar: accumulators cancel to infinity and refill.
    std::vector<A> alt;
    for (std::size_t i = 0; i < n; ++i) alt.push_back(i % 2 ? -pool[1] : pool[1]);
    ExpectPathsAgree<J>(alt, same_k, false, "P, -P, n = " + std::to_string(n));
    if constexpr (std::is_same_v<J, G1>) {
      ASSERT_TRUE(MsmG1(alt, same_k, &got).ok());
    } else {
      ASSERT_TRUE(MsmG2(alt, same_k, &got).ok());
    }
    EXPECT_EQ(got, (n % 2 ? J::FromAffine(pool[1]).ScalarMulVartime(Fr::FromU64(7).ToInt()) : J::Infinity()));
  }
}

TEST(MsmTest, G1CollidingBuckets) { CollidingBucketsCase<G1>(44); }
TEST(MsmTest, G2CollidingBuckets) { CollidingBucketsCase<G2>(45); }

// Random inputs at several sizes, full-width and witness-like scalars: both paths agree.
TEST(MsmTest, G2VectorPathMatchesPortable) {
  TestRng rng(46);
  std::vector<G2Affine> all;
  // Distinct points cheaply: successive sums of a random base.
  G2 acc = RandomG2(rng), step = RandomG2(rng);
  for (int i = 0; i < 5000; ++i) {
    all.push_back(acc.ToAffine());
    acc += step;
  }
  for (std::size_t n : {31u, 200u, 1001u, 5000u}) {
    std::vector<G2Affine> pts(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Fr> full, witness;
    for (std::size_t i = 0; i < n; ++i) {
      full.push_back(Fr::Random(rng));
      witness.push_back(WitnessLikeScalar(rng, static_cast<int>(rng() % 5)));
    }
    ExpectPathsAgree<G2>(pts, full, n <= 200, "full, n = " + std::to_string(n));
    ExpectPathsAgree<G2>(pts, witness, n <= 200, "witness, n = " + std::to_string(n));
  }
}

TEST(MsmTest, G1VectorPathMatchesPortable) {
  TestRng rng(47);
  for (std::size_t n : {31u, 1001u, 20000u}) {
    std::vector<G1Affine> pts;
    G1 acc = RandomG1(rng), step = RandomG1(rng);
    for (std::size_t i = 0; i < n; ++i) {
      pts.push_back(acc.ToAffine());
      acc += step;
    }
    std::vector<Fr> ks;
    for (std::size_t i = 0; i < n; ++i) ks.push_back(Fr::Random(rng));
    ExpectPathsAgree<G1>(pts, ks, false, "n = " + std::to_string(n));
  }
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
