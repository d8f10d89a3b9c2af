// Pieces shared by the x86 tile kernels (kernels_avx2.cc, kernels_avx512.cc): the reference's
// lane mask and lane reduction in registers, the accumulating byte-dot, the tails of four
// positions (quant.h, ActTailQuad) and the table of tile shapes. Each file includes this in its
// own anonymous namespace, compiled for its own instruction set; the arithmetic, and so the
// bits, are the same.
#pragma once

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <utility>

#include "infer/quant.h"

namespace depinfer::infer {
namespace {

// Lanes [0, count) set.
inline __m256 LaneMask(int count) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count), idx));
}

// The reference's lane reduction, ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), in registers.
inline float Reduce8(__m256 acc) {
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

// Accumulating form of DotBytes: acc + the 8 int32 partial sums of u * s.
inline __m256i DotBytesAcc(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(acc, u, s);  // EVEX: all 32 vector registers
#elif defined(__AVXVNNI__)
  return _mm256_dpbusd_avx_epi32(acc, u, s);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// The tails of four positions at once (quant.h, ActTailQuad): the last group's one or two blocks
// of each row, broadcast to the four lane pairs, against the quad's slices; then the float terms
// of lanes 2p, 2p+1 go to lanes 0, 1 of position p's accumulators, as the reference adds them.
template <int kP>
inline bool UseQuad(const ActTailQuad* quad, int nb) {
  return kP == 4 && quad != nullptr && (nb % 8 == 1 || nb % 8 == 2);
}
inline __m256 BroadcastPair(const uint8_t* p) {  // 8 bytes to every 64-bit lane
  return _mm256_castpd_ps(_mm256_broadcast_sd(reinterpret_cast<const double*>(p)));
}
template <int kR>
inline void AddQuadTerms(const __m256 (&v)[kR], int tail, __m256 (&acc)[kR][4]) {
  for (int p = 0; p < 4; ++p) {
    const __m256i idx = _mm256_setr_epi32(2 * p, 2 * p + 1, 0, 0, 0, 0, 0, 0);
    for (int r = 0; r < kR; ++r) {
      const __m256 sum = _mm256_add_ps(acc[r][p], _mm256_permutevar8x32_ps(v[r], idx));
      acc[r][p] = _mm256_blendv_ps(acc[r][p], sum, LaneMask(tail));
    }
  }
}

template <int kR>
inline void Q4_1QuadTail(const uint8_t* unit, size_t row_bytes, const ActTailQuad& x, int tail,
                         __m256 (&acc)[kR][4]) {
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  __m256i isum[kR];
  for (int r = 0; r < kR; ++r) isum[r] = _mm256_setzero_si256();
  for (int k = 0; k < 4; ++k) {
    const __m256i qa = _mm256_load_si256(reinterpret_cast<const __m256i*>(x.qt[k]));
    const __m256i qb = _mm256_load_si256(reinterpret_cast<const __m256i*>(x.qt[k + 4]));
    for (int r = 0; r < kR; ++r) {
      const __m256i raw =
          _mm256_castps_si256(BroadcastPair(unit + r * row_bytes + 64 + 32 * k));
      const __m256i lo = _mm256_and_si256(raw, m4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
      isum[r] = DotBytesAcc(DotBytesAcc(isum[r], lo, qa), hi, qb);
    }
  }
  const __m256 dx = _mm256_load_ps(x.d), sx = _mm256_load_ps(x.s);
  __m256 v[kR];
  for (int r = 0; r < kR; ++r) {
    const uint8_t* u = unit + r * row_bytes;
    const __m256 tt = _mm256_mul_ps(_mm256_mul_ps(BroadcastPair(u), dx), _mm256_cvtepi32_ps(isum[r]));
    v[r] = _mm256_add_ps(tt, _mm256_mul_ps(BroadcastPair(u + 32), sx));
  }
  AddQuadTerms<kR>(v, tail, acc);
}

// Q8_0: signed weights. With VNNI (a non-saturating byte-dot) the activations go in as
// unsigned bytes q + 128 and the group's stored 128 * sum(w) per block is subtracted: exact,
// one instruction per slice. Without it (maddubs saturates at 16 bits) each byte-dot takes |w|
// and the activation with w's sign.
#if (defined(__AVX512VNNI__) && defined(__AVX512VL__)) || defined(__AVXVNNI__)
constexpr bool kOffsetQ8 = true;
#else
constexpr bool kOffsetQ8 = false;
#endif

template <int kR>
inline void Q8_0QuadTail(const uint8_t* unit, size_t row_bytes, const ActTailQuad& x, int tail,
                         __m256 (&acc)[kR][4]) {
  const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
  __m256i isum[kR];
  for (int r = 0; r < kR; ++r) isum[r] = _mm256_setzero_si256();
  for (int k = 0; k < 8; ++k) {
    const __m256i q = _mm256_load_si256(reinterpret_cast<const __m256i*>(x.qt[k]));
    const __m256i u = _mm256_xor_si256(q, bias);
    for (int r = 0; r < kR; ++r) {
      const __m256i wq = _mm256_castps_si256(BroadcastPair(unit + r * row_bytes + 64 + 32 * k));
      if (kOffsetQ8) {
        isum[r] = DotBytesAcc(isum[r], u, wq);
      } else {
        isum[r] = DotBytesAcc(isum[r], _mm256_abs_epi8(wq), _mm256_sign_epi8(q, wq));
      }
    }
  }
  const __m256 dx = _mm256_load_ps(x.d);
  __m256 v[kR];
  for (int r = 0; r < kR; ++r) {
    const uint8_t* w = unit + r * row_bytes;
    const __m256i exact =
        kOffsetQ8 ? _mm256_sub_epi32(isum[r], _mm256_castps_si256(BroadcastPair(w + 32)))
                  : isum[r];
    v[r] = _mm256_mul_ps(_mm256_mul_ps(BroadcastPair(w), dx), _mm256_cvtepi32_ps(exact));
  }
  AddQuadTerms<kR>(v, tail, acc);
}

using TileKernel = void (*)(const uint8_t*, size_t, const ActQ8* const*, int, float*, int64_t,
                           const ActTailQuad*);

// The kernel for nr x np, from a table of every shape up to kRows x kMaxMulti.
template <template <int, int> class K, int kR, size_t... kP>
constexpr std::array<TileKernel, kMaxMulti> TableRow(std::index_sequence<kP...>) {
  return {K<kR, static_cast<int>(kP) + 1>::Run...};
}
template <template <int, int> class K, size_t... kR>
constexpr std::array<std::array<TileKernel, kMaxMulti>, sizeof...(kR)> Table(
    std::index_sequence<kR...>) {
  return {TableRow<K, static_cast<int>(kR) + 1>(std::make_index_sequence<kMaxMulti>())...};
}
template <template <int, int> class K, int kRows>
TileKernel TileFor(int nr, int np) {
  static constexpr auto kTable = Table<K>(std::make_index_sequence<kRows>());
  return kTable[nr - 1][np - 1];
}

}  // namespace
}  // namespace depinfer::infer
