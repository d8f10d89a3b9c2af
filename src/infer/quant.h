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
//  * Block b is added to partial sum lane (b mod 8) in increasing b; the eight lanes are then
//    reduced as ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). Float formats (F32, F16) do the same per
//    element instead of per block.
//
// Block layouts are ggml's (ggml-common.h): Q4_1 = {f16 d, f16 m, u8 qs[16]} where element j is
// the low nibble of qs[j] and element j+16 its high nibble, value = d*q + m; Q8_0 = {f16 d,
// i8 qs[32]}, value = d*q.
#pragma once

#include <cstddef>
#include <cstdint>
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
#pragma pack(pop)
static_assert(sizeof(BlockQ4_1) == 20 && sizeof(BlockQ8_0) == 34);

// Exact IEEE half <-> single conversions (no rounding in the widening direction).
float Fp16ToFp32(uint16_t h);
uint16_t Fp32ToFp16(float f);  // round to nearest even; used by tests to build weights

// A vector of activations quantised per 32-element block. `n` is a multiple of 32.
struct ActQ8 {
  int n = 0;
  std::vector<int8_t> q;  // n values
  std::vector<float> d;   // n/32 scales
  std::vector<float> s;   // n/32 values d * sum(q)
};
// Quantises x[0..n) (n a multiple of 32). One implementation on every ISA.
void QuantizeActQ8(const float* x, int n, ActQ8* out);

enum class Isa { kScalar, kAvx2 };
// The best ISA this build and CPU can run.
Isa BestIsa();
bool IsaAvailable(Isa isa);
const char* IsaName(Isa isa);

// One matrix of weights, row-major: `rows` rows of `cols` elements each, in `type`'s layout.
struct WeightMatrix {
  TensorType type = TensorType::kF32;
  const uint8_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};
// True if the matrix kernels support `type` (F32, F16, Q4_1, Q8_0).
bool MatmulSupports(TensorType type);
size_t RowBytes(TensorType type, int64_t cols);

// One activation vector in both the float and the quantised form; which one a kernel reads
// depends on the weight type.
struct ActRow {
  const float* x = nullptr;
  const ActQ8* q = nullptr;
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

// Writes row `r` of `w`, dequantised, to out[0..cols). One implementation.
void DequantizeRow(const WeightMatrix& w, int64_t r, float* out);

// Kernel entry points per format; `nb` is the number of 32-element blocks. Reference versions:
namespace ref {
float DotQ4_1(const BlockQ4_1* w, const ActQ8& a, int nb);
float DotQ8_0(const BlockQ8_0* w, const ActQ8& a, int nb);
float DotF16(const uint16_t* w, const float* x, int n);
float DotF32(const float* w, const float* x, int n);
float Reduce8(const float lanes[8]);
}  // namespace ref
// AVX2 twins (defined only when the build targets AVX2; BestIsa() says whether to call them).
namespace avx2 {
float DotQ4_1(const BlockQ4_1* w, const ActQ8& a, int nb);
float DotQ8_0(const BlockQ8_0* w, const ActQ8& a, int nb);
float DotF16(const uint16_t* w, const float* x, int n);
float DotF32(const float* w, const float* x, int n);
void DotQ4_1Multi(const BlockQ4_1* w, const ActQ8* const* a, int n_act, int nb, float* out);
void DotQ8_0Multi(const BlockQ8_0* w, const ActQ8* const* a, int n_act, int nb, float* out);
}  // namespace avx2

}  // namespace depinfer::infer
