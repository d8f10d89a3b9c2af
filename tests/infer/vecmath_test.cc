// The AVX2 twins of the forward pass's row operations return the plain versions' bits.
#include "infer/vecmath.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "infer/detmath.h"

namespace depinfer::infer {
namespace {

// Inputs that reach every path of ExpF: the plain range, both scaling splits near the ends,
// overflow, underflow, infinities and NaN, mixed into vectors with ordinary values.
std::vector<float> Inputs() {
  std::vector<float> x;
  for (float v = -100.0f; v < 100.0f; v += 0.0371f) x.push_back(v);
  for (float v : {-87.34f, -87.33f, -87.32f, -86.7f, -86.6f, 88.3f, 88.4f, 88.72f, 88.73f, 0.0f,
                  -0.0f, 1e-30f, -1e-30f, std::numeric_limits<float>::infinity(),
                  -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                  std::numeric_limits<float>::denorm_min()}) {
    for (int i = 0; i < 9; ++i) x.push_back(i % 3 == 0 ? v : 0.5f * i);
  }
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.0f, 8.0f);
  for (int i = 0; i < 20000; ++i) x.push_back(g(rng));
  return x;
}

bool SameBits(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

TEST(VecMath, ExpRowTwinsAgree) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels";
  const std::vector<float> in = Inputs();
  for (int n : {static_cast<int>(in.size()), 7, 8, 9, 17}) {
    std::vector<float> a(in.begin(), in.begin() + n), b = a;
    ExpRow(a.data(), n, Isa::kScalar);
    ExpRow(b.data(), n, Isa::kAvx2);
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(SameBits(a[i], b[i])) << "x=" << in[i] << " " << a[i] << " vs " << b[i];
      ASSERT_TRUE(SameBits(a[i], ExpF(in[i])));
    }
  }
}

TEST(VecMath, SiluMulRowTwinsAgree) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels";
  const std::vector<float> in = Inputs();
  std::vector<float> up(in.size());
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  for (float& u : up) u = g(rng);
  const int n = static_cast<int>(in.size());
  std::vector<float> a = in, b = in;
  SiluMulRow(a.data(), up.data(), n, Isa::kScalar);
  SiluMulRow(b.data(), up.data(), n, Isa::kAvx2);
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(SameBits(a[i], b[i])) << "x=" << in[i] << " " << a[i] << " vs " << b[i];
  }
}

TEST(VecMath, DotKeysEqualsSingleDots) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g;
  for (int n : {64, 128, 24, 13}) {
    const int count = 37;  // two blocks of 16 keys and a rest
    const size_t stride = static_cast<size_t>(n) + 5;
    std::vector<float> q(n), k(count * stride);
    for (float& v : q) v = g(rng);
    for (float& v : k) v = g(rng);
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
      if (!IsaAvailable(isa)) continue;
      for (int c = 0; c <= count; ++c) {
        std::vector<float> out(count, -1.0f);
        DotKeys(q.data(), k.data(), stride, c, n, out.data(), isa);
        for (int p = 0; p < c; ++p) {
          ASSERT_TRUE(SameBits(out[p], ref::DotF32(q.data(), k.data() + p * stride, n)))
              << IsaName(isa) << " n=" << n << " count=" << c << " p=" << p;
        }
        for (int p = c; p < count; ++p) ASSERT_EQ(out[p], -1.0f);
      }
    }
  }
}

TEST(VecMath, MaxRowTwinsAgree) {
  const std::vector<float> in = Inputs();
  for (int n : {0, 1, 7, 8, 9, 100, static_cast<int>(in.size())}) {
    for (int off : {0, 3}) {
      if (off + n > static_cast<int>(in.size())) continue;
      const float a = MaxRow(in.data() + off, n, Isa::kScalar);
      if (IsaAvailable(Isa::kAvx2)) {
        const float b = MaxRow(in.data() + off, n, Isa::kAvx2);
        ASSERT_TRUE(a == b || SameBits(a, b)) << "n=" << n << " " << a << " vs " << b;
      }
    }
  }
  const float nan_first[] = {std::numeric_limits<float>::quiet_NaN(), 1.0f, 2.0f};
  EXPECT_EQ(MaxRow(nan_first, 3, Isa::kScalar), 2.0f);
  if (IsaAvailable(Isa::kAvx2)) {
    EXPECT_EQ(MaxRow(nan_first, 3, Isa::kAvx2), 2.0f);
  }
  EXPECT_EQ(MaxRow(nan_first, 0, Isa::kScalar), -std::numeric_limits<float>::infinity());
}

TEST(VecMath, WeightedSumTwinsAgree) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels";
  std::mt19937 rng(11);
  std::normal_distribution<float> g;
  for (int n : {64, 128, 72, 13}) {
    for (int count : {0, 1, 5, 40}) {
      const size_t stride = static_cast<size_t>(n) + 3;
      std::vector<float> w(count), v(count * stride);
      for (float& x : w) x = g(rng);
      for (float& x : v) x = g(rng);
      if (count > 1) w[1] = 0.0f, v[5] = -0.0f;
      std::vector<float> a(n, 7.0f);
      WeightedSum(w.data(), v.data(), stride, count, n, a.data(), Isa::kScalar);
      for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
        if (!IsaAvailable(isa)) continue;
        std::vector<float> b(n, 7.0f);
        WeightedSum(w.data(), v.data(), stride, count, n, b.data(), isa);
        for (int j = 0; j < n; ++j) {
          ASSERT_TRUE(SameBits(a[j], b[j])) << IsaName(isa) << " n=" << n << " count=" << count << " j=" << j;
        }
      }
    }
  }
}

}  // namespace
}  // namespace depinfer::infer
