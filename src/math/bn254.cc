#include "math/bn254.h"

namespace depinfer::math::bn254 {
namespace {

Fp FpFromDec(const char* s) {
  Fp f;
  Status st = Fp::FromDecimal(s, &f);
  (void)st;  // constants below are canonical; the unit tests check them
  return f;
}

const Fp2& Xi() {
  static const Fp2 xi{Fp::FromU64(9), Fp::One()};
  return xi;
}

// xi^((p^k - 1)/d) for the Frobenius and psi maps.
Fp2 XiPow(u64 divisor) {
  BigInt<4> e = Fp::kModulus;
  BigInt<4>::Sub(e, e, BigInt<4>(1));
  e.DivSmall(divisor);
  return Xi().Pow(e);
}

struct FrobeniusCoeffs {
  Fp2 v1, v2, w;  // xi^((p-1)/3), xi^(2(p-1)/3), xi^((p-1)/6)
  Fp2 psi_x, psi_y;  // xi^((p-1)/3), xi^((p-1)/2)
};

const FrobeniusCoeffs& Coeffs() {
  static const FrobeniusCoeffs c = [] {
    FrobeniusCoeffs k;
    k.v1 = XiPow(3);
    k.v2 = k.v1.Square();
    k.w = XiPow(6);
    k.psi_x = k.v1;
    k.psi_y = XiPow(2);
    return k;
  }();
  return c;
}

Fp6 Frobenius6(const Fp6& a) {
  const FrobeniusCoeffs& c = Coeffs();
  return {a.c0.Conjugate(), a.c1.Conjugate() * c.v1, a.c2.Conjugate() * c.v2};
}

Fp12 Frobenius1(const Fp12& f) {
  return {Frobenius6(f.c0), Frobenius6(f.c1).MulByFp2(Coeffs().w)};
}

}  // namespace

Fp2 G2Cfg::B() {
  static const Fp2 b = Fp2{Fp::FromU64(3), Fp::Zero()} * Xi().Inverse();
  return b;
}

const G1Affine& G1Generator() {
  static const G1Affine g = G1Affine::FromXY(Fp::FromU64(1), Fp::FromU64(2));
  return g;
}

const G2Affine& G2Generator() {
  static const G2Affine g = G2Affine::FromXY(
      Fp2{FpFromDec("10857046999023057135944570762232829481370756359578518086990519993285655852781"),
          FpFromDec("11559732032986387107991004021392285783925812861821192530917403151452391805634")},
      Fp2{FpFromDec("8495653923123431417604973247489272438418190587263600148770280649306958101930"),
          FpFromDec("4082367875863433681332203403145435568316851327593401208105741076214120093531")});
  return g;
}

Fp12 Frobenius(const Fp12& f, int power) {
  Fp12 r = f;
  for (int i = 0; i < power; ++i) r = Frobenius1(r);
  return r;
}

G2 Psi(const G2& q) {
  // In Jacobian coordinates the map applies coordinate-wise: conj is a field automorphism and
  // the Z scaling commutes with it (x = X/Z^2 -> conj(X)/conj(Z)^2).
  const FrobeniusCoeffs& c = Coeffs();
  return {q.X.Conjugate() * c.psi_x, q.Y.Conjugate() * c.psi_y, q.Z.Conjugate()};
}

G2Affine Psi(const G2Affine& q) {
  if (q.infinity) return q;
  const FrobeniusCoeffs& c = Coeffs();
  return G2Affine::FromXY(q.x.Conjugate() * c.psi_x, q.y.Conjugate() * c.psi_y);
}

bool IsInG2SubgroupVartime(const G2& q) {
  const BigInt<1> x(kX);
  G2 xq = q.ScalarMulVartime(x);
  G2 lhs = xq + q + Psi(xq) + Psi(Psi(xq));
  G2 rhs = Psi(Psi(Psi(xq.Double())));
  return lhs == rhs;
}

bool IsInG2SubgroupSlowVartime(const G2& q) {
  return q.ScalarMulVartime(FrParams::kModulus).IsInfinity();
}

}  // namespace depinfer::math::bn254
