// Eight curve coordinates at once on AVX-512 IFMA: Lane<1> holds eight Fp values, Lane<2>
// eight Fp2 values, in the R' = 2^260 Montgomery form of fp52x8.h, with the arithmetic that
// the batch-affine MSM windows (msm.cc) and the batched G2 subgroup check (g2_subgroup.cc)
// build on.
#pragma once

#include "math/fp52x8.h"

#ifdef DEPINFER_HAVE_IFMA

#include <type_traits>

#include "math/bn254.h"

namespace depinfer::math::bn254 {

// Eight lanes of a coordinate field element on AVX-512 IFMA: K = 1 for G1 (Fp), K = 2 for G2
// (Fp2 = Fp[u]/(u^2 + 1), component k the coefficient of u^k). Each component is a Vec52 in
// the R' = 2^260 Montgomery form of fp52x8.h; in memory a coordinate is 5K canonical limbs.
template <int K>
struct Lane {
  Vec52 c[K];
};

// Lane arithmetic. Value ranges per component, as in fp52x8.h: gathered values are canonical
// (< p), Sub of canonical values is < 3p, Mul and Square return < 2p, Canonical takes < 4p.
struct LaneOps {
  using V = Ifma52<Fp>;

  DEPINFER_INLINE static Vec52 Zero() {
    Vec52 z;
    for (int j = 0; j < 5; ++j) z.l[j] = _mm512_setzero_si512();
    return z;
  }

  template <int K>
  DEPINFER_INLINE static Lane<K> One() {
    Lane<K> r;
    r.c[0] = V::Broadcast(V::C().one);
    for (int k = 1; k < K; ++k) r.c[k] = Zero();
    return r;
  }
  template <int K>
  DEPINFER_INLINE static Lane<K> Sub(const Lane<K>& a, const Lane<K>& b) {
    Lane<K> r;
    for (int k = 0; k < K; ++k) r.c[k] = V::Sub(a.c[k], b.c[k]);
    return r;
  }
  template <int K>
  DEPINFER_INLINE static Lane<K> Canonical(const Lane<K>& a) {
    Lane<K> r;
    for (int k = 0; k < K; ++k) r.c[k] = V::Canonical(a.c[k]);
    return r;
  }
  template <int K>
  DEPINFER_INLINE static Lane<K> NegateMasked(const Lane<K>& a, __mmask8 m) {
    Lane<K> r;
    for (int k = 0; k < K; ++k) r.c[k] = V::NegateMasked(a.c[k], m);
    return r;
  }
  // a in lanes of `take_a`, b elsewhere.
  template <int K>
  DEPINFER_INLINE static Lane<K> Blend(__mmask8 take_a, const Lane<K>& a, const Lane<K>& b) {
    Lane<K> r;
    for (int k = 0; k < K; ++k) {
      for (int j = 0; j < 5; ++j) r.c[k].l[j] = _mm512_mask_blend_epi64(take_a, b.c[k].l[j], a.c[k].l[j]);
    }
    return r;
  }
  // Lanes where a == b (both canonical).
  template <int K>
  DEPINFER_INLINE static __mmask8 Equal(const Lane<K>& a, const Lane<K>& b) {
    __mmask8 m = 0xff;
    for (int k = 0; k < K; ++k) m &= V::Equal(a.c[k], b.c[k]);
    return m;
  }
  // a * b for components of a <= 2p and of b < 4p; result < 2p. Fp2 with two double products
  // sharing one reduction each: (a0 + a1 u)(b0 + b1 u) = (a0 b0 - a1 b1) + (a0 b1 + a1 b0) u.
  DEPINFER_INLINE static Lane<1> Mul(const Lane<1>& a, const Lane<1>& b) { return {{V::Mul(a.c[0], b.c[0])}}; }
  DEPINFER_INLINE static Lane<2> Mul(const Lane<2>& a, const Lane<2>& b) {
    const Vec52 neg_a1 = V::Sub(Zero(), a.c[1]);  // 2p - a1, in (0, 2p]
    return {{V::MulSum2(a.c[0], b.c[0], neg_a1, b.c[1]), V::MulSum2(a.c[0], b.c[1], a.c[1], b.c[0])}};
  }
  // a^2 for components of a < 2p; result < 2p. Fp2: (a0 + a1)(a0 - a1) + 2 a0 a1 u.
  DEPINFER_INLINE static Lane<1> Square(const Lane<1>& a) { return {{V::Mul(a.c[0], a.c[0])}}; }
  DEPINFER_INLINE static Lane<2> Square(const Lane<2>& a) {
    return {{V::Mul(V::Add(a.c[0], a.c[1]), V::Sub(a.c[0], a.c[1])), V::Mul(V::Add(a.c[0], a.c[0]), a.c[1])}};
  }
  // Canonical a - b - c for a < 2p and canonical b, c: a + 2p - (b + c) < 4p. (Two Subs in a
  // row, (a - b + 2p) - c + 2p, can reach 6p, past what Canonical reduces; a non-canonical x
  // then breaks the x-equality test and the next additions' ranges.)
  template <int K>
  DEPINFER_INLINE static Lane<K> SubSum(const Lane<K>& a, const Lane<K>& b, const Lane<K>& c) {
    Lane<K> r;
    for (int k = 0; k < K; ++k) r.c[k] = V::Canonical(V::Sub(a.c[k], V::Add(b.c[k], c.c[k])));
    return r;
  }

  // Memory: a coordinate is 5K limbs at base[index + offset ...], index per lane.
  template <int K>
  DEPINFER_INLINE static Lane<K> Gather(const u64* base, __m512i index, int offset) {
    Lane<K> r;
    for (int k = 0; k < K; ++k) {
      for (int j = 0; j < 5; ++j) {
        __m512i idx = _mm512_add_epi64(index, _mm512_set1_epi64(offset + 5 * k + j));
        r.c[k].l[j] = _mm512_i64gather_epi64(idx, reinterpret_cast<const long long*>(base), 8);
      }
    }
    return r;
  }
  template <int K>
  DEPINFER_INLINE static void Scatter(u64* base, __m512i index, int offset, const Lane<K>& v, __mmask8 m) {
    for (int k = 0; k < K; ++k) {
      for (int j = 0; j < 5; ++j) {
        __m512i idx = _mm512_add_epi64(index, _mm512_set1_epi64(offset + 5 * k + j));
        _mm512_mask_i64scatter_epi64(reinterpret_cast<long long*>(base), m, idx, v.c[k].l[j], 8);
      }
    }
  }

  // Scalar conversions of one coordinate.
  static void ToLimbs(const Fp& f, u64* out) { V::ToLimbs(f, out); }
  static void ToLimbs(const Fp2& f, u64* out) {
    V::ToLimbs(f.c0, out);
    V::ToLimbs(f.c1, out + 5);
  }
  template <class F>
  static F FromLimbs(const u64* in) {
    if constexpr (std::is_same_v<F, Fp>) {
      return V::FromLimbs(in);
    } else {
      return F{V::FromLimbs(in), V::FromLimbs(in + 5)};
    }
  }
  // -y on canonical limbs, canonical (0 stays 0), for each of the K components.
  template <int K>
  static void NegateLimbs(const u64* y, u64* out) {
    const u64* p = V::C().p_limbs;
    for (int k = 0; k < K; ++k) {
      const u64* yk = y + 5 * k;
      u64* ok = out + 5 * k;
      if ((yk[0] | yk[1] | yk[2] | yk[3] | yk[4]) == 0) {
        for (int j = 0; j < 5; ++j) ok[j] = 0;
        continue;
      }
      std::int64_t borrow = 0;
      for (int j = 0; j < 5; ++j) {
        std::int64_t d = static_cast<std::int64_t>(p[j]) - static_cast<std::int64_t>(yk[j]) + borrow;
        borrow = d >> 52;
        ok[j] = static_cast<u64>(d) & V::kMask;
      }
    }
  }

  // The inverses of eight nonzero lane values (components < 2p), canonical. Fp: one scalar
  // batch inversion of the lanes. Fp2: 1/(a + bu) = (a - bu) / (a^2 + b^2), the eight norms
  // inverted as one batch.
  template <int K>
  static Lane<K> Invert(const Lane<K>& x) {
    alignas(64) u64 limbs[K][5][8];
    for (int k = 0; k < K; ++k) {
      Vec52 c = V::Canonical(x.c[k]);
      for (int j = 0; j < 5; ++j) _mm512_store_si512(limbs[k][j], c.l[j]);
    }
    Fp comp[K][8];
    for (int k = 0; k < K; ++k) {
      for (int i = 0; i < 8; ++i) {
        u64 l[5] = {limbs[k][0][i], limbs[k][1][i], limbs[k][2][i], limbs[k][3][i], limbs[k][4][i]};
        comp[k][i] = V::FromLimbs(l);
      }
    }
    if constexpr (K == 1) {
      Fp::BatchInverseVartime(comp[0]);
    } else {
      Fp norm[8];
      for (int i = 0; i < 8; ++i) norm[i] = comp[0][i].Square() + comp[1][i].Square();
      Fp::BatchInverseVartime(norm);
      for (int i = 0; i < 8; ++i) {
        comp[0][i] *= norm[i];
        comp[1][i] = -(comp[1][i] * norm[i]);
      }
    }
    Lane<K> r;
    for (int k = 0; k < K; ++k) {
      for (int i = 0; i < 8; ++i) {
        u64 l[5];
        V::ToLimbs(comp[k][i], l);
        for (int j = 0; j < 5; ++j) limbs[k][j][i] = l[j];
      }
      for (int j = 0; j < 5; ++j) r.c[k].l[j] = _mm512_load_si512(limbs[k][j]);
    }
    return r;
  }
};

// Eight Fp2 values per Lane<2> for curve formulas written out step by step (the batched G2
// subgroup test, the batched preparation of G2 lines). Value ranges per component, as in
// fp52x8.h: "canonical" < p, "T" < 2p, "F" < 4p; each helper names what it takes and returns.
namespace fp2lanes {

using L2 = Lane<2>;
using V = Ifma52<Fp>;

inline L2 Red(const L2& a) { return {{V::ReduceBelow2p(a.c[0]), V::ReduceBelow2p(a.c[1])}}; }  // F -> T
inline L2 Can(const L2& a) { return {{V::Canonical(a.c[0]), V::Canonical(a.c[1])}}; }          // F -> canonical
inline L2 Add(const L2& a, const L2& b) { return {{V::Add(a.c[0], b.c[0]), V::Add(a.c[1], b.c[1])}}; }  // T, T -> F
inline L2 Sub(const L2& a, const L2& b) { return {{V::Sub(a.c[0], b.c[0]), V::Sub(a.c[1], b.c[1])}}; }  // T, T -> F
inline L2 Mul(const L2& a, const L2& b) { return LaneOps::Mul(a, b); }  // T, F -> T
inline L2 Sq(const L2& a) { return LaneOps::Square(a); }                 // T -> T
inline L2 Zero2() { return L2{{LaneOps::Zero(), LaneOps::Zero()}}; }
// a * s for an Fp value s in every lane (canonical); T -> T.
inline L2 MulFp(const L2& a, const Vec52& s) { return {{V::Mul(a.c[0], s), V::Mul(a.c[1], s)}}; }
// 3a; T -> T.
inline L2 Triple(const L2& a) { return Red(Add(Red(Add(a, a)), a)); }

// The same Fp2 value in every lane.
inline L2 Broadcast(const Fp2& x) {
  u64 l[10];
  LaneOps::ToLimbs(x, l);
  return {{V::Broadcast(l), V::Broadcast(l + 5)}};
}
inline Vec52 BroadcastFp(const Fp& x) {
  u64 l[5];
  LaneOps::ToLimbs(x, l);
  return V::Broadcast(l);
}

// Eight values, one per lane, from wherever they are.
inline L2 Load(const Fp2* const* v) {
  alignas(64) u64 limbs[2][5][8];
  for (int i = 0; i < 8; ++i) {
    u64 l[10];
    LaneOps::ToLimbs(*v[i], l);
    for (int j = 0; j < 5; ++j) {
      limbs[0][j][i] = l[j];
      limbs[1][j][i] = l[5 + j];
    }
  }
  L2 r;
  for (int k = 0; k < 2; ++k) {
    for (int j = 0; j < 5; ++j) r.c[k].l[j] = _mm512_load_si512(limbs[k][j]);
  }
  return r;
}

// Lane i of an Fp lane value (< 4p) into *out[i]. The change of Montgomery radix (2^260 to the
// scalar field's 2^256) is one lane multiplication by 1/16, as in Ifma52::Store8.
inline void StoreFp(const Vec52& a, Fp* const* out) {
  alignas(64) u64 w[4][8];
  const Vec52 v = V::Canonical(V::Mul(a, V::C().inv_sixteen));
  _mm512_store_si512(w[0], _mm512_or_si512(v.l[0], _mm512_slli_epi64(v.l[1], 52)));
  _mm512_store_si512(w[1], _mm512_or_si512(_mm512_srli_epi64(v.l[1], 12), _mm512_slli_epi64(v.l[2], 40)));
  _mm512_store_si512(w[2], _mm512_or_si512(_mm512_srli_epi64(v.l[2], 24), _mm512_slli_epi64(v.l[3], 28)));
  _mm512_store_si512(w[3], _mm512_or_si512(_mm512_srli_epi64(v.l[3], 36), _mm512_slli_epi64(v.l[4], 16)));
  for (int i = 0; i < 8; ++i) {
    BigInt<4> m;
    m.limb = {w[0][i], w[1][i], w[2][i], w[3][i]};
    *out[i] = Fp::FromMontgomery(m);
  }
}

// Eight Fp values, one per lane, from wherever they are.
inline Vec52 LoadFp(const Fp* const* v) {
  alignas(64) u64 limbs[5][8];
  for (int i = 0; i < 8; ++i) {
    u64 l[5];
    LaneOps::ToLimbs(*v[i], l);
    for (int j = 0; j < 5; ++j) limbs[j][i] = l[j];
  }
  Vec52 r;
  for (int j = 0; j < 5; ++j) r.l[j] = _mm512_load_si512(limbs[j]);
  return r;
}

// Lane i of a (F) into *out[i].
inline void Store(const L2& a, Fp2* const* out) {
  Fp* c0[8];
  Fp* c1[8];
  for (int i = 0; i < 8; ++i) {
    c0[i] = &out[i]->c0;
    c1[i] = &out[i]->c1;
  }
  StoreFp(a.c[0], c0);
  StoreFp(a.c[1], c1);
}

}  // namespace fp2lanes

}  // namespace depinfer::math::bn254

#endif  // DEPINFER_HAVE_IFMA
