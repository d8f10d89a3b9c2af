#include "infer/vecmath.h"

#include <limits>

#include "infer/detmath.h"

namespace depinfer::infer {

void ExpRow(float* x, int n, Isa isa) {
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) return avx2::ExpRow(x, n);
#endif
  (void)isa;
  for (int i = 0; i < n; ++i) x[i] = ExpF(x[i]);
}

void SiluMulRow(float* g, const float* up, int n, Isa isa) {
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) return avx2::SiluMulRow(g, up, n);
#endif
  (void)isa;
  for (int i = 0; i < n; ++i) g[i] = SiluF(g[i]) * up[i];
}

void DotKeys(const float* q, const float* k, size_t stride, int count, int n, float* out,
             Isa isa) {
#if defined(DEPINFER_HAVE_AVX512_KERNELS)
  if (HasAvx512Twins(isa)) return avx512::DotKeys(q, k, stride, count, n, out);
#endif
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) return avx2::DotKeys(q, k, stride, count, n, out);
#endif
  (void)isa;
  for (int p = 0; p < count; ++p) out[p] = ref::DotF32(q, k + p * stride, n);
}

void WeightedSum(const float* w, const float* v, size_t stride, int count, int n, float* out,
                 Isa isa) {
#if defined(DEPINFER_HAVE_AVX512_KERNELS)
  if (HasAvx512Twins(isa)) return avx512::WeightedSum(w, v, stride, count, n, out);
#endif
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) return avx2::WeightedSum(w, v, stride, count, n, out);
#endif
  (void)isa;
  for (int j = 0; j < n; ++j) out[j] = 0.0f;
  for (int p = 0; p < count; ++p) {
    const float* vp = v + p * stride;
    for (int j = 0; j < n; ++j) out[j] = out[j] + w[p] * vp[j];
  }
}

float MaxRow(const float* x, int n, Isa isa) {
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) return avx2::MaxRow(x, n);
#endif
  (void)isa;
  float m = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

}  // namespace depinfer::infer
