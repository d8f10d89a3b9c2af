// AVX-512 (VNNI) twins of the packed tile kernels: the same packed layout, the same per-block
// arithmetic as kernels_avx2.cc, on registers twice as wide. One 512-bit register holds the
// same group of two rows side by side (row 2i in the low half, row 2i+1 in the high half), so
// every instruction does for two rows what the AVX2 kernel does for one, against activations
// broadcast to both halves. Lane j of each half is still block j of its row's group, and each
// half goes through exactly the AVX2 kernel's multiplies, adds and blends, so the bits are the
// reference's (quant.h). On this project's CPUs the 512-bit byte-dot issues as often as the
// 256-bit one, so a tile of 6 rows x 4 positions does twice the work per instruction.
//
// Compiled with AVX-512 flags whatever -march says; chosen at run time (Isa::kAvx512).

// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_*() and then warn that
// it is uninitialized once inlined (GCC bug 105593, fixed in GCC 13): not about our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "infer/kernels_x86_tile.h"
#include "infer/quant.h"
#include "infer/vecmath.h"

namespace depinfer::infer::avx512 {
namespace {

// The 32 bytes at a (low half) and at b (high half).
inline __m512i LoadPair(const uint8_t* a, const uint8_t* b) {
  return _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
}
inline __m512 LoadPairPs(const uint8_t* a, const uint8_t* b) {
  return _mm512_castsi512_ps(LoadPair(a, b));
}
// The 32 bytes at p in both halves.
inline __m512i Broadcast32(const void* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(static_cast<const __m256i*>(p)));
}
inline __m512 Broadcast8Ps(const float* p) { return _mm512_broadcast_f32x8(_mm256_loadu_ps(p)); }

// Lanes [0, count) of each half: the padded last group's real blocks.
inline __mmask16 HalfLaneMask(int count) {
  const unsigned m = (1u << count) - 1u;
  return static_cast<__mmask16>(m | (m << 8));
}

// The 8 bytes at a in every 64-bit lane of the low half, those at b in the high half.
inline __m512i BroadcastPair2(const uint8_t* a, const uint8_t* b) {
  const __m512i lo = _mm512_broadcastq_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a)));
  return _mm512_mask_broadcastq_epi64(lo, 0xF0, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b)));
}

// The tails of four positions (kernels_x86_tile.h) for a pair of rows per register: v holds, in
// each half, the float terms of lanes 2p, 2p+1 for position p; they go to lanes 0, 1 of that
// position's accumulator, as the AVX2 kernel adds them.
template <int kPairs>
inline void AddQuadTerms2(const __m512 (&v)[kPairs], int tail, __m512 (&acc)[kPairs][4]) {
  const __mmask16 keep = static_cast<__mmask16>(((1u << tail) - 1u) * 0x101u);
  for (int p = 0; p < 4; ++p) {
    const __m512i idx = _mm512_setr_epi32(2 * p, 2 * p + 1, 0, 0, 0, 0, 0, 0, 8 + 2 * p,
                                          9 + 2 * p, 8, 8, 8, 8, 8, 8);
    for (int i = 0; i < kPairs; ++i) {
      const __m512 sum = _mm512_add_ps(acc[i][p], _mm512_permutexvar_ps(idx, v[i]));
      acc[i][p] = _mm512_mask_blend_ps(keep, acc[i][p], sum);
    }
  }
}

// Rows of a tile, in pairs: pair i is rows 2i and 2i+1; with an odd kR the last pair reads its
// one row twice and the copy's results are dropped.
template <int kR>
struct RowPairs {
  static constexpr int kPairs = (kR + 1) / 2;
  const uint8_t* lo[kPairs];
  const uint8_t* hi[kPairs];
  RowPairs(const uint8_t* packed, size_t row_bytes) {
    for (int i = 0; i < kPairs; ++i) {
      lo[i] = packed + static_cast<size_t>(2 * i) * row_bytes;
      hi[i] = packed + static_cast<size_t>(2 * i + 1 < kR ? 2 * i + 1 : 2 * i) * row_bytes;
    }
  }
};

// The reference's lane reduction, ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), of the 16 halves of
// eight accumulators z[0..8) at once, with the same additions in the same grouping, done across
// registers instead of within one: lane 4c + m of the result reduces half c % 2 of z[2m + c / 2].
inline __m512 Reduce8x16(const __m512 (&z)[8]) {
  __m512 s[4];  // 128-bit chunk c: l0+l4 .. l3+l7 of half c % 2 of z[2k + c / 2]
  for (int k = 0; k < 4; ++k) {
    const __m512 even = _mm512_shuffle_f32x4(z[2 * k], z[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0));
    const __m512 odd = _mm512_shuffle_f32x4(z[2 * k], z[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1));
    s[k] = _mm512_add_ps(even, odd);
  }
  __m512 u[2];  // per chunk: (s0+s2, s1+s3) of s[2k], then of s[2k+1]
  for (int k = 0; k < 2; ++k) {
    u[k] = _mm512_add_ps(_mm512_shuffle_ps(s[2 * k], s[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(s[2 * k], s[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  return _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// The reduction of each row's half of the pairs' accumulators, to out[p * ld + row].
template <int kR, int kP>
inline void Finish(const __m512 (&acc)[(kR + 1) / 2][kP], float* out, int64_t ld) {
  constexpr int kN = (kR + 1) / 2 * kP;  // accumulators, numbered j = pair * kP + p
  for (int base = 0; base < kN; base += 8) {
    __m512 z[8];
    for (int k = 0; k < 8; ++k) {
      const int j = base + k;
      z[k] = j < kN ? acc[j / kP][j % kP] : _mm512_setzero_ps();
    }
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, Reduce8x16(z));
    for (int c = 0; c < 4; ++c) {
      for (int m = 0; m < 4; ++m) {
        const int j = base + 2 * m + c / 2;
        const int row = 2 * (j / kP) + c % 2;
        if (j < kN && row < kR) out[(j % kP) * ld + row] = lanes[4 * c + m];
      }
    }
  }
}

template <int kPairs>
inline void Q4_1QuadTail2(const uint8_t* const (&lo_row)[kPairs], const uint8_t* const (&hi_row)[kPairs],
                          size_t off, const ActTailQuad& x, int tail, __m512 (&acc)[kPairs][4]) {
  const __m512i m4 = _mm512_set1_epi8(0x0f);
  __m512i isum[kPairs];
  for (int i = 0; i < kPairs; ++i) isum[i] = _mm512_setzero_si512();
  for (int k = 0; k < 4; ++k) {
    const __m512i qa = Broadcast32(x.qt[k]);
    const __m512i qb = Broadcast32(x.qt[k + 4]);
    for (int i = 0; i < kPairs; ++i) {
      const __m512i raw = BroadcastPair2(lo_row[i] + off + 64 + 32 * k, hi_row[i] + off + 64 + 32 * k);
      const __m512i lo = _mm512_and_si512(raw, m4);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
      isum[i] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(isum[i], lo, qa), hi, qb);
    }
  }
  const __m512 dx = Broadcast8Ps(x.d), sx = Broadcast8Ps(x.s);
  __m512 v[kPairs];
  for (int i = 0; i < kPairs; ++i) {
    const __m512 dw = _mm512_castsi512_ps(BroadcastPair2(lo_row[i] + off, hi_row[i] + off));
    const __m512 mw = _mm512_castsi512_ps(BroadcastPair2(lo_row[i] + off + 32, hi_row[i] + off + 32));
    const __m512 tt = _mm512_mul_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(isum[i]));
    v[i] = _mm512_add_ps(tt, _mm512_mul_ps(mw, sx));
  }
  AddQuadTerms2<kPairs>(v, tail, acc);
}

template <int kPairs>
inline void Q8_0QuadTail2(const uint8_t* const (&lo_row)[kPairs], const uint8_t* const (&hi_row)[kPairs],
                          size_t off, const ActTailQuad& x, int tail, __m512 (&acc)[kPairs][4]) {
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i isum[kPairs];
  for (int i = 0; i < kPairs; ++i) isum[i] = _mm512_setzero_si512();
  for (int k = 0; k < 8; ++k) {
    const __m512i u = _mm512_xor_si512(Broadcast32(x.qt[k]), bias);
    for (int i = 0; i < kPairs; ++i) {
      const __m512i wq = BroadcastPair2(lo_row[i] + off + 64 + 32 * k, hi_row[i] + off + 64 + 32 * k);
      isum[i] = _mm512_dpbusd_epi32(isum[i], u, wq);
    }
  }
  const __m512 dx = Broadcast8Ps(x.d);
  __m512 v[kPairs];
  for (int i = 0; i < kPairs; ++i) {
    const __m512i exact =
        _mm512_sub_epi32(isum[i], BroadcastPair2(lo_row[i] + off + 32, hi_row[i] + off + 32));
    const __m512 dw = _mm512_castsi512_ps(BroadcastPair2(lo_row[i] + off, hi_row[i] + off));
    v[i] = _mm512_mul_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(exact));
  }
  AddQuadTerms2<kPairs>(v, tail, acc);
}

template <int kR, int kP>
void Q4_1Tile(const uint8_t* packed, size_t row_bytes, const ActQ8* const* a, int nb, float* out,
              int64_t ld, const ActTailQuad* quad) {
  constexpr int kPairs = (kR + 1) / 2;
  const RowPairs<kR> rp(packed, row_bytes);
  __m512 acc[kPairs][kP];
  for (int i = 0; i < kPairs; ++i) {
    for (int p = 0; p < kP; ++p) acc[i][p] = _mm512_setzero_ps();
  }
  const __m512i m4 = _mm512_set1_epi8(0x0f);
  const bool use_quad = UseQuad<kP>(quad, nb);
  const int groups = use_quad ? nb / 8 : (nb + 7) / 8;
  for (int g = 0; g < groups; ++g) {
    const size_t go = static_cast<size_t>(g) * kPackedQ4_1Group;
    __m512i isum[kPairs][kP];
    for (int i = 0; i < kPairs; ++i) {
      for (int p = 0; p < kP; ++p) isum[i][p] = _mm512_setzero_si512();
    }
    for (int k = 0; k < 4; ++k) {
      __m512i lo[kPairs], hi[kPairs];
      for (int i = 0; i < kPairs; ++i) {
        const __m512i raw = LoadPair(rp.lo[i] + go + 64 + 32 * k, rp.hi[i] + go + 64 + 32 * k);
        lo[i] = _mm512_and_si512(raw, m4);
        hi[i] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
      }
      for (int p = 0; p < kP; ++p) {
        const int8_t* qg = a[p]->qt.data() + g * 256;
        const __m512i qa = Broadcast32(qg + 32 * k);
        const __m512i qb = Broadcast32(qg + 32 * k + 128);
        for (int i = 0; i < kPairs; ++i) {
          isum[i][p] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(isum[i][p], lo[i], qa), hi[i], qb);
        }
      }
    }
    const bool partial = g == nb / 8;  // the padded last group (never reached with a quad)
    const __mmask16 keep = HalfLaneMask(nb % 8);
    for (int i = 0; i < kPairs; ++i) {
      const __m512 dw = LoadPairPs(rp.lo[i] + go, rp.hi[i] + go);
      const __m512 mw = LoadPairPs(rp.lo[i] + go + 32, rp.hi[i] + go + 32);
      for (int p = 0; p < kP; ++p) {
        const __m512 tt = _mm512_mul_ps(_mm512_mul_ps(dw, Broadcast8Ps(&a[p]->d[8 * g])),
                                        _mm512_cvtepi32_ps(isum[i][p]));
        const __m512 u = _mm512_mul_ps(mw, Broadcast8Ps(&a[p]->s[8 * g]));
        const __m512 sum = _mm512_add_ps(acc[i][p], _mm512_add_ps(tt, u));
        acc[i][p] = partial ? _mm512_mask_blend_ps(keep, acc[i][p], sum) : sum;
      }
    }
  }
  if constexpr (kP == 4) {
    if (use_quad) Q4_1QuadTail2<kPairs>(rp.lo, rp.hi, groups * kPackedQ4_1Group, *quad, nb % 8, acc);
  }
  Finish<kR, kP>(acc, out, ld);
}

template <int kR, int kP>
void Q8_0Tile(const uint8_t* packed, size_t row_bytes, const ActQ8* const* a, int nb, float* out,
              int64_t ld, const ActTailQuad* quad) {
  static_assert(kOffsetQ8, "the AVX-512 kernels always have VNNI");
  constexpr int kPairs = (kR + 1) / 2;
  const RowPairs<kR> rp(packed, row_bytes);
  __m512 acc[kPairs][kP];
  for (int i = 0; i < kPairs; ++i) {
    for (int p = 0; p < kP; ++p) acc[i][p] = _mm512_setzero_ps();
  }
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  const bool use_quad = UseQuad<kP>(quad, nb);
  const int groups = use_quad ? nb / 8 : (nb + 7) / 8;
  for (int g = 0; g < groups; ++g) {
    const size_t go = static_cast<size_t>(g) * kPackedQ8_0Group;
    __m512i isum[kPairs][kP];
    for (int i = 0; i < kPairs; ++i) {
      for (int p = 0; p < kP; ++p) isum[i][p] = _mm512_setzero_si512();
    }
    for (int k = 0; k < 8; ++k) {
      __m512i wq[kPairs];
      for (int i = 0; i < kPairs; ++i) wq[i] = LoadPair(rp.lo[i] + go + 64 + 32 * k, rp.hi[i] + go + 64 + 32 * k);
      for (int p = 0; p < kP; ++p) {
        // q + 128 as unsigned bytes.
        const __m512i u = _mm512_xor_si512(Broadcast32(a[p]->qt.data() + g * 256 + 32 * k), bias);
        for (int i = 0; i < kPairs; ++i) isum[i][p] = _mm512_dpbusd_epi32(isum[i][p], u, wq[i]);
      }
    }
    const bool partial = g == nb / 8;
    const __mmask16 keep = HalfLaneMask(nb % 8);
    for (int i = 0; i < kPairs; ++i) {
      const __m512 dw = LoadPairPs(rp.lo[i] + go, rp.hi[i] + go);
      const __m512i wsum128 = LoadPair(rp.lo[i] + go + 32, rp.hi[i] + go + 32);
      for (int p = 0; p < kP; ++p) {
        const __m512i exact = _mm512_sub_epi32(isum[i][p], wsum128);
        const __m512 sum = _mm512_add_ps(
            acc[i][p], _mm512_mul_ps(_mm512_mul_ps(dw, Broadcast8Ps(&a[p]->d[8 * g])),
                                     _mm512_cvtepi32_ps(exact)));
        acc[i][p] = partial ? _mm512_mask_blend_ps(keep, acc[i][p], sum) : sum;
      }
    }
  }
  if constexpr (kP == 4) {
    if (use_quad) Q8_0QuadTail2<kPairs>(rp.lo, rp.hi, groups * kPackedQ8_0Group, *quad, nb % 8, acc);
  }
  Finish<kR, kP>(acc, out, ld);
}

template <int kR, int kP>
struct Q4_1T {
  static constexpr TileKernel Run = Q4_1Tile<kR, kP>;
};
template <int kR, int kP>
struct Q8_0T {
  static constexpr TileKernel Run = Q8_0Tile<kR, kP>;
};

}  // namespace

// Row operations of vecmath.h: the same per-lane arithmetic as the AVX2 twins, twice as wide.

void DotKeys(const float* q, const float* k, size_t stride, int count, int n, float* out) {
  if (n % 8 != 0) return avx2::DotKeys(q, k, stride, count, n, out);  // an element tail
  // Sixteen keys at a time, two per register (key 2m in the low half, 2m + 1 in the high):
  // each half accumulates exactly as DotF32's eight lanes do, then Reduce8x16 reduces all 16.
  int p = 0;
  for (; p + 16 <= count; p += 16) {
    const float* kp = k + p * stride;
    __m512 acc[8];
    for (int m = 0; m < 8; ++m) acc[m] = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 8) {
      const __m512 qv = Broadcast8Ps(q + i);
      for (int m = 0; m < 8; ++m) {
        const __m512 kv = LoadPairPs(reinterpret_cast<const uint8_t*>(kp + 2 * m * stride + i),
                                     reinterpret_cast<const uint8_t*>(kp + (2 * m + 1) * stride + i));
        acc[m] = _mm512_add_ps(acc[m], _mm512_mul_ps(qv, kv));
      }
    }
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, Reduce8x16(acc));
    // Lane 4c + m reduces half c % 2 of acc[2m + c / 2], that is key 2 * (2m + c / 2) + c % 2.
    for (int c = 0; c < 4; ++c) {
      for (int m = 0; m < 4; ++m) out[p + 2 * (2 * m + c / 2) + c % 2] = lanes[4 * c + m];
    }
  }
  if (p < count) avx2::DotKeys(q, k + p * stride, stride, count - p, n, out + p);
}

void WeightedSum(const float* w, const float* v, size_t stride, int count, int n, float* out) {
  // Columns in chunks of 64 kept in registers across all p; each element's sum in p order.
  int j0 = 0;
  for (; j0 + 64 <= n; j0 += 64) {
    __m512 acc[4];
    for (int k = 0; k < 4; ++k) acc[k] = _mm512_setzero_ps();
    for (int p = 0; p < count; ++p) {
      const __m512 wp = _mm512_set1_ps(w[p]);
      const float* vp = v + p * stride + j0;
      for (int k = 0; k < 4; ++k) {
        acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(wp, _mm512_loadu_ps(vp + 16 * k)));
      }
    }
    for (int k = 0; k < 4; ++k) _mm512_storeu_ps(out + j0 + 16 * k, acc[k]);
  }
  if (j0 < n) avx2::WeightedSum(w, v + j0, stride, count, n - j0, out + j0);
}

void Q4_1PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad) {
  TileFor<Q4_1T, kTileRows>(nr, np)(packed, row_bytes, a, nb, out, ld, quad);
}

void Q8_0PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad) {
  TileFor<Q8_0T, kTileRows>(nr, np)(packed, row_bytes, a, nb, out, ld, quad);
}

}  // namespace depinfer::infer::avx512
