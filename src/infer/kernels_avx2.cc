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

// 16 bytes of nibbles as 32 quants in element order: the low nibbles, then the high (the layout
// of Q4_1's and Q5_1's blocks).
inline __m256i Nibbles32(const uint8_t qs[16]) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i m4 = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), m4), _mm_and_si128(raw, m4));
}

inline __m256i Q4_1Quants(const BlockQ4_1& w) { return Nibbles32(w.qs); }

// Q5_1: Q4_1's formula with 5-bit quants; the fifth bit of element e is bit e of qh.
inline __m256i Q5_1Quants(const BlockQ5_1& w) {
  uint32_t qh;
  __builtin_memcpy(&qh, w.qh, 4);
  // Byte e gets byte e/8 of qh, then the bit e%8 of it.
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(qh)),
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3,
                       3, 3, 3, 3, 3, 3, 3));
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
  return _mm256_or_si256(Nibbles32(w.qs), _mm256_and_si256(set, _mm256_set1_epi8(16)));
}

inline __m256i Q4_1Block(const BlockQ4_1& w, const int8_t* q) {
  return DotBytes(Q4_1Quants(w), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)));
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
// The offset formats (Q4_1, and Q5_1 with its own unpacking): (dw * dx) * isum + mw * sx.
template <int kCount, typename Block, __m256i (*Quants)(const Block&)>
inline void OffsetMultiGroup(const Block* w, const ActQ8* const* a, int n_act, int b, __m256* acc) {
  __m256i wq[kCount];
  for (int k = 0; k < kCount; ++k) wq[k] = Quants(w[b + k]);
  const __m256 dw = LoadHalves(w + b, offsetof(Block, d), kCount);
  const __m256 mw = LoadHalves(w + b, offsetof(Block, m), kCount);
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
    OffsetMultiGroup<kCount, BlockQ4_1, Q4_1Quants>(w, a, n, b, acc);
  }
};
template <int kCount>
struct Q5_1G {
  static void Run(const BlockQ5_1* w, const ActQ8* const* a, int n, int b, __m256* acc) {
    OffsetMultiGroup<kCount, BlockQ5_1, Q5_1Quants>(w, a, n, b, acc);
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

// ---- The other formats of llama.cpp's downloads: K-quants, IQ4_XS, Q5_1 ----------------------
// A super-block of 256 is one group of eight blocks of 32, so sub-block j of super-block s is
// block 8s + j and lands in lane j, as in the reference. Each super-block is unpacked once into
// eight vectors of 32 quants (bytes), then met by up to kMaxMulti activations. Integer sums are
// exact however they are formed; the float formula per lane is the reference's, in its order.
namespace {

// (Functions, not namespace-scope constants: their initialisers would run AVX2 instructions when
// the library loads, on any CPU.)
inline __m256i Low4() { return _mm256_set1_epi8(0x0f); }
inline __m256i Low2() { return _mm256_set1_epi8(0x03); }

inline __m256i Load32(const void* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
// `v` shifted right by `k` (< 8) bits in 16-bit lanes: each byte's bits k.. land at 0..; the
// bits that come down from the byte above are masked off by every caller.
inline __m256i ShiftBytes(__m256i v, int k) { return _mm256_srli_epi16(v, k); }
// 0xff in each byte of `v` where bit `k` is set.
inline __m256i BitSet(__m256i v, int k) {
  const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << k));
  return _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
}
// Two int16 scales as the second operand of madd: elements 0-15 of a block get `lo`, 16-31 `hi`.
inline __m256i Scales16(int lo, int hi) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(hi)), _mm_set1_epi16(static_cast<short>(lo)));
}
inline __m256 ScalesTimes(float d, const int sc[8]) {
  return _mm256_mul_ps(_mm256_set1_ps(d),
                       _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sc))));
}
inline __m256 Negate(__m256 v) { return _mm256_xor_ps(v, _mm256_set1_ps(-0.0f)); }
inline const int8_t* ActAt(const ActQ8& a, int b) { return a.q.data() + b * kBlock; }

// Q4_K, Q5_K: unsigned quants, a scale and a min per sub-block of 32:
//   lane j += ((d*sc[j]) * dx) * isum + (-(dmin*m[j])) * sx.
struct ScaleMin32 {
  __m256i q[8];
  __m256 dw, mw;
  template <typename Block>
  void Scales(const Block& b) {
    alignas(32) int sc[8], m[8];
    UnpackKScaleMin(b.scales, sc, m);
    dw = ScalesTimes(Fp16ToFp32(b.d), sc);
    mw = Negate(ScalesTimes(Fp16ToFp32(b.dmin), m));
  }
  __m256 Add(const ActQ8& a, int b, __m256 acc) const {
    __m256i v[8];
    for (int j = 0; j < 8; ++j) v[j] = DotBytes(q[j], Load32(ActAt(a, b + j)));
    const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
    const __m256 t = _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(&a.d[b])), isum);
    const __m256 u = _mm256_mul_ps(mw, _mm256_loadu_ps(&a.s[b]));
    return _mm256_add_ps(acc, _mm256_add_ps(t, u));
  }
};

inline void UnpackNibbles(const uint8_t qs[128], __m256i q[8]) {
  for (int c = 0; c < 4; ++c) {
    const __m256i v = Load32(qs + 32 * c);
    q[2 * c] = _mm256_and_si256(v, Low4());
    q[2 * c + 1] = _mm256_and_si256(ShiftBytes(v, 4), Low4());
  }
}

struct Q4_KG : ScaleMin32 {
  using Block = BlockQ4_K;
  void Unpack(const BlockQ4_K& b) {
    UnpackNibbles(b.qs, q);
    Scales(b);
  }
};
struct Q5_KG : ScaleMin32 {
  using Block = BlockQ5_K;
  void Unpack(const BlockQ5_K& b) {
    UnpackNibbles(b.qs, q);
    const __m256i h = Load32(b.qh);  // fifth bit of sub-block j: bit j of each byte
    for (int j = 0; j < 8; ++j) {
      q[j] = _mm256_or_si256(q[j], _mm256_and_si256(BitSet(h, j), _mm256_set1_epi8(16)));
    }
    Scales(b);
  }
};

// Q6_K, Q3_K: signed quants and a signed scale per sub-block of 16, one f16 d:
//   lane j += (d * dx) * isum, isum = sum over the block of q * scale (exact).
struct Scale16 {
  __m256i qabs[8], qsgn[8], sc[8];
  __m256 d;
  __m256 Add(const ActQ8& a, int b, __m256 acc) const {
    __m256i v[8];
    for (int j = 0; j < 8; ++j) {
      const __m256i x = _mm256_sign_epi8(Load32(ActAt(a, b + j)), qsgn[j]);
      v[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(qabs[j], x), sc[j]);
    }
    const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
    return _mm256_add_ps(acc, _mm256_mul_ps(_mm256_mul_ps(d, _mm256_loadu_ps(&a.d[b])), isum));
  }
  void Finish(const int s[16], uint16_t d16) {
    for (int j = 0; j < 8; ++j) {
      qabs[j] = _mm256_abs_epi8(qsgn[j]);
      sc[j] = Scales16(s[2 * j], s[2 * j + 1]);
    }
    d = _mm256_set1_ps(Fp16ToFp32(d16));
  }
};

struct Q6_KG : Scale16 {
  using Block = BlockQ6_K;
  void Unpack(const BlockQ6_K& b) {
    // Half h: ql bytes 0-31 give sub-blocks 4h (low nibbles) and 4h+2 (high), bytes 32-63
    // sub-blocks 4h+1 and 4h+3; the high-bits byte l gives bit pairs 0-1, 2-3, 4-5, 6-7 to
    // sub-blocks 4h, 4h+1, 4h+2, 4h+3.
    const __m256i k32 = _mm256_set1_epi8(32);
    for (int h = 0; h < 2; ++h) {
      const __m256i l0 = Load32(b.ql + 64 * h), l1 = Load32(b.ql + 64 * h + 32);
      const __m256i hb = Load32(b.qh + 32 * h);
      const __m256i lo[4] = {_mm256_and_si256(l0, Low4()), _mm256_and_si256(l1, Low4()),
                             _mm256_and_si256(ShiftBytes(l0, 4), Low4()),
                             _mm256_and_si256(ShiftBytes(l1, 4), Low4())};
      for (int k = 0; k < 4; ++k) {
        const __m256i top = _mm256_slli_epi16(_mm256_and_si256(ShiftBytes(hb, 2 * k), Low2()), 4);
        qsgn[4 * h + k] = _mm256_sub_epi8(_mm256_or_si256(lo[k], top), k32);
      }
    }
    int s[16];
    for (int j = 0; j < 16; ++j) s[j] = b.scales[j];
    Finish(s, b.d);
  }
};

struct Q3_KG : Scale16 {
  using Block = BlockQ3_K;
  void Unpack(const BlockQ3_K& b) {
    // Sub-block 4h+k: bit pair 2k of the 32 bytes of half h, and bit 4h+k of the high-bits
    // bytes; q = those three bits minus 4.
    const __m256i hm = Load32(b.hmask), k4 = _mm256_set1_epi8(4);
    for (int h = 0; h < 2; ++h) {
      const __m256i v = Load32(b.qs + 32 * h);
      for (int k = 0; k < 4; ++k) {
        const __m256i low = _mm256_and_si256(ShiftBytes(v, 2 * k), Low2());
        const __m256i high = _mm256_and_si256(BitSet(hm, 4 * h + k), k4);
        qsgn[4 * h + k] = _mm256_sub_epi8(_mm256_or_si256(low, high), k4);
      }
    }
    int s[16];
    UnpackQ3_KScales(b.scales, s);
    Finish(s, b.d);
  }
};

// Q2_K: unsigned 2-bit quants, a 4-bit scale and min per sub-block of 16:
//   lane j += (d * dx) * isum - (dmin * dx) * imin, imin = sum of the activation quants times
//   the mins (exact).
struct Q2_KG {
  using Block = BlockQ2_K;
  __m256i q[8], sc[8], mn[8];
  __m256 d, dmin;
  void Unpack(const BlockQ2_K& b) {
    for (int h = 0; h < 2; ++h) {
      const __m256i v = Load32(b.qs + 32 * h);
      for (int k = 0; k < 4; ++k) q[4 * h + k] = _mm256_and_si256(ShiftBytes(v, 2 * k), Low2());
    }
    for (int j = 0; j < 8; ++j) {
      sc[j] = Scales16(b.scales[2 * j] & 0x0f, b.scales[2 * j + 1] & 0x0f);
      mn[j] = Scales16(b.scales[2 * j] >> 4, b.scales[2 * j + 1] >> 4);
    }
    d = _mm256_set1_ps(Fp16ToFp32(b.d));
    dmin = _mm256_set1_ps(Fp16ToFp32(b.dmin));
  }
  __m256 Add(const ActQ8& a, int b, __m256 acc) const {
    const __m256i ones = _mm256_set1_epi8(1);
    __m256i v[8], w[8];
    for (int j = 0; j < 8; ++j) {
      const __m256i x = Load32(ActAt(a, b + j));
      v[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(q[j], x), sc[j]);
      w[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(ones, x), mn[j]);
    }
    const __m256 dx = _mm256_loadu_ps(&a.d[b]);
    const __m256 t = _mm256_mul_ps(_mm256_mul_ps(d, dx), _mm256_cvtepi32_ps(Transpose8Sum(v)));
    const __m256 u = _mm256_mul_ps(_mm256_mul_ps(dmin, dx), _mm256_cvtepi32_ps(Transpose8Sum(w)));
    return _mm256_add_ps(acc, _mm256_sub_ps(t, u));
  }
};

// IQ4_XS: the table's signed values, a signed scale per sub-block of 32:
//   lane j += ((d*sc[j]) * dx) * isum.
struct IQ4_XSG {
  using Block = BlockIQ4_XS;
  __m256i qabs[8], qsgn[8];
  __m256 dw;
  void Unpack(const BlockIQ4_XS& b) {
    const __m256i table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4NlValues)));
    for (int j = 0; j < 8; j += 2) {  // 32 bytes: 16 of sub-block j, then 16 of j+1
      const __m256i v = Load32(b.qs + 16 * j);
      const __m256i lo = _mm256_and_si256(v, Low4()), hi = _mm256_and_si256(ShiftBytes(v, 4), Low4());
      qsgn[j] = _mm256_shuffle_epi8(table, _mm256_permute2x128_si256(lo, hi, 0x20));
      qsgn[j + 1] = _mm256_shuffle_epi8(table, _mm256_permute2x128_si256(lo, hi, 0x31));
      qabs[j] = _mm256_abs_epi8(qsgn[j]);
      qabs[j + 1] = _mm256_abs_epi8(qsgn[j + 1]);
    }
    alignas(32) int sc[8];
    UnpackIQ4_XSScales(b, sc);
    dw = ScalesTimes(Fp16ToFp32(b.d), sc);
  }
  __m256 Add(const ActQ8& a, int b, __m256 acc) const {
    __m256i v[8];
    for (int j = 0; j < 8; ++j) {
      v[j] = DotBytes(qabs[j], _mm256_sign_epi8(Load32(ActAt(a, b + j)), qsgn[j]));
    }
    const __m256 isum = _mm256_cvtepi32_ps(Transpose8Sum(v));
    return _mm256_add_ps(acc, _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(&a.d[b])), isum));
  }
};

// Super-blocks against n_act activations, each super-block unpacked once.
template <typename G>
void SuperBlockMulti(const typename G::Block* w, const ActQ8* const* a, int n_act, int nb,
                     float* out) {
  __m256 acc[kMaxMulti];
  for (int t = 0; t < n_act; ++t) acc[t] = _mm256_setzero_ps();
  G g;
  for (int s = 0; s < nb / 8; ++s) {
    g.Unpack(w[s]);
    for (int t = 0; t < n_act; ++t) acc[t] = g.Add(*a[t], 8 * s, acc[t]);
  }
  for (int t = 0; t < n_act; ++t) out[t] = Reduce8(acc[t]);
}

// One activation through a multi-activation kernel (the same operations for it).
template <typename Block, void (*Multi)(const Block*, const ActQ8* const*, int, int, float*)>
float SingleFromMulti(const Block* w, const ActQ8& a, int nb) {
  const ActQ8* one[1] = {&a};
  float out;
  Multi(w, one, 1, nb, &out);
  return out;
}
template <typename G>
float SuperBlockDot(const typename G::Block* w, const ActQ8& a, int nb) {
  return SingleFromMulti<typename G::Block, SuperBlockMulti<G>>(w, a, nb);
}


}  // namespace

float DotQ2_K(const BlockQ2_K* w, const ActQ8& a, int nb) { return SuperBlockDot<Q2_KG>(w, a, nb); }
float DotQ3_K(const BlockQ3_K* w, const ActQ8& a, int nb) { return SuperBlockDot<Q3_KG>(w, a, nb); }
float DotQ4_K(const BlockQ4_K* w, const ActQ8& a, int nb) { return SuperBlockDot<Q4_KG>(w, a, nb); }
float DotQ5_K(const BlockQ5_K* w, const ActQ8& a, int nb) { return SuperBlockDot<Q5_KG>(w, a, nb); }
float DotQ6_K(const BlockQ6_K* w, const ActQ8& a, int nb) { return SuperBlockDot<Q6_KG>(w, a, nb); }
float DotIQ4_XS(const BlockIQ4_XS* w, const ActQ8& a, int nb) {
  return SuperBlockDot<IQ4_XSG>(w, a, nb);
}
void DotQ2_KMulti(const BlockQ2_K* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  SuperBlockMulti<Q2_KG>(w, a, n_act, nb, out);
}
void DotQ3_KMulti(const BlockQ3_K* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  SuperBlockMulti<Q3_KG>(w, a, n_act, nb, out);
}
void DotQ4_KMulti(const BlockQ4_K* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  SuperBlockMulti<Q4_KG>(w, a, n_act, nb, out);
}
void DotQ5_KMulti(const BlockQ5_K* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  SuperBlockMulti<Q5_KG>(w, a, n_act, nb, out);
}
void DotQ6_KMulti(const BlockQ6_K* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  SuperBlockMulti<Q6_KG>(w, a, n_act, nb, out);
}
void DotIQ4_XSMulti(const BlockIQ4_XS* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  SuperBlockMulti<IQ4_XSG>(w, a, n_act, nb, out);
}
void DotQ5_1Multi(const BlockQ5_1* w, const ActQ8* const* a, int n_act, int nb, float* out) {
  MultiDriver<Q5_1G>(w, a, n_act, nb, out);
}
float DotQ5_1(const BlockQ5_1* w, const ActQ8& a, int nb) {
  return SingleFromMulti<BlockQ5_1, DotQ5_1Multi>(w, a, nb);
}

namespace {
// The float formats: eight elements loaded (and widened, exactly) per step, one lane each, then
// the reference's lane order for the tail. Up to kMaxMulti (4) activations share each load of
// the weights; each goes through exactly the single-activation operations.
// kN, the number of activations, is a constant so the accumulators stay in registers.
template <int kN, typename E, __m256 (*Load8)(const E*), float (*Widen)(E)>
void FloatMultiN(const E* w, const float* const* x, int n, float* out) {
  __m256 acc[kN];
  for (int t = 0; t < kN; ++t) acc[t] = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 wv = Load8(w + i);
    for (int t = 0; t < kN; ++t) {
      acc[t] = _mm256_add_ps(acc[t], _mm256_mul_ps(wv, _mm256_loadu_ps(x[t] + i)));
    }
  }
  for (int t = 0; t < kN; ++t) {
    if (i == n) {
      out[t] = Reduce8(acc[t]);  // no tail: reduce in registers
      continue;
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, acc[t]);
    for (int k = i; k < n; ++k) lanes[k % 8] = lanes[k % 8] + Widen(w[k]) * x[t][k];
    out[t] = ref::Reduce8(lanes);
  }
}
template <typename E, __m256 (*Load8)(const E*), float (*Widen)(E)>
void FloatMulti(const E* w, const float* const* x, int n_act, int n, float* out) {
  static_assert(kMaxMulti == 4, "one case per activation count");
  switch (n_act) {
    case 1: return FloatMultiN<1, E, Load8, Widen>(w, x, n, out);
    case 2: return FloatMultiN<2, E, Load8, Widen>(w, x, n, out);
    case 3: return FloatMultiN<3, E, Load8, Widen>(w, x, n, out);
    default: return FloatMultiN<4, E, Load8, Widen>(w, x, n, out);
  }
}
template <typename E, __m256 (*Load8)(const E*), float (*Widen)(E)>
float FloatDot(const E* w, const float* x, int n) {
  float out;
  FloatMultiN<1, E, Load8, Widen>(w, &x, n, &out);
  return out;
}
__m256 LoadF32x8(const float* w) { return _mm256_loadu_ps(w); }
float SameF32(float v) { return v; }
__m256 WidenF16x8(const uint16_t* w) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}
__m256 WidenBF16x8(const uint16_t* w) {
  const __m256i u = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
}
}  // namespace

float DotF16(const uint16_t* w, const float* x, int n) {
  return FloatDot<uint16_t, WidenF16x8, Fp16ToFp32>(w, x, n);
}
float DotBF16(const uint16_t* w, const float* x, int n) {
  return FloatDot<uint16_t, WidenBF16x8, Bf16ToFp32>(w, x, n);
}
float DotF32(const float* w, const float* x, int n) { return FloatDot<float, LoadF32x8, SameF32>(w, x, n); }
void DotF16Multi(const uint16_t* w, const float* const* x, int n_act, int n, float* out) {
  FloatMulti<uint16_t, WidenF16x8, Fp16ToFp32>(w, x, n_act, n, out);
}
void DotBF16Multi(const uint16_t* w, const float* const* x, int n_act, int n, float* out) {
  FloatMulti<uint16_t, WidenBF16x8, Bf16ToFp32>(w, x, n_act, n, out);
}
void DotF32Multi(const float* w, const float* const* x, int n_act, int n, float* out) {
  FloatMulti<float, LoadF32x8, SameF32>(w, x, n_act, n, out);
}

}  // namespace depinfer::infer::avx2
