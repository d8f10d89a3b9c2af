#include "infer/detmath.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace depinfer::infer {
namespace {

// 2^n for an integer n in the normal range, built from its bits (exact).
float Pow2F(int n) {
  const uint32_t bits = static_cast<uint32_t>(n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

double Pow2D(int64_t n) {
  const uint64_t bits = static_cast<uint64_t>(n + 1023) << 52;
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

}  // namespace

float ExpF(float x) {
  if (x != x) return x;  // NaN
  if (x > 88.72f) return std::numeric_limits<float>::infinity();
  if (x < -87.33f) return 0.0f;
  // x = n ln2 + r with |r| <= ln2/2. ln2 is split (Cody-Waite) so n * kLn2Hi is exact.
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;      // 16 significant bits
  constexpr float kLn2Lo = 1.428606765330187045e-06f;
  const float n = std::nearbyint(x * kLog2e);
  const float r = (x - n * kLn2Hi) - n * kLn2Lo;
  // Taylor polynomial of degree 7 in Horner form; truncation error < 2^-27 on |r| <= 0.35.
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // n can be -126 .. 128; split the scaling so 2^n is always a normal number.
  const int ni = static_cast<int>(n);
  if (ni > 127) return p * Pow2F(ni - 1) * 2.0f;
  if (ni < -125) return p * Pow2F(ni + 2) * 0.25f;
  return p * Pow2F(ni);
}

float SiluF(float x) { return x / (1.0f + ExpF(-x)); }

void SoftmaxF(float* x, int n) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    x[i] = ExpF(x[i] - mx);
    sum = sum + x[i];
  }
  for (int i = 0; i < n; ++i) x[i] = x[i] / sum;
}

double ExpD(double x) {
  if (x != x) return x;
  if (x > 709.0) return std::numeric_limits<double>::infinity();
  if (x < -708.0) return 0.0;
  constexpr double kLog2e = 1.4426950408889634074;
  // ln2 split (fdlibm's constants): hi has 32 significant bits so n * hi is exact.
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double n = std::nearbyint(x * kLog2e);
  const double r = (x - n * kLn2Hi) - n * kLn2Lo;
  // Taylor series to r^17 (error < 1e-19 on |r| <= 0.35), Horner form.
  double p = 1.0;
  for (int k = 17; k >= 1; --k) p = 1.0 + p * r / static_cast<double>(k);
  return p * Pow2D(static_cast<int64_t>(n));
}

double LogD(double x) {
  if (!(x > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172.
  uint64_t bits;
  std::memcpy(&bits, &x, 8);
  int64_t e = static_cast<int64_t>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;  // m in [1, 2)
  double m;
  std::memcpy(&m, &bits, 8);
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    e += 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double series = 0.0;  // sum s^(2k) / (2k+1), k = 0..13, Horner
  for (int k = 13; k >= 0; --k) series = 1.0 / static_cast<double>(2 * k + 1) + series * s2;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double de = static_cast<double>(e);
  return (de * kLn2Hi + 2.0 * s * series) + de * kLn2Lo;
}

void SinCosD(double x, double* s, double* c) {
  // x = k pi/2 + r, |r| <= pi/4, with pi/2 split in three (fdlibm's pio2_1, pio2_2, pio2_2t):
  // the first two have 33 bits, so k * part is exact for |k| < 2^20.
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;
  constexpr double kPio2_1 = 1.57079632673412561417e+00;
  constexpr double kPio2_2 = 6.07710050630396597660e-11;
  constexpr double kPio2_2t = 2.02226624879595063154e-21;
  const double k = std::nearbyint(x * kTwoOverPi);
  const double r = ((x - k * kPio2_1) - k * kPio2_2) - k * kPio2_2t;
  const double r2 = r * r;
  // Taylor series: sin to r^19, cos to r^20 (error < 1e-19 on |r| <= pi/4).
  double sp = 0.0, cp = 0.0;
  for (int n = 9; n >= 0; --n) {
    sp = 1.0 / static_cast<double>((2 * n + 2) * (2 * n + 3)) * (-r2) * sp + 1.0;
    cp = 1.0 / static_cast<double>((2 * n + 1) * (2 * n + 2)) * (-r2) * cp + 1.0;
  }
  const double sr = r * sp, cr = cp;
  const int64_t q = static_cast<int64_t>(k) & 3;
  switch (q) {
    case 0: *s = sr; *c = cr; break;
    case 1: *s = cr; *c = -sr; break;
    case 2: *s = -sr; *c = -cr; break;
    default: *s = -cr; *c = sr; break;
  }
}

}  // namespace depinfer::infer
