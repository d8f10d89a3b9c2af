// The G2 subgroup test for many points: the [x]Q of the endomorphism test (bn254.h) for eight
// points at once in AVX-512 IFMA lanes, the rest of the test per point.
//
// [x]Q is the whole cost of the test (63 doublings and 24 additions for the 63-bit x in
// non-adjacent form) and the same sequence of operations for every point, so it vectorises
// without branches: Jacobian doubling (dbl-2009-l) and mixed addition of +-Q (madd-2007-bl)
// from the Explicit-Formulas Database, a = 0. The formulas have exceptional cases (an addition
// of equal or opposite points, a point at infinity), which no point of G2 meets here: for Q of
// prime order r the running multiple is kQ with 2 <= k < x < r, never +-Q and never O. Points
// outside G2 may meet them; such lanes are flagged (H = 0 in an addition, or Z = 0 at the end)
// and take the one-point test, which handles every case. So the batch gives the one-point
// test's answer for every input; the tests compare the two on points in and out of G2.
#include <span>
#include <vector>

#include "math/bn254.h"
#include "math/ifma_lanes.h"

namespace depinfer::math::bn254 {
namespace {

#ifdef DEPINFER_HAVE_IFMA

using namespace fp2lanes;

struct Jac8 {
  L2 x, y, z;  // T
};

// 2P for P = (X, Y, Z), a = 0 (dbl-2009-l).
Jac8 Double(const Jac8& p) {
  const L2 a = Sq(p.x);
  const L2 b = Sq(p.y);
  const L2 c = Can(Sq(b));
  const L2 ac = Can(a);
  const L2 d1 = LaneOps::SubSum(Sq(Red(Add(p.x, b))), ac, c);  // (X + B)^2 - A - C
  const L2 d = Can(Add(d1, d1));
  const L2 e = Red(Add(Red(Add(a, a)), a));                    // 3A
  Jac8 r;
  r.x = LaneOps::SubSum(Sq(e), d, d);                          // E^2 - 2D
  const L2 c2 = Can(Add(c, c));
  const L2 c4 = Can(Add(c2, c2));
  const L2 c8 = Can(Add(c4, c4));
  r.y = Red(Sub(Mul(e, Sub(d, r.x)), c8));                     // E (D - X3) - 8C
  const L2 yz = Mul(p.y, p.z);
  r.z = Red(Add(yz, yz));                                      // 2 Y Z
  return r;
}

// P + (qx, qy) for an affine point with canonical coordinates (madd-2007-bl, with
// Z3 = 2 Z1 H, which equals (Z1 + H)^2 - Z1^2 - H^2). Lanes where H = 0 are added to *bad.
Jac8 AddMixed(const Jac8& p, const L2& qx, const L2& qy, __mmask8* bad) {
  const L2 z1z1 = Sq(p.z);
  const L2 u2 = Mul(qx, z1z1);
  const L2 s2 = Mul(qy, Mul(p.z, z1z1));
  const L2 h = Can(Sub(u2, p.x));
  *bad |= LaneOps::Equal(h, Zero2());
  const L2 hh = Sq(h);
  const L2 hh2 = Red(Add(hh, hh));
  const L2 i = Red(Add(hh2, hh2));                             // 4 HH
  const L2 j = Mul(h, i);
  const L2 r1 = Can(Sub(s2, p.y));
  const L2 r = Add(r1, r1);                                    // 2 (S2 - Y1), < 2p
  const L2 v = Mul(p.x, i);
  Jac8 out;
  out.x = LaneOps::SubSum(Sq(r), Can(j), Can(Add(v, v)));       // r^2 - J - 2V
  const L2 yj = Mul(p.y, j);
  out.y = Red(Sub(Mul(r, Sub(v, out.x)), Red(Add(yj, yj))));   // r (V - X3) - 2 Y1 J
  const L2 zh = Mul(p.z, h);
  out.z = Red(Add(zh, zh));
  return out;
}

// The non-adjacent form of x, most significant digit first (the first is +1).
const std::vector<int>& XNaf() {
  static const std::vector<int> digits = [] {
    std::vector<int> d;
    u64 k = kX;  // below 2^63: k + 1 cannot overflow
    while (k != 0) {
      int z = 0;
      if (k & 1) {
        z = 2 - static_cast<int>(k & 3);
        k = z > 0 ? k - 1 : k + 1;
      }
      d.push_back(z);
      k >>= 1;
    }
    return std::vector<int>(d.rbegin(), d.rend());
  }();
  return digits;
}

// [x]Q for eight affine points (none at infinity). Lanes that met an exceptional case are set
// in *bad; their outputs are meaningless.
void MulByX8(const G2Affine* const* q, G2* out, __mmask8* bad) {
  const Fp2* xs[8];
  const Fp2* ys[8];
  Fp2 neg_y[8];
  const Fp2* nys[8];
  for (int i = 0; i < 8; ++i) {
    xs[i] = &q[i]->x;
    ys[i] = &q[i]->y;
    neg_y[i] = -q[i]->y;
    nys[i] = &neg_y[i];
  }
  const L2 qx = Load(xs), qy = Load(ys), qny = Load(nys);
  Jac8 acc{qx, qy, LaneOps::One<2>()};
  const std::vector<int>& naf = XNaf();
  for (std::size_t i = 1; i < naf.size(); ++i) {
    acc = Double(acc);
    if (naf[i] != 0) acc = AddMixed(acc, qx, naf[i] > 0 ? qy : qny, bad);
  }
  *bad |= LaneOps::Equal(Can(acc.z), Zero2());
  Fp2* xs_out[8];
  Fp2* ys_out[8];
  Fp2* zs_out[8];
  for (int i = 0; i < 8; ++i) {
    xs_out[i] = &out[i].X;
    ys_out[i] = &out[i].Y;
    zs_out[i] = &out[i].Z;
  }
  Store(acc.x, xs_out);
  Store(acc.y, ys_out);
  Store(acc.z, zs_out);
}

// The rest of the endomorphism test, given [x]Q (only the eight-lane path has [x]Q apart).
bool FinishTest(const G2& q, const G2& xq) {
  G2 lhs = xq + q + Psi(xq) + Psi(Psi(xq));
  G2 rhs = Psi(Psi(Psi(xq.Double())));
  return lhs == rhs;
}

#endif  // DEPINFER_HAVE_IFMA

}  // namespace

void IsInG2SubgroupBatchVartime(std::span<const G2Affine> points, std::uint8_t* in_subgroup) {
  std::size_t i = 0;
#ifdef DEPINFER_HAVE_IFMA
  // Full groups of eight finite points; a point at infinity (in G2) takes the generator's
  // lane and its own answer.
  for (; i + 8 <= points.size(); i += 8) {
    const G2Affine* q[8];
    for (int k = 0; k < 8; ++k) {
      const G2Affine& p = points[i + static_cast<std::size_t>(k)];
      q[k] = p.infinity ? &G2Generator() : &p;
    }
    G2 xq[8];
    __mmask8 bad = 0;
    MulByX8(q, xq, &bad);
    for (int k = 0; k < 8; ++k) {
      const std::size_t at = i + static_cast<std::size_t>(k);
      if (points[at].infinity) {
        in_subgroup[at] = 1;
      } else if ((bad >> k) & 1) {
        in_subgroup[at] = IsInG2SubgroupVartime(G2::FromAffine(points[at])) ? 1 : 0;
      } else {
        in_subgroup[at] = FinishTest(G2::FromAffine(points[at]), xq[k]) ? 1 : 0;
      }
    }
  }
#endif
  for (; i < points.size(); ++i) {
    in_subgroup[i] = points[i].infinity || IsInG2SubgroupVartime(G2::FromAffine(points[i])) ? 1 : 0;
  }
}

}  // namespace depinfer::math::bn254
