#include "infer/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <map>
#include <random>

#include "infer/detmath.h"

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

// The specification written the slow way: full sort, no window. SampleToken must agree with it
// on every draw, including flat distributions where its window is not enough.
int32_t SlowSample(std::vector<float> l, uint64_t step, const SamplingParams& p) {
  const int n_vocab = static_cast<int>(l.size());
  std::vector<int32_t> ids(n_vocab);
  for (int i = 0; i < n_vocab; ++i) ids[i] = i;
  auto better = [&](int32_t a, int32_t b) { return l[a] != l[b] ? l[a] > l[b] : a < b; };
  std::sort(ids.begin(), ids.end(), better);
  if (p.top_k > 0 && p.top_k < n_vocab) ids.resize(p.top_k);
  std::vector<int32_t> by_id = ids;
  std::sort(by_id.begin(), by_id.end());
  std::vector<float> prob(n_vocab, 0.0f);
  float mx = -INFINITY;
  for (int32_t i : by_id) mx = std::max(mx, l[i] / p.temperature);
  float z = 0.0f;
  for (int32_t i : by_id) z = z + ExpF(l[i] / p.temperature - mx);
  for (int32_t i : by_id) prob[i] = ExpF(l[i] / p.temperature - mx) / z;
  size_t keep = ids.size();
  if (p.top_p < 1.0f) {
    float cum = 0.0f;
    size_t k = 0;
    while (k < ids.size()) {
      cum = cum + prob[ids[k++]];
      if (cum >= p.top_p) break;
    }
    keep = k;
  }
  if (p.min_p > 0.0f) {
    size_t k = 1;
    while (k < keep && prob[ids[k]] >= p.min_p * prob[ids[0]]) ++k;
    keep = k;
  }
  double total = 0.0;
  if (keep == ids.size()) {
    for (int32_t i : by_id) total += prob[i];
  } else {
    for (size_t i = 0; i < keep; ++i) total += prob[ids[i]];
  }
  const double target = UniformForStep(p.seed, step) * total;
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += prob[ids[i]];
    if (target < cum) return ids[i];
  }
  return ids[keep - 1];
}

// Spreads from flat to peaked put the drawn token in each of the sampler's tiers.
TEST(Sampler, WindowedSortEqualsFullSort) {
  std::mt19937 rng(5);
  const float kSpreads[] = {0.01f, 3.0f, 8.0f, 30.0f};
  for (int trial = 0; trial < 400; ++trial) {
    std::normal_distribution<float> g(0.0f, kSpreads[trial % 4]);
    std::vector<float> l(trial % 11 == 0 ? 3000 : 500);
    for (float& x : l) x = g(rng);
    if (trial % 7 == 0) l[3] = l[9];  // a tie
    if (trial % 13 == 0) l[20] = -INFINITY;  // a banned token
    SamplingParams p;
    p.temperature = 0.5f + (trial % 4) * 0.5f;
    p.top_k = trial % 5 == 0 ? 50 : 0;
    p.top_p = trial % 2 ? 0.9f : 1.0f;
    p.min_p = trial % 3 == 2 ? 0.05f : 0.0f;
    p.seed = trial;
    for (int step = 0; step < 5; ++step) {
      ASSERT_EQ(SampleToken(l.data(), static_cast<int>(l.size()), {}, step, p), SlowSample(l, step, p))
          << "trial " << trial << " step " << step;
    }
  }
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
