// Row-wise float operations of the forward pass, each with a plain version (built from the
// detmath functions) and an AVX2 twin that returns the same bits: the twins perform the same
// IEEE operations in the same order per element, only several elements at once.
#pragma once

#include <cstddef>

#include "infer/quant.h"

namespace depinfer::infer {

// x[i] = ExpF(x[i]) for i < n.
void ExpRow(float* x, int n, Isa isa);

// g[i] = SiluF(g[i]) * up[i] for i < n (the SwiGLU gate).
void SiluMulRow(float* g, const float* up, int n, Isa isa);

// out[p] = DotF32(q, k + p * stride, n) for p < count: one query against `count` keys
// `stride` floats apart (attention scores), with the single dot product's bits.
void DotKeys(const float* q, const float* k, size_t stride, int count, int n, float* out, Isa isa);

// out[j] = sum over p < count, in order p = 0, 1, ..., of w[p] * v[p * stride + j], starting
// from +0 (attention's weighted sum of value vectors).
void WeightedSum(const float* w, const float* v, size_t stride, int count, int n, float* out,
                 Isa isa);

// The largest of x[0..n) (-inf if n == 0; NaNs never win). The AVX2 twin returns the same value
// except that when the largest is a zero it may return the other zero's sign; callers use it
// where that cannot matter (subtracting it, or comparing with it).
float MaxRow(const float* x, int n, Isa isa);

namespace avx2 {
float MaxRow(const float* x, int n);
void WeightedSum(const float* w, const float* v, size_t stride, int count, int n, float* out);
void ExpRow(float* x, int n);
void SiluMulRow(float* g, const float* up, int n);
void DotKeys(const float* q, const float* k, size_t stride, int count, int n, float* out);
}  // namespace avx2
namespace avx512 {  // kernels_avx512.cc
void WeightedSum(const float* w, const float* v, size_t stride, int count, int n, float* out);
void DotKeys(const float* q, const float* k, size_t stride, int count, int n, float* out);
}  // namespace avx512

}  // namespace depinfer::infer
