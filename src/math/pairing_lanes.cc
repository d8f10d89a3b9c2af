// PrepareG2 for many points: the doubling and addition steps of eight G2 points at once in
// AVX-512 IFMA lanes (every point follows the same schedule, the digits of 6x + 2), each lane's
// lines then stored in that point's G2Prepared. The formulas are pairing.cc's DoublingStep and
// AdditionStep, step for step, so the lines are the same field elements (tested); only the
// value ranges of the lane arithmetic (fp2lanes in ifma_lanes.h) are managed here.
//
// As in PrepareG2, the addition step has no case for T = +-Q, which cannot arise for Q in G2
// (T = kQ with 1 < k < 6x + 2 < r): callers prepare only validated points.
#include "math/ifma_lanes.h"
#include "math/pairing.h"

namespace depinfer::math::bn254 {
namespace {

#ifdef DEPINFER_HAVE_IFMA

using namespace fp2lanes;

struct Proj8 {
  L2 x, y, z;  // T
};

struct Line8 {
  L2 c0, c1, c2;  // F
};

// T <- 2T and its tangent line (pairing.cc DoublingStep).
Line8 Doubling(Proj8& t, const L2& b3, const Vec52& half) {
  const L2 a = MulFp(Mul(t.x, t.y), half);
  const L2 b = Sq(t.y);
  const L2 c = Sq(t.z);
  const L2 e = Mul(b3, c);
  const L2 f = Triple(e);
  const L2 g = MulFp(Red(Add(b, f)), half);
  const L2 h = LaneOps::SubSum(Sq(Red(Add(t.y, t.z))), Can(b), Can(c));  // 2YZ, canonical
  Line8 line{Sub(Zero2(), h), Triple(Sq(t.x)), Sub(e, b)};
  t.x = Mul(a, Sub(b, f));
  t.y = Red(Sub(Sq(g), Triple(Sq(e))));
  t.z = Mul(b, h);
  return line;
}

// T <- T + Q for affine Q with canonical coordinates, and the line through them (pairing.cc
// AdditionStep).
Line8 Addition(Proj8& t, const L2& qx, const L2& qy) {
  const L2 theta = Red(Sub(t.y, Mul(qy, t.z)));
  const L2 lambda = Red(Sub(t.x, Mul(qx, t.z)));
  const L2 c = Sq(theta);
  const L2 d = Sq(lambda);
  const L2 e = Mul(lambda, d);
  const L2 f = Mul(t.z, c);
  const L2 g = Mul(t.x, d);
  const L2 gc = Can(g);
  const L2 h = LaneOps::SubSum(Red(Add(e, f)), gc, gc);  // e + f - 2g, canonical
  Line8 line{lambda, Sub(Zero2(), theta), Sub(Mul(theta, qx), Mul(lambda, qy))};
  t.x = Mul(lambda, h);
  t.y = Red(Sub(Mul(theta, Sub(g, h)), Mul(e, t.y)));
  t.z = Mul(t.z, e);
  return line;
}

void Append(const Line8& l, G2Prepared* const* out) {
  Fp2* c0[8];
  Fp2* c1[8];
  Fp2* c2[8];
  for (int i = 0; i < 8; ++i) {
    LineCoeffs& dst = out[i]->lines.emplace_back();
    c0[i] = &dst.c0;
    c1[i] = &dst.c1;
    c2[i] = &dst.c2;
  }
  Store(l.c0, c0);
  Store(l.c1, c1);
  Store(l.c2, c2);
}

// Eight finite points.
void Prepare8(const G2Affine* const* q, G2Prepared* const* out) {
  static const L2 b3 = Broadcast(G2Cfg::B().Double() + G2Cfg::B());
  static const Vec52 half = BroadcastFp(Fp::One().Half());
  const std::vector<int>& digits = AteLoopDigits();
  const Fp2* xs[8];
  const Fp2* ys[8];
  G2Affine neg[8], q1[8], q2[8];
  const Fp2 *nys[8], *q1x[8], *q1y[8], *q2x[8], *q2y[8];
  for (int i = 0; i < 8; ++i) {
    out[i]->infinity = false;
    out[i]->lines.clear();
    out[i]->lines.reserve(2 * digits.size());
    xs[i] = &q[i]->x;
    ys[i] = &q[i]->y;
    neg[i] = -*q[i];
    nys[i] = &neg[i].y;
    q1[i] = Psi(*q[i]);
    q2[i] = -Psi(q1[i]);
    q1x[i] = &q1[i].x;
    q1y[i] = &q1[i].y;
    q2x[i] = &q2[i].x;
    q2y[i] = &q2[i].y;
  }
  const L2 qx = Load(xs), qy = Load(ys), qny = Load(nys);
  Proj8 t{qx, qy, LaneOps::One<2>()};
  for (std::size_t i = 1; i < digits.size(); ++i) {
    Append(Doubling(t, b3, half), out);
    if (digits[i] == 1) Append(Addition(t, qx, qy), out);
    if (digits[i] == -1) Append(Addition(t, qx, qny), out);
  }
  Append(Addition(t, Load(q1x), Load(q1y)), out);
  Append(Addition(t, Load(q2x), Load(q2y)), out);
}

#endif  // DEPINFER_HAVE_IFMA

}  // namespace

std::vector<G2Prepared> PrepareG2Batch(std::span<const G2Affine> qs) {
  std::vector<G2Prepared> out(qs.size());
  std::size_t done = 0;
#ifdef DEPINFER_HAVE_IFMA
  // Finite points in groups of eight, in order; points at infinity and the last few alone.
  const G2Affine* group[8];
  G2Prepared* dst[8];
  int n = 0;
  std::vector<bool> laned(qs.size(), false);
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (qs[i].infinity) continue;
    group[n] = &qs[i];
    dst[n] = &out[i];
    laned[i] = true;
    if (++n == 8) {
      Prepare8(group, dst);
      n = 0;
    }
  }
  for (int k = 0; k < n; ++k) {  // the partial group goes the scalar way
    const std::size_t i = static_cast<std::size_t>(dst[k] - out.data());
    laned[i] = false;
  }
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (!laned[i]) out[i] = PrepareG2(qs[i]);
  }
  done = qs.size();
#endif
  for (std::size_t i = done; i < qs.size(); ++i) out[i] = PrepareG2(qs[i]);
  return out;
}

}  // namespace depinfer::math::bn254
