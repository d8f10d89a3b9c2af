// Reference kernels: the specification of every dot product (see quant.h). Written for clarity;
// the AVX2 twins in kernels_avx2.cc must return the same bits.
#include "infer/quant.h"

namespace depinfer::infer::ref {

float Reduce8(const float l[8]) {
  return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

float DotQ4_1(const BlockQ4_1* w, const ActQ8& a, int nb) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int b = 0; b < nb; ++b) {
    const int8_t* q = a.q.data() + b * kBlock;
    int32_t isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += (w[b].qs[j] & 0x0f) * q[j] + (w[b].qs[j] >> 4) * q[j + 16];
    }
    const float t = (Fp16ToFp32(w[b].d) * a.d[b]) * static_cast<float>(isum);
    const float u = Fp16ToFp32(w[b].m) * a.s[b];
    lanes[b % 8] = lanes[b % 8] + (t + u);
  }
  return Reduce8(lanes);
}

float DotQ8_0(const BlockQ8_0* w, const ActQ8& a, int nb) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int b = 0; b < nb; ++b) {
    const int8_t* q = a.q.data() + b * kBlock;
    int32_t isum = 0;
    for (int j = 0; j < kBlock; ++j) isum += w[b].qs[j] * q[j];
    lanes[b % 8] = lanes[b % 8] + (Fp16ToFp32(w[b].d) * a.d[b]) * static_cast<float>(isum);
  }
  return Reduce8(lanes);
}

float DotF16(const uint16_t* w, const float* x, int n) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) lanes[i % 8] = lanes[i % 8] + Fp16ToFp32(w[i]) * x[i];
  return Reduce8(lanes);
}

float DotF32(const float* w, const float* x, int n) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) lanes[i % 8] = lanes[i % 8] + w[i] * x[i];
  return Reduce8(lanes);
}

}  // namespace depinfer::infer::ref
