#include "infer/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace depinfer::infer {
namespace {

TEST(Sampler, GreedyTakesArgmaxLowestIdOnTies) {
  std::vector<float> l = {0.5f, 2.0f, -1.0f, 2.0f};
  SamplingParams p;
  EXPECT_EQ(SampleToken(l.data(), 4, {}, 0, p), 1);
}

TEST(Sampler, UniformIsCounterBased) {
  const double a = UniformForStep(42, 0), b = UniformForStep(42, 1), c = UniformForStep(43, 0);
  EXPECT_EQ(a, UniformForStep(42, 0));  // same (seed, step), same number: no hidden state
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  double sum = 0;
  for (int i = 0; i < 4000; ++i) {
    const double u = UniformForStep(7, i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 4000, 0.5, 0.02);
}

TEST(Sampler, TopKOneIsGreedy) {
  std::vector<float> l = {0.1f, 0.3f, 3.0f, 0.2f};
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_k = 1;
  for (int step = 0; step < 50; ++step) EXPECT_EQ(SampleToken(l.data(), 4, {}, step, p), 2);
}

TEST(Sampler, FollowsTheDistribution) {
  // logits ln(1), ln(2), ln(3), ln(4): probabilities 0.1 .. 0.4.
  std::vector<float> l = {0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 99;
  std::map<int, int> n;
  const int kDraws = 20000;
  for (int s = 0; s < kDraws; ++s) ++n[SampleToken(l.data(), 4, {}, s, p)];
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(n[t] / double(kDraws), 0.1 * (t + 1), 0.015) << t;
}

TEST(Sampler, TopPAndMinPCutTheTail) {
  std::vector<float> l = {0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_p = 0.65f;  // keeps 0.4 + 0.3
  for (int s = 0; s < 500; ++s) EXPECT_GE(SampleToken(l.data(), 4, {}, s, p), 2);
  p.top_p = 1.0f;
  p.min_p = 0.6f;  // keeps p >= 0.24: tokens 2 and 3
  for (int s = 0; s < 500; ++s) EXPECT_GE(SampleToken(l.data(), 4, {}, s, p), 2);
}

TEST(Sampler, RepetitionPenaltyDiscouragesRecentTokens) {
  std::vector<float> l = {1.0f, 1.1f, -2.0f};
  SamplingParams p;
  p.repeat_penalty = 1.5f;
  EXPECT_EQ(SampleToken(l.data(), 3, {1}, 0, p), 0);  // 1.1 / 1.5 < 1.0
  p.repeat_last_n = 1;
  EXPECT_EQ(SampleToken(l.data(), 3, {1, 2}, 0, p), 1);  // token 1 is outside the window
}

TEST(Transcript, ChainsTokensAndLogits) {
  std::vector<float> l = {1.0f, 2.0f};
  Transcript a("model", {1, 2}), b("model", {1, 2}), c("model", {1, 3}), d("other", {1, 2});
  EXPECT_EQ(a.Hex(), b.Hex());
  EXPECT_NE(a.Hex(), c.Hex());
  EXPECT_NE(a.Hex(), d.Hex());
  a.AddStep(5, l.data(), 2);
  b.AddStep(5, l.data(), 2);
  EXPECT_EQ(a.Hex(), b.Hex());
  Transcript e("model", {1, 2});
  e.AddStep(6, l.data(), 2);
  EXPECT_NE(a.Hex(), e.Hex());
  Transcript f("model", {1, 2});
  std::vector<float> l2 = {1.0f, std::nextafter(2.0f, 3.0f)};  // one ulp apart
  f.AddStep(5, l2.data(), 2);
  EXPECT_NE(a.Hex(), f.Hex());
  EXPECT_EQ(a.steps(), 1);
}

}  // namespace
}  // namespace depinfer::infer
