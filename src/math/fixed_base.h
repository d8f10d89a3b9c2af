// Fixed-base scalar multiplication: k*G for one base G and many scalars k (a trusted setup
// multiplies the generators by hundreds of thousands of secrets).
//
// A table of d * 2^(8i) * G for every byte position i and byte value d turns k*G into one mixed
// addition per nonzero byte of k (32 for a 256-bit scalar) instead of ~250 doublings and ~50
// additions. MulVartime indexes the table by the scalar's bytes and skips zero bytes: for
// public scalars only. MulConstTime reads every entry of every window and adds with complete
// formulas, so neither its memory accesses nor its branches depend on the scalar: for secrets
// (a trusted setup's toxic waste). It costs about three times as much.
#pragma once

#include <vector>

#include "math/curve.h"

namespace depinfer::math {

template <class Cfg>
class FixedBaseTable {
 public:
  using J = JacobianPoint<Cfg>;
  using A = AffinePoint<Cfg>;

  explicit FixedBaseTable(const A& base) : table_(kWindows * 255) {
    std::vector<J> jac(kWindows * 255);
    J window_base = J::FromAffine(base);
    for (std::size_t i = 0; i < kWindows; ++i) {
      J acc = window_base;
      for (std::size_t d = 1; d <= 255; ++d) {
        jac[i * 255 + d - 1] = acc;
        acc += window_base;
      }
      window_base = acc;  // 256 * 2^(8i) G = 2^(8(i+1)) G
    }
    table_ = J::BatchToAffine(jac);
  }

  template <std::size_t N>
  J MulVartime(const BigInt<N>& k) const {
    J r = J::Infinity();
    for (std::size_t i = 0; i < kWindows && i < 8 * N; ++i) {
      u64 d = k.Bits(8 * i, 8);
      if (d != 0) r = r.AddMixed(table_[i * 255 + d - 1]);
    }
    return r;
  }

  // k*G in time independent of k: each window selects its entry by masking over all 255 (the
  // point at infinity, (0 : 1 : 0), for a zero byte) and adds it with the complete projective
  // formulas, which need no case for infinity or doubling.
  template <std::size_t N>
  J MulConstTime(const BigInt<N>& k) const {
    using P = ProjectivePoint<Cfg>;
    using F = typename Cfg::F;
    P r = P::Infinity();
    for (std::size_t i = 0; i < kWindows && i < 8 * N; ++i) {
      const u64 d = k.Bits(8 * i, 8);
      F x = F::Zero(), y = F::One();
      for (u64 j = 1; j <= 255; ++j) {
        const u64 diff = j ^ d;
        const u64 hit = ((diff | (0 - diff)) >> 63) ^ 1;  // j == d, without a branch
        const A& t = table_[i * 255 + j - 1];
        x = F::ConditionalSelect(hit, t.x, x);
        y = F::ConditionalSelect(hit, t.y, y);
      }
      const u64 nonzero = (d | (0 - d)) >> 63;
      r = r + P{x, y, F::ConditionalSelect(nonzero, F::One(), F::Zero())};
    }
    return r.ToJacobian();
  }

 private:
  static constexpr std::size_t kWindows = 32;  // 256-bit scalars
  std::vector<A> table_;
};

}  // namespace depinfer::math
