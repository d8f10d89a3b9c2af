#include <gtest/gtest.h>

#include "math/ntt.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using testing::TestRng;

std::vector<Fr> RandomVec(TestRng& rng, std::size_t n) {
  std::vector<Fr> v(n);
  for (auto& x : v) x = Fr::Random(rng);
  return v;
}

TEST(NttTest, RootOfUnityHasExactOrder) {
  for (int k : {1, 5, 16, 28}) {
    Fr w = NttDomain::RootOfUnity(k);
    Fr t = w;
    for (int i = 0; i < k - 1; ++i) t = t.Square();
    EXPECT_EQ(t, -Fr::One()) << k;  // w^(2^(k-1)) = -1
  }
  // ffjavascript's bn128 Fr.w[28], derived from 5 (its smallest non-residue).
  EXPECT_EQ(NttDomain::RootOfUnity(28).ToDecimal(),
            "19103219067921713944291392827692070036145651957329286315305642004821462161904");
}

TEST(NttTest, ForwardMatchesNaiveDft) {
  TestRng rng(50);
  for (int log_n : {0, 1, 3, 6}) {
    NttDomain d(log_n);
    auto a = RandomVec(rng, d.size());
    auto got = a;
    d.Forward(got);
    for (std::size_t j = 0; j < d.size(); ++j) {
      Fr wj = d.generator().PowU64(j), acc = Fr::Zero();
      for (std::size_t i = 0; i < d.size(); ++i) acc += a[i] * wj.PowU64(i);
      EXPECT_EQ(got[j], acc) << log_n << " " << j;
    }
  }
}

TEST(NttTest, InverseIsIdentityAcrossBlockBoundary) {
  TestRng rng(51);
  for (int log_n : {2, 12, 13, 16}) {
    NttDomain d(log_n);
    auto a = RandomVec(rng, d.size());
    auto b = a;
    d.Forward(b);
    d.Inverse(b);
    EXPECT_EQ(a, b) << log_n;
  }
}

TEST(NttTest, CosetTransformEvaluatesOnCoset) {
  TestRng rng(52);
  NttDomain d(4);
  auto a = RandomVec(rng, d.size());
  Fr shift = Fr::FromU64(7);
  auto ev = a;
  d.CosetForward(ev, shift);
  for (std::size_t j = 0; j < d.size(); ++j) {
    Fr x = shift * d.generator().PowU64(j), acc = Fr::Zero(), xi = Fr::One();
    for (std::size_t i = 0; i < d.size(); ++i) {
      acc += a[i] * xi;
      xi *= x;
    }
    EXPECT_EQ(ev[j], acc);
  }
  d.CosetInverse(ev, shift);
  EXPECT_EQ(ev, a);
}

TEST(NttTest, SizeChecks) {
  NttDomain out(0);
  EXPECT_FALSE(NttDomain::Create(29, &out).ok());
  EXPECT_FALSE(NttDomain::Create(-1, &out).ok());
  EXPECT_TRUE(NttDomain::Create(10, &out).ok());
  EXPECT_EQ(out.size(), 1024u);
}

}  // namespace
}  // namespace depinfer::math::bn254
