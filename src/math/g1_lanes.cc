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
#include "math/g1_lanes.h"

namespace depinfer::math::bn254 {
namespace {

#ifdef DEPINFER_HAVE_IFMA

using namespace g1lanes;  // NOLINT: the lane formulas read as the paper's
using fp2lanes::LoadFp;

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
    if (d >= 3) e = Add(e, Jac8{px, py, one}, nullptr);
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
    const Jac8 sum = Add(acc, t, nullptr);
    acc = Blend(nonzero & static_cast<__mmask8>(~at_infinity), acc, sum);
    acc = Blend(nonzero & at_infinity, acc, t);
    at_infinity &= static_cast<__mmask8>(~nonzero);
  }
  Store(acc, at_infinity, out);  // a lane still at infinity had a zero scalar
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
