// Eight field elements at once on AVX-512 IFMA (vpmadd52luq / vpmadd52huq).
//
// This is the vector twin of Field<P> for moduli below 2^254 (BN254's Fp and Fr): each element
// is five 52-bit limbs, limb j of all eight lanes in one zmm register, in Montgomery form with
// R' = 2^260 (so a value v is held as v * 2^260 mod p). The Montgomery product follows the same
// CIOS schedule as the scalar kernel, one 52-bit digit of b per round; partial sums are kept
// unnormalised in the 64-bit lanes and carried once at the end.
//
// Value ranges ("lazy reduction"): Mul accepts inputs below 4p and returns a value below 2p,
// since (4p)^2 / 2^260 < p for p < 2^254. Add and Sub return values below 4p for inputs below
// 2p. ReduceBelow subtracts multiples of p to bring a value into [0, p), the canonical form in
// which equality is a plain limb comparison. All limbs are normalised (< 2^52) on return from
// every function, because the IFMA instructions read only the low 52 bits of their operands.
//
// Conversions to and from the scalar Field's representation (Montgomery with R = 2^256) cost one
// scalar Montgomery multiplication each: v*2^260 = MontMul(v*2^256, 2^260 mod p) and back with
// 2^252 mod p. The results of every kernel are tested against the scalar field.
#pragma once

#if defined(__AVX512IFMA__) && defined(__AVX512F__) && !defined(DEPINFER_NO_ASM)
#define DEPINFER_HAVE_IFMA 1

#include <immintrin.h>

#include "math/field.h"

namespace depinfer::math {

struct Vec52 {
  __m512i l[5];
};

template <class F>
class Ifma52 {
 public:
  static constexpr u64 kMask = (u64{1} << 52) - 1;

  struct Consts {
    __m512i p[5], p2[5], pinv, mask;
    u64 p_limbs[5];
    typename F::Int to52;    // 2^260 mod p: MontMul(v*2^256, to52) = v*2^260
    typename F::Int from52;  // 2^252 mod p: MontMul(v*2^260, from52) = v*2^256
    u64 one[5];              // the element 1, i.e. 2^260 mod p, as limbs
    Vec52 sixteen;           // the element 16: turns a 2^256-form value into 2^260 form
    Vec52 inv_sixteen;       // the element 1/16: the way back
  };

  // Inlined: every vector multiplication reads the constants, and a call per multiplication
  // (for the function-local static's guard) cost ~4% of an MSM.
  DEPINFER_INLINE static const Consts& C() {
    static const Consts c = MakeConsts();
    return c;
  }

  static Consts MakeConsts() {
    return [] {
      Consts k;
      const auto& p = F::kModulus;
      typename F::Int two_p;
      F::Int::Add(two_p, p, p);
      for (int j = 0; j < 5; ++j) {
        k.p_limbs[j] = p.Bits(52 * j, 52);
        k.p[j] = _mm512_set1_epi64(static_cast<long long>(k.p_limbs[j]));
        k.p2[j] = _mm512_set1_epi64(static_cast<long long>(two_p.Bits(52 * j, 52)));
      }
      u64 x = 1;
      for (int i = 0; i < 7; ++i) x *= 2 - k.p_limbs[0] * x;
      k.pinv = _mm512_set1_epi64(static_cast<long long>((0 - x) & kMask));
      k.mask = _mm512_set1_epi64(static_cast<long long>(kMask));
      k.to52 = F::PowerOfTwoModP(260);
      k.from52 = F::PowerOfTwoModP(252);
      for (int j = 0; j < 5; ++j) k.one[j] = k.to52.Bits(52 * j, 52);
      u64 l[5];
      ToLimbsWith(F::FromU64(16), k.to52, l);
      k.sixteen = Broadcast(l);
      ToLimbsWith(F::FromU64(16).Inverse(), k.to52, l);
      k.inv_sixteen = Broadcast(l);
      return k;
    }();
  }

  // Canonical 52-bit limbs of f's R'-representation.
  static void ToLimbs(const F& f, u64* out) { ToLimbsWith(f, C().to52, out); }

  // Eight consecutive scalar field elements into vector form, and back (canonical). The
  // Montgomery words are split into 52-bit limbs as they are, which reads v*2^256 as the
  // R'-form of v/16; one multiplication by 16 fixes the domain.
  DEPINFER_INLINE static Vec52 Load8(const F* src) {
    const __m512i idx = _mm512_set_epi64(28, 24, 20, 16, 12, 8, 4, 0);
    const long long* base = reinterpret_cast<const long long*>(src);
    __m512i w0 = _mm512_i64gather_epi64(idx, base, 8);
    __m512i w1 = _mm512_i64gather_epi64(idx, base + 1, 8);
    __m512i w2 = _mm512_i64gather_epi64(idx, base + 2, 8);
    __m512i w3 = _mm512_i64gather_epi64(idx, base + 3, 8);
    const __m512i mask = C().mask;
    Vec52 v;
    v.l[0] = _mm512_and_si512(w0, mask);
    v.l[1] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(w0, 52), _mm512_slli_epi64(w1, 12)), mask);
    v.l[2] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(w1, 40), _mm512_slli_epi64(w2, 24)), mask);
    v.l[3] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(w2, 28), _mm512_slli_epi64(w3, 36)), mask);
    v.l[4] = _mm512_srli_epi64(w3, 16);
    return Mul(v, C().sixteen);
  }
  DEPINFER_INLINE static void Store8(const Vec52& a, F* dst) {
    Vec52 v = Canonical(Mul(a, C().inv_sixteen));
    const __m512i idx = _mm512_set_epi64(28, 24, 20, 16, 12, 8, 4, 0);
    long long* base = reinterpret_cast<long long*>(dst);
    __m512i w0 = _mm512_or_si512(v.l[0], _mm512_slli_epi64(v.l[1], 52));
    __m512i w1 = _mm512_or_si512(_mm512_srli_epi64(v.l[1], 12), _mm512_slli_epi64(v.l[2], 40));
    __m512i w2 = _mm512_or_si512(_mm512_srli_epi64(v.l[2], 24), _mm512_slli_epi64(v.l[3], 28));
    __m512i w3 = _mm512_or_si512(_mm512_srli_epi64(v.l[3], 36), _mm512_slli_epi64(v.l[4], 16));
    _mm512_i64scatter_epi64(base, idx, w0, 8);
    _mm512_i64scatter_epi64(base + 1, idx, w1, 8);
    _mm512_i64scatter_epi64(base + 2, idx, w2, 8);
    _mm512_i64scatter_epi64(base + 3, idx, w3, 8);
  }
  // Inverse of ToLimbs; limbs must be normalised and the value below p.
  static F FromLimbs(const u64* in) {
    typename F::Int r;
    for (int j = 0; j < 5; ++j) {
      std::size_t bit = 52 * static_cast<std::size_t>(j);
      r.limb[bit / 64] |= in[j] << (bit % 64);
      if (bit % 64 > 12 && bit / 64 + 1 < F::kLimbs) r.limb[bit / 64 + 1] |= in[j] >> (64 - bit % 64);
    }
    return F::FromMontgomery(MontgomeryMul<F::kLimbs>(r, C().from52, F::kModulus, F::kInv));
  }

  DEPINFER_INLINE static Vec52 Broadcast(const u64* limbs) {
    Vec52 v;
    for (int j = 0; j < 5; ++j) v.l[j] = _mm512_set1_epi64(static_cast<long long>(limbs[j]));
    return v;
  }

  // a * b / 2^260 mod p; inputs < 4p, output < 2p, normalised.
  DEPINFER_INLINE static Vec52 Mul(const Vec52& a, const Vec52& b) {
    const Consts& c = C();
    const __m512i zero = _mm512_setzero_si512();
    __m512i t0 = zero, t1 = zero, t2 = zero, t3 = zero, t4 = zero, t5 = zero;
    for (int i = 0; i < 5; ++i) {
      const __m512i bi = b.l[i];
      t0 = _mm512_madd52lo_epu64(t0, a.l[0], bi);
      t1 = _mm512_madd52hi_epu64(t1, a.l[0], bi);
      t1 = _mm512_madd52lo_epu64(t1, a.l[1], bi);
      t2 = _mm512_madd52hi_epu64(t2, a.l[1], bi);
      t2 = _mm512_madd52lo_epu64(t2, a.l[2], bi);
      t3 = _mm512_madd52hi_epu64(t3, a.l[2], bi);
      t3 = _mm512_madd52lo_epu64(t3, a.l[3], bi);
      t4 = _mm512_madd52hi_epu64(t4, a.l[3], bi);
      t4 = _mm512_madd52lo_epu64(t4, a.l[4], bi);
      t5 = _mm512_madd52hi_epu64(t5, a.l[4], bi);
      // m = t0 * (-p^-1) mod 2^52 (IFMA reads only t0's low 52 bits, which are exact).
      const __m512i m = _mm512_madd52lo_epu64(zero, t0, c.pinv);
      t0 = _mm512_madd52lo_epu64(t0, m, c.p[0]);
      t1 = _mm512_madd52hi_epu64(t1, m, c.p[0]);
      t1 = _mm512_madd52lo_epu64(t1, m, c.p[1]);
      t2 = _mm512_madd52hi_epu64(t2, m, c.p[1]);
      t2 = _mm512_madd52lo_epu64(t2, m, c.p[2]);
      t3 = _mm512_madd52hi_epu64(t3, m, c.p[2]);
      t3 = _mm512_madd52lo_epu64(t3, m, c.p[3]);
      t4 = _mm512_madd52hi_epu64(t4, m, c.p[3]);
      t4 = _mm512_madd52lo_epu64(t4, m, c.p[4]);
      t5 = _mm512_madd52hi_epu64(t5, m, c.p[4]);
      // The low 52 bits of t0 are now zero: shift one digit down, keeping t0's carry.
      t0 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
      t1 = t2;
      t2 = t3;
      t3 = t4;
      t4 = t5;
      t5 = zero;
    }
    Vec52 r;
    r.l[0] = t0;
    r.l[1] = t1;
    r.l[2] = t2;
    r.l[3] = t3;
    r.l[4] = t4;
    Normalize(r);
    return r;
  }

  // (a * b + c * d) / 2^260 mod p with a single reduction: the two products are summed in the
  // same accumulators before each round's Montgomery step. Output < 2p when a*b + c*d < p*2^260
  // (e.g. all inputs below 4p: 32p^2 < p*2^260 for p < 2^255). The kernel of the lane-wise Fp2
  // product: c0 = a0*b0 + (2p - a1)*b1, c1 = a0*b1 + a1*b0.
  DEPINFER_INLINE static Vec52 MulSum2(const Vec52& a, const Vec52& b, const Vec52& c, const Vec52& d) {
    const Consts& k = C();
    const __m512i zero = _mm512_setzero_si512();
    __m512i t0 = zero, t1 = zero, t2 = zero, t3 = zero, t4 = zero, t5 = zero;
    for (int i = 0; i < 5; ++i) {
      const __m512i bi = b.l[i];
      const __m512i di = d.l[i];
      t0 = _mm512_madd52lo_epu64(t0, a.l[0], bi);
      t1 = _mm512_madd52hi_epu64(t1, a.l[0], bi);
      t1 = _mm512_madd52lo_epu64(t1, a.l[1], bi);
      t2 = _mm512_madd52hi_epu64(t2, a.l[1], bi);
      t2 = _mm512_madd52lo_epu64(t2, a.l[2], bi);
      t3 = _mm512_madd52hi_epu64(t3, a.l[2], bi);
      t3 = _mm512_madd52lo_epu64(t3, a.l[3], bi);
      t4 = _mm512_madd52hi_epu64(t4, a.l[3], bi);
      t4 = _mm512_madd52lo_epu64(t4, a.l[4], bi);
      t5 = _mm512_madd52hi_epu64(t5, a.l[4], bi);
      t0 = _mm512_madd52lo_epu64(t0, c.l[0], di);
      t1 = _mm512_madd52hi_epu64(t1, c.l[0], di);
      t1 = _mm512_madd52lo_epu64(t1, c.l[1], di);
      t2 = _mm512_madd52hi_epu64(t2, c.l[1], di);
      t2 = _mm512_madd52lo_epu64(t2, c.l[2], di);
      t3 = _mm512_madd52hi_epu64(t3, c.l[2], di);
      t3 = _mm512_madd52lo_epu64(t3, c.l[3], di);
      t4 = _mm512_madd52hi_epu64(t4, c.l[3], di);
      t4 = _mm512_madd52lo_epu64(t4, c.l[4], di);
      t5 = _mm512_madd52hi_epu64(t5, c.l[4], di);
      // Accumulators stay below 2^58 (six 52-bit terms per column per round, five rounds), so
      // as in Mul the low 52 bits of t0 are exact and give the reduction digit.
      const __m512i m = _mm512_madd52lo_epu64(zero, t0, k.pinv);
      t0 = _mm512_madd52lo_epu64(t0, m, k.p[0]);
      t1 = _mm512_madd52hi_epu64(t1, m, k.p[0]);
      t1 = _mm512_madd52lo_epu64(t1, m, k.p[1]);
      t2 = _mm512_madd52hi_epu64(t2, m, k.p[1]);
      t2 = _mm512_madd52lo_epu64(t2, m, k.p[2]);
      t3 = _mm512_madd52hi_epu64(t3, m, k.p[2]);
      t3 = _mm512_madd52lo_epu64(t3, m, k.p[3]);
      t4 = _mm512_madd52hi_epu64(t4, m, k.p[3]);
      t4 = _mm512_madd52lo_epu64(t4, m, k.p[4]);
      t5 = _mm512_madd52hi_epu64(t5, m, k.p[4]);
      t0 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
      t1 = t2;
      t2 = t3;
      t3 = t4;
      t4 = t5;
      t5 = zero;
    }
    Vec52 r;
    r.l[0] = t0;
    r.l[1] = t1;
    r.l[2] = t2;
    r.l[3] = t3;
    r.l[4] = t4;
    Normalize(r);
    return r;
  }

  // a + b (no reduction): inputs < 2p give < 4p.
  DEPINFER_INLINE static Vec52 Add(const Vec52& a, const Vec52& b) {
    Vec52 r;
    for (int j = 0; j < 5; ++j) r.l[j] = _mm512_add_epi64(a.l[j], b.l[j]);
    Normalize(r);
    return r;
  }
  // a - b + 2p: for a < 2p and b <= 2p the result lies in [0, 4p).
  DEPINFER_INLINE static Vec52 Sub(const Vec52& a, const Vec52& b) {
    const Consts& c = C();
    Vec52 r;
    for (int j = 0; j < 5; ++j) r.l[j] = _mm512_sub_epi64(_mm512_add_epi64(a.l[j], c.p2[j]), b.l[j]);
    Normalize(r);
    return r;
  }
  // p - a for canonical a in lanes selected by `negate`; other lanes unchanged.
  DEPINFER_INLINE static Vec52 NegateMasked(const Vec52& a, __mmask8 negate) {
    const Consts& c = C();
    Vec52 r;
    for (int j = 0; j < 5; ++j) r.l[j] = _mm512_sub_epi64(c.p[j], a.l[j]);
    Normalize(r);
    for (int j = 0; j < 5; ++j) r.l[j] = _mm512_mask_blend_epi64(negate, a.l[j], r.l[j]);
    return r;
  }
  // Brings a value below 4p below 2p (one conditional subtraction of 2p).
  DEPINFER_INLINE static Vec52 ReduceBelow2p(const Vec52& a) { return SubIfNotBelow(a, C().p2); }
  // Brings a value below 4p into [0, p) (two conditional subtractions, of 2p then p).
  DEPINFER_INLINE static Vec52 Canonical(const Vec52& a) {
    const Consts& c = C();
    return SubIfNotBelow(SubIfNotBelow(a, c.p2), c.p);
  }
  // Lanes where a == b (both canonical).
  DEPINFER_INLINE static __mmask8 Equal(const Vec52& a, const Vec52& b) {
    __mmask8 m = 0xff;
    for (int j = 0; j < 5; ++j) m &= _mm512_cmpeq_epi64_mask(a.l[j], b.l[j]);
    return m;
  }

 private:
  static void ToLimbsWith(const F& f, const typename F::Int& to52, u64* out) {
    typename F::Int r = MontgomeryMul<F::kLimbs>(f.montgomery(), to52, F::kModulus, F::kInv);
    for (int j = 0; j < 5; ++j) out[j] = r.Bits(52 * j, 52);
  }
  // Propagates carries (signed: limbs may be negative after a subtraction) so every limb but
  // the top one is in [0, 2^52).
  DEPINFER_INLINE static void Normalize(Vec52& r) {
    const __m512i mask = C().mask;
    for (int j = 0; j < 4; ++j) {
      r.l[j + 1] = _mm512_add_epi64(r.l[j + 1], _mm512_srai_epi64(r.l[j], 52));
      r.l[j] = _mm512_and_si512(r.l[j], mask);
    }
  }
  // a - m if a >= m, else a; per lane.
  DEPINFER_INLINE static Vec52 SubIfNotBelow(const Vec52& a, const __m512i* m) {
    Vec52 d;
    for (int j = 0; j < 5; ++j) d.l[j] = _mm512_sub_epi64(a.l[j], m[j]);
    Normalize(d);
    // Negative difference: the top limb went negative.
    __mmask8 keep_a = _mm512_cmplt_epi64_mask(d.l[4], _mm512_setzero_si512());
    Vec52 r;
    for (int j = 0; j < 5; ++j) r.l[j] = _mm512_mask_blend_epi64(keep_a, d.l[j], a.l[j]);
    return r;
  }
};

}  // namespace depinfer::math

#endif
