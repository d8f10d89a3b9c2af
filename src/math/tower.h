// The extension tower used by pairings: Fp2 = Fp[u]/(u^2+1), Fp6 = Fp2[v]/(v^3 - xi),
// Fp12 = Fp6[w]/(w^2 - v).
//
// Generic over the base field and the cubic non-residue xi (BN254: 9+u; BLS12-381: 1+u), which a
// `Cfg` supplies:
//   using Fp = ...;                      the base prime field
//   static Fp2 MulByXi(const Fp2&);      multiply by xi
// Multiplications use Karatsuba (3 base multiplications for Fp2, 6 Fp2 multiplications for Fp6,
// 3 Fp6 multiplications for Fp12), following Devegili, O hEigeartaigh, Scott and Dahab,
// "Multiplication and Squaring on Pairing-Friendly Fields" (ePrint 2006/471). All arithmetic is
// constant time except the *Vartime inversions.
#pragma once

#include "math/field.h"

namespace depinfer::math {

template <class Fp>
struct Fp2T {
  Fp c0, c1;  // c0 + c1*u

  static Fp2T Zero() { return {}; }
  static Fp2T One() { return {Fp::One(), Fp::Zero()}; }
  bool IsZero() const { return c0.IsZero() && c1.IsZero(); }
  bool IsOne() const { return c0.IsOne() && c1.IsZero(); }
  friend bool operator==(const Fp2T& a, const Fp2T& b) { return a.c0 == b.c0 && a.c1 == b.c1; }
  friend bool operator!=(const Fp2T& a, const Fp2T& b) { return !(a == b); }

  friend Fp2T operator+(const Fp2T& a, const Fp2T& b) { return {a.c0 + b.c0, a.c1 + b.c1}; }
  friend Fp2T operator-(const Fp2T& a, const Fp2T& b) { return {a.c0 - b.c0, a.c1 - b.c1}; }
  Fp2T operator-() const { return {-c0, -c1}; }
  friend Fp2T operator*(const Fp2T& a, const Fp2T& b) {
    Fp v0 = a.c0 * b.c0, v1 = a.c1 * b.c1;
    return {v0 - v1, (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1};
  }
  Fp2T& operator+=(const Fp2T& b) { return *this = *this + b; }
  Fp2T& operator-=(const Fp2T& b) { return *this = *this - b; }
  Fp2T& operator*=(const Fp2T& b) { return *this = *this * b; }
  // (a + bu)^2 = (a+b)(a-b) + 2ab u
  Fp2T Square() const { return {(c0 + c1) * (c0 - c1), (c0 * c1).Double()}; }
  Fp2T Double() const { return {c0.Double(), c1.Double()}; }
  Fp2T Half() const { return {c0.Half(), c1.Half()}; }
  Fp2T MulByFp(const Fp& s) const { return {c0 * s, c1 * s}; }
  Fp2T Conjugate() const { return {c0, -c1}; }
  // (a + bu)^-1 = (a - bu) / (a^2 + b^2)
  Fp2T Inverse() const {
    Fp n = (c0.Square() + c1.Square()).Inverse();
    return {c0 * n, -(c1 * n)};
  }
  Fp2T InverseVartime() const {
    Fp n = (c0.Square() + c1.Square()).InverseVartime();
    return {c0 * n, -(c1 * n)};
  }
  template <std::size_t M>
  Fp2T Pow(const BigInt<M>& e) const {
    Fp2T r = One();
    for (std::size_t i = e.BitLength(); i-- > 0;) {
      r = r.Square();
      if (e.Bit(i)) r *= *this;
    }
    return r;
  }
  static Fp2T ConditionalSelect(u64 flag, const Fp2T& a, const Fp2T& b) {
    return {Fp::ConditionalSelect(flag, a.c0, b.c0), Fp::ConditionalSelect(flag, a.c1, b.c1)};
  }
  // Square root in Fp2 (variable time), by the "complex" method: for a = a0 + a1 u,
  // |a| = sqrt(a0^2 + a1^2) in Fp, then x0 = sqrt((a0 + |a|)/2), x1 = a1 / (2 x0).
  bool SqrtVartime(Fp2T* out) const {
    if (c1.IsZero()) {
      Fp r;
      if (c0.SqrtVartime(&r)) {
        *out = {r, Fp::Zero()};
        return true;
      }
      // c0 is a non-square in Fp, so sqrt(c0) = sqrt(-c0) * u (u^2 = -1).
      if ((-c0).SqrtVartime(&r)) {
        *out = {Fp::Zero(), r};
        return true;
      }
      return false;
    }
    Fp norm;
    if (!(c0.Square() + c1.Square()).SqrtVartime(&norm)) return false;
    Fp x0;
    Fp t = (c0 + norm).Half();
    if (!t.SqrtVartime(&x0)) {
      t = (c0 - norm).Half();
      if (!t.SqrtVartime(&x0)) return false;
    }
    Fp x1 = c1 * x0.Double().InverseVartime();
    Fp2T cand{x0, x1};
    if (cand.Square() != *this) return false;
    *out = cand;
    return true;
  }
};

template <class Cfg>
struct Fp6T {
  using Fp2 = typename Cfg::Fp2;
  Fp2 c0, c1, c2;  // c0 + c1*v + c2*v^2

  static Fp6T Zero() { return {}; }
  static Fp6T One() { return {Fp2::One(), Fp2::Zero(), Fp2::Zero()}; }
  bool IsZero() const { return c0.IsZero() && c1.IsZero() && c2.IsZero(); }
  friend bool operator==(const Fp6T& a, const Fp6T& b) {
    return a.c0 == b.c0 && a.c1 == b.c1 && a.c2 == b.c2;
  }
  friend Fp6T operator+(const Fp6T& a, const Fp6T& b) { return {a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2}; }
  friend Fp6T operator-(const Fp6T& a, const Fp6T& b) { return {a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2}; }
  Fp6T operator-() const { return {-c0, -c1, -c2}; }
  Fp6T Double() const { return {c0.Double(), c1.Double(), c2.Double()}; }

  friend Fp6T operator*(const Fp6T& a, const Fp6T& b) {
    Fp2 v0 = a.c0 * b.c0, v1 = a.c1 * b.c1, v2 = a.c2 * b.c2;
    Fp2 r0 = Cfg::MulByXi((a.c1 + a.c2) * (b.c1 + b.c2) - v1 - v2) + v0;
    Fp2 r1 = (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1 + Cfg::MulByXi(v2);
    Fp2 r2 = (a.c0 + a.c2) * (b.c0 + b.c2) - v0 - v2 + v1;
    return {r0, r1, r2};
  }
  Fp6T& operator*=(const Fp6T& b) { return *this = *this * b; }
  // CH-SQR2 from Chung and Hasan, "Asymmetric squaring formulae" (2007).
  Fp6T Square() const {
    Fp2 s0 = c0.Square();
    Fp2 ab = c0 * c1;
    Fp2 s1 = ab.Double();
    Fp2 s2 = (c0 - c1 + c2).Square();
    Fp2 bc = c1 * c2;
    Fp2 s3 = bc.Double();
    Fp2 s4 = c2.Square();
    return {s0 + Cfg::MulByXi(s3), s1 + Cfg::MulByXi(s4), s1 + s2 + s3 - s0 - s4};
  }
  // Multiplication by v: (c0 + c1 v + c2 v^2) v = xi c2 + c0 v + c1 v^2.
  Fp6T MulByV() const { return {Cfg::MulByXi(c2), c0, c1}; }
  Fp6T MulByFp2(const Fp2& s) const { return {c0 * s, c1 * s, c2 * s}; }
  // Multiplication by the sparse element b0 + b1 v (5 Fp2 multiplications).
  Fp6T MulBy01(const Fp2& b0, const Fp2& b1) const {
    Fp2 t0 = c0 * b0, t1 = c1 * b1;
    return {t0 + Cfg::MulByXi(c2 * b1), (c0 + c1) * (b0 + b1) - t0 - t1, t1 + c2 * b0};
  }
  Fp6T Inverse() const { return InverseImpl(false); }
  Fp6T InverseVartime() const { return InverseImpl(true); }

 private:
  Fp6T InverseImpl(bool vartime) const {
    // Standard cubic-extension inversion via the adjugate.
    Fp2 t0 = c0.Square() - Cfg::MulByXi(c1 * c2);
    Fp2 t1 = Cfg::MulByXi(c2.Square()) - c0 * c1;
    Fp2 t2 = c1.Square() - c0 * c2;
    Fp2 den = c0 * t0 + Cfg::MulByXi(c2 * t1 + c1 * t2);
    Fp2 inv = vartime ? den.InverseVartime() : den.Inverse();
    return {t0 * inv, t1 * inv, t2 * inv};
  }
};

template <class Cfg>
struct Fp12T {
  using Fp2 = typename Cfg::Fp2;
  using Fp6 = Fp6T<Cfg>;
  Fp6 c0, c1;  // c0 + c1*w

  static Fp12T Zero() { return {}; }
  static Fp12T One() { return {Fp6::One(), Fp6::Zero()}; }
  bool IsOne() const { return c0 == Fp6::One() && c1.IsZero(); }
  friend bool operator==(const Fp12T& a, const Fp12T& b) { return a.c0 == b.c0 && a.c1 == b.c1; }
  friend bool operator!=(const Fp12T& a, const Fp12T& b) { return !(a == b); }
  friend Fp12T operator+(const Fp12T& a, const Fp12T& b) { return {a.c0 + b.c0, a.c1 + b.c1}; }
  friend Fp12T operator-(const Fp12T& a, const Fp12T& b) { return {a.c0 - b.c0, a.c1 - b.c1}; }

  friend Fp12T operator*(const Fp12T& a, const Fp12T& b) {
    Fp6 v0 = a.c0 * b.c0, v1 = a.c1 * b.c1;
    return {v0 + v1.MulByV(), (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1};
  }
  Fp12T& operator*=(const Fp12T& b) { return *this = *this * b; }
  // Complex squaring: (a + bw)^2 = (a + b)(a + vb) - ab - v ab + 2ab w.
  Fp12T Square() const {
    Fp6 ab = c0 * c1;
    Fp6 t = (c0 + c1) * (c0 + c1.MulByV()) - ab - ab.MulByV();
    return {t, ab.Double()};
  }
  // The conjugate a - bw equals f^(p^6); on the cyclotomic subgroup it is the inverse.
  Fp12T Conjugate() const { return {c0, -c1}; }
  Fp12T Inverse() const { return InverseImpl(false); }
  Fp12T InverseVartime() const { return InverseImpl(true); }

  // Multiplication by a sparse line value a0 + (b0 + b1 v) w (13 Fp2 multiplications instead of
  // 18): the shape every Miller-loop line takes with the D-type twist.
  Fp12T MulByLine(const Fp2& a0, const Fp2& b0, const Fp2& b1) const {
    Fp6 t0 = c0.MulByFp2(a0);
    Fp6 t1 = c1.MulBy01(b0, b1);
    Fp6 r1 = (c0 + c1).MulBy01(a0 + b0, b1) - t0 - t1;
    return {t0 + t1.MulByV(), r1};
  }

  // Squaring in the cyclotomic subgroup (elements with f^(p^6+1)... = 1 after the easy part of
  // the final exponentiation), after Granger and Scott, "Faster Squaring in the Cyclotomic
  // Subgroup of Sixth Degree Extensions" (PKC 2010): three Fp4 squarings, 6 Fp2 squarings
  // instead of the 12 Fp2 multiplications of a general square. Only valid on that subgroup.
  Fp12T CyclotomicSquare() const {
    // View f as an Fp4 triple: (z0 + z1 s), (z2 + z3 s), (z4 + z5 s) with s^2 = xi.
    const Fp2 &z0 = c0.c0, &z4 = c0.c1, &z3 = c0.c2, &z2 = c1.c0, &z1 = c1.c1, &z5 = c1.c2;
    auto fp4_square = [](const Fp2& a, const Fp2& b, Fp2* re, Fp2* im) {
      Fp2 a2 = a.Square(), b2 = b.Square();
      *re = a2 + Cfg::MulByXi(b2);
      *im = (a + b).Square() - a2 - b2;
    };
    Fp2 t0, t1, t2, t3, t4, t5;
    fp4_square(z0, z1, &t0, &t1);
    fp4_square(z2, z3, &t2, &t3);
    fp4_square(z4, z5, &t4, &t5);
    Fp2 x0 = (t0 - z0).Double() + t0;
    Fp2 x1 = (t1 + z1).Double() + t1;
    Fp2 xi_t5 = Cfg::MulByXi(t5);
    Fp2 x2 = (xi_t5 + z2).Double() + xi_t5;
    Fp2 x3 = (t4 - z3).Double() + t4;
    Fp2 x4 = (t2 - z4).Double() + t2;
    Fp2 x5 = (t3 + z5).Double() + t3;
    return {{x0, x4, x3}, {x2, x1, x5}};
  }

 private:
  Fp12T InverseImpl(bool vartime) const {
    // (a + bw)^-1 = (a - bw) / (a^2 - v b^2)
    Fp6 den = c0.Square() - c1.Square().MulByV();
    Fp6 inv = vartime ? den.InverseVartime() : den.Inverse();
    return {c0 * inv, -(c1 * inv)};
  }
};

}  // namespace depinfer::math
