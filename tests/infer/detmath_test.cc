#include "infer/detmath.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <bit>
#include <cmath>
#include <vector>

namespace depinfer::infer {
namespace {

TEST(DetMath, ExpFIsAccurate) {
  for (float x = -87.0f; x < 88.0f; x += 0.00731f) {
    const double want = std::exp(static_cast<double>(x));
    ASSERT_NEAR(ExpF(x) / want, 1.0, 3e-7) << x;
  }
  EXPECT_EQ(ExpF(0.0f), 1.0f);
  EXPECT_EQ(ExpF(-100.0f), 0.0f);
  EXPECT_TRUE(std::isinf(ExpF(100.0f)));
  EXPECT_TRUE(std::isnan(ExpF(NAN)));
  EXPECT_EQ(ExpF(-INFINITY), 0.0f);
}

TEST(DetMath, DoubleFunctionsAreAccurate) {
  for (double x = -60; x < 60; x += 0.0173) {
    double s, c;
    SinCosD(x, &s, &c);
    ASSERT_NEAR(s, std::sin(x), 1e-15) << x;
    ASSERT_NEAR(c, std::cos(x), 1e-15) << x;
  }
  for (double x = 8000; x < 9000; x += 3.7) {  // positions times the largest frequency
    double s, c;
    SinCosD(x, &s, &c);
    ASSERT_NEAR(s, std::sin(x), 1e-12) << x;
  }
  for (double x = -700; x < 700; x += 0.91) ASSERT_NEAR(ExpD(x) / std::exp(x), 1.0, 1e-15);
  for (double x = 1e-30; x < 1e30; x *= 1.91) ASSERT_NEAR(LogD(x), std::log(x), 1e-13);
}

TEST(DetMath, SoftmaxAndSilu) {
  std::vector<float> x = {1.0f, 2.0f, 3.0f, -1e30f};
  SoftmaxF(x.data(), 4);
  EXPECT_NEAR(x[0] + x[1] + x[2] + x[3], 1.0f, 1e-6);
  EXPECT_GT(x[2], x[1]);
  EXPECT_EQ(x[3], 0.0f);
  EXPECT_EQ(SiluF(0.0f), 0.0f);
  EXPECT_NEAR(SiluF(2.0f), 2.0 / (1.0 + std::exp(-2.0)), 1e-6);
  EXPECT_NEAR(SiluF(-100.0f), 0.0f, 1e-30);
}

// The functions' exact bits are part of the engine's output: pin them. If this fails, a
// compiler or flag change altered the rounding (for instance by fusing multiply-adds), and every
// transcript hash would change with it.
TEST(DetMath, BitsArePinned) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  auto add = [&](auto v) {
    auto b = std::bit_cast<std::array<unsigned char, sizeof(v)>>(v);
    crypto_generichash_update(&st, b.data(), b.size());
  };
  for (int i = -20000; i < 20000; ++i) {
    const float x = static_cast<float>(i) * 0.00437f;
    add(ExpF(x));
    add(SiluF(x));
    double s, c;
    SinCosD(static_cast<double>(i) * 0.2113, &s, &c);
    add(s);
    add(c);
    add(ExpD(static_cast<double>(i) * 0.0311));
    if (i > 0) add(LogD(static_cast<double>(i) * 0.731));
  }
  unsigned char d[32];
  crypto_generichash_final(&st, d, 32);
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), d, 32);
  EXPECT_EQ(std::string(hex), "9a602a9f8741f144e886e3eba743f030e3e23466ede8614f8a4cc73b982b412e");
}

}  // namespace
}  // namespace depinfer::infer
