#include "math/pairing.h"

#include <cassert>

namespace depinfer::math::bn254 {
namespace {

struct ProjG2 {
  Fp2 X, Y, Z;
};

// T <- 2T; returns the tangent line at T (scaled by an Fp2 factor, which the final
// exponentiation removes).
LineCoeffs DoublingStep(ProjG2& t) {
  static const Fp2 b3 = G2Cfg::B().Double() + G2Cfg::B();
  Fp2 a = (t.X * t.Y).Half();
  Fp2 b = t.Y.Square();
  Fp2 c = t.Z.Square();
  Fp2 e = b3 * c;
  Fp2 f = e.Double() + e;
  Fp2 g = (b + f).Half();
  Fp2 h = (t.Y + t.Z).Square() - b - c;  // 2YZ
  Fp2 x_sq = t.X.Square();
  LineCoeffs line{-h, x_sq.Double() + x_sq, e - b};
  Fp2 e_sq = e.Square();
  t.X = a * (b - f);
  t.Y = g.Square() - (e_sq.Double() + e_sq);
  t.Z = b * h;
  return line;
}

// T <- T + Q for affine Q; returns the line through T and Q.
LineCoeffs AdditionStep(ProjG2& t, const G2Affine& q) {
  Fp2 theta = t.Y - q.y * t.Z;
  Fp2 lambda = t.X - q.x * t.Z;
  Fp2 c = theta.Square();
  Fp2 d = lambda.Square();
  Fp2 e = lambda * d;
  Fp2 f = t.Z * c;
  Fp2 g = t.X * d;
  Fp2 h = e + f - g.Double();
  LineCoeffs line{lambda, -theta, theta * q.x - lambda * q.y};
  t.X = lambda * h;
  t.Y = theta * (g - h) - e * t.Y;
  t.Z = t.Z * e;
  return line;
}

}  // namespace

const std::vector<int>& AteLoopDigits() {
  static const std::vector<int> digits = [] {
    u128 n = static_cast<u128>(kX) * 6 + 2;
    std::vector<int> lsb_first;
    while (n != 0) {
      int d = 0;
      if (n & 1) {
        d = 2 - static_cast<int>(n & 3);  // 1 if n = 1 mod 4, -1 if n = 3 mod 4
        if (d == 1) n -= 1; else n += 1;
      }
      lsb_first.push_back(d);
      n >>= 1;
    }
    return std::vector<int>(lsb_first.rbegin(), lsb_first.rend());
  }();
  return digits;
}

G2Prepared PrepareG2(const G2Affine& q) {
  G2Prepared out;
  if (q.infinity) return out;
  out.infinity = false;
  const std::vector<int>& digits = AteLoopDigits();
  out.lines.reserve(2 * digits.size());
  ProjG2 t{q.x, q.y, Fp2::One()};
  G2Affine neg_q = -q;
  for (std::size_t i = 1; i < digits.size(); ++i) {
    out.lines.push_back(DoublingStep(t));
    if (digits[i] == 1) out.lines.push_back(AdditionStep(t, q));
    if (digits[i] == -1) out.lines.push_back(AdditionStep(t, neg_q));
  }
  G2Affine q1 = Psi(q);
  G2Affine q2 = -Psi(q1);
  out.lines.push_back(AdditionStep(t, q1));
  out.lines.push_back(AdditionStep(t, q2));
  return out;
}

Fp12 MillerLoop(std::span<const G1Affine> ps, std::span<const G2Prepared* const> qs) {
  assert(ps.size() == qs.size());
  const std::vector<int>& digits = AteLoopDigits();
  Fp12 f = Fp12::One();
  std::size_t idx = 0;  // index into every prepared line list (all share the schedule)
  auto apply_lines = [&](std::size_t line_index) {
    for (std::size_t k = 0; k < ps.size(); ++k) {
      if (ps[k].infinity || qs[k]->infinity) continue;
      const LineCoeffs& l = qs[k]->lines[line_index];
      f = f.MulByLine(l.c0.MulByFp(ps[k].y), l.c1.MulByFp(ps[k].x), l.c2);
    }
  };
  for (std::size_t i = 1; i < digits.size(); ++i) {
    if (i > 1) f = f.Square();
    apply_lines(idx++);
    if (digits[i] != 0) apply_lines(idx++);
  }
  apply_lines(idx++);
  apply_lines(idx++);
  return f;
}

Fp12 FinalExponentiationEasy(const Fp12& f) {
  // f^(p^6 - 1) = conj(f) / f, then ^(p^2 + 1).
  Fp12 t = f.Conjugate() * f.InverseVartime();
  return Frobenius(t, 2) * t;
}

namespace {
// f^x in the cyclotomic subgroup, x = 4965661367192848881, by square-and-multiply.
Fp12 CyclotomicExpByX(const Fp12& f) {
  Fp12 r = f;
  for (int i = 62; i-- > 0;) {
    r = r.CyclotomicSquare();
    if ((kX >> i) & 1) r *= f;
  }
  return r;
}
}  // namespace

Fp12 FinalExponentiationHard(const Fp12& f) {
  Fp12 fx = CyclotomicExpByX(f);
  Fp12 fx2 = CyclotomicExpByX(fx);
  Fp12 fx3 = CyclotomicExpByX(fx2);
  Fp12 y0 = Frobenius(f, 1) * Frobenius(f, 2) * Frobenius(f, 3);
  Fp12 y1 = f.Conjugate();
  Fp12 y2 = Frobenius(fx2, 2);
  Fp12 y3 = Frobenius(fx, 1).Conjugate();
  Fp12 y4 = (fx * Frobenius(fx2, 1)).Conjugate();
  Fp12 y5 = fx2.Conjugate();
  Fp12 y6 = (fx3 * Frobenius(fx3, 1)).Conjugate();
  // y0 * y1^2 * y2^6 * y3^12 * y4^18 * y5^30 * y6^36 by the addition chain of Scott et al.
  Fp12 t0 = y6.CyclotomicSquare() * y4 * y5;
  Fp12 t1 = y3 * y5 * t0;
  t0 = t0 * y2;
  t1 = (t1.CyclotomicSquare() * t0).CyclotomicSquare();
  t0 = t1 * y1;
  t1 = t1 * y0;
  return t0.CyclotomicSquare() * t1;
}

Fp12 FinalExponentiation(const Fp12& f) { return FinalExponentiationHard(FinalExponentiationEasy(f)); }

Fp12 Pairing(const G1Affine& p, const G2Affine& q) {
  return MultiPairing(std::span<const G1Affine>(&p, 1), std::span<const G2Affine>(&q, 1));
}

Fp12 MultiPairing(std::span<const G1Affine> ps, std::span<const G2Affine> qs) {
  assert(ps.size() == qs.size());
  std::vector<G2Prepared> prepared;
  prepared.reserve(qs.size());
  std::vector<const G2Prepared*> ptrs;
  for (const G2Affine& q : qs) prepared.push_back(PrepareG2(q));
  for (const G2Prepared& p : prepared) ptrs.push_back(&p);
  return FinalExponentiation(MillerLoop(ps, ptrs));
}

Fp12 ToFfjavascriptPairing(const Fp12& e) {
  auto pow = [](const Fp12& f, const BigInt<4>& k) {
    Fp12 r = Fp12::One();
    for (std::size_t i = k.BitLength(); i-- > 0;) {
      r = r.Square();
      if (k.Bit(i)) r *= f;
    }
    return r;
  };
  // m = 2x(6x^2 + 3x + 1), applied as ((e^(6x^2 + 3x + 1))^x)^2.
  const u128 x = kX;
  const u128 x2 = x * x;  // < 2^126
  BigInt<4> inner;
  inner.limb = {static_cast<u64>(x2), static_cast<u64>(x2 >> 64), 0, 0};
  inner.MulSmall(6);
  BigInt<4> three_x(kX);
  three_x.MulSmall(3);
  BigInt<4>::Add(inner, inner, three_x);
  inner.AddSmall(1);
  return pow(pow(e, inner), BigInt<4>(kX)).Square();
}

bool PairingProductIsOne(std::span<const G1Affine> ps, std::span<const G2Affine> qs) {
  return MultiPairing(ps, qs).IsOne();
}

}  // namespace depinfer::math::bn254
