// Fixed-base scalar multiplication: k*G for one base G and many scalars k (a trusted setup
// multiplies the generators by hundreds of thousands of secrets).
//
// A table of d * 2^(8i) * G for every byte position i and byte value d turns k*G into one mixed
// addition per nonzero byte of k (32 for a 256-bit scalar) instead of ~250 doublings and ~50
// additions. The table lookups are indexed by the scalar's bytes, so this is variable time:
// use it only where the timing of one call cannot be observed separately (bulk setup on the
// machine that then destroys the secrets), or for public scalars.
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

 private:
  static constexpr std::size_t kWindows = 32;  // 256-bit scalars
  std::vector<A> table_;
};

}  // namespace depinfer::math
