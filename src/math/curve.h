// Short Weierstrass curves y^2 = x^3 + b (a = 0) over a field F: affine, Jacobian and
// projective points, generic over F and b, so one template serves BN254's G1 (over Fp) and G2
// (over Fp2 on the twist) and later BLS12-381.
//
// Cfg supplies:
//   using F = ...;              the coordinate field
//   static F B();               the curve constant b
//   static const char* kName;   for error messages
//
// Timing: the Jacobian formulas branch on special cases (doubling, inverse points, infinity) and
// are for public points. ScalarMulConstTime uses the complete projective addition formulas of
// Renes, Costello and Batina, "Complete addition formulas for prime order elliptic curves"
// (EUROCRYPT 2016, Algorithm 7), which have no special cases, and a masked table lookup, so its
// time does not depend on the scalar.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "math/batch_inverse.h"
#include "math/bigint.h"

namespace depinfer::math {

template <class Cfg>
struct AffinePoint {
  using F = typename Cfg::F;
  F x, y;
  bool infinity = true;

  static AffinePoint Infinity() { return {}; }
  static AffinePoint FromXY(const F& x, const F& y) { return {x, y, false}; }
  bool IsOnCurve() const { return infinity || y.Square() == x.Square() * x + Cfg::B(); }
  AffinePoint operator-() const { return infinity ? *this : AffinePoint{x, -y, false}; }
  friend bool operator==(const AffinePoint& a, const AffinePoint& b) {
    if (a.infinity || b.infinity) return a.infinity == b.infinity;
    return a.x == b.x && a.y == b.y;
  }
  friend bool operator!=(const AffinePoint& a, const AffinePoint& b) { return !(a == b); }
};

// Width-w non-adjacent form of k, least significant digit first: every digit is 0 or odd in
// (-2^(w-1), 2^(w-1)), and any w consecutive digits hold at most one that is not 0. Public
// scalars only (the loop's shape depends on k).
template <std::size_t N>
std::vector<std::int8_t> WnafDigits(const BigInt<N>& k, int w) {
  std::vector<std::int8_t> naf;
  naf.reserve(BigInt<N>::kBits + 1);
  BigInt<N> e = k;
  u64 top_carry = 0;  // e may grow by one bit when a negative digit is added back
  const u64 mask = (u64{1} << w) - 1;
  while (!e.IsZero() || top_carry) {
    int d = 0;
    if (e.limb[0] & 1) {
      d = static_cast<int>(e.limb[0] & mask);
      if (d >= (1 << (w - 1))) d -= (1 << w);
      if (d > 0) {
        BigInt<N>::Sub(e, e, BigInt<N>(static_cast<u64>(d)));
      } else {
        top_carry += BigInt<N>::Add(e, e, BigInt<N>(static_cast<u64>(-d)));
      }
    }
    naf.push_back(static_cast<std::int8_t>(d));
    e.ShiftRight1();
    e.limb[N - 1] |= top_carry << 63;
    top_carry = 0;
  }
  return naf;
}

template <class Cfg>
struct JacobianPoint {
  using F = typename Cfg::F;
  using Affine = AffinePoint<Cfg>;
  // (X, Y, Z) stands for (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
  F X, Y, Z;

  static JacobianPoint Infinity() { return {F::One(), F::One(), F::Zero()}; }
  static JacobianPoint FromAffine(const Affine& a) {
    return a.infinity ? Infinity() : JacobianPoint{a.x, a.y, F::One()};
  }
  bool IsInfinity() const { return Z.IsZero(); }

  Affine ToAffine() const {
    if (IsInfinity()) return Affine::Infinity();
    F zi = Z.InverseVartime();
    F zi2 = zi.Square();
    return Affine::FromXY(X * zi2, Y * zi2 * zi);
  }
  // Converts many points with one field inversion (Montgomery's trick).
  static std::vector<Affine> BatchToAffine(const std::vector<JacobianPoint>& pts) {
    std::vector<F> zs(pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i) zs[i] = pts[i].Z;
    BatchInvert(zs);
    std::vector<Affine> out(pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i) {
      if (pts[i].IsInfinity()) continue;
      F zi2 = zs[i].Square();
      out[i] = Affine::FromXY(pts[i].X * zi2, pts[i].Y * zi2 * zs[i]);
    }
    return out;
  }

  JacobianPoint operator-() const { return {X, -Y, Z}; }

  bool IsOnCurve() const {
    if (IsInfinity()) return true;
    // Y^2 = X^3 + b Z^6
    F z2 = Z.Square();
    F z6 = z2.Square() * z2;
    return Y.Square() == X.Square() * X + Cfg::B() * z6;
  }

  friend bool operator==(const JacobianPoint& a, const JacobianPoint& b) {
    if (a.IsInfinity() || b.IsInfinity()) return a.IsInfinity() == b.IsInfinity();
    F z1z1 = a.Z.Square(), z2z2 = b.Z.Square();
    if (a.X * z2z2 != b.X * z1z1) return false;
    return a.Y * z2z2 * b.Z == b.Y * z1z1 * a.Z;
  }
  friend bool operator!=(const JacobianPoint& a, const JacobianPoint& b) { return !(a == b); }

  // dbl-2009-l (Hyperelliptic explicit-formulas database), a = 0: 2M + 5S.
  JacobianPoint Double() const {
    if (IsInfinity()) return *this;
    F a = X.Square(), b = Y.Square(), c = b.Square();
    F d = ((X + b).Square() - a - c).Double();
    F e = a.Double() + a;
    F f = e.Square();
    F x3 = f - d.Double();
    F y3 = e * (d - x3) - c.Double().Double().Double();
    F z3 = (Y * Z).Double();
    return {x3, y3, z3};
  }

  // add-2007-bl: 11M + 5S; handles doubling and inverse points.
  friend JacobianPoint operator+(const JacobianPoint& p, const JacobianPoint& q) {
    if (p.IsInfinity()) return q;
    if (q.IsInfinity()) return p;
    F z1z1 = p.Z.Square(), z2z2 = q.Z.Square();
    F u1 = p.X * z2z2, u2 = q.X * z1z1;
    F s1 = p.Y * q.Z * z2z2, s2 = q.Y * p.Z * z1z1;
    F h = u2 - u1;
    F r = (s2 - s1).Double();
    if (h.IsZero()) return r.IsZero() ? p.Double() : Infinity();
    F i = h.Double().Square();
    F j = h * i;
    F v = u1 * i;
    F x3 = r.Square() - j - v.Double();
    F y3 = r * (v - x3) - (s1 * j).Double();
    F z3 = ((p.Z + q.Z).Square() - z1z1 - z2z2) * h;
    return {x3, y3, z3};
  }
  // madd-2007-bl: mixed addition with an affine point, 7M + 4S.
  JacobianPoint AddMixed(const Affine& q) const {
    if (q.infinity) return *this;
    if (IsInfinity()) return FromAffine(q);
    F z1z1 = Z.Square();
    F u2 = q.x * z1z1;
    F s2 = q.y * Z * z1z1;
    F h = u2 - X;
    F r = (s2 - Y).Double();
    if (h.IsZero()) return r.IsZero() ? Double() : Infinity();
    F hh = h.Square();
    F i = hh.Double().Double();
    F j = h * i;
    F v = X * i;
    F x3 = r.Square() - j - v.Double();
    F y3 = r * (v - x3) - (Y * j).Double();
    F z3 = (Z + h).Square() - z1z1 - hh;
    return {x3, y3, z3};
  }
  JacobianPoint& operator+=(const JacobianPoint& q) { return *this = *this + q; }
  friend JacobianPoint operator-(const JacobianPoint& p, const JacobianPoint& q) { return p + (-q); }

  // k*P for a public scalar: width-5 signed sliding window (wNAF).
  template <std::size_t N>
  JacobianPoint ScalarMulVartime(const BigInt<N>& k) const;
  // k*P in time independent of k (and of P's value); k may be any N-limb integer.
  template <std::size_t N>
  JacobianPoint ScalarMulConstTime(const BigInt<N>& k) const;

  static void BatchInvert(std::vector<F>& xs) { BatchInverseVartime<F>(xs); }
};

// Homogeneous projective point (X/Z, Y/Z) with the complete RCB addition; Z = 0 is infinity
// (0 : 1 : 0).
template <class Cfg>
struct ProjectivePoint {
  using F = typename Cfg::F;
  F X, Y, Z;

  static ProjectivePoint Infinity() { return {F::Zero(), F::One(), F::Zero()}; }
  static ProjectivePoint FromJacobian(const JacobianPoint<Cfg>& p) {
    // (X/Z^2, Y/Z^3) = (XZ/Z^3, Y/Z^3); infinity maps to (0 : Y : 0). Branch-free.
    F z3 = p.Z.Square() * p.Z;
    return {p.X * p.Z, p.Y, z3};
  }
  JacobianPoint<Cfg> ToJacobian() const {
    // (X/Z, Y/Z) = (XZ / Z^2, Y Z^2 / Z^3)
    F z2 = Z.Square();
    return {X * Z, Y * z2, Z};
  }
  static ProjectivePoint Select(u64 flag, const ProjectivePoint& a, const ProjectivePoint& b) {
    return {F::ConditionalSelect(flag, a.X, b.X), F::ConditionalSelect(flag, a.Y, b.Y),
            F::ConditionalSelect(flag, a.Z, b.Z)};
  }
  // RCB 2016 Algorithm 7 (a = 0): complete, 12M + 2 multiplications by 3b.
  friend ProjectivePoint operator+(const ProjectivePoint& p, const ProjectivePoint& q) {
    static const F b3 = Cfg::B().Double() + Cfg::B();
    F t0 = p.X * q.X, t1 = p.Y * q.Y, t2 = p.Z * q.Z;
    F t3 = (p.X + p.Y) * (q.X + q.Y);
    F t4 = t0 + t1;
    t3 = t3 - t4;
    t4 = (p.Y + p.Z) * (q.Y + q.Z);
    F x3 = t1 + t2;
    t4 = t4 - x3;
    x3 = (p.X + p.Z) * (q.X + q.Z);
    F y3 = t0 + t2;
    y3 = x3 - y3;
    x3 = t0.Double();
    t0 = x3 + t0;
    t2 = b3 * t2;
    F z3 = t1 + t2;
    t1 = t1 - t2;
    y3 = b3 * y3;
    x3 = t4 * y3;
    t2 = t3 * t1;
    x3 = t2 - x3;
    y3 = y3 * t0;
    t1 = t1 * z3;
    y3 = t1 + y3;
    t0 = t0 * t3;
    z3 = z3 * t4;
    z3 = z3 + t0;
    return {x3, y3, z3};
  }
};

template <class Cfg>
template <std::size_t N>
JacobianPoint<Cfg> JacobianPoint<Cfg>::ScalarMulVartime(const BigInt<N>& k) const {
  constexpr int kW = 5;
  // Odd multiples P, 3P, ..., 15P.
  JacobianPoint table[1 << (kW - 2)];
  table[0] = *this;
  JacobianPoint p2 = Double();
  for (int i = 1; i < (1 << (kW - 2)); ++i) table[i] = table[i - 1] + p2;
  const std::vector<std::int8_t> naf = WnafDigits(k, kW);
  JacobianPoint r = Infinity();
  for (std::size_t i = naf.size(); i-- > 0;) {
    r = r.Double();
    int d = naf[i];
    if (d > 0) r += table[(d - 1) / 2];
    if (d < 0) r += -table[(-d - 1) / 2];
  }
  return r;
}

// sum_i k_i P_i for a few public scalars (Straus: one shared chain of doublings, each point's
// wNAF digits added along it from a table of its odd multiples, made affine with one inversion
// so that every addition is a mixed one). Below a few dozen points this beats bucket methods.
template <class Cfg, std::size_t N>
JacobianPoint<Cfg> StrausVartime(std::span<const AffinePoint<Cfg>> points, std::span<const BigInt<N>> ks) {
  using J = JacobianPoint<Cfg>;
  constexpr int kW = 5;
  constexpr std::size_t kTable = std::size_t{1} << (kW - 2);  // P, 3P, ..., 15P
  const std::size_t n = std::min(points.size(), ks.size());
  std::vector<std::vector<std::int8_t>> nafs(n);
  std::vector<J> multiples;
  multiples.reserve(n * kTable);
  std::size_t len = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (points[i].infinity) continue;
    nafs[i] = WnafDigits(ks[i], kW);
    len = std::max(len, nafs[i].size());
    const J p = J::FromAffine(points[i]);
    const J p2 = p.Double();
    multiples.push_back(p);
    for (std::size_t t = 1; t < kTable; ++t) multiples.push_back(multiples.back() + p2);
  }
  const std::vector<AffinePoint<Cfg>> table = J::BatchToAffine(multiples);
  J acc = J::Infinity();
  for (std::size_t bit = len; bit-- > 0;) {
    acc = acc.Double();
    std::size_t row = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (points[i].infinity) continue;
      const AffinePoint<Cfg>* t = &table[kTable * row++];
      if (bit >= nafs[i].size()) continue;
      const int d = nafs[i][bit];
      if (d > 0) acc = acc.AddMixed(t[(d - 1) / 2]);
      if (d < 0) acc = acc.AddMixed(-t[(-d - 1) / 2]);
    }
  }
  return acc;
}

template <class Cfg>
template <std::size_t N>
JacobianPoint<Cfg> JacobianPoint<Cfg>::ScalarMulConstTime(const BigInt<N>& k) const {
  using P = ProjectivePoint<Cfg>;
  // table[i] = i*P for i in 0..15, built with complete additions.
  P table[16];
  table[0] = P::Infinity();
  table[1] = P::FromJacobian(*this);
  for (int i = 2; i < 16; ++i) table[i] = table[i - 1] + table[1];
  P r = P::Infinity();
  for (std::size_t w = BigInt<N>::kBits / 4; w-- > 0;) {
    for (int j = 0; j < 4; ++j) r = r + r;
    u64 digit = k.Bits(4 * w, 4);
    P chosen = table[0];
    for (u64 i = 1; i < 16; ++i) {
      // flag = (i == digit) computed without a branch.
      u64 diff = i ^ digit;
      u64 flag = ((diff | (0 - diff)) >> 63) ^ 1;
      chosen = P::Select(flag, table[i], chosen);
    }
    r = r + chosen;
  }
  return r.ToJacobian();
}

}  // namespace depinfer::math
