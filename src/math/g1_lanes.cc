// Variable-time scalar multiplication of many G1 points by their own public scalars: eight
// points at once in AVX-512 IFMA lanes (the batch verifier's r_j A_j).
//
// Fixed 4-bit windows from the top: per lane a table of 1..15 times its point (Jacobian), then
// four doublings and one table addition per window, the table entry gathered by each lane's
// digit. Formulas from the Explicit-Formulas Database, a = 0: dbl-2009-l, add-2007-bl, and
// madd-2007-bl for building the table. Lanes differ only in data: a zero digit keeps the
// accumulator (blend), and a lane whose accumulator is still the point at infinity takes the
// table entry. No other exceptional case can arise for a point of prime order r and a scalar
// below r: the accumulator is m P with m = 16 * (a prefix of k) >= 16 and the entry d P with
// 1 <= d <= 15, so m != +-d mod r. Points at infinity and scalars of r or more take the scalar
// path. Tested against ScalarMulVartime.
#include <algorithm>
#include <span>
#include <vector>

#include "math/bn254.h"
#include "math/ifma_lanes.h"

namespace depinfer::math::bn254 {
namespace {

#ifdef DEPINFER_HAVE_IFMA

using V = Ifma52<Fp>;
using fp2lanes::LoadFp;
using fp2lanes::StoreFp;

// Value ranges as in fp52x8.h: T < 2p, F < 4p. V::Mul takes F and gives T.
Vec52 R(const Vec52& a) { return V::ReduceBelow2p(a); }      // F -> T
Vec52 A(const Vec52& a, const Vec52& b) { return V::Add(a, b); }  // T, T -> F
Vec52 S(const Vec52& a, const Vec52& b) { return V::Sub(a, b); }  // T, T -> F
Vec52 M(const Vec52& a, const Vec52& b) { return V::Mul(a, b); }  // F, F -> T
Vec52 Dbl(const Vec52& a) { return R(A(a, a)); }                  // T -> T

struct Jac8 {
  Vec52 x, y, z;  // T
};

Jac8 Double(const Jac8& p) {
  const Vec52 a = M(p.x, p.x);
  const Vec52 b = M(p.y, p.y);
  const Vec52 c = M(b, b);
  const Vec52 t = M(A(p.x, b), A(p.x, b));
  const Vec52 d = Dbl(R(S(R(S(t, a)), c)));       // 2((X + B)^2 - A - C)
  const Vec52 e = R(A(Dbl(a), a));                  // 3A
  Jac8 r;
  r.x = R(S(R(S(M(e, e), d)), d));                 // E^2 - 2D
  const Vec52 c8 = Dbl(Dbl(Dbl(c)));
  r.y = R(S(M(e, S(d, r.x)), c8));                 // E (D - X3) - 8C
  r.z = Dbl(M(p.y, p.z));                           // 2 Y Z
  return r;
}

// p + q, both Jacobian (add-2007-bl); p != +-q, neither at infinity.
Jac8 Add(const Jac8& p, const Jac8& q) {
  const Vec52 z1z1 = M(p.z, p.z), z2z2 = M(q.z, q.z);
  const Vec52 u1 = M(p.x, z2z2), u2 = M(q.x, z1z1);
  const Vec52 s1 = M(M(p.y, q.z), z2z2), s2 = M(M(q.y, p.z), z1z1);
  const Vec52 h = R(S(u2, u1));
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

Vec52 Blend(__mmask8 take_b, const Vec52& a, const Vec52& b) {
  Vec52 r;
  for (int j = 0; j < 5; ++j) r.l[j] = _mm512_mask_blend_epi64(take_b, a.l[j], b.l[j]);
  return r;
}
Jac8 Blend(__mmask8 take_b, const Jac8& a, const Jac8& b) {
  return {Blend(take_b, a.x, b.x), Blend(take_b, a.y, b.y), Blend(take_b, a.z, b.z)};
}

// Eight finite points of G1 and scalars below r.
void Mul8(const G1Affine* const* p, const BigInt<4>* const* k, G1* out) {
  const Fp* xs[8];
  const Fp* ys[8];
  for (int i = 0; i < 8; ++i) {
    xs[i] = &p[i]->x;
    ys[i] = &p[i]->y;
  }
  const Vec52 px = LoadFp(xs), py = LoadFp(ys);
  const Vec52 one = V::Broadcast(V::C().one);
  // table[d - 1] = d P for d = 1..15, stored coordinate-major for gathers:
  // entry (d - 1, coord, limb) of lane i at u64 index ((d - 1) * 15 + coord * 5 + limb) * 8 + i.
  constexpr int kEntries = 15;
  alignas(64) static thread_local u64 table[kEntries * 15 * 8];
  Jac8 e{px, py, one};
  const Jac8 p2 = Double(e);
  for (int d = 1; d <= kEntries; ++d) {
    if (d == 2) e = p2;
    if (d >= 3) e = Add(e, Jac8{px, py, one});
    const Vec52 c[3] = {V::Canonical(e.x), V::Canonical(e.y), V::Canonical(e.z)};
    for (int coord = 0; coord < 3; ++coord) {
      for (int j = 0; j < 5; ++j) _mm512_store_si512(&table[((d - 1) * 15 + coord * 5 + j) * 8], c[coord].l[j]);
    }
  }
  std::size_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = std::max<std::size_t>(bits, k[i]->BitLength());
  const std::size_t windows = (bits + 3) / 4;
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  Jac8 acc{one, one, LaneOps::Zero()};
  __mmask8 at_infinity = 0xff;
  for (std::size_t w = windows; w-- > 0;) {
    if (w + 1 != windows) acc = Double(Double(Double(Double(acc))));
    alignas(64) long long digit[8];
    __mmask8 nonzero = 0;
    for (int i = 0; i < 8; ++i) {
      digit[i] = static_cast<long long>(k[i]->Bits(4 * w, 4));
      if (digit[i] != 0) nonzero |= static_cast<__mmask8>(1u << i);
    }
    // Lanes with a zero digit gather entry 1 and ignore it.
    const __m512i d = _mm512_max_epi64(_mm512_load_si512(digit), _mm512_set1_epi64(1));
    const __m512i dm1 = _mm512_sub_epi64(d, _mm512_set1_epi64(1));
    // (d - 1) * 120 = (d - 1) * 128 - (d - 1) * 8 (AVX-512F has no 64-bit multiply-low).
    const __m512i base =
        _mm512_add_epi64(_mm512_sub_epi64(_mm512_slli_epi64(dm1, 7), _mm512_slli_epi64(dm1, 3)), lane);
    Jac8 t;
    Vec52* coords[3] = {&t.x, &t.y, &t.z};
    for (int coord = 0; coord < 3; ++coord) {
      for (int j = 0; j < 5; ++j) {
        const __m512i idx = _mm512_add_epi64(base, _mm512_set1_epi64((coord * 5 + j) * 8));
        coords[coord]->l[j] = _mm512_i64gather_epi64(idx, reinterpret_cast<const long long*>(table), 8);
      }
    }
    const Jac8 sum = Add(acc, t);
    acc = Blend(nonzero & static_cast<__mmask8>(~at_infinity), acc, sum);
    acc = Blend(nonzero & at_infinity, acc, t);
    at_infinity &= static_cast<__mmask8>(~nonzero);
  }
  Fp* ox[8];
  Fp* oy[8];
  Fp* oz[8];
  for (int i = 0; i < 8; ++i) {
    ox[i] = &out[i].X;
    oy[i] = &out[i].Y;
    oz[i] = &out[i].Z;
  }
  StoreFp(acc.x, ox);
  StoreFp(acc.y, oy);
  StoreFp(acc.z, oz);
  for (int i = 0; i < 8; ++i) {
    if ((at_infinity >> i) & 1) out[i] = G1::Infinity();  // a zero scalar
  }
}

#endif  // DEPINFER_HAVE_IFMA

}  // namespace

std::vector<G1> ScalarMulBatchVartime(std::span<const G1Affine> points, std::span<const BigInt<4>> ks) {
  const std::size_t n = std::min(points.size(), ks.size());
  std::vector<G1> out(n);
  std::vector<std::size_t> scalar_path;
#ifdef DEPINFER_HAVE_IFMA
  const G1Affine* group_p[8];
  const BigInt<4>* group_k[8];
  std::size_t group_at[8];
  int m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (points[i].infinity || !(ks[i] < Fr::kModulus)) {
      scalar_path.push_back(i);
      continue;
    }
    group_p[m] = &points[i];
    group_k[m] = &ks[i];
    group_at[m] = i;
    if (++m == 8) {
      G1 r[8];
      Mul8(group_p, group_k, r);
      for (int t = 0; t < 8; ++t) out[group_at[t]] = r[t];
      m = 0;
    }
  }
  for (int t = 0; t < m; ++t) scalar_path.push_back(group_at[t]);
#else
  for (std::size_t i = 0; i < n; ++i) scalar_path.push_back(i);
#endif
  for (std::size_t i : scalar_path) out[i] = G1::FromAffine(points[i]).ScalarMulVartime(ks[i]);
  return out;
}

}  // namespace depinfer::math::bn254
