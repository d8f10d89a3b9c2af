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

namespace {
// 32-element blocks unpacked to int8 quants: (dw * dx) * isum per block, as Q8_0, and with an
// offset (kMin: Q5_1) + mw * sx, as Q4_1.
template <typename Block, void (*Unpack)(const Block&, int8_t*), bool kMin>
float DotUnpacked(const Block* w, const ActQ8& a, int nb) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int8_t q[kBlock];
  for (int b = 0; b < nb; ++b) {
    Unpack(w[b], q);
    const int8_t* x = a.q.data() + b * kBlock;
    int32_t isum = 0;
    for (int e = 0; e < kBlock; ++e) isum += q[e] * x[e];
    const float t = (Fp16ToFp32(w[b].d) * a.d[b]) * static_cast<float>(isum);
    if constexpr (kMin) {
      lanes[b % 8] = lanes[b % 8] + (t + Fp16ToFp32(w[b].m) * a.s[b]);
    } else {
      lanes[b % 8] = lanes[b % 8] + t;
    }
  }
  return Reduce8(lanes);
}
}  // namespace

float DotQ4_0(const BlockQ4_0* w, const ActQ8& a, int nb) {
  return DotUnpacked<BlockQ4_0, UnpackQ4_0, false>(w, a, nb);
}
float DotQ5_0(const BlockQ5_0* w, const ActQ8& a, int nb) {
  return DotUnpacked<BlockQ5_0, UnpackQ5_0, false>(w, a, nb);
}
float DotQ5_1(const BlockQ5_1* w, const ActQ8& a, int nb) {
  return DotUnpacked<BlockQ5_1, UnpackQ5_1, true>(w, a, nb);
}

namespace {
// Super-blocks with a scale and a min per sub-block of 32 (Q4_K, Q5_K): the activation block b
// is sub-block b % 8 of super-block b / 8.
template <typename Block, void (*Unpack)(const Block&, uint8_t*, int*, int*)>
float DotScaleMin32(const Block* w, const ActQ8& a, int nb) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  uint8_t q[kSuperBlock];
  int sc[8], m[8];
  for (int b = 0; b < nb; ++b) {
    const int j = b % 8;
    if (j == 0) Unpack(w[b / 8], q, sc, m);
    const int8_t* x = a.q.data() + b * kBlock;
    int32_t isum = 0;
    for (int e = 0; e < kBlock; ++e) isum += q[j * kBlock + e] * x[e];
    const float d = Fp16ToFp32(w[b / 8].d), dmin = Fp16ToFp32(w[b / 8].dmin);
    const float dw = d * static_cast<float>(sc[j]);
    const float mw = -(dmin * static_cast<float>(m[j]));
    const float t = (dw * a.d[b]) * static_cast<float>(isum);
    const float u = mw * a.s[b];
    lanes[b % 8] = lanes[b % 8] + (t + u);
  }
  return Reduce8(lanes);
}

// Super-blocks with a signed scale per sub-block of 16 and no min (Q6_K, Q3_K).
template <typename Block, void (*Unpack)(const Block&, int8_t*, int*)>
float DotScale16(const Block* w, const ActQ8& a, int nb) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int8_t q[kSuperBlock];
  int sc[16];
  for (int b = 0; b < nb; ++b) {
    const int j = b % 8;
    if (j == 0) Unpack(w[b / 8], q, sc);
    const int8_t* x = a.q.data() + b * kBlock;
    int32_t lo = 0, hi = 0;
    for (int e = 0; e < 16; ++e) lo += q[j * kBlock + e] * x[e];
    for (int e = 16; e < kBlock; ++e) hi += q[j * kBlock + e] * x[e];
    const int32_t isum = sc[2 * j] * lo + sc[2 * j + 1] * hi;
    lanes[b % 8] = lanes[b % 8] + (Fp16ToFp32(w[b / 8].d) * a.d[b]) * static_cast<float>(isum);
  }
  return Reduce8(lanes);
}
}  // namespace

float DotQ4_K(const BlockQ4_K* w, const ActQ8& a, int nb) {
  return DotScaleMin32<BlockQ4_K, UnpackQ4_K>(w, a, nb);
}
float DotQ5_K(const BlockQ5_K* w, const ActQ8& a, int nb) {
  return DotScaleMin32<BlockQ5_K, UnpackQ5_K>(w, a, nb);
}
float DotQ6_K(const BlockQ6_K* w, const ActQ8& a, int nb) {
  return DotScale16<BlockQ6_K, UnpackQ6_K>(w, a, nb);
}
float DotQ3_K(const BlockQ3_K* w, const ActQ8& a, int nb) {
  return DotScale16<BlockQ3_K, UnpackQ3_K>(w, a, nb);
}

// Q2_K: a scale and a min per sub-block of 16. The min term needs the activation quants' sum
// per half block, which ActQ8::s (per whole block) does not give, so it is an integer here too.
float DotQ2_K(const BlockQ2_K* w, const ActQ8& a, int nb) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  uint8_t q[kSuperBlock];
  int sc[16], m[16];
  for (int b = 0; b < nb; ++b) {
    const int j = b % 8;
    if (j == 0) UnpackQ2_K(w[b / 8], q, sc, m);
    const int8_t* x = a.q.data() + b * kBlock;
    int32_t lo = 0, hi = 0, xlo = 0, xhi = 0;
    for (int e = 0; e < 16; ++e) lo += q[j * kBlock + e] * x[e], xlo += x[e];
    for (int e = 16; e < kBlock; ++e) hi += q[j * kBlock + e] * x[e], xhi += x[e];
    const int32_t isum = sc[2 * j] * lo + sc[2 * j + 1] * hi;
    const int32_t imin = m[2 * j] * xlo + m[2 * j + 1] * xhi;
    const float t = (Fp16ToFp32(w[b / 8].d) * a.d[b]) * static_cast<float>(isum);
    const float u = (Fp16ToFp32(w[b / 8].dmin) * a.d[b]) * static_cast<float>(imin);
    lanes[b % 8] = lanes[b % 8] + (t - u);
  }
  return Reduce8(lanes);
}

float DotIQ4_NL(const BlockIQ4_NL* w, const ActQ8& a, int nb) {
  return DotUnpacked<BlockIQ4_NL, UnpackIQ4_NL, false>(w, a, nb);
}

float DotIQ4_XS(const BlockIQ4_XS* w, const ActQ8& a, int nb) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int8_t q[kSuperBlock];
  int sc[8];
  for (int b = 0; b < nb; ++b) {
    const int j = b % 8;
    if (j == 0) UnpackIQ4_XS(w[b / 8], q, sc);
    const int8_t* x = a.q.data() + b * kBlock;
    int32_t isum = 0;
    for (int e = 0; e < kBlock; ++e) isum += q[j * kBlock + e] * x[e];
    const float dw = Fp16ToFp32(w[b / 8].d) * static_cast<float>(sc[j]);
    lanes[b % 8] = lanes[b % 8] + (dw * a.d[b]) * static_cast<float>(isum);
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

namespace {
// The 16-bit float formats, element by element; `Widen` is exact.
template <float (*Widen)(uint16_t)>
float DotHalf(const uint16_t* w, const float* x, int n) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) lanes[i % 8] = lanes[i % 8] + Widen(w[i]) * x[i];
  return Reduce8(lanes);
}
}  // namespace

float DotF16(const uint16_t* w, const float* x, int n) { return DotHalf<Fp16ToFp32>(w, x, n); }
float DotBF16(const uint16_t* w, const float* x, int n) { return DotHalf<Bf16ToFp32>(w, x, n); }

float DotF32(const float* w, const float* x, int n) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) lanes[i % 8] = lanes[i % 8] + w[i] * x[i];
  return Reduce8(lanes);
}

}  // namespace depinfer::infer::ref
