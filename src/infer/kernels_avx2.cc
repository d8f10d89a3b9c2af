// AVX2 twins of the reference kernels (kernels_ref.cc). Same specification, same bits:
//  * the per-block integer dot product is exact, so how it is computed (maddubs/madd, or
//    AVX-VNNI dpbusd where the build has it) cannot change it;
//  * eight consecutive blocks are handled together, so SIMD lane j holds the partial sum of
//    blocks j, j+8, ... exactly as the reference's lanes[b % 8];
//  * the float formula per block uses separate multiplies and adds in the reference's order;
//  * a tail of fewer than eight blocks updates only its lanes (blend), as the reference does.
#include <immintrin.h>

#include <array>
#include <cstddef>
#include <utility>

#include "infer/kernels_x86_tile.h"
#include "infer/quant.h"

namespace depinfer::infer::avx2 {
namespace {

// Sum of products of 32 unsigned bytes `u` with 32 signed bytes `s`, as 8 int32 partials.
// maddubs cannot saturate here: |u| <= 128 and |s| <= 127 (activations never reach -128).
inline __m256i DotBytes(__m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#elif defined(__AVXVNNI__)
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

// f16 field at byte `offset` of `count` (<= 8) consecutive blocks, widened exactly to f32; the
// missing lanes read as zero. Built with inserts, not a store and a wide reload, which would stall
// on store forwarding.
template <typename Block>
inline __m256 LoadHalves(const Block* blk, size_t offset, int count) {
  auto h = [&](int k) -> short {
    if (k >= count) return 0;
    uint16_t v;
    __builtin_memcpy(&v, reinterpret_cast<const uint8_t*>(blk + k) + offset, 2);
    return static_cast<short>(v);
  };
  return _mm256_cvtph_ps(_mm_setr_epi16(h(0), h(1), h(2), h(3), h(4), h(5), h(6), h(7)));
}

// Loads `count` (<= 8) floats, zero in the other lanes.
inline __m256 LoadPartial(const float* p, int count) {
  if (count == 8) return _mm256_loadu_ps(p);
  alignas(32) float tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int k = 0; k < count; ++k) tmp[k] = p[k];
  return _mm256_load_ps(tmp);
}



// Blocks [b, b+count) (count <= 8) added to lanes 0..count-1 of `acc`; other lanes untouched
// (blended, not added to, so even the sign of a zero lane is kept as the reference keeps it).
inline __m256 Q4_1Group(const BlockQ4_1* w, const ActQ8& a, int b, int count, __m256 acc) {
  __m256i v[8];
  for (int k = 0; k < 8; ++k) {
    v[k] = k < count ? Q4_1Block(w[b + k], a.q.data() + (b + k) * kBlock) : _mm256_setzero_si256();
  }
  const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
  const __m256 dw = LoadHalves(w + b, offsetof(BlockQ4_1, d), count);
  const __m256 mw = LoadHalves(w + b, offsetof(BlockQ4_1, m), count);
  const __m256 t = _mm256_mul_ps(_mm256_mul_ps(dw, LoadPartial(&a.d[b], count)), isum);
  const __m256 u = _mm256_mul_ps(mw, LoadPartial(&a.s[b], count));
  const __m256 sum = _mm256_add_ps(acc, _mm256_add_ps(t, u));
  return count == 8 ? sum : _mm256_blendv_ps(acc, sum, LaneMask(count));
}

inline __m256 Q8_0Group(const BlockQ8_0* w, const ActQ8& a, int b, int count, __m256 acc) {
  __m256i v[8];
  for (int k = 0; k < 8; ++k) {
    v[k] = k < count ? Q8_0Block(w[b + k], a.q.data() + (b + k) * kBlock) : _mm256_setzero_si256();
  }
  const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
  const __m256 dw = LoadHalves(w + b, offsetof(BlockQ8_0, d), count);
  const __m256 sum =
      _mm256_add_ps(acc, _mm256_mul_ps(_mm256_mul_ps(dw, LoadPartial(&a.d[b], count)), isum));
  return count == 8 ? sum : _mm256_blendv_ps(acc, sum, LaneMask(count));
}

}  // namespace

// The plain QuantizeActQ8 on 8 lanes: max of |x| (the plain loop never lets a NaN win, and
// max_ps returns its second operand on NaN), the same division and reciprocal, the product
// rounded to nearest even, the same clamp order (a NaN becomes -127 in both), and the sum of the
// block's integers.
void QuantizeActQ8(const float* x, int n, ActQ8* out) {
  const int nb = n / kBlock;
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int b = 0; b < nb; ++b) {
    const float* xb = x + b * kBlock;
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(xb + 8 * k);
      amax = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), amax);
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float d = _mm_cvtss_f32(m4) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m256 idv = _mm256_set1_ps(id);
    __m256i qi[4];
    __m256i sum = _mm256_setzero_si256();
    for (int k = 0; k < 4; ++k) {
      __m256 r = _mm256_round_ps(_mm256_mul_ps(v[k], idv),
                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
      qi[k] = _mm256_cvttps_epi32(r);
      sum = _mm256_add_epi32(sum, qi[k]);
    }
    // 32 int32 -> 32 int8 in element order (the packs work per 128-bit half).
    const __m256i w01 = _mm256_packs_epi32(qi[0], qi[1]);
    const __m256i w23 = _mm256_packs_epi32(qi[2], qi[3]);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23),
                                                      _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out->q.data() + b * kBlock), bytes);
    // Slice layout: the block's dword k goes to qt[group][k][block in group].
    alignas(32) int32_t dw[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(dw), bytes);
    int8_t* qt = out->qt.data() + (b / 8) * 256 + (b % 8) * 4;
    for (int k = 0; k < 8; ++k) __builtin_memcpy(qt + 32 * k, &dw[k], 4);
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    out->d[b] = d;
    out->s[b] = d * static_cast<float>(_mm_cvtsi128_si32(s4));
  }
}

float DotQ4_1(const BlockQ4_1* w, const ActQ8& a, int nb) {
  __m256 acc = _mm256_setzero_ps();
  int b = 0;
  for (; b + 8 <= nb; b += 8) acc = Q4_1Group(w, a, b, 8, acc);
  if (b < nb) acc = Q4_1Group(w, a, b, nb - b, acc);
  return Reduce8(acc);
}

float DotQ8_0(const BlockQ8_0* w, const ActQ8& a, int nb) {
  __m256 acc = _mm256_setzero_ps();
  int b = 0;
  for (; b + 8 <= nb; b += 8) acc = Q8_0Group(w, a, b, 8, acc);
  if (b < nb) acc = Q8_0Group(w, a, b, nb - b, acc);
  return Reduce8(acc);
}

namespace {

// Several activation rows against one weight row: each weight block is unpacked once, and each
// (row, activation) pair goes through exactly the operations of DotQ4_1 / DotQ8_0. kCount is the
// number of blocks in the group (8 except for the tail), a constant so full groups do not branch.
template <int kCount>
inline void Q4_1MultiGroup(const BlockQ4_1* w, const ActQ8* const* a, int n_act, int b,
                           __m256* acc) {
  __m256i wq[kCount];
  const __m128i m4 = _mm_set1_epi8(0x0f);
  for (int k = 0; k < kCount; ++k) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b + k].qs));
    wq[k] = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), m4), _mm_and_si128(raw, m4));
  }
  const __m256 dw = LoadHalves(w + b, offsetof(BlockQ4_1, d), kCount);
  const __m256 mw = LoadHalves(w + b, offsetof(BlockQ4_1, m), kCount);
  for (int t = 0; t < n_act; ++t) {
    const int8_t* q = a[t]->q.data() + b * kBlock;
    __m256i v[8];
    for (int k = 0; k < 8; ++k) {
      v[k] = k < kCount
                 ? DotBytes(wq[k], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + k * kBlock)))
                 : _mm256_setzero_si256();
    }
    const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
    const __m256 tt = _mm256_mul_ps(_mm256_mul_ps(dw, LoadPartial(&a[t]->d[b], kCount)), isum);
    const __m256 u = _mm256_mul_ps(mw, LoadPartial(&a[t]->s[b], kCount));
    const __m256 sum = _mm256_add_ps(acc[t], _mm256_add_ps(tt, u));
    acc[t] = kCount == 8 ? sum : _mm256_blendv_ps(acc[t], sum, LaneMask(kCount));
  }
}

template <int kCount>
inline void Q8_0MultiGroup(const BlockQ8_0* w, const ActQ8* const* a, int n_act, int b,
                           __m256* acc) {
  __m256i wabs[kCount], wq[kCount];
  for (int k = 0; k < kCount; ++k) {
    wq[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b + k].qs));
    wabs[k] = _mm256_abs_epi8(wq[k]);
  }
  const __m256 dw = LoadHalves(w + b, offsetof(BlockQ8_0, d), kCount);
  for (int t = 0; t < n_act; ++t) {
    const int8_t* q = a[t]->q.data() + b * kBlock;
    __m256i v[8];
    for (int k = 0; k < 8; ++k) {
      v[k] = k < kCount
                 ? DotBytes(wabs[k], _mm256_sign_epi8(_mm256_loadu_si256(
                                         reinterpret_cast<const __m256i*>(q + k * kBlock)), wq[k]))
                 : _mm256_setzero_si256();
    }
    const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
    const __m256 sum = _mm256_add_ps(
        acc[t], _mm256_mul_ps(_mm256_mul_ps(dw, LoadPartial(&a[t]->d[b], kCount)), isum));
    acc[t] = kCount == 8 ? sum : _mm256_blendv_ps(acc[t], sum, LaneMask(kCount));
  }
}

// Runs Group<8> over the full groups and Group<tail> once.
template <template <int> class G, typename Block>
void MultiDriver(const Block* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  __m256 acc[kMaxMulti];
  for (int t = 0; t < n_act; ++t) acc[t] = _mm256_setzero_ps();
  int b = 0;
  for (; b + 8 <= nb; b += 8) G<8>::Run(w, a, n_act, b, acc);
  switch (nb - b) {
    case 1: G<1>::Run(w, a, n_act, b, acc); break;
    case 2: G<2>::Run(w, a, n_act, b, acc); break;
    case 3: G<3>::Run(w, a, n_act, b, acc); break;
    case 4: G<4>::Run(w, a, n_act, b, acc); break;
    case 5: G<5>::Run(w, a, n_act, b, acc); break;
    case 6: G<6>::Run(w, a, n_act, b, acc); break;
    case 7: G<7>::Run(w, a, n_act, b, acc); break;
    default: break;
  }
  for (int t = 0; t < n_act; ++t) out[t] = Reduce8(acc[t]);
}

template <int kCount>
struct Q4_1G {
  static void Run(const BlockQ4_1* w, const ActQ8* const* a, int n, int b, __m256* acc) {
    Q4_1MultiGroup<kCount>(w, a, n, b, acc);
  }
};
template <int kCount>
struct Q8_0G {
  static void Run(const BlockQ8_0* w, const ActQ8* const* a, int n, int b, __m256* acc) {
    Q8_0MultiGroup<kCount>(w, a, n, b, acc);
  }
};


// Packed kernels, register-tiled: kR weight rows x kP activations per call. Per group of 8
// blocks, 8 accumulating byte-dots per (row, activation) leave block j's integer sum in lane j
// (see quant.h); the kR*kP sums are independent chains, so the byte-dots issue back to back.
// Then the reference's float formula, lane by lane. The last group may be padded (zero weights
// and activations): its padded lanes are blended away, so they stay exactly as the reference
// leaves them.

template <int kR, int kP>
void Q4_1Tile(const uint8_t* packed, size_t row_bytes, const ActQ8* const* a, int nb, float* out,
              int64_t ld, const ActTailQuad* quad) {
  __m256 acc[kR][kP];
  for (int r = 0; r < kR; ++r) {
    for (int p = 0; p < kP; ++p) acc[r][p] = _mm256_setzero_ps();
  }
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  const bool use_quad = UseQuad<kP>(quad, nb);
  const int groups = use_quad ? nb / 8 : (nb + 7) / 8;
  for (int g = 0; g < groups; ++g) {
    __m256i isum[kR][kP];
    for (int r = 0; r < kR; ++r) {
      for (int p = 0; p < kP; ++p) isum[r][p] = _mm256_setzero_si256();
    }
    for (int k = 0; k < 4; ++k) {
      __m256i lo[kR], hi[kR];
      for (int r = 0; r < kR; ++r) {
        const __m256i raw = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(packed + r * row_bytes + g * kPackedQ4_1Group + 64 + 32 * k));
        lo[r] = _mm256_and_si256(raw, m4);
        hi[r] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
      }
      for (int p = 0; p < kP; ++p) {
        const int8_t* qg = a[p]->qt.data() + g * 256;
        const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qg + 32 * k));
        const __m256i qb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qg + 32 * k + 128));
        for (int r = 0; r < kR; ++r) {
          isum[r][p] = DotBytesAcc(DotBytesAcc(isum[r][p], lo[r], qa), hi[r], qb);
        }
      }
    }
    const bool partial = g == nb / 8;  // the padded last group (never reached with a quad)
    for (int r = 0; r < kR; ++r) {
      const uint8_t* pg = packed + r * row_bytes + g * kPackedQ4_1Group;
      const __m256 dw = _mm256_loadu_ps(reinterpret_cast<const float*>(pg));
      const __m256 mw = _mm256_loadu_ps(reinterpret_cast<const float*>(pg + 32));
      for (int p = 0; p < kP; ++p) {
        const __m256 tt = _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(&a[p]->d[8 * g])),
                                        _mm256_cvtepi32_ps(isum[r][p]));
        const __m256 u = _mm256_mul_ps(mw, _mm256_loadu_ps(&a[p]->s[8 * g]));
        const __m256 sum = _mm256_add_ps(acc[r][p], _mm256_add_ps(tt, u));
        acc[r][p] = partial ? _mm256_blendv_ps(acc[r][p], sum, LaneMask(nb % 8)) : sum;
      }
    }
  }
  if constexpr (kP == 4) {
    if (use_quad) Q4_1QuadTail<kR>(packed + groups * kPackedQ4_1Group, row_bytes, *quad, nb % 8, acc);
  }
  for (int r = 0; r < kR; ++r) {
    for (int p = 0; p < kP; ++p) out[p * ld + r] = Reduce8(acc[r][p]);
  }
}


template <int kR, int kP>
void Q8_0Tile(const uint8_t* packed, size_t row_bytes, const ActQ8* const* a, int nb, float* out,
              int64_t ld, const ActTailQuad* quad) {
  __m256 acc[kR][kP];
  for (int r = 0; r < kR; ++r) {
    for (int p = 0; p < kP; ++p) acc[r][p] = _mm256_setzero_ps();
  }
  const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
  const bool use_quad = UseQuad<kP>(quad, nb);
  const int groups = use_quad ? nb / 8 : (nb + 7) / 8;
  for (int g = 0; g < groups; ++g) {
    __m256i isum[kR][kP];
    for (int r = 0; r < kR; ++r) {
      for (int p = 0; p < kP; ++p) isum[r][p] = _mm256_setzero_si256();
    }
    for (int k = 0; k < 8; ++k) {
      __m256i wq[kR], wabs[kR];
      for (int r = 0; r < kR; ++r) {
        wq[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
            packed + r * row_bytes + g * kPackedQ8_0Group + 64 + 32 * k));
        if (!kOffsetQ8) wabs[r] = _mm256_abs_epi8(wq[r]);
      }
      for (int p = 0; p < kP; ++p) {
        const __m256i q = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(a[p]->qt.data() + g * 256 + 32 * k));
        if (kOffsetQ8) {
          const __m256i u = _mm256_xor_si256(q, bias);  // q + 128 as unsigned bytes
          for (int r = 0; r < kR; ++r) isum[r][p] = DotBytesAcc(isum[r][p], u, wq[r]);
        } else {
          for (int r = 0; r < kR; ++r) {
            isum[r][p] = DotBytesAcc(isum[r][p], wabs[r], _mm256_sign_epi8(q, wq[r]));
          }
        }
      }
    }
    const bool partial = g == nb / 8;  // the padded last group (never reached with a quad)
    for (int r = 0; r < kR; ++r) {
      const uint8_t* pg = packed + r * row_bytes + g * kPackedQ8_0Group;
      const __m256 dw = _mm256_loadu_ps(reinterpret_cast<const float*>(pg));
      const __m256i wsum128 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pg + 32));
      for (int p = 0; p < kP; ++p) {
        const __m256i exact = kOffsetQ8 ? _mm256_sub_epi32(isum[r][p], wsum128) : isum[r][p];
        const __m256 sum = _mm256_add_ps(
            acc[r][p], _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(&a[p]->d[8 * g])),
                                     _mm256_cvtepi32_ps(exact)));
        acc[r][p] = partial ? _mm256_blendv_ps(acc[r][p], sum, LaneMask(nb % 8)) : sum;
      }
    }
  }
  if constexpr (kP == 4) {
    if (use_quad) Q8_0QuadTail<kR>(packed + groups * kPackedQ8_0Group, row_bytes, *quad, nb % 8, acc);
  }
  for (int r = 0; r < kR; ++r) {
    for (int p = 0; p < kP; ++p) out[p * ld + r] = Reduce8(acc[r][p]);
  }
}

template <int kR, int kP>
struct Q4_1T {
  static constexpr TileKernel Run = Q4_1Tile<kR, kP>;
};
template <int kR, int kP>
struct Q8_0T {
  static constexpr TileKernel Run = Q8_0Tile<kR, kP>;
};

// Rows per call: 3 x 4 positions keep the 12 integer sums, the 12 float sums and the unpacked
// weights in the 32 vector registers. A tile of kTileRows rows is done 3 rows at a time.
constexpr int kRowsPerCall = 3;

template <template <int, int> class K>
void TileInCalls(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a, int np,
                 int nb, float* out, int64_t ld, const ActTailQuad* quad) {
  for (int r = 0; r < nr; r += kRowsPerCall) {
    const int n = nr - r < kRowsPerCall ? nr - r : kRowsPerCall;
    TileFor<K, kRowsPerCall>(n, np)(packed + r * row_bytes, row_bytes, a, nb, out + r, ld, quad);
  }
}

}  // namespace

void Q4_1PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad) {
  TileInCalls<Q4_1T>(packed, row_bytes, nr, a, np, nb, out, ld, quad);
}

void Q8_0PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad) {
  TileInCalls<Q8_0T>(packed, row_bytes, nr, a, np, nb, out, ld, quad);
}

void DotQ4_1Multi(const BlockQ4_1* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  MultiDriver<Q4_1G>(w, a, n_act, nb, out);
}

void DotQ8_0Multi(const BlockQ8_0* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  MultiDriver<Q8_0G>(w, a, n_act, nb, out);
}

namespace {
// The 16-bit float formats: eight elements widened per step (exactly), one lane each, then the
// reference's lane order for the tail.
template <__m256 (*Widen8)(const uint16_t*), float (*Widen)(uint16_t)>
float DotHalf(const uint16_t* w, const float* x, int n) {
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_mul_ps(Widen8(w + i), _mm256_loadu_ps(x + i)));
  if (i == n) return Reduce8(acc);  // no tail: reduce in registers
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (; i < n; ++i) lanes[i % 8] = lanes[i % 8] + Widen(w[i]) * x[i];
  return ref::Reduce8(lanes);
}
__m256 WidenF16x8(const uint16_t* w) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}
__m256 WidenBF16x8(const uint16_t* w) {
  const __m256i u = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
}
}  // namespace

float DotF16(const uint16_t* w, const float* x, int n) {
  return DotHalf<WidenF16x8, Fp16ToFp32>(w, x, n);
}
float DotBF16(const uint16_t* w, const float* x, int n) {
  return DotHalf<WidenBF16x8, Bf16ToFp32>(w, x, n);
}

float DotF32(const float* w, const float* x, int n) {
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i)));
  }
  if (i == n) return Reduce8(acc);  // no tail: reduce in registers
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (; i < n; ++i) lanes[i % 8] = lanes[i % 8] + w[i] * x[i];
  return ref::Reduce8(lanes);
}

}  // namespace depinfer::infer::avx2
