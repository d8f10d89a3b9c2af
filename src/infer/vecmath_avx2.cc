// AVX2 twins of vecmath.h. ExpF8 is detmath's ExpF on eight lanes: the same constants, the same
// operations in the same order (round to nearest even, Cody-Waite reduction, Horner, scaling by
// 2^n built from its bits). Lanes outside the range where ExpF takes that plain path (NaN,
// overflow, underflow, or a scale 2^n that ExpF splits in two) send the whole vector through
// the scalar ExpF, so every lane always gets ExpF's bits.
#include <immintrin.h>

#include <limits>

#include "infer/detmath.h"
#include "infer/vecmath.h"

namespace depinfer::infer::avx2 {
namespace {

// False if some lane needs ExpF's special cases; otherwise *out = ExpF of each lane.
inline bool ExpF8(__m256 x, __m256* out) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;
  constexpr float kLn2Lo = 1.428606765330187045e-06f;
  const __m256 in_range = _mm256_and_ps(_mm256_cmp_ps(x, _mm256_set1_ps(-87.33f), _CMP_GE_OQ),
                                        _mm256_cmp_ps(x, _mm256_set1_ps(88.72f), _CMP_LE_OQ));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i plain = _mm256_and_si256(_mm256_cmpgt_epi32(ni, _mm256_set1_epi32(-126)),
                                         _mm256_cmpgt_epi32(_mm256_set1_epi32(128), ni));
  if (_mm256_movemask_ps(_mm256_and_ps(in_range, _mm256_castsi256_ps(plain))) != 0xff) {
    return false;
  }
  const __m256 r = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Hi))),
                                 _mm256_mul_ps(n, _mm256_set1_ps(kLn2Lo)));
  __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f / 720.0f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(0.5f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f));
  const __m256 scale =
      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(ni, _mm256_set1_epi32(127)), 23));
  *out = _mm256_mul_ps(p, scale);
  return true;
}

}  // namespace

void ExpRow(float* x, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 e;
    if (ExpF8(_mm256_loadu_ps(x + i), &e)) {
      _mm256_storeu_ps(x + i, e);
    } else {
      for (int j = i; j < i + 8; ++j) x[j] = ExpF(x[j]);
    }
  }
  for (; i < n; ++i) x[i] = ExpF(x[i]);
}

void SiluMulRow(float* g, const float* up, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(g + i);
    __m256 e;
    if (ExpF8(_mm256_sub_ps(_mm256_setzero_ps(), x), &e)) {
      const __m256 silu = _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
      _mm256_storeu_ps(g + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    } else {
      for (int j = i; j < i + 8; ++j) g[j] = SiluF(g[j]) * up[j];
    }
  }
  for (; i < n; ++i) g[i] = SiluF(g[i]) * up[i];
}

namespace {

// The reference's lane reduction ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
inline float Reduce8(__m256 acc) {
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

}  // namespace

void DotKeys(const float* q, const float* k, size_t stride, int count, int n, float* out) {
  if (n % 8 != 0) {  // an element tail: the single kernel handles it
    for (int p = 0; p < count; ++p) out[p] = DotF32(q, k + p * stride, n);
    return;
  }
  // Four keys at a time: four independent accumulators, each exactly DotF32's.
  int p = 0;
  for (; p + 4 <= count; p += 4) {
    const float* k0 = k + p * stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i < n; i += 8) {
      const __m256 qv = _mm256_loadu_ps(q + i);
      a0 = _mm256_add_ps(a0, _mm256_mul_ps(qv, _mm256_loadu_ps(k0 + i)));
      a1 = _mm256_add_ps(a1, _mm256_mul_ps(qv, _mm256_loadu_ps(k0 + stride + i)));
      a2 = _mm256_add_ps(a2, _mm256_mul_ps(qv, _mm256_loadu_ps(k0 + 2 * stride + i)));
      a3 = _mm256_add_ps(a3, _mm256_mul_ps(qv, _mm256_loadu_ps(k0 + 3 * stride + i)));
    }
    out[p] = Reduce8(a0);
    out[p + 1] = Reduce8(a1);
    out[p + 2] = Reduce8(a2);
    out[p + 3] = Reduce8(a3);
  }
  for (; p < count; ++p) out[p] = DotF32(q, k + p * stride, n);
}

void WeightedSum(const float* w, const float* v, size_t stride, int count, int n, float* out) {
  // Columns in chunks of 64 kept in registers across all p; each element's sum in p order.
  int j0 = 0;
  for (; j0 + 64 <= n; j0 += 64) {
    __m256 acc[8];
    for (int k = 0; k < 8; ++k) acc[k] = _mm256_setzero_ps();
    for (int p = 0; p < count; ++p) {
      const __m256 wp = _mm256_set1_ps(w[p]);
      const float* vp = v + p * stride + j0;
      for (int k = 0; k < 8; ++k) {
        acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(wp, _mm256_loadu_ps(vp + 8 * k)));
      }
    }
    for (int k = 0; k < 8; ++k) _mm256_storeu_ps(out + j0 + 8 * k, acc[k]);
  }
  for (int j = j0; j < n; ++j) out[j] = 0.0f;
  for (int p = 0; p < count; ++p) {
    for (int j = j0; j < n; ++j) out[j] = out[j] + w[p] * v[p * stride + j];
  }
}

float MaxRow(const float* x, int n) {
  // max_ps returns its second operand when the first is NaN: NaNs never enter the maximum.
  __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  int i = 0;
  for (; i + 8 <= n; i += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m);
  float best = lanes[0];
  for (int k = 1; k < 8; ++k) best = lanes[k] > best ? lanes[k] : best;
  for (; i < n; ++i) best = x[i] > best ? x[i] : best;
  return best;
}

}  // namespace depinfer::infer::avx2
