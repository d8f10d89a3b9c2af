// Batched X25519 (see x25519_batch.h): one Montgomery ladder template, two lane backends.
#include "shield/x25519_batch.h"

#include <sodium.h>

#include <cstring>

#if defined(__AVX512IFMA__) && defined(__AVX512F__) && !defined(DEPINFER_NO_ASM)
#define DEPINFER_X25519_IFMA 1
// GCC 12 reports its own _mm512_undefined_epi32() inside the shift intrinsics as "used
// uninitialized" once they are inlined (a known false positive); silence it for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "shield/sodium_once.h"

namespace depinfer::shield {
namespace {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;

constexpr u64 kMask51 = (u64{1} << 51) - 1;
constexpr u64 kMask52 = (u64{1} << 52) - 1;

// --- lane backends ------------------------------------------------------------------------

// One lane in a plain integer; MadLo/MadHi emulate IFMA (inputs read modulo 2^52).
struct ScalarBackend {
  using V = u64;
  static constexpr std::size_t kLanes = 1;
  static V Set1(u64 x) { return x; }
  static V Zero() { return 0; }
  static V Add(V a, V b) { return a + b; }
  static V Sub(V a, V b) { return a - b; }
  static V And(V a, V b) { return a & b; }
  static V Xor(V a, V b) { return a ^ b; }
  template <int S>
  static V Shr(V a) { return a >> S; }
  template <int S>
  static V Shl(V a) { return a << S; }
  static V MadLo(V acc, V a, V b) {
    return acc + (static_cast<u64>(static_cast<u128>(a & kMask52) * (b & kMask52)) & kMask52);
  }
  static V MadHi(V acc, V a, V b) {
    return acc + static_cast<u64>((static_cast<u128>(a & kMask52) * (b & kMask52)) >> 52);
  }
  static V Load(const u64* p) { return *p; }
  static void Store(u64* p, V v) { *p = v; }
};

#ifdef DEPINFER_X25519_IFMA
struct IfmaBackend {
  using V = __m512i;
  static constexpr std::size_t kLanes = 8;
  static V Set1(u64 x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  static V Zero() { return _mm512_setzero_si512(); }
  static V Add(V a, V b) { return _mm512_add_epi64(a, b); }
  static V Sub(V a, V b) { return _mm512_sub_epi64(a, b); }
  static V And(V a, V b) { return _mm512_and_si512(a, b); }
  static V Xor(V a, V b) { return _mm512_xor_si512(a, b); }
  template <int S>
  static V Shr(V a) { return _mm512_srli_epi64(a, S); }
  template <int S>
  static V Shl(V a) { return _mm512_slli_epi64(a, S); }
  static V MadLo(V acc, V a, V b) { return _mm512_madd52lo_epu64(acc, a, b); }
  static V MadHi(V acc, V a, V b) { return _mm512_madd52hi_epu64(acc, a, b); }
  static V Load(const u64* p) { return _mm512_loadu_si512(p); }
  static void Store(u64* p, V v) { _mm512_storeu_si512(p, v); }
};
#endif

// --- field arithmetic mod 2^255 - 19, radix 2^51, limbs < 2^52 ------------------------------

template <class B>
struct Fe {
  typename B::V l[5];
};

template <class B>
struct Field25519 {
  using V = typename B::V;
  using F = Fe<B>;

  static V Mul19(V x) { return B::Add(B::Add(B::template Shl<4>(x), B::template Shl<1>(x)), x); }

  // Brings limbs below 2^52 after additions: every carry is taken from the input at once
  // (no chain). Valid for limbs below 2^58 (carries below 2^7, 19 * 2^7 < 2^51).
  static F CarryParallel(const F& z) {
    const V m = B::Set1(kMask51);
    V c[5];
    for (int i = 0; i < 5; ++i) c[i] = B::template Shr<51>(z.l[i]);
    F r;
    r.l[0] = B::Add(B::And(z.l[0], m), Mul19(c[4]));
    for (int i = 1; i < 5; ++i) r.l[i] = B::Add(B::And(z.l[i], m), c[i - 1]);
    return r;
  }

  static F Add(const F& a, const F& b) {
    F z;
    for (int i = 0; i < 5; ++i) z.l[i] = B::Add(a.l[i], b.l[i]);
    return CarryParallel(z);
  }

  // a - b + 4p, limb by limb (4p's limbs are at least 2^53 - 76 > any limb of b).
  static F Sub(const F& a, const F& b) {
    const V p0 = B::Set1(4 * ((u64{1} << 51) - 19));
    const V pi = B::Set1(4 * kMask51);
    F z;
    z.l[0] = B::Sub(B::Add(a.l[0], p0), b.l[0]);
    for (int i = 1; i < 5; ++i) z.l[i] = B::Sub(B::Add(a.l[i], pi), b.l[i]);
    return CarryParallel(z);
  }

  // Columns c[0..9] (each below 2^57) folded and carried into limbs below 2^52.
  static F Reduce(V* c) {
    const V m = B::Set1(kMask51);
    for (int k = 0; k < 5; ++k) c[k] = B::Add(c[k], Mul19(c[k + 5]));  // < 2^62
    for (int k = 0; k < 4; ++k) {
      c[k + 1] = B::Add(c[k + 1], B::template Shr<51>(c[k]));
      c[k] = B::And(c[k], m);
    }
    c[0] = B::Add(c[0], Mul19(B::template Shr<51>(c[4])));
    c[4] = B::And(c[4], m);
    c[1] = B::Add(c[1], B::template Shr<51>(c[0]));
    c[0] = B::And(c[0], m);
    return F{{c[0], c[1], c[2], c[3], c[4]}};
  }

  static F Mul(const F& a, const F& b) {
    V lo[10], hi[10];
    for (int k = 0; k < 10; ++k) lo[k] = hi[k] = B::Zero();
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 5; ++j) {
        lo[i + j] = B::MadLo(lo[i + j], a.l[i], b.l[j]);
        hi[i + j + 1] = B::MadHi(hi[i + j + 1], a.l[i], b.l[j]);
      }
    }
    V c[10];
    for (int k = 0; k < 10; ++k) c[k] = B::Add(lo[k], B::template Shl<1>(hi[k]));
    return Reduce(c);
  }

  // Squaring: the 10 cross products once, doubled with the diagonal's high halves.
  static F Square(const F& a) {
    V dlo[10], dhi[10], xlo[10], xhi[10];
    for (int k = 0; k < 10; ++k) dlo[k] = dhi[k] = xlo[k] = xhi[k] = B::Zero();
    for (int i = 0; i < 5; ++i) {
      dlo[2 * i] = B::MadLo(dlo[2 * i], a.l[i], a.l[i]);
      dhi[2 * i + 1] = B::MadHi(dhi[2 * i + 1], a.l[i], a.l[i]);
      for (int j = i + 1; j < 5; ++j) {
        xlo[i + j] = B::MadLo(xlo[i + j], a.l[i], a.l[j]);
        xhi[i + j + 1] = B::MadHi(xhi[i + j + 1], a.l[i], a.l[j]);
      }
    }
    // column = dlo + 2 dhi + 2 (xlo + 2 xhi)
    V c[10];
    for (int k = 0; k < 10; ++k) {
      V cross = B::Add(xlo[k], B::template Shl<1>(xhi[k]));
      c[k] = B::Add(B::Add(dlo[k], B::template Shl<1>(dhi[k])), B::template Shl<1>(cross));
    }
    return Reduce(c);
  }

  static F SquareN(F a, int n) {
    for (int i = 0; i < n; ++i) a = Square(a);
    return a;
  }

  // a * 121665 (the curve constant (A - 2) / 4).
  static F MulA24(const F& a) {
    const V k = B::Set1(121665);
    V lo[5], hi[5];
    for (int i = 0; i < 5; ++i) {
      lo[i] = B::MadLo(B::Zero(), a.l[i], k);
      hi[i] = B::MadHi(B::Zero(), a.l[i], k);  // < 2^17
    }
    F z;
    z.l[0] = B::Add(lo[0], Mul19(B::template Shl<1>(hi[4])));
    for (int i = 1; i < 5; ++i) z.l[i] = B::Add(lo[i], B::template Shl<1>(hi[i - 1]));
    return CarryParallel(z);
  }

  // a^(p-2) = a^(2^255 - 21) by the usual addition chain (ref10's fe_invert).
  static F Invert(const F& z) {
    F z2 = Square(z);
    F t = SquareN(z2, 2);
    F z9 = Mul(t, z);
    F z11 = Mul(z9, z2);
    t = Square(z11);
    F z5_0 = Mul(t, z9);
    F z10_0 = Mul(SquareN(z5_0, 5), z5_0);
    F z20_0 = Mul(SquareN(z10_0, 10), z10_0);
    F z40_0 = Mul(SquareN(z20_0, 20), z20_0);
    F z50_0 = Mul(SquareN(z40_0, 10), z10_0);
    F z100_0 = Mul(SquareN(z50_0, 50), z50_0);
    F z200_0 = Mul(SquareN(z100_0, 100), z100_0);
    F z250_0 = Mul(SquareN(z200_0, 50), z50_0);
    return Mul(SquareN(z250_0, 5), z11);
  }

  static void CSwap(F& a, F& b, V mask) {
    for (int i = 0; i < 5; ++i) {
      V t = B::And(B::Xor(a.l[i], b.l[i]), mask);
      a.l[i] = B::Xor(a.l[i], t);
      b.l[i] = B::Xor(b.l[i], t);
    }
  }
};

// --- per-lane conversions (scalar code, public data layout) -------------------------------

u64 Load64(const std::uint8_t* p) {
  u64 v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian host (x86-64)
}

// The u-coordinate as five 51-bit limbs; bit 255 is ignored (RFC 7748).
void FromBytes(const std::uint8_t* s, u64* limbs) {
  limbs[0] = Load64(s) & kMask51;
  limbs[1] = (Load64(s + 6) >> 3) & kMask51;
  limbs[2] = (Load64(s + 12) >> 6) & kMask51;
  limbs[3] = (Load64(s + 19) >> 1) & kMask51;
  limbs[4] = (Load64(s + 24) >> 12) & kMask51;
}

// Limbs below 2^52 to the canonical 32 bytes (constant time).
void ToBytes(const u64* in, std::uint8_t* s) {
  u64 t[5];
  for (int i = 0; i < 5; ++i) t[i] = in[i];
  auto carry = [&t] {
    for (int i = 0; i < 4; ++i) {
      t[i + 1] += t[i] >> 51;
      t[i] &= kMask51;
    }
    t[0] += 19 * (t[4] >> 51);
    t[4] &= kMask51;
  };
  carry();
  carry();
  // Now 0 <= t < 2^255 with limbs below 2^51 (t[0] may exceed by a few after the fold;
  // the next pass absorbs it). Subtract p when t >= p, i.e. when t + 19 >= 2^255.
  t[0] += 19;
  carry();
  // t = (original + 19) mod 2^255, plus 19 * [original + 19 >= 2^255]. Add 2^255 - 19 and drop
  // bit 255: gives original - p when original >= p, else original.
  t[0] += (u64{1} << 51) - 19;
  for (int i = 1; i < 5; ++i) t[i] += (u64{1} << 51) - 1;
  for (int i = 0; i < 4; ++i) {
    t[i + 1] += t[i] >> 51;
    t[i] &= kMask51;
  }
  t[4] &= kMask51;
  u64 w[4] = {t[0] | (t[1] << 51), (t[1] >> 13) | (t[2] << 38), (t[2] >> 26) | (t[3] << 25),
              (t[3] >> 39) | (t[4] << 12)};
  std::memcpy(s, w, 32);
  sodium_memzero(t, sizeof t);
  sodium_memzero(w, sizeof w);
}

// --- the ladder ---------------------------------------------------------------------------

// B::kLanes points at once with the same clamped scalar `e`.
template <class B>
void LadderLanes(const std::uint8_t* e, const X25519Key* points, X25519Key* out,
                 std::uint8_t* ok) {
  using Fd = Field25519<B>;
  using F = typename Fd::F;
  constexpr std::size_t n = B::kLanes;
  u64 buf[5][n];
  for (std::size_t lane = 0; lane < n; ++lane) {
    u64 limbs[5];
    FromBytes(points[lane].data(), limbs);
    for (int i = 0; i < 5; ++i) buf[i][lane] = limbs[i];
  }
  F x1;
  for (int i = 0; i < 5; ++i) x1.l[i] = B::Load(buf[i]);
  F x2{{B::Set1(1), B::Zero(), B::Zero(), B::Zero(), B::Zero()}};
  F z2{{B::Zero(), B::Zero(), B::Zero(), B::Zero(), B::Zero()}};
  F x3 = x1;
  F z3 = x2;
  u64 swap = 0;
  for (int t = 254; t >= 0; --t) {
    u64 bit = (e[t / 8] >> (t % 8)) & 1;
    swap ^= bit;
    const auto mask = B::Set1(0 - swap);
    Fd::CSwap(x2, x3, mask);
    Fd::CSwap(z2, z3, mask);
    swap = bit;
    F a = Fd::Add(x2, z2);
    F aa = Fd::Square(a);
    F b = Fd::Sub(x2, z2);
    F bb = Fd::Square(b);
    F ee = Fd::Sub(aa, bb);
    F c = Fd::Add(x3, z3);
    F d = Fd::Sub(x3, z3);
    F da = Fd::Mul(d, a);
    F cb = Fd::Mul(c, b);
    x3 = Fd::Square(Fd::Add(da, cb));
    z3 = Fd::Mul(x1, Fd::Square(Fd::Sub(da, cb)));
    x2 = Fd::Mul(aa, bb);
    z2 = Fd::Mul(ee, Fd::Add(aa, Fd::MulA24(ee)));
  }
  const auto mask = B::Set1(0 - swap);
  Fd::CSwap(x2, x3, mask);
  Fd::CSwap(z2, z3, mask);
  F r = Fd::Mul(x2, Fd::Invert(z2));
  for (int i = 0; i < 5; ++i) B::Store(buf[i], r.l[i]);
  for (std::size_t lane = 0; lane < n; ++lane) {
    u64 limbs[5];
    for (int i = 0; i < 5; ++i) limbs[i] = buf[i][lane];
    ToBytes(limbs, out[lane].data());
    std::uint8_t any = 0;
    for (std::uint8_t byte : out[lane]) any |= byte;
    ok[lane] = static_cast<std::uint8_t>((static_cast<unsigned>(any) + 0xff) >> 8);
    sodium_memzero(limbs, sizeof limbs);
  }
  sodium_memzero(buf, sizeof buf);
}

X25519Key Clamp(const X25519Key& scalar) {
  X25519Key e = scalar;
  e[0] &= 248;
  e[31] &= 127;
  e[31] |= 64;
  return e;
}

}  // namespace

bool X25519BatchUsesIfma() {
#ifdef DEPINFER_X25519_IFMA
  return true;
#else
  return false;
#endif
}

void X25519BatchReference(const X25519Key& scalar, std::span<const X25519Key> points,
                          std::span<X25519Key> out, std::span<std::uint8_t> ok) {
  X25519Key e = Clamp(scalar);
  for (std::size_t i = 0; i < points.size(); ++i) {
    LadderLanes<ScalarBackend>(e.data(), &points[i], &out[i], &ok[i]);
  }
  sodium_memzero(e.data(), e.size());
}

void X25519Batch(const X25519Key& scalar, std::span<const X25519Key> points,
                 std::span<X25519Key> out, std::span<std::uint8_t> ok) {
#ifdef DEPINFER_X25519_IFMA
  X25519Key e = Clamp(scalar);
  constexpr std::size_t kLanes = IfmaBackend::kLanes;
  std::size_t i = 0;
  for (; i + kLanes <= points.size(); i += kLanes) {
    LadderLanes<IfmaBackend>(e.data(), &points[i], &out[i], &ok[i]);
  }
  if (i < points.size()) {  // a partial group: pad with the base point
    X25519Key pts[kLanes], res[kLanes];
    std::uint8_t oks[kLanes];
    for (std::size_t k = 0; k < kLanes; ++k) {
      pts[k] = {};
      pts[k][0] = 9;
      if (i + k < points.size()) pts[k] = points[i + k];
    }
    LadderLanes<IfmaBackend>(e.data(), pts, res, oks);
    for (std::size_t k = 0; i + k < points.size(); ++k) {
      out[i + k] = res[k];
      ok[i + k] = oks[k];
    }
    sodium_memzero(res, sizeof res);
  }
  sodium_memzero(e.data(), e.size());
#else
  internal::EnsureSodium();
  for (std::size_t i = 0; i < points.size(); ++i) {
    ok[i] = crypto_scalarmult(out[i].data(), scalar.data(), points[i].data()) == 0 ? 1 : 0;
  }
#endif
}

}  // namespace depinfer::shield
