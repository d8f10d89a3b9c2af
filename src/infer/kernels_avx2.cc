// AVX2 twins of the reference kernels (kernels_ref.cc). Same specification, same bits:
//  * the per-block integer dot product is exact, so how it is computed (maddubs/madd, or
//    AVX-VNNI dpbusd where the build has it) cannot change it;
//  * eight consecutive blocks are handled together, so SIMD lane j holds the partial sum of
//    blocks j, j+8, ... exactly as the reference's lanes[b % 8];
//  * the float formula per block uses separate multiplies and adds in the reference's order;
//  * a tail of fewer than eight blocks is added lane by lane with the scalar formula.
#include <immintrin.h>

#include <cstddef>

#include "infer/quant.h"

namespace depinfer::infer::avx2 {
namespace {

// Sum of products of 32 unsigned bytes `u` with 32 signed bytes `s`, as 8 int32 partials.
// maddubs cannot saturate here: |u| <= 128 and |s| <= 127 (activations never reach -128).
inline __m256i DotBytes(__m256i u, __m256i s) {
#if defined(__AVXVNNI__)
  return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s);
#else
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

inline __m256i Q4_1Block(const BlockQ4_1& w, const int8_t* q) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w.qs));
  const __m128i m4 = _mm_set1_epi8(0x0f);
  const __m256i wq = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), m4),
                                      _mm_and_si128(raw, m4));
  return DotBytes(wq, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)));
}

inline __m256i Q8_0Block(const BlockQ8_0& w, const int8_t* q) {
  const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qs));
  const __m256i aq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  // |w| * (q with w's sign): an unsigned-by-signed product equal to w * q.
  return DotBytes(_mm256_abs_epi8(wq), _mm256_sign_epi8(aq, wq));
}

// Lane j of the result = sum of the 8 lanes of v[j].
inline __m256i Transpose8Sum(const __m256i v[8]) {
  const __m256i s01 = _mm256_hadd_epi32(v[0], v[1]);
  const __m256i s23 = _mm256_hadd_epi32(v[2], v[3]);
  const __m256i s45 = _mm256_hadd_epi32(v[4], v[5]);
  const __m256i s67 = _mm256_hadd_epi32(v[6], v[7]);
  const __m256i t0 = _mm256_hadd_epi32(s01, s23);  // lo: v0..v3 low halves, hi: high halves
  const __m256i t1 = _mm256_hadd_epi32(s45, s67);
  return _mm256_add_epi32(_mm256_permute2x128_si256(t0, t1, 0x20),
                          _mm256_permute2x128_si256(t0, t1, 0x31));
}

inline int32_t HsumI32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// Eight f16 fields spaced `stride` bytes apart, widened exactly to f32.
inline __m256 LoadHalves(const uint8_t* p, size_t stride) {
  uint16_t h[8];
  for (int k = 0; k < 8; ++k) __builtin_memcpy(&h[k], p + k * stride, 2);
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)));
}

}  // namespace

float DotQ4_1(const BlockQ4_1* w, const ActQ8& a, int nb) {
  __m256 acc = _mm256_setzero_ps();
  const int8_t* q = a.q.data();
  int b = 0;
  for (; b + 8 <= nb; b += 8) {
    __m256i v[8];
    for (int k = 0; k < 8; ++k) v[k] = Q4_1Block(w[b + k], q + (b + k) * kBlock);
    const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
    const auto* base = reinterpret_cast<const uint8_t*>(w + b);
    const __m256 dw = LoadHalves(base + offsetof(BlockQ4_1, d), sizeof(BlockQ4_1));
    const __m256 mw = LoadHalves(base + offsetof(BlockQ4_1, m), sizeof(BlockQ4_1));
    const __m256 t = _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(&a.d[b])), isum);
    const __m256 u = _mm256_mul_ps(mw, _mm256_loadu_ps(&a.s[b]));
    acc = _mm256_add_ps(acc, _mm256_add_ps(t, u));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (; b < nb; ++b) {
    const int32_t isum = HsumI32(Q4_1Block(w[b], q + b * kBlock));
    const float t = (Fp16ToFp32(w[b].d) * a.d[b]) * static_cast<float>(isum);
    const float u = Fp16ToFp32(w[b].m) * a.s[b];
    lanes[b % 8] = lanes[b % 8] + (t + u);
  }
  return ref::Reduce8(lanes);
}

float DotQ8_0(const BlockQ8_0* w, const ActQ8& a, int nb) {
  __m256 acc = _mm256_setzero_ps();
  const int8_t* q = a.q.data();
  int b = 0;
  for (; b + 8 <= nb; b += 8) {
    __m256i v[8];
    for (int k = 0; k < 8; ++k) v[k] = Q8_0Block(w[b + k], q + (b + k) * kBlock);
    const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
    const auto* base = reinterpret_cast<const uint8_t*>(w + b);
    const __m256 dw = LoadHalves(base + offsetof(BlockQ8_0, d), sizeof(BlockQ8_0));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(&a.d[b])), isum));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (; b < nb; ++b) {
    const int32_t isum = HsumI32(Q8_0Block(w[b], q + b * kBlock));
    lanes[b % 8] = lanes[b % 8] + (Fp16ToFp32(w[b].d) * a.d[b]) * static_cast<float>(isum);
  }
  return ref::Reduce8(lanes);
}

float DotF16(const uint16_t* w, const float* x, int n) {
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 wv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(wv, _mm256_loadu_ps(x + i)));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (; i < n; ++i) lanes[i % 8] = lanes[i % 8] + Fp16ToFp32(w[i]) * x[i];
  return ref::Reduce8(lanes);
}

float DotF32(const float* w, const float* x, int n) {
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i)));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (; i < n; ++i) lanes[i % 8] = lanes[i % 8] + w[i] * x[i];
  return ref::Reduce8(lanes);
}

}  // namespace depinfer::infer::avx2
