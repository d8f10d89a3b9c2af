#include "infer/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace depinfer::infer {

float Fp16ToFp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in single precision.
    float v = static_cast<float>(mant) * 0x1p-24f;
    std::memcpy(&bits, &v, 4);
    bits |= sign;
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);  // infinity or NaN
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // rebias 15 -> 127
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t Fp32ToFp16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  u &= 0x7fffffffu;
  if (u > 0x7f800000u) return sign | 0x7e00;        // NaN
  if (u >= 0x477ff000u) return sign | 0x7c00;       // rounds to infinity (>= 65520)
  if (u < 0x38800000u) {                            // below 2^-14: half subnormal
    float a;
    std::memcpy(&a, &u, 4);
    return sign | static_cast<uint16_t>(std::nearbyint(a * 0x1p24f));
  }
  uint32_t h = ((((u >> 23) - 127 + 15)) << 10) | ((u >> 13) & 0x3ff);
  const uint32_t rem = u & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;  // nearest even; may carry into exp
  return sign | static_cast<uint16_t>(h);
}

void QuantizeActQ8(const float* x, int n, ActQ8* out, Isa isa) {
  const int nb = n / kBlock;
  out->n = n;
  out->q.resize(n);
  const int groups = (nb + 7) / 8;
  out->d.assign(static_cast<size_t>(groups) * 8, 0.0f);
  out->s.assign(static_cast<size_t>(groups) * 8, 0.0f);
  out->qt.assign(static_cast<size_t>(groups) * 256, 0);
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) return avx2::QuantizeActQ8(x, n, out);
#endif
  (void)isa;
  for (int b = 0; b < nb; ++b) {
    const float* xb = x + b * kBlock;
    float amax = 0.0f;
    for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int j = 0; j < kBlock; ++j) {
      // nearbyint rounds half to even in the default mode: an exact IEEE operation.
      float v = std::nearbyint(xb[j] * id);
      v = std::min(127.0f, std::max(-127.0f, v));
      const int q = static_cast<int>(v);
      out->q[b * kBlock + j] = static_cast<int8_t>(q);
      sum += q;
    }
    out->d[b] = d;
    out->s[b] = d * static_cast<float>(sum);
  }
  // The same values in the packed slice layout, for the packed kernels.
  for (int b = 0; b < nb; ++b) {
    int8_t* qt = out->qt.data() + (b / 8) * 256 + (b % 8) * 4;
    for (int k = 0; k < 8; ++k) std::memcpy(qt + 32 * k, &out->q[b * kBlock + 4 * k], 4);
  }
}

bool BuildTailQuad(const ActQ8* const a[4], int nb, ActTailQuad* out) {
  const int tail = nb % 8, b0 = nb - tail;
  if (tail != 1 && tail != 2) return false;
  *out = ActTailQuad{};
  for (int p = 0; p < 4; ++p) {
    for (int j = 0; j < tail; ++j) {
      const int b = b0 + j, lane = 2 * p + j;
      for (int k = 0; k < 8; ++k) std::memcpy(&out->qt[k][4 * lane], &a[p]->q[b * kBlock + 4 * k], 4);
      out->d[lane] = a[p]->d[b];
      out->s[lane] = a[p]->s[b];
    }
  }
  return true;
}

size_t PackedRowBytes(TensorType type, int64_t cols) {
  const int64_t groups = (cols / kBlock + 7) / 8;
  if (type == TensorType::kQ8_0) return static_cast<size_t>(groups) * kPackedQ8_0Group;
  if (type == TensorType::kQ4_1) return static_cast<size_t>(groups) * kPackedQ4_1Group;
  return 0;
}

void PackRow(TensorType type, const uint8_t* row, int64_t cols, uint8_t* out) {
  const int64_t nb = cols / kBlock;
  const int64_t groups = (nb + 7) / 8;
  std::memset(out, 0, PackedRowBytes(type, cols));  // the padding of a partial last group
  for (int64_t g = 0; g < groups; ++g) {
    const int n = static_cast<int>(std::min<int64_t>(8, nb - 8 * g));  // blocks in this group
    if (type == TensorType::kQ8_0) {
      const auto* blk = reinterpret_cast<const BlockQ8_0*>(row) + 8 * g;
      uint8_t* o = out + g * kPackedQ8_0Group;
      for (int j = 0; j < n; ++j) {
        const float d = Fp16ToFp32(blk[j].d);
        std::memcpy(o + 4 * j, &d, 4);
        int32_t sum = 0;
        for (int8_t q : blk[j].qs) sum += q;
        const int32_t sum128 = 128 * sum;
        std::memcpy(o + 32 + 4 * j, &sum128, 4);
      }
      for (int k = 0; k < 8; ++k) {
        for (int j = 0; j < n; ++j) std::memcpy(o + 64 + k * 32 + j * 4, blk[j].qs + 4 * k, 4);
      }
    } else if (type == TensorType::kQ4_1) {
      const auto* blk = reinterpret_cast<const BlockQ4_1*>(row) + 8 * g;
      uint8_t* o = out + g * kPackedQ4_1Group;
      for (int j = 0; j < n; ++j) {
        const float d = Fp16ToFp32(blk[j].d), m = Fp16ToFp32(blk[j].m);
        std::memcpy(o + 4 * j, &d, 4);
        std::memcpy(o + 32 + 4 * j, &m, 4);
      }
      // Element e of a block: low nibble of qs[e] for e < 16, high nibble of qs[e - 16] after.
      auto elem = [](const BlockQ4_1& b, int e) -> uint8_t {
        return e < 16 ? (b.qs[e] & 0x0f) : (b.qs[e - 16] >> 4);
      };
      for (int k = 0; k < 4; ++k) {
        for (int j = 0; j < n; ++j) {
          for (int i = 0; i < 4; ++i) {
            o[64 + k * 32 + j * 4 + i] = static_cast<uint8_t>(
                elem(blk[j], 4 * k + i) | (elem(blk[j], 4 * (k + 4) + i) << 4));
          }
        }
      }
    }
  }
}

bool IsaAvailable(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
#if defined(__x86_64__) && defined(DEPINFER_HAVE_AVX2_KERNELS)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
#else
      return false;
#endif
    case Isa::kAvx512:
#if defined(__x86_64__) && defined(DEPINFER_HAVE_AVX512_KERNELS)
      return IsaAvailable(Isa::kAvx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
      return false;
#endif
    case Isa::kAmx:
#if defined(__x86_64__) && defined(DEPINFER_HAVE_AMX_KERNELS)
      return IsaAvailable(Isa::kAvx512) && amx::Enable();
#else
      return false;
#endif
  }
  return false;
}

Isa BestIsa() {
  static const Isa best = IsaAvailable(Isa::kAmx)      ? Isa::kAmx
                          : IsaAvailable(Isa::kAvx512) ? Isa::kAvx512
                          : IsaAvailable(Isa::kAvx2) ? Isa::kAvx2
                                                     : Isa::kScalar;
  return best;
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAmx: return "amx";
    case Isa::kScalar: break;
  }
  return "scalar";
}

bool HasPackedTiles(const WeightMatrix& w) {
  return w.packed != nullptr && (w.type == TensorType::kQ4_1 || w.type == TensorType::kQ8_0);
}

bool ParseIsa(const std::string& name, Isa* isa) {
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
    if (name == IsaName(i)) {
      *isa = i;
      return true;
    }
  }
  return false;
}

bool MatmulSupports(TensorType type) {
  switch (type) {
    case TensorType::kF32: case TensorType::kF16: case TensorType::kBF16:
    case TensorType::kQ4_0: case TensorType::kQ4_1: case TensorType::kQ5_0:
    case TensorType::kQ5_1: case TensorType::kQ8_0: case TensorType::kQ2_K:
    case TensorType::kQ3_K: case TensorType::kQ4_K: case TensorType::kQ5_K:
    case TensorType::kQ6_K: case TensorType::kIQ4_NL: case TensorType::kIQ4_XS:
      return true;
    default:
      return false;
  }
}

const char* SupportedTypesText() {
  return "F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, "
         "IQ4_XS";
}

void UnpackQ4_0(const BlockQ4_0& b, int8_t q[32]) {
  for (int j = 0; j < 16; ++j) {
    q[j] = static_cast<int8_t>((b.qs[j] & 0x0f) - 8);
    q[j + 16] = static_cast<int8_t>((b.qs[j] >> 4) - 8);
  }
}

namespace {
// The 5-bit quants of a Q5 block, before centring.
void Unpack5(const uint8_t qs[16], const uint8_t qh_bytes[4], int offset, int8_t q[32]) {
  const uint32_t qh = static_cast<uint32_t>(qh_bytes[0]) | (static_cast<uint32_t>(qh_bytes[1]) << 8) |
                      (static_cast<uint32_t>(qh_bytes[2]) << 16) | (static_cast<uint32_t>(qh_bytes[3]) << 24);
  for (int j = 0; j < 16; ++j) {
    q[j] = static_cast<int8_t>(((qs[j] & 0x0f) | (((qh >> j) & 1) << 4)) - offset);
    q[j + 16] = static_cast<int8_t>(((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - offset);
  }
}
}  // namespace

void UnpackQ5_0(const BlockQ5_0& b, int8_t q[32]) { Unpack5(b.qs, b.qh, 16, q); }

void UnpackIQ4_NL(const BlockIQ4_NL& b, int8_t q[32]) {
  for (int j = 0; j < 16; ++j) {
    q[j] = kIq4NlValues[b.qs[j] & 0x0f];
    q[j + 16] = kIq4NlValues[b.qs[j] >> 4];
  }
}

bool WidenRowToQ8_0(TensorType type, const uint8_t* row, int64_t cols, uint8_t* out) {
  if (!WidensToQ8_0(type)) return false;
  auto* dst = reinterpret_cast<BlockQ8_0*>(out);
  for (int64_t b = 0; b < cols / kBlock; ++b) {
    if (type == TensorType::kQ4_0) {
      const auto& k = reinterpret_cast<const BlockQ4_0*>(row)[b];
      dst[b].d = k.d;
      UnpackQ4_0(k, dst[b].qs);
    } else if (type == TensorType::kIQ4_NL) {
      const auto& k = reinterpret_cast<const BlockIQ4_NL*>(row)[b];
      dst[b].d = k.d;
      UnpackIQ4_NL(k, dst[b].qs);
    } else {
      const auto& k = reinterpret_cast<const BlockQ5_0*>(row)[b];
      dst[b].d = k.d;
      UnpackQ5_0(k, dst[b].qs);
    }
  }
  return true;
}
void UnpackQ5_1(const BlockQ5_1& b, int8_t q[32]) { Unpack5(b.qs, b.qh, 0, q); }

void UnpackKScaleMin(const uint8_t s[12], int sc[8], int m[8]) {
  // 6 bits each: sub-blocks 0-3 in the low 6 bits of bytes 0-3 (scales) and 4-7 (mins);
  // sub-blocks 4-7 in the nibbles of bytes 8-11 with their top 2 bits in the top bits of bytes
  // 0-3 (scales) and 4-7 (mins).
  for (int j = 0; j < 4; ++j) {
    sc[j] = s[j] & 63;
    m[j] = s[j + 4] & 63;
    sc[j + 4] = (s[j + 8] & 0x0f) | ((s[j] >> 6) << 4);
    m[j + 4] = (s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4);
  }
}

void UnpackQ3_KScales(const uint8_t s[12], int sc[16]) {
  // Scale j: its low 4 bits in nibble j/8 of byte j%8, its top 2 bits at bits 2*(j/4) of byte
  // 8 + j%4; stored plus 32.
  for (int j = 0; j < 16; ++j) {
    const int low = (s[j % 8] >> (4 * (j / 8))) & 0x0f;
    const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
    sc[j] = (low | (high << 4)) - 32;
  }
}

void UnpackIQ4_XSScales(const BlockIQ4_XS& b, int sc[8]) {
  for (int j = 0; j < 8; ++j) {
    const int low = (b.scales_l[j / 2] >> (4 * (j % 2))) & 0x0f;
    const int high = (b.scales_h >> (2 * j)) & 3;
    sc[j] = (low | (high << 4)) - 32;
  }
}

namespace {

// 64 elements per 32 bytes: the low nibbles are the first sub-block of 32, the high the second.
void UnpackNibbles64(const uint8_t qs[128], uint8_t q[256]) {
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      q[64 * c + l] = qs[32 * c + l] & 0x0f;
      q[64 * c + 32 + l] = qs[32 * c + l] >> 4;
    }
  }
}

// Q2_K's and Q3_K's 2-bit fields: in each half of 128 elements, byte l of the 32 gives its bit
// pair 2k to element 32k + l (the low 16 bytes to the first 16 of each run of 32).
int TwoBits(const uint8_t qs[64], int e) {
  const int h = e / 128, k = (e % 128) / 32, l = e % 32;
  return (qs[32 * h + l] >> (2 * k)) & 3;
}
}  // namespace

void UnpackQ4_K(const BlockQ4_K& b, uint8_t q[256], int sc[8], int m[8]) {
  UnpackKScaleMin(b.scales, sc, m);
  UnpackNibbles64(b.qs, q);
}

void UnpackQ5_K(const BlockQ5_K& b, uint8_t q[256], int sc[8], int m[8]) {
  UnpackKScaleMin(b.scales, sc, m);
  UnpackNibbles64(b.qs, q);
  // The fifth bit of element e is bit e/32 of qh[e % 32].
  for (int e = 0; e < kSuperBlock; ++e) q[e] |= ((b.qh[e % 32] >> (e / 32)) & 1) << 4;
}

void UnpackQ3_K(const BlockQ3_K& b, int8_t q[256], int sc[16]) {
  UnpackQ3_KScales(b.scales, sc);
  // The third bit of element e is bit e/32 of hmask[e % 32]; q = bits - 4.
  for (int e = 0; e < kSuperBlock; ++e) {
    const int hbit = (b.hmask[e % 32] >> (e / 32)) & 1;
    q[e] = static_cast<int8_t>((TwoBits(b.qs, e) | (hbit << 2)) - 4);
  }
}

void UnpackQ2_K(const BlockQ2_K& b, uint8_t q[256], int sc[16], int m[16]) {
  for (int j = 0; j < 16; ++j) {
    sc[j] = b.scales[j] & 0x0f;
    m[j] = b.scales[j] >> 4;
  }
  for (int e = 0; e < kSuperBlock; ++e) q[e] = static_cast<uint8_t>(TwoBits(b.qs, e));
}

void UnpackIQ4_XS(const BlockIQ4_XS& b, int8_t q[256], int sc[8]) {
  UnpackIQ4_XSScales(b, sc);
  for (int j = 0; j < 8; ++j) {
    for (int l = 0; l < 16; ++l) {
      q[32 * j + l] = kIq4NlValues[b.qs[16 * j + l] & 0x0f];
      q[32 * j + 16 + l] = kIq4NlValues[b.qs[16 * j + l] >> 4];
    }
  }
}

void UnpackQ6_K(const BlockQ6_K& b, int8_t q[256], int sc[16]) {
  for (int j = 0; j < 16; ++j) sc[j] = b.scales[j];
  // Two halves of 128; in each, byte l of the low-bits array feeds elements l and l+64 (low and
  // high nibble), byte l+32 elements l+32 and l+96, and byte l of the high-bits array gives
  // each of the four its top two bits (bits 0-1, 2-3, 4-5, 6-7 in that order of elements
  // l, l+32, l+64, l+96).
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    int8_t* y = q + 128 * h;
    for (int l = 0; l < 32; ++l) {
      y[l] = static_cast<int8_t>(((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32);
      y[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32);
      y[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      y[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

size_t RowBytes(TensorType type, int64_t cols) {
  const TensorTypeTraits* t = GetTensorTypeTraits(static_cast<uint32_t>(type));
  return static_cast<size_t>(cols / t->block_elems) * t->block_bytes;
}

namespace {

template <typename Block, float (*Kernel)(const Block*, const ActQ8&, int)>
float QuantDot(const uint8_t* row, const ActRow& a, int n) {
  return Kernel(reinterpret_cast<const Block*>(row), *a.q, n / kBlock);
}
template <typename Elem, float (*Kernel)(const Elem*, const float*, int)>
float FloatDot(const uint8_t* row, const ActRow& a, int n) {
  return Kernel(reinterpret_cast<const Elem*>(row), a.x, n);
}
float Unsupported(const uint8_t*, const ActRow&, int) { return 0.0f; }

}  // namespace

DotFn SelectDot(TensorType type, Isa isa) {
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) {
    switch (type) {
      case TensorType::kQ4_1: return QuantDot<BlockQ4_1, avx2::DotQ4_1>;
      case TensorType::kQ8_0: return QuantDot<BlockQ8_0, avx2::DotQ8_0>;
      case TensorType::kF16: return FloatDot<uint16_t, avx2::DotF16>;
      case TensorType::kBF16: return FloatDot<uint16_t, avx2::DotBF16>;
      case TensorType::kQ2_K: return QuantDot<BlockQ2_K, avx2::DotQ2_K>;
      case TensorType::kQ3_K: return QuantDot<BlockQ3_K, avx2::DotQ3_K>;
      case TensorType::kQ4_K: return QuantDot<BlockQ4_K, avx2::DotQ4_K>;
      case TensorType::kQ5_K: return QuantDot<BlockQ5_K, avx2::DotQ5_K>;
      case TensorType::kQ6_K: return QuantDot<BlockQ6_K, avx2::DotQ6_K>;
      case TensorType::kIQ4_XS: return QuantDot<BlockIQ4_XS, avx2::DotIQ4_XS>;
      case TensorType::kQ5_1: return QuantDot<BlockQ5_1, avx2::DotQ5_1>;
      case TensorType::kF32: return FloatDot<float, avx2::DotF32>;
      default: break;  // no SIMD twin: the reference below
    }
  }
#endif
  switch (type) {
    case TensorType::kQ4_1: return QuantDot<BlockQ4_1, ref::DotQ4_1>;
    case TensorType::kQ8_0: return QuantDot<BlockQ8_0, ref::DotQ8_0>;
    case TensorType::kF16: return FloatDot<uint16_t, ref::DotF16>;
    case TensorType::kF32: return FloatDot<float, ref::DotF32>;
    case TensorType::kQ4_K: return QuantDot<BlockQ4_K, ref::DotQ4_K>;
    case TensorType::kQ6_K: return QuantDot<BlockQ6_K, ref::DotQ6_K>;
    case TensorType::kQ4_0: return QuantDot<BlockQ4_0, ref::DotQ4_0>;
    case TensorType::kQ5_0: return QuantDot<BlockQ5_0, ref::DotQ5_0>;
    case TensorType::kQ5_1: return QuantDot<BlockQ5_1, ref::DotQ5_1>;
    case TensorType::kQ2_K: return QuantDot<BlockQ2_K, ref::DotQ2_K>;
    case TensorType::kQ3_K: return QuantDot<BlockQ3_K, ref::DotQ3_K>;
    case TensorType::kQ5_K: return QuantDot<BlockQ5_K, ref::DotQ5_K>;
    case TensorType::kIQ4_NL: return QuantDot<BlockIQ4_NL, ref::DotIQ4_NL>;
    case TensorType::kIQ4_XS: return QuantDot<BlockIQ4_XS, ref::DotIQ4_XS>;
    case TensorType::kBF16: return FloatDot<uint16_t, ref::DotBF16>;
    default: return Unsupported;
  }
}

namespace {

#if defined(DEPINFER_HAVE_AVX2_KERNELS)
template <typename Elem, void (*Kernel)(const Elem*, const float* const*, int, int, float*)>
void FloatMulti(const uint8_t* row, const ActRow* a, int n_act, int n, float* out) {
  const float* x[kMaxMulti];
  for (int t = 0; t < n_act; ++t) x[t] = a[t].x;
  Kernel(reinterpret_cast<const Elem*>(row), x, n_act, n, out);
}
template <typename Block, void (*Kernel)(const Block*, const ActQ8* const*, int, int, float*)>
void QuantMulti(const uint8_t* row, const ActRow* a, int n_act, int n, float* out) {
  const ActQ8* q[kMaxMulti];
  for (int t = 0; t < n_act; ++t) q[t] = a[t].q;
  Kernel(reinterpret_cast<const Block*>(row), q, n_act, n / kBlock, out);
}
#endif

// The reference multi-row dot of `kType`: its single-row kernel once per activation.
template <TensorType kType>
void RefMulti(const uint8_t* row, const ActRow* a, int n_act, int n, float* out) {
  static const DotFn single = SelectDot(kType, Isa::kScalar);
  for (int t = 0; t < n_act; ++t) out[t] = single(row, a[t], n);
}

}  // namespace

DotMultiFn SelectDotMulti(TensorType type, Isa isa) {
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) {
    switch (type) {
      case TensorType::kQ4_1: return QuantMulti<BlockQ4_1, avx2::DotQ4_1Multi>;
      case TensorType::kQ8_0: return QuantMulti<BlockQ8_0, avx2::DotQ8_0Multi>;
      case TensorType::kF16: return FloatMulti<uint16_t, avx2::DotF16Multi>;
      case TensorType::kBF16: return FloatMulti<uint16_t, avx2::DotBF16Multi>;
      case TensorType::kQ2_K: return QuantMulti<BlockQ2_K, avx2::DotQ2_KMulti>;
      case TensorType::kQ3_K: return QuantMulti<BlockQ3_K, avx2::DotQ3_KMulti>;
      case TensorType::kQ4_K: return QuantMulti<BlockQ4_K, avx2::DotQ4_KMulti>;
      case TensorType::kQ5_K: return QuantMulti<BlockQ5_K, avx2::DotQ5_KMulti>;
      case TensorType::kQ6_K: return QuantMulti<BlockQ6_K, avx2::DotQ6_KMulti>;
      case TensorType::kIQ4_XS: return QuantMulti<BlockIQ4_XS, avx2::DotIQ4_XSMulti>;
      case TensorType::kQ5_1: return QuantMulti<BlockQ5_1, avx2::DotQ5_1Multi>;
      case TensorType::kF32: return FloatMulti<float, avx2::DotF32Multi>;
      default: break;
    }
  }
#endif
  switch (type) {
    // The reference: every ISA for the formats without twins, kScalar for the others.
    case TensorType::kQ4_K: return RefMulti<TensorType::kQ4_K>;
    case TensorType::kQ6_K: return RefMulti<TensorType::kQ6_K>;
    case TensorType::kQ2_K: return RefMulti<TensorType::kQ2_K>;
    case TensorType::kQ3_K: return RefMulti<TensorType::kQ3_K>;
    case TensorType::kQ5_K: return RefMulti<TensorType::kQ5_K>;
    case TensorType::kIQ4_NL: return RefMulti<TensorType::kIQ4_NL>;
    case TensorType::kIQ4_XS: return RefMulti<TensorType::kIQ4_XS>;
    case TensorType::kBF16: return RefMulti<TensorType::kBF16>;
    case TensorType::kQ4_0: return RefMulti<TensorType::kQ4_0>;
    case TensorType::kQ5_0: return RefMulti<TensorType::kQ5_0>;
    case TensorType::kQ5_1: return RefMulti<TensorType::kQ5_1>;
    case TensorType::kQ4_1: return RefMulti<TensorType::kQ4_1>;
    case TensorType::kQ8_0: return RefMulti<TensorType::kQ8_0>;
    case TensorType::kF16: return RefMulti<TensorType::kF16>;
    default: return RefMulti<TensorType::kF32>;
  }
}

namespace {

// RowDotFn adapters: the generic one over SelectDotMulti, and the packed AVX2 ones.
template <Isa kIsa>
void RowDotPlain(const WeightMatrix& w, int64_t r, const ActRow* a, int n_act, float* out) {
  SelectDotMulti(w.type, kIsa)(w.row(r), a, n_act, static_cast<int>(w.cols), out);
}

#if defined(DEPINFER_HAVE_AVX2_KERNELS)
using PackedTileKernel = void (*)(const uint8_t*, size_t, int, const ActQ8* const*, int, int,
                                  float*, int64_t, const ActTailQuad*);
template <PackedTileKernel Kernel>
void TilePacked(const WeightMatrix& w, int64_t r0, int nr, const ActRow* a, int np, float* out,
                int64_t ld) {
  const ActQ8* q[kMaxMulti];
  for (int p = 0; p < np; ++p) q[p] = a[p].q;
  Kernel(w.packed_row(r0), w.packed_row_bytes, nr, q, np, static_cast<int>(w.cols / kBlock), out,
         ld, np == 4 ? a[0].quad : nullptr);
}
template <PackedTileKernel Kernel>
void RowDotPacked(const WeightMatrix& w, int64_t r, const ActRow* a, int n_act, float* out) {
  TilePacked<Kernel>(w, r, 1, a, n_act, out, 1);
}
#endif

// Tiles of any matrix, one row at a time through its RowDotFn.
template <Isa kIsa>
void TileByRows(const WeightMatrix& w, int64_t r0, int nr, const ActRow* a, int np, float* out,
                int64_t ld) {
  const RowDotFn rowdot = SelectRowDot(w, kIsa);
  for (int r = 0; r < nr; ++r) {
    float y[kMaxMulti];
    rowdot(w, r0 + r, a, np, y);
    for (int p = 0; p < np; ++p) out[p * ld + r] = y[p];
  }
}


}  // namespace

RowDotFn SelectRowDot(const WeightMatrix& w, Isa isa) {
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) {
    if (HasPackedTiles(w)) {
      return w.type == TensorType::kQ4_1 ? RowDotPacked<avx2::Q4_1PackedTile>
                                         : RowDotPacked<avx2::Q8_0PackedTile>;
    }
    return RowDotPlain<Isa::kAvx2>;
  }
#endif
  return RowDotPlain<Isa::kScalar>;
}

TileDotFn SelectTileDot(const WeightMatrix& w, Isa isa) {
#if defined(DEPINFER_HAVE_AVX512_KERNELS)
  if (HasAvx512Twins(isa) && HasPackedTiles(w)) {
    return w.type == TensorType::kQ4_1 ? TilePacked<avx512::Q4_1PackedTile>
                                       : TilePacked<avx512::Q8_0PackedTile>;
  }
#endif
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) {
    if (HasPackedTiles(w)) {
      return w.type == TensorType::kQ4_1 ? TilePacked<avx2::Q4_1PackedTile>
                                         : TilePacked<avx2::Q8_0PackedTile>;
    }
    return TileByRows<Isa::kAvx2>;
  }
#endif
  return TileByRows<Isa::kScalar>;
}

float DotRow(const WeightMatrix& w, int64_t r, const ActRow& a, Isa isa) {
  return SelectDot(w.type, isa)(w.row(r), a, static_cast<int>(w.cols));
}

namespace {

// Super-blocks of 256 with a scale and a min per sub-block of kSub elements (Q2_K, Q4_K, Q5_K):
// value = (d*sc)*q - dmin*m, in ggml's order of operations.
template <typename Block, int kSub, int kNSub, void (*Unpack)(const Block&, uint8_t*, int*, int*)>
void DequantScaleMin(const uint8_t* row, int64_t n, float* out) {
  const auto* blk = reinterpret_cast<const Block*>(row);
  uint8_t q[kSuperBlock];
  int sc[kNSub], m[kNSub];
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    Unpack(blk[b], q, sc, m);
    const float d = Fp16ToFp32(blk[b].d), dmin = Fp16ToFp32(blk[b].dmin);
    for (int e = 0; e < kSuperBlock; ++e) {
      const float dw = d * static_cast<float>(sc[e / kSub]);
      const float mw = dmin * static_cast<float>(m[e / kSub]);
      out[b * kSuperBlock + e] = dw * static_cast<float>(q[e]) - mw;
    }
  }
}

// Super-blocks of 256 with a signed scale per sub-block of kSub (Q3_K, Q6_K, IQ4_XS):
// value = (d*sc)*q.
template <typename Block, int kSub, int kNSub, void (*Unpack)(const Block&, int8_t*, int*)>
void DequantScale(const uint8_t* row, int64_t n, float* out) {
  const auto* blk = reinterpret_cast<const Block*>(row);
  int8_t q[kSuperBlock];
  int sc[kNSub];
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    Unpack(blk[b], q, sc);
    const float d = Fp16ToFp32(blk[b].d);
    for (int e = 0; e < kSuperBlock; ++e) {
      out[b * kSuperBlock + e] = (d * static_cast<float>(sc[e / kSub])) * static_cast<float>(q[e]);
    }
  }
}

}  // namespace

void DequantizeRow(const WeightMatrix& w, int64_t r, float* out) {
  const uint8_t* row = w.row(r);
  const int64_t n = w.cols;
  switch (w.type) {
    case TensorType::kF32:
      std::memcpy(out, row, n * sizeof(float));
      return;
    case TensorType::kF16: {
      const auto* h = reinterpret_cast<const uint16_t*>(row);
      for (int64_t j = 0; j < n; ++j) out[j] = Fp16ToFp32(h[j]);
      return;
    }
    case TensorType::kQ4_1: {
      const auto* blk = reinterpret_cast<const BlockQ4_1*>(row);
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const float d = Fp16ToFp32(blk[b].d), m = Fp16ToFp32(blk[b].m);
        for (int j = 0; j < 16; ++j) {
          out[b * kBlock + j] = d * static_cast<float>(blk[b].qs[j] & 0x0f) + m;
          out[b * kBlock + j + 16] = d * static_cast<float>(blk[b].qs[j] >> 4) + m;
        }
      }
      return;
    }
    case TensorType::kQ8_0: {
      const auto* blk = reinterpret_cast<const BlockQ8_0*>(row);
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const float d = Fp16ToFp32(blk[b].d);
        for (int j = 0; j < kBlock; ++j) out[b * kBlock + j] = d * static_cast<float>(blk[b].qs[j]);
      }
      return;
    }
    case TensorType::kQ4_0:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1: {
      int8_t q[kBlock];
      for (int64_t b = 0; b < n / kBlock; ++b) {
        float d, m = 0;
        if (w.type == TensorType::kQ4_0) {
          const auto& k = reinterpret_cast<const BlockQ4_0*>(row)[b];
          UnpackQ4_0(k, q);
          d = Fp16ToFp32(k.d);
        } else if (w.type == TensorType::kQ5_0) {
          const auto& k = reinterpret_cast<const BlockQ5_0*>(row)[b];
          UnpackQ5_0(k, q);
          d = Fp16ToFp32(k.d);
        } else {
          const auto& k = reinterpret_cast<const BlockQ5_1*>(row)[b];
          UnpackQ5_1(k, q);
          d = Fp16ToFp32(k.d);
          m = Fp16ToFp32(k.m);
        }
        for (int e = 0; e < kBlock; ++e) {
          out[b * kBlock + e] = w.type == TensorType::kQ5_1 ? d * static_cast<float>(q[e]) + m
                                                            : d * static_cast<float>(q[e]);
        }
      }
      return;
    }
    case TensorType::kBF16: {
      const auto* h = reinterpret_cast<const uint16_t*>(row);
      for (int64_t j = 0; j < n; ++j) out[j] = Bf16ToFp32(h[j]);
      return;
    }
    case TensorType::kIQ4_NL: {
      const auto* blk = reinterpret_cast<const BlockIQ4_NL*>(row);
      int8_t q[kBlock];
      for (int64_t b = 0; b < n / kBlock; ++b) {
        UnpackIQ4_NL(blk[b], q);
        const float d = Fp16ToFp32(blk[b].d);
        for (int e = 0; e < kBlock; ++e) out[b * kBlock + e] = d * static_cast<float>(q[e]);
      }
      return;
    }
    case TensorType::kQ4_K: return DequantScaleMin<BlockQ4_K, kBlock, 8, UnpackQ4_K>(row, n, out);
    case TensorType::kQ5_K: return DequantScaleMin<BlockQ5_K, kBlock, 8, UnpackQ5_K>(row, n, out);
    case TensorType::kQ2_K: return DequantScaleMin<BlockQ2_K, 16, 16, UnpackQ2_K>(row, n, out);
    case TensorType::kQ6_K: return DequantScale<BlockQ6_K, 16, 16, UnpackQ6_K>(row, n, out);
    case TensorType::kQ3_K: return DequantScale<BlockQ3_K, 16, 16, UnpackQ3_K>(row, n, out);
    case TensorType::kIQ4_XS: return DequantScale<BlockIQ4_XS, kBlock, 8, UnpackIQ4_XS>(row, n, out);
    default:
      return;
  }
}

}  // namespace depinfer::infer
