// Quantised formats and the deterministic dot-product kernels behind every matrix product.
//
// Determinism by construction (shared/DESIGN.md section 6): the result of a dot product must not
// depend on the ISA, the thread count or the batch. So every kernel here is defined by its plain
// reference version (kernels_ref.cc) and the AVX2 version (kernels_avx2.cc) must equal it to the
// bit. The specification, shared by all formats:
//
//  * Activations are quantised per block of 32 to int8 (ActQ8: scale d = amax/127, q =
//    round-half-even(x / d), and s = d * sum(q) for formats with an offset, like llama.cpp's
//    q8_1). Weight block x activation block is an exact integer dot product `isum`.
//  * Each block then contributes one float term with a fixed formula (mul, add: no fused
//    multiply-add, so no compiler or ISA can change the rounding):
//        Q8_0: (dw * dx) * isum
//        Q4_1: (dw * dx) * isum + mw * sx
//        Q4_0, Q5_0: as Q8_0; Q5_1: as Q4_1
//        Q4_K: (dw * dx) * isum + mw * sx, with dw = d*sc[j] and mw = -(dmin*m[j]) (both exact
//              in single precision) for the activation block's sub-block j
//        Q5_K: as Q4_K
//        Q6_K: (d * dx) * isum, isum = sc[2j]*isum(first 16) + sc[2j+1]*isum(last 16) (exact)
//        Q3_K: as Q6_K (signed 6-bit scales)
//        Q2_K: (d * dx) * isum - (dmin * dx) * imin, isum as Q6_K's and imin =
//              m[2j]*sum(first 16 activation quants) + m[2j+1]*sum(last 16) (exact)
//        IQ4_NL: as Q8_0 (the quants are its table's int8 values); IQ4_XS: as Q4_K without
//              the offset term, dw = d*(scale-32)
//        BF16: as F16
//    Q4_0, Q5_0 and IQ4_NL have no twins of their own: they are widened to Q8_0 at load.
//  * Block b is added to partial sum lane (b mod 8) in increasing b; the eight lanes are then
//    reduced as ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). Float formats (F32, F16) do the same per
//    element instead of per block.
//
// Block layouts are ggml's (ggml-common.h): Q4_1 = {f16 d, f16 m, u8 qs[16]} where element j is
// the low nibble of qs[j] and element j+16 its high nibble, value = d*q + m; Q8_0 = {f16 d,
// i8 qs[32]}, value = d*q.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "infer/gguf.h"

namespace depinfer::infer {

constexpr int kBlock = 32;  // elements per block of every quantised format used here

#pragma pack(push, 1)
struct BlockQ4_1 {
  uint16_t d;  // f16 scale
  uint16_t m;  // f16 offset (the block's minimum)
  uint8_t qs[16];
};
struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t qs[32];
};
// The other 32-element formats llama.cpp writes (its K-quant files use them for tensors whose
// rows are not a multiple of 256): value = d*(q-8), d*(q-16) and d*q + m. Element j of a block
// is the low nibble of qs[j], element j+16 the high nibble; Q5's fifth bit of element e is bit
// e of qh (little-endian).
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[16];
};
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[16];
};

// K-quants (llama.cpp's "Q4_K_M" files hold Q4_K and Q6_K): super-blocks of 256 elements.
// Layouts from ggml-common.h (facts of the format):
//   Q4_K: f16 d, f16 dmin, 12 bytes of packed 6-bit scales and mins for 8 sub-blocks of 32,
//   128 bytes of 4-bit quants; value = d*sc[j]*q - dmin*m[j].
//   Q6_K: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales (sub-blocks of 16),
//   f16 d; value = d*sc[e/16]*(q - 32).
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
// The other K-quants, from ggml-common.h:
//   Q2_K: 16 bytes of scales (low nibble) and mins (high nibble) for 16 sub-blocks of 16,
//   64 bytes of 2-bit quants, f16 d, f16 dmin; value = d*sc[e/16]*q - dmin*m[e/16].
//   Q3_K: 32 bytes of high bits, 64 bytes of low 2 bits, 12 bytes of packed 6-bit scales (minus
//   32) for 16 sub-blocks of 16, f16 d; value = d*sc[e/16]*q with q in [-4, 3].
//   Q5_K: Q4_K's scales and layout plus 32 bytes of fifth bits; q in [0, 31].
struct BlockQ2_K {
  uint8_t scales[16];
  uint8_t qs[64];
  uint16_t d;
  uint16_t dmin;
};
struct BlockQ3_K {
  uint8_t hmask[32];
  uint8_t qs[64];
  uint8_t scales[12];
  uint16_t d;
};
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
// The non-linear 4-bit formats: each 4-bit index picks one of kIq4NlValues. IQ4_NL blocks of 32
// are {f16 d, 16 bytes of indices} (Q4_0's nibble order), value = d*table[i]; IQ4_XS super-
// blocks of 256 carry a 6-bit scale (minus 32) per sub-block of 32, value = d*(scale-32)*table[i].
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[16];
};
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;    // top 2 bits of sub-block j's scale at bits 2j, 2j+1
  uint8_t scales_l[4];  // low 4 bits: sub-block j in nibble j%2 of byte j/2
  uint8_t qs[128];
};
#pragma pack(pop)
static_assert(sizeof(BlockQ4_1) == 20 && sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockIQ4_XS) == 136);
// The IQ4 formats' values (kvalues_iq4nl in ggml-common.h).
inline constexpr int8_t kIq4NlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24);

// Q4_0, Q5_0 and IQ4_NL blocks are Q8_0 blocks with fewer bits: the same f16 scale, the same
// integer values and the same formula, so a row rewritten as Q8_0 gives the reference's bits
// through the Q8_0 kernels (SIMD, packed). Writes cols/32 BlockQ8_0 to `out`; false for other
// types.
bool WidenRowToQ8_0(TensorType type, const uint8_t* row, int64_t cols, uint8_t* out);
inline bool WidensToQ8_0(TensorType type) {
  return type == TensorType::kQ4_0 || type == TensorType::kQ5_0 || type == TensorType::kIQ4_NL;
}

// The quants of one block in element order: Q4_0 and Q5_0 centred (q-8, q-16), Q5_1 in [0, 31].
void UnpackQ4_0(const BlockQ4_0& b, int8_t q[32]);
void UnpackQ5_0(const BlockQ5_0& b, int8_t q[32]);
void UnpackQ5_1(const BlockQ5_1& b, int8_t q[32]);
void UnpackIQ4_NL(const BlockIQ4_NL& b, int8_t q[32]);
constexpr int kSuperBlock = 256;

// The quants of one super-block in element order, with their scales: Q4_K q in [0, 15], the
// scale and min of each sub-block of 32; Q6_K q in [-32, 31], the scale of each sub-block of 16.
void UnpackQ4_K(const BlockQ4_K& b, uint8_t q[256], int sc[8], int m[8]);
void UnpackQ6_K(const BlockQ6_K& b, int8_t q[256], int sc[16]);
// Q5_K as Q4_K (q in [0, 31]); Q3_K as Q6_K (q in [-4, 3], scales in [-32, 31]); Q2_K q in
// [0, 3] with the scale and min of each sub-block of 16; IQ4_XS the table's values and the
// scale (minus 32) of each sub-block of 32.
void UnpackQ5_K(const BlockQ5_K& b, uint8_t q[256], int sc[8], int m[8]);
void UnpackQ3_K(const BlockQ3_K& b, int8_t q[256], int sc[16]);
void UnpackQ2_K(const BlockQ2_K& b, uint8_t q[256], int sc[16], int m[16]);
void UnpackIQ4_XS(const BlockIQ4_XS& b, int8_t q[256], int sc[8]);
// The scales alone (the SIMD kernels unpack the quants themselves): Q4_K's and Q5_K's 6-bit
// scales and mins, Q3_K's 16 signed scales, IQ4_XS's 8 signed scales.
void UnpackKScaleMin(const uint8_t s[12], int sc[8], int m[8]);
void UnpackQ3_KScales(const uint8_t s[12], int sc[16]);
void UnpackIQ4_XSScales(const BlockIQ4_XS& b, int sc[8]);

// Exact IEEE half <-> single conversions (no rounding in the widening direction).
float Fp16ToFp32(uint16_t h);
uint16_t Fp32ToFp16(float f);  // round to nearest even; used by tests to build weights
// bfloat16 is the top half of a float: widening is exact.
inline float Bf16ToFp32(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

// A vector of activations quantised per 32-element block. `n` is a multiple of 32.
struct ActQ8 {
  int n = 0;
  std::vector<int8_t> q;  // n values
  std::vector<float> d;   // n/32 scales, then zeros up to a multiple of 8
  std::vector<float> s;   // n/32 values d * sum(q), then zeros up to a multiple of 8
  std::vector<int8_t> qt; // q in the packed slice layout (below), zero-padded to whole groups
};
// kAvx2: the AVX2 twins of every kernel. kAvx512: the same, with the packed matrix tiles on
// AVX-512 VNNI (kernels_avx512.cc). kAmx: kAvx512, with matrix products over many positions on
// the AMX tile unit (kernels_amx.cc). Every ISA gives the reference's bits.
enum class Isa { kScalar, kAvx2, kAvx512, kAmx };
// True for the ISAs that run the AVX2 twins (all but kScalar).
inline bool HasAvx2Twins(Isa isa) { return isa != Isa::kScalar; }
// True for the ISAs that run the AVX-512 twins (kAvx512 and kAmx).
inline bool HasAvx512Twins(Isa isa) { return isa == Isa::kAvx512 || isa == Isa::kAmx; }

// Quantises x[0..n) (n a multiple of 32). The AVX2 twin gives the plain version's bytes.
void QuantizeActQ8(const float* x, int n, ActQ8* out, Isa isa);
inline void QuantizeActQ8(const float* x, int n, ActQ8* out) {
  QuantizeActQ8(x, n, out, Isa::kScalar);
}
// The best ISA this build and CPU can run.
Isa BestIsa();
bool IsaAvailable(Isa isa);
const char* IsaName(Isa isa);
// The ISA IsaName calls `name`; false (and *isa untouched) for any other string.
bool ParseIsa(const std::string& name, Isa* isa);

// One matrix of weights, row-major: `rows` rows of `cols` elements each, in `type`'s layout.
struct WeightMatrix {
  TensorType type = TensorType::kF32;
  const uint8_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;
  // Optional copy of the rows' full 8-block groups in the packed layout (below); the AVX2
  // kernels use it when present. The original rows stay authoritative for the reference.
  const uint8_t* packed = nullptr;
  size_t packed_row_bytes = 0;
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
  const uint8_t* packed_row(int64_t r) const {
    return packed + static_cast<size_t>(r) * packed_row_bytes;
  }
};

// Packed layout (a speed-up only: the kernels reading it return the reference's bits).
// Each group of 8 consecutive blocks of a row is rearranged in 8 "slices" of 32 bytes:
// slice k holds, for block j of the group, its elements 4k..4k+3 at bytes 4j..4j+3. A byte-dot
// instruction over slice k (which sums 4 adjacent products per 32-bit lane) then adds to lane j
// exactly block j's elements 4k..4k+3, so after 8 slices lane j holds block j's integer sum:
// no horizontal sums. Scales are widened to f32 (exactly). A last, partial group is padded
// with zero blocks (scales, offsets and quants 0); kernels blend its padded lanes away.
//   Q8_0 group (320 bytes): f32 d[8]; i32 128*sum(q) of each block; i8 slice[8][32].
//   Q4_1 group (192 bytes): f32 d[8]; f32 m[8]; u8 nib[4][32], slice k in the low nibbles of
//   nib[k] and slice k+4 in the high nibbles.
// Activations carry the same slice layout in ActQ8::qt (padded with zeros to whole groups, and
// ActQ8::d and ::s with them).
constexpr size_t kPackedQ8_0Group = 320, kPackedQ4_1Group = 192;
size_t PackedRowBytes(TensorType type, int64_t cols);  // 0 if `type` has no packed form
void PackRow(TensorType type, const uint8_t* row, int64_t cols, uint8_t* out);

// True if `w` carries the packed copy the tile kernels read (Q4_1 and Q8_0).
bool HasPackedTiles(const WeightMatrix& w);

// True if the matrix kernels support `type`: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS. SupportedTypesText() lists them for errors.
bool MatmulSupports(TensorType type);
const char* SupportedTypesText();
size_t RowBytes(TensorType type, int64_t cols);

// The tails of four positions' activations side by side, for rows whose last group has only one
// or two blocks (576 columns: 18 blocks). Lanes 2p and 2p+1 hold position p's tail blocks 0 and 1,
// so one byte-dot covers the tails of four positions instead of one padded group each.
// qt[k]: slice k (elements 4k..4k+3 of each tail block, 4 bytes per lane); d, s per lane.
struct ActTailQuad {
  alignas(32) int8_t qt[8][32] = {};
  alignas(32) float d[8] = {};
  alignas(32) float s[8] = {};
};
// Fills `out` from four activations of `nb` blocks; false (and nothing written) unless
// nb % 8 is 1 or 2.
bool BuildTailQuad(const ActQ8* const a[4], int nb, ActTailQuad* out);

// One activation vector in both the float and the quantised form; which one a kernel reads
// depends on the weight type. `quad`, when set on the first of four consecutive positions,
// holds their tails side by side (a speed-up for the packed kernels; same bits without it).
struct ActRow {
  const float* x = nullptr;
  const ActQ8* q = nullptr;
  const ActTailQuad* quad = nullptr;
};

// Dot product of row `r` of `w` with `a`, by the specification above.
float DotRow(const WeightMatrix& w, int64_t r, const ActRow& a, Isa isa);

// The same, resolved once per matrix: `n` is the row length in elements.
using DotFn = float (*)(const uint8_t* row, const ActRow& a, int n);
DotFn SelectDot(TensorType type, Isa isa);

// One weight row against up to kMaxMulti activation rows: out[t] = dot(row, a[t]), each equal
// to the single-row kernel's result to the bit. Prompt processing uses it to unpack each weight
// block once for several positions.
constexpr int kMaxMulti = 4;
using DotMultiFn = void (*)(const uint8_t* row, const ActRow* a, int n_act, int n, float* out);
DotMultiFn SelectDotMulti(TensorType type, Isa isa);

// Rows [r0, r0 + nr) of `w` (nr <= kTileRows) against np (<= kMaxMulti) activations:
// out[p * ld + r] = dot(row r0 + r, a[p]), each with DotRow's bits. Matrix products call this;
// with a packed matrix the SIMD kernels keep the sums in registers (AVX2: 3 rows x np per call;
// AVX-512: all 6 rows, two per register).
constexpr int kTileRows = 6;
using TileDotFn = void (*)(const WeightMatrix& w, int64_t r0, int nr, const ActRow* a, int np,
                           float* out, int64_t ld);
TileDotFn SelectTileDot(const WeightMatrix& w, Isa isa);

// Row `r` of `w` against n_act (<= kMaxMulti) activations, with the fastest kernel `isa` has for
// the matrix (packed or not). Same bits as DotRow for each activation.
using RowDotFn = void (*)(const WeightMatrix& w, int64_t r, const ActRow* a, int n_act, float* out);
RowDotFn SelectRowDot(const WeightMatrix& w, Isa isa);

// Writes row `r` of `w`, dequantised, to out[0..cols). One implementation.
void DequantizeRow(const WeightMatrix& w, int64_t r, float* out);

// Kernel entry points per format; `nb` is the number of 32-element blocks. Reference versions:
namespace ref {
float DotQ4_1(const BlockQ4_1* w, const ActQ8& a, int nb);
float DotQ4_K(const BlockQ4_K* w, const ActQ8& a, int nb);  // nb: blocks of 32
float DotQ4_0(const BlockQ4_0* w, const ActQ8& a, int nb);
float DotQ5_0(const BlockQ5_0* w, const ActQ8& a, int nb);
float DotQ5_1(const BlockQ5_1* w, const ActQ8& a, int nb);
float DotQ6_K(const BlockQ6_K* w, const ActQ8& a, int nb);
float DotQ2_K(const BlockQ2_K* w, const ActQ8& a, int nb);
float DotQ3_K(const BlockQ3_K* w, const ActQ8& a, int nb);
float DotQ5_K(const BlockQ5_K* w, const ActQ8& a, int nb);
float DotIQ4_NL(const BlockIQ4_NL* w, const ActQ8& a, int nb);
float DotIQ4_XS(const BlockIQ4_XS* w, const ActQ8& a, int nb);
float DotQ8_0(const BlockQ8_0* w, const ActQ8& a, int nb);
float DotF16(const uint16_t* w, const float* x, int n);
float DotBF16(const uint16_t* w, const float* x, int n);
float DotF32(const float* w, const float* x, int n);
float Reduce8(const float lanes[8]);
}  // namespace ref
// AVX2 twins (defined only when the build targets AVX2; BestIsa() says whether to call them).
namespace avx2 {
void QuantizeActQ8(const float* x, int n, ActQ8* out);  // `out` already sized by the caller
float DotQ4_1(const BlockQ4_1* w, const ActQ8& a, int nb);
float DotQ8_0(const BlockQ8_0* w, const ActQ8& a, int nb);
float DotF16(const uint16_t* w, const float* x, int n);
float DotBF16(const uint16_t* w, const float* x, int n);
float DotF32(const float* w, const float* x, int n);
// The float formats against n_act (<= kMaxMulti) activations, each weight load shared.
void DotF16Multi(const uint16_t* w, const float* const* x, int n_act, int n, float* out);
void DotBF16Multi(const uint16_t* w, const float* const* x, int n_act, int n, float* out);
void DotF32Multi(const float* w, const float* const* x, int n_act, int n, float* out);
void DotQ4_1Multi(const BlockQ4_1* w, const ActQ8* const* a, int n_act, int nb, float* out);
// The K-quants, IQ4_XS and Q5_1 (each super-block or block unpacked once per call).
float DotQ2_K(const BlockQ2_K* w, const ActQ8& a, int nb);
float DotQ3_K(const BlockQ3_K* w, const ActQ8& a, int nb);
float DotQ4_K(const BlockQ4_K* w, const ActQ8& a, int nb);
float DotQ5_K(const BlockQ5_K* w, const ActQ8& a, int nb);
float DotQ6_K(const BlockQ6_K* w, const ActQ8& a, int nb);
float DotIQ4_XS(const BlockIQ4_XS* w, const ActQ8& a, int nb);
float DotQ5_1(const BlockQ5_1* w, const ActQ8& a, int nb);
void DotQ2_KMulti(const BlockQ2_K* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotQ3_KMulti(const BlockQ3_K* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotQ4_KMulti(const BlockQ4_K* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotQ5_KMulti(const BlockQ5_K* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotQ6_KMulti(const BlockQ6_K* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotIQ4_XSMulti(const BlockIQ4_XS* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotQ5_1Multi(const BlockQ5_1* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotQ8_0Multi(const BlockQ8_0* w, const ActQ8* const* a, int n_act, int nb, float* out);
// Packed-layout tiles: nr consecutive packed rows (`row_bytes` apart) against np activations,
// out[p * ld + r]; `nb` blocks per row; `quad` (or null): the four activations' tails.
void Q4_1PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad);
void Q8_0PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad);
}  // namespace avx2
// AVX-512 VNNI tiles, nr <= kTileRows (defined only when DEPINFER_HAVE_AVX512_KERNELS).
namespace avx512 {
void Q4_1PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad);
void Q8_0PackedTile(const uint8_t* packed, size_t row_bytes, int nr, const ActQ8* const* a,
                    int np, int nb, float* out, int64_t ld, const ActTailQuad* quad);
}  // namespace avx512

// AMX tiles (defined only when DEPINFER_HAVE_AMX_KERNELS): a packed Q4_1 or Q8_0 matrix against
// kAmxTile positions at a time, each output with DotRow's bits. Matrix products over at least
// kAmxTile positions use them (prompts, audits); fewer positions go through the AVX-512 tiles.
constexpr int kAmxTile = 16;
namespace amx {
// Asks Linux, once per process, for the tile state; false if the CPU or the kernel says no.
bool Enable();
// The activations of T positions side by side (the tile unit loads 16 positions' blocks with
// one stride), zero-padded to a multiple of kAmxTile positions.
struct ActTiles {
  int n = 0;          // elements per position
  int positions = 0;  // T rounded up to a multiple of kAmxTile
  std::vector<int8_t> q;  // positions x n quants
  std::vector<float> d;   // positions x n/32 scales
  std::vector<float> s;   // positions x n/32 sums (ActQ8::s)
  void Set(const ActQ8* const* acts, int T);
};
// Rows [r0, r0 + nr) (nr <= kAmxTile) of `w` (packed, Q4_1 or Q8_0) against positions
// [p0, p1) of `a`: out[p * ld + r0 + r].
void RowTile(const WeightMatrix& w, int64_t r0, int nr, const ActTiles& a, int p0, int p1,
             float* out, int64_t ld);
}  // namespace amx

}  // namespace depinfer::infer
