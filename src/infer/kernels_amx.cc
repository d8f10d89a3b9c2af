// AMX twins of the packed tile kernels, for matrix products over many positions (prompts and
// audits), where the byte-dots of the AVX-512 tiles are most of the work. The tile unit computes
// every integer block sum `isum` of 16 rows x 16 positions in one instruction; the vector unit
// then applies the specification's per-block float formula (quant.h) to them, with positions in
// the lanes of a register and rows in separate registers, so each lane goes through exactly the
// reference's multiplies and adds: the same bits.
//
// How the pieces fit (Intel's AMX: C[m][n] += sum over k of A[m][k] * B[k/4][4n + k%4]):
//  * A: 16 positions x one block (32 bytes) of int8 activations, from ActTiles.
//  * B: one block of 16 weight rows, element k of row n at B[k/4][4n + k%4]. WeightTile builds
//    it from the packed layout: slice k of a group (elements 4k..4k+3 of each of its 8 blocks,
//    quant.h), transposed across the 16 rows as 32-bit words, is row k of each block's B tile.
//    Q4_1's quants 0..15 fit in signed bytes, so both formats use the signed byte-dot.
//  * The reference adds block b to lane b % 8 in increasing b. Here lane L's blocks L, L + 8,
//    ... are summed in one register per position, in the same order, and the eight lanes are
//    reduced at the end in the reference's grouping.
//
// Compiled with AMX flags whatever -march says; chosen at run time (Isa::kAmx), after Linux has
// granted this process the tile state (Enable).

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC bug 105593, as in kernels_avx512.cc
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "infer/quant.h"

namespace depinfer::infer::amx {
namespace {

constexpr int kN = kAmxTile;  // rows and positions per tile
constexpr size_t kBTileBytes = 8 * 64;  // one block's B tile: 8 rows of 16 x 4 bytes

// Linux keeps the 8 KiB of tile data out of a process's saved state until it asks for it
// (arch_prctl ARCH_REQ_XCOMP_PERM, feature 18 = XTILEDATA; Documentation/arch/x86/xstate.rst).
constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

// LDTILECFG's 64-byte operand (palette 1).
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// Two sets of three tiles: tmm0 and tmm3 C, 16 positions x 16 rows of int32; tmm1 and tmm4 A,
// 16 positions x 32 bytes; tmm2 and tmm5 B, 8 x 64 bytes.
void Configure() {
  TileConfig c;
  for (int set = 0; set < 2; ++set) {
    c.colsb[3 * set] = 64, c.rows[3 * set] = kN;
    c.colsb[3 * set + 1] = 32, c.rows[3 * set + 1] = kN;
    c.colsb[3 * set + 2] = 64, c.rows[3 * set + 2] = 8;
  }
  _tile_loadconfig(&c);
}

// The 32 bytes at a in the low half, those at b in the high half.
inline __m512i LoadPair(const uint8_t* a, const uint8_t* b) {
  return _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
}

// z[m] holds the eight 32-bit words of row m (low half) and of row m + 8 (high half); writes
// word j of all 16 rows, in row order, to out + j * stride for j < count.
inline void Transpose16x8(const __m512i (&z)[8], uint8_t* out, size_t stride, int count) {
  __m512i t[8], u[8];
  for (int i = 0; i < 4; ++i) {  // per 128-bit lane: pairs of rows interleaved by word
    t[2 * i] = _mm512_unpacklo_epi32(z[2 * i], z[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(z[2 * i], z[2 * i + 1]);
  }
  // u[i] (rows 0-3 of each half) and u[4 + i] (rows 4-7): lane 0 of a half holds word i of the
  // four rows, lane 1 word i + 4.
  for (int h = 0; h < 2; ++h) {
    const __m512i* s = t + 4 * h;
    u[4 * h + 0] = _mm512_unpacklo_epi64(s[0], s[2]);
    u[4 * h + 1] = _mm512_unpackhi_epi64(s[0], s[2]);
    u[4 * h + 2] = _mm512_unpacklo_epi64(s[1], s[3]);
    u[4 * h + 3] = _mm512_unpackhi_epi64(s[1], s[3]);
  }
  const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i second = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  for (int i = 0; i < 4; ++i) {
    if (i < count) {
      _mm512_storeu_si512(out + i * stride, _mm512_permutex2var_epi64(u[i], first, u[4 + i]));
    }
    if (i + 4 < count) {
      _mm512_storeu_si512(out + (i + 4) * stride,
                          _mm512_permutex2var_epi64(u[i], second, u[4 + i]));
    }
  }
}

// 16 consecutive rows of a packed Q4_1 or Q8_0 matrix, block by block, as the tile unit and the
// float formula read them. Rows past the matrix are zero.
struct WeightTile {
  int nb = 0;
  std::vector<uint8_t> b;  // nb B tiles of kBTileBytes
  std::vector<float> d;    // nb x 16: the scale of block b of each row
  std::vector<float> m;    // nb x 16: Q4_1's offset

  void Build(const WeightMatrix& w, int64_t r0, int nr) {
    nb = static_cast<int>(w.cols / kBlock);
    const bool q4 = w.type == TensorType::kQ4_1;
    const size_t group = q4 ? kPackedQ4_1Group : kPackedQ8_0Group;
    b.resize(static_cast<size_t>(nb) * kBTileBytes);
    d.resize(static_cast<size_t>(nb) * kN);
    if (q4) m.resize(static_cast<size_t>(nb) * kN);
    alignas(64) static const uint8_t kZeroGroup[kPackedQ8_0Group] = {};
    const uint8_t* rows[kN];
    const __m512i low = _mm512_set1_epi8(0x0f);
    for (int g = 0; g * 8 < nb; ++g) {
      for (int n = 0; n < kN; ++n) {
        rows[n] = n < nr ? w.packed_row(r0 + n) + static_cast<size_t>(g) * group : kZeroGroup;
      }
      const int count = std::min(8, nb - 8 * g);  // blocks of this group
      uint8_t* bt = b.data() + static_cast<size_t>(8 * g) * kBTileBytes;
      __m512i z[8];
      auto gather = [&](size_t offset) {
        for (int i = 0; i < 8; ++i) z[i] = LoadPair(rows[i] + offset, rows[i + 8] + offset);
      };
      gather(0);
      Transpose16x8(z, reinterpret_cast<uint8_t*>(d.data() + 8 * g * kN), kN * 4, count);
      if (q4) {
        gather(32);
        Transpose16x8(z, reinterpret_cast<uint8_t*>(m.data() + 8 * g * kN), kN * 4, count);
        for (int k = 0; k < 4; ++k) {  // slice k in the low nibbles, slice k + 4 in the high
          gather(64 + 32 * static_cast<size_t>(k));
          __m512i lo[8], hi[8];
          for (int i = 0; i < 8; ++i) {
            lo[i] = _mm512_and_si512(z[i], low);
            hi[i] = _mm512_and_si512(_mm512_srli_epi16(z[i], 4), low);
          }
          Transpose16x8(lo, bt + 64 * k, kBTileBytes, count);
          Transpose16x8(hi, bt + 64 * (k + 4), kBTileBytes, count);
        }
      } else {
        for (int k = 0; k < 8; ++k) {
          gather(64 + 32 * static_cast<size_t>(k));
          Transpose16x8(z, bt + 64 * k, kBTileBytes, count);
        }
      }
    }
  }
};

// The reference's reduction ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), lane by lane.
inline __m512 Reduce8(const float (&lanes)[8][kN][kN], int p) {
  auto l = [&](int i) { return _mm512_load_ps(lanes[i][p]); };
  return _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(l(0), l(4)), _mm512_add_ps(l(2), l(6))),
                       _mm512_add_ps(_mm512_add_ps(l(1), l(5)), _mm512_add_ps(l(3), l(7))));
}

// Block `blk`'s integer sums of 16 positions (at q, one row of activations every `stride`
// bytes) x the 16 rows of `wt`, on tile set kSet (C, A, B: tmm0-2 or tmm3-5); StoreSums<kSet>
// writes them out. Two sets let the tile unit work on the next block while the vector unit
// does this one's float arithmetic. GCC's tile intrinsics paste the register number into the
// assembly, hence the literals.
template <int kSet>
inline void BlockSums(const WeightTile& wt, const int8_t* q, int64_t stride, int blk) {
  const int8_t* a = q + static_cast<size_t>(blk) * kBlock;
  const uint8_t* b = wt.b.data() + static_cast<size_t>(blk) * kBTileBytes;
  if constexpr (kSet == 0) {
    _tile_loadd(1, a, stride);
    _tile_loadd(2, b, 64);
    _tile_zero(0);
    _tile_dpbssd(0, 1, 2);
  } else {
    _tile_loadd(4, a, stride);
    _tile_loadd(5, b, 64);
    _tile_zero(3);
    _tile_dpbssd(3, 4, 5);
  }
}
// TILESTORED of C tile kSet * 3 to c. GCC's _tile_stored declares that it may write any memory,
// which makes the compiler keep the accumulators of Run in memory; this says it writes c.
template <int kSet>
inline void StoreSums(int32_t (&c)[kN][kN]) {
  __asm__ volatile("tilestored %%tmm%c[t], (%[p],%[s],1)"
                   : "=m"(c)
                   : [t] "i"(3 * kSet), [p] "r"(&c[0][0]), [s] "r"(int64_t{kN * 4}));
}

// Positions [p0, p0 + 16) of `a` against the 16 rows of `wt`: out[p * ld + r] for p < np
// (positions that exist) and r < nr.
template <bool kQ4_1>
void Run(const WeightTile& wt, const ActTiles& a, int p0, int np, int nr, float* out,
         int64_t ld) {
  alignas(64) int32_t c[2][kN][kN];
  alignas(64) float lanes[8][kN][kN];
  const int nb = wt.nb;
  const int8_t* q = a.q.data() + static_cast<size_t>(p0) * a.n;
  const float* dx = a.d.data() + static_cast<size_t>(p0) * nb;
  const float* sx = a.s.data() + static_cast<size_t>(p0) * nb;
  // The blocks go lane by lane (L, L + 8, ...: the order of the sums below). Block i + 1's
  // products run on the tile unit during block i's float terms; its sums are stored only after
  // block i's have been read (on this project's CPUs loads wait for an earlier tile store: a
  // store issued before them made this kernel 10% slower).
  auto next = [nb](int b) { return b + 8 < nb ? b + 8 : b % 8 + 1; };
  int blk = 0, ahead = next(0);  // blocks i and i + 1
  BlockSums<0>(wt, q, a.n, blk);
  StoreSums<0>(c[0]);
  if (nb > 1) BlockSums<1>(wt, q, a.n, ahead);
  __m512 acc[kN];
#pragma GCC unroll 16
  for (int p = 0; p < kN; ++p) acc[p] = _mm512_setzero_ps();
  for (int i = 0; i < nb; ++i) {
    const int32_t(&ci)[kN][kN] = c[i % 2];
    const __m512 dw = _mm512_loadu_ps(wt.d.data() + static_cast<size_t>(blk) * kN);
    const __m512 mw = kQ4_1 ? _mm512_loadu_ps(wt.m.data() + static_cast<size_t>(blk) * kN)
                            : _mm512_setzero_ps();
#pragma GCC unroll 16  // the 16 accumulators stay in registers
    for (int p = 0; p < kN; ++p) {
      const __m512 isum = _mm512_cvtepi32_ps(_mm512_load_si512(ci[p]));
      const float dxp = dx[static_cast<size_t>(p) * nb + blk];
      const __m512 t = _mm512_mul_ps(_mm512_mul_ps(dw, _mm512_set1_ps(dxp)), isum);
      if constexpr (kQ4_1) {
        const __m512 u = _mm512_mul_ps(mw, _mm512_set1_ps(sx[static_cast<size_t>(p) * nb + blk]));
        acc[p] = _mm512_add_ps(acc[p], _mm512_add_ps(t, u));
      } else {
        acc[p] = _mm512_add_ps(acc[p], t);
      }
    }
    if (i + 1 < nb) {
      const int after = next(ahead);  // block i + 2
      if (i % 2 == 0) {
        StoreSums<1>(c[1]);
        if (i + 2 < nb) BlockSums<0>(wt, q, a.n, after);
      } else {
        StoreSums<0>(c[0]);
        if (i + 2 < nb) BlockSums<1>(wt, q, a.n, after);
      }
    }
    if (i + 1 == nb || ahead % 8 != blk % 8) {  // the last block of lane blk % 8
#pragma GCC unroll 16
      for (int p = 0; p < kN; ++p) {
        _mm512_store_ps(lanes[blk % 8][p], acc[p]);
        acc[p] = _mm512_setzero_ps();
      }
    }
    blk = ahead;
    ahead = next(ahead);
  }
  for (int lane = nb; lane < 8; ++lane) {  // lanes without blocks
    for (int p = 0; p < kN; ++p) _mm512_store_ps(lanes[lane][p], _mm512_setzero_ps());
  }
  const __mmask16 rows = static_cast<__mmask16>((1u << nr) - 1u);
  for (int p = 0; p < np; ++p) _mm512_mask_storeu_ps(out + p * ld, rows, Reduce8(lanes, p));
}

}  // namespace

bool Enable() {
  static const bool granted = [] {
    // CPUID leaf 7: EDX bit 24 AMX-TILE, bit 25 AMX-INT8 (read directly: clang's
    // __builtin_cpu_supports does not know these names).
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
    if ((edx & (1u << 24)) == 0 || (edx & (1u << 25)) == 0) return false;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return granted;
}

void ActTiles::Set(const ActQ8* const* acts, int T) {
  n = T > 0 ? acts[0]->n : 0;
  const int nb = n / kBlock;
  positions = (T + kN - 1) / kN * kN;
  // Every element is written below: the positions' values, then zeros for the padding.
  q.resize(static_cast<size_t>(positions) * n);
  d.resize(static_cast<size_t>(positions) * nb);
  s.resize(static_cast<size_t>(positions) * nb);
  for (int t = 0; t < T; ++t) {
    std::memcpy(q.data() + static_cast<size_t>(t) * n, acts[t]->q.data(), n);
    std::memcpy(d.data() + static_cast<size_t>(t) * nb, acts[t]->d.data(), nb * sizeof(float));
    std::memcpy(s.data() + static_cast<size_t>(t) * nb, acts[t]->s.data(), nb * sizeof(float));
  }
  std::fill(q.begin() + static_cast<ptrdiff_t>(T) * n, q.end(), int8_t{0});
  std::fill(d.begin() + static_cast<ptrdiff_t>(T) * nb, d.end(), 0.0f);
  std::fill(s.begin() + static_cast<ptrdiff_t>(T) * nb, s.end(), 0.0f);
}

void RowTile(const WeightMatrix& w, int64_t r0, int nr, const ActTiles& a, int p0, int p1,
             float* out, int64_t ld) {
  thread_local WeightTile wt;
  wt.Build(w, r0, nr);
  // The tile loads are asm statements that do not declare what they read: every store to the
  // tiles' memory must be done before them.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  Configure();
  for (int p = p0; p < p1; p += kN) {
    const int np = std::min(kN, p1 - p);
    float* o = out + static_cast<size_t>(p) * ld + r0;
    if (w.type == TensorType::kQ4_1) {
      Run<true>(wt, a, p, np, nr, o, ld);
    } else {
      Run<false>(wt, a, p, np, nr, o, ld);
    }
  }
  _tile_release();
}

}  // namespace depinfer::infer::amx
