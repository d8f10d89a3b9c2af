// Jacobian G1 arithmetic in eight AVX-512 IFMA lanes (a = 0 short Weierstrass), shared by the
// batched scalar multiplication (g1_lanes.cc) and the MSM's bucket reduction (msm.cc).
//
// Formulas from the Explicit-Formulas Database: dbl-2009-l, add-2007-bl, madd-2007-bl. They
// are the general-case formulas: a lane whose inputs are equal or opposite points (the x
// coordinates agree) gets a wrong result, and the additions report such lanes so the caller
// can redo them on the scalar path. Points at infinity are the caller's business too (masks).
// Value ranges as in fp52x8.h: inputs and outputs T (< 2p); V::Mul takes F (< 4p), gives T.
#pragma once

#include "math/ifma_lanes.h"

#ifdef DEPINFER_HAVE_IFMA

namespace depinfer::math::bn254::g1lanes {

using V = Ifma52<Fp>;

DEPINFER_INLINE Vec52 R(const Vec52& a) { return V::ReduceBelow2p(a); }          // F -> T
DEPINFER_INLINE Vec52 A(const Vec52& a, const Vec52& b) { return V::Add(a, b); }  // T, T -> F
DEPINFER_INLINE Vec52 S(const Vec52& a, const Vec52& b) { return V::Sub(a, b); }  // T, T -> F
DEPINFER_INLINE Vec52 M(const Vec52& a, const Vec52& b) { return V::Mul(a, b); }  // F, F -> T
DEPINFER_INLINE Vec52 Dbl(const Vec52& a) { return R(A(a, a)); }                  // T -> T

// The lanes where a (< 2p) is 0 mod p.
DEPINFER_INLINE __mmask8 IsZeroModP(const Vec52& a) { return V::Equal(V::Canonical(a), LaneOps::Zero()); }

struct Jac8 {
  Vec52 x, y, z;  // T
};

inline Jac8 Double(const Jac8& p) {
  const Vec52 a = M(p.x, p.x);
  const Vec52 b = M(p.y, p.y);
  const Vec52 c = M(b, b);
  const Vec52 t = M(A(p.x, b), A(p.x, b));
  const Vec52 d = Dbl(R(S(R(S(t, a)), c)));  // 2((X + B)^2 - A - C)
  const Vec52 e = R(A(Dbl(a), a));            // 3A
  Jac8 r;
  r.x = R(S(R(S(M(e, e), d)), d));  // E^2 - 2D
  const Vec52 c8 = Dbl(Dbl(Dbl(c)));
  r.y = R(S(M(e, S(d, r.x)), c8));  // E (D - X3) - 8C
  r.z = Dbl(M(p.y, p.z));           // 2 Y Z
  return r;
}

// p + q, both Jacobian (add-2007-bl). *same_x gets the lanes where p = +-q.
inline Jac8 Add(const Jac8& p, const Jac8& q, __mmask8* same_x) {
  const Vec52 z1z1 = M(p.z, p.z), z2z2 = M(q.z, q.z);
  const Vec52 u1 = M(p.x, z2z2), u2 = M(q.x, z1z1);
  const Vec52 s1 = M(M(p.y, q.z), z2z2), s2 = M(M(q.y, p.z), z1z1);
  const Vec52 h = R(S(u2, u1));
  if (same_x != nullptr) *same_x = IsZeroModP(h);
  const Vec52 i = M(A(h, h), A(h, h));
  const Vec52 j = M(h, i);
  const Vec52 r = Dbl(R(S(s2, s1)));
  const Vec52 v = M(u1, i);
  Jac8 out;
  out.x = R(S(R(S(M(r, r), j)), Dbl(v)));          // r^2 - J - 2V
  out.y = R(S(M(r, S(v, out.x)), Dbl(M(s1, j))));  // r (V - X3) - 2 S1 J
  out.z = M(Dbl(M(p.z, q.z)), h);                  // 2 Z1 Z2 H
  return out;
}

// p + (qx, qy), p Jacobian and q affine (madd-2007-bl). *same_x gets the lanes where p = +-q.
inline Jac8 AddMixed(const Jac8& p, const Vec52& qx, const Vec52& qy, __mmask8* same_x) {
  const Vec52 z1z1 = M(p.z, p.z);
  const Vec52 u2 = M(qx, z1z1);
  const Vec52 s2 = M(M(qy, p.z), z1z1);
  const Vec52 h = R(S(u2, p.x));
  *same_x = IsZeroModP(h);
  const Vec52 hh = M(h, h);
  const Vec52 i = Dbl(Dbl(hh));
  const Vec52 j = M(h, i);
  const Vec52 r = Dbl(R(S(s2, p.y)));
  const Vec52 v = M(p.x, i);
  Jac8 out;
  out.x = R(S(R(S(M(r, r), j)), Dbl(v)));              // r^2 - J - 2V
  out.y = R(S(M(r, S(v, out.x)), Dbl(M(p.y, j))));     // r (V - X3) - 2 Y1 J
  out.z = R(S(R(S(M(A(p.z, h), A(p.z, h)), z1z1)), hh));  // (Z1 + H)^2 - Z1Z1 - HH
  return out;
}

inline Vec52 Blend(__mmask8 take_b, const Vec52& a, const Vec52& b) {
  Vec52 r;
  for (int j = 0; j < 5; ++j) r.l[j] = _mm512_mask_blend_epi64(take_b, a.l[j], b.l[j]);
  return r;
}
inline Jac8 Blend(__mmask8 take_b, const Jac8& a, const Jac8& b) {
  return {Blend(take_b, a.x, b.x), Blend(take_b, a.y, b.y), Blend(take_b, a.z, b.z)};
}

// Lane i into out[i] (scalar Jacobian), and back. Lanes at infinity (mask bits) are stored as
// the point at infinity and loaded as garbage the caller masks.
inline void Store(const Jac8& p, __mmask8 infinity, G1* out) {
  Fp* xs[8];
  Fp* ys[8];
  Fp* zs[8];
  for (int i = 0; i < 8; ++i) {
    xs[i] = &out[i].X;
    ys[i] = &out[i].Y;
    zs[i] = &out[i].Z;
  }
  fp2lanes::StoreFp(p.x, xs);
  fp2lanes::StoreFp(p.y, ys);
  fp2lanes::StoreFp(p.z, zs);
  for (int i = 0; i < 8; ++i) {
    if ((infinity >> i) & 1) out[i] = G1::Infinity();
  }
}
inline Jac8 Load(const G1* in) {
  const Fp* xs[8];
  const Fp* ys[8];
  const Fp* zs[8];
  for (int i = 0; i < 8; ++i) {
    xs[i] = &in[i].X;
    ys[i] = &in[i].Y;
    zs[i] = &in[i].Z;
  }
  return {fp2lanes::LoadFp(xs), fp2lanes::LoadFp(ys), fp2lanes::LoadFp(zs)};
}

}  // namespace depinfer::math::bn254::g1lanes

#endif  // DEPINFER_HAVE_IFMA
