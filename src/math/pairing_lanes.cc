// PrepareG2 for many points: the doubling and addition steps of eight G2 points at once in
// AVX-512 IFMA lanes (every point follows the same schedule, the digits of 6x + 2), each lane's
// lines then stored in that point's G2Prepared. The formulas are pairing.cc's DoublingStep and
// AdditionStep, step for step, so the lines are the same field elements (tested); only the
// value ranges of the lane arithmetic (fp2lanes in ifma_lanes.h) are managed here.
//
// As in PrepareG2, the addition step has no case for T = +-Q, which cannot arise for Q in G2
// (T = kQ with 1 < k < 6x + 2 < r): callers prepare only validated points.
#include <cassert>

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

// The Miller loop's schedule for eight finite G2 points q[0..7] at once: T starts at Q; for each
// digit of 6x + 2 after the leading one, `step(i)`, then the doubling line, then the addition
// line of a nonzero digit; then the lines of T + psi(Q) and T - psi^2(Q). `line` receives every
// line in that order (the order of G2Prepared::lines).
template <class Step, class Line>
void Schedule8(const G2Affine* const* q, Step step, Line line) {
  static const L2 b3 = Broadcast(G2Cfg::B().Double() + G2Cfg::B());
  static const Vec52 half = BroadcastFp(Fp::One().Half());
  const std::vector<int>& digits = AteLoopDigits();
  const Fp2 *xs[8], *ys[8], *nys[8], *q1x[8], *q1y[8], *q2x[8], *q2y[8];
  G2Affine neg[8], q1[8], q2[8];
  for (int i = 0; i < 8; ++i) {
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
    step(i);
    line(Doubling(t, b3, half));
    if (digits[i] == 1) line(Addition(t, qx, qy));
    if (digits[i] == -1) line(Addition(t, qx, qny));
  }
  line(Addition(t, Load(q1x), Load(q1y)));
  line(Addition(t, Load(q2x), Load(q2y)));
}

// Eight finite points.
void Prepare8(const G2Affine* const* q, G2Prepared* const* out) {
  for (int i = 0; i < 8; ++i) {
    out[i]->infinity = false;
    out[i]->lines.clear();
    out[i]->lines.reserve(2 * AteLoopDigits().size());
  }
  Schedule8(q, [](std::size_t) {}, [&](const Line8& l) { Append(l, out); });
}

// The Miller loop of eight pairs at once, for G2 points used once (a batch of proofs' B
// points): each lane keeps its own accumulator f and applies its pair's lines as Doubling and
// Addition compute them, so the lines are never stored. Fp6 and Fp12 arithmetic on lanes
// follows tower.h's formulas; every value between operations is kept below 2p ("T" in
// fp2lanes), with a reduction after each addition or subtraction.
struct F6 {
  L2 c0, c1, c2;  // c0 + c1 v + c2 v^2
};
struct F12 {
  F6 c0, c1;  // c0 + c1 w
};

L2 AddT(const L2& a, const L2& b) { return Red(Add(a, b)); }
L2 SubT(const L2& a, const L2& b) { return Red(Sub(a, b)); }
L2 MulXi(const L2& a) {
  static const L2 xi = Broadcast(TowerCfg::MulByXi(Fp2::One()));
  return Mul(a, xi);
}
// a * s for a per-lane Fp value s (canonical) and a < 4p; T.
L2 MulS(const L2& a, const Vec52& s) { return {{V::Mul(s, a.c[0]), V::Mul(s, a.c[1])}}; }

F6 Add6(const F6& a, const F6& b) { return {AddT(a.c0, b.c0), AddT(a.c1, b.c1), AddT(a.c2, b.c2)}; }
F6 Sub6(const F6& a, const F6& b) { return {SubT(a.c0, b.c0), SubT(a.c1, b.c1), SubT(a.c2, b.c2)}; }
F6 MulByV(const F6& a) { return {MulXi(a.c2), a.c0, a.c1}; }  // v^3 = xi
F6 MulByFp2(const F6& a, const L2& s) { return {Mul(a.c0, s), Mul(a.c1, s), Mul(a.c2, s)}; }
// Karatsuba, as Fp6T::operator*.
F6 Mul6(const F6& a, const F6& b) {
  const L2 t0 = Mul(a.c0, b.c0), t1 = Mul(a.c1, b.c1), t2 = Mul(a.c2, b.c2);
  return {AddT(MulXi(SubT(SubT(Mul(AddT(a.c1, a.c2), AddT(b.c1, b.c2)), t1), t2)), t0),
          AddT(SubT(SubT(Mul(AddT(a.c0, a.c1), AddT(b.c0, b.c1)), t0), t1), MulXi(t2)),
          AddT(SubT(SubT(Mul(AddT(a.c0, a.c2), AddT(b.c0, b.c2)), t0), t2), t1)};
}
// a * (b0 + b1 v).
F6 MulBy01(const F6& a, const L2& b0, const L2& b1) {
  const L2 t0 = Mul(a.c0, b0), t1 = Mul(a.c1, b1);
  return {AddT(MulXi(Mul(a.c2, b1)), t0),
          SubT(SubT(Mul(AddT(a.c0, a.c1), AddT(b0, b1)), t0), t1),
          AddT(t1, Mul(a.c2, b0))};
}
// (c0 + c1 w)^2 = (c0^2 + v c1^2) + 2 c0 c1 w, with c0^2 + v c1^2 = (c0 + c1)(c0 + v c1) - t - v t
// for t = c0 c1.
F12 Square12(const F12& f) {
  const F6 t = Mul6(f.c0, f.c1);
  return {Sub6(Sub6(Mul6(Add6(f.c0, f.c1), Add6(f.c0, MulByV(f.c1))), t), MulByV(t)), Add6(t, t)};
}
// f * (a0 + (b0 + b1 v) w), as Fp12T::MulByLine.
F12 MulByLine(const F12& f, const L2& a0, const L2& b0, const L2& b1) {
  const F6 t0 = MulByFp2(f.c0, a0);
  const F6 t1 = MulBy01(f.c1, b0, b1);
  const F6 r1 = Sub6(Sub6(MulBy01(Add6(f.c0, f.c1), AddT(a0, b0), b1), t0), t1);
  return {Add6(t0, MulByV(t1)), r1};
}

// The product of the Miller loop values of pairs (p[i], q[i]), i < m <= 8, all finite, the G2
// points validated as for PrepareG2. Lanes m..7 repeat pair 0; their values are dropped.
Fp12 MillerLoop8(const G1Affine* const* p, const G2Affine* const* q, int m) {
  const G2Affine* qs[8];
  const Fp *pxs[8], *pys[8];
  for (int i = 0; i < 8; ++i) {
    const int k = i < m ? i : 0;
    qs[i] = q[k];
    pxs[i] = &p[k]->x;
    pys[i] = &p[k]->y;
  }
  const Vec52 px = LoadFp(pxs), py = LoadFp(pys);
  F12 f{{LaneOps::One<2>(), Zero2(), Zero2()}, {Zero2(), Zero2(), Zero2()}};
  // f is 1 until the first lines, so the first step needs no squaring. A line at P is
  // c0 yP + (c1 xP) w + c2 v w.
  Schedule8(
      qs, [&](std::size_t i) { if (i > 1) f = Square12(f); },
      [&](const Line8& l) { f = MulByLine(f, MulS(l.c0, py), MulS(l.c1, px), Red(l.c2)); });

  Fp12 lanes[8];
  const L2* parts[6] = {&f.c0.c0, &f.c0.c1, &f.c0.c2, &f.c1.c0, &f.c1.c1, &f.c1.c2};
  for (int c = 0; c < 6; ++c) {
    Fp2* out[8];
    for (int i = 0; i < 8; ++i) {
      Fp6& half6 = c < 3 ? lanes[i].c0 : lanes[i].c1;
      out[i] = c % 3 == 0 ? &half6.c0 : c % 3 == 1 ? &half6.c1 : &half6.c2;
    }
    Store(*parts[c], out);
  }
  Fp12 r = lanes[0];
  for (int i = 1; i < m; ++i) r *= lanes[i];
  return r;
}

#endif  // DEPINFER_HAVE_IFMA

}  // namespace

Fp12 MillerLoopOnce(std::span<const G1Affine> ps, std::span<const G2Affine> qs) {
  assert(ps.size() == qs.size());
#ifdef DEPINFER_HAVE_IFMA
  Fp12 f = Fp12::One();
  const G1Affine* gp[8];
  const G2Affine* gq[8];
  int n = 0;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].infinity || qs[i].infinity) continue;  // contributes 1
    gp[n] = &ps[i];
    gq[n] = &qs[i];
    if (++n == 8) {
      f *= MillerLoop8(gp, gq, n);
      n = 0;
    }
  }
  if (n > 0) f *= MillerLoop8(gp, gq, n);
  return f;
#else
  const std::vector<G2Prepared> prepared = PrepareG2Batch(qs);
  std::vector<const G2Prepared*> ptrs;
  for (const G2Prepared& q : prepared) ptrs.push_back(&q);
  return MillerLoop(ps, ptrs);
#endif
}

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
