// Montgomery's trick: inverts every nonzero element of xs in place with one inversion and three
// multiplications per element; zeros stay zero. For any field type with *, IsZero, One and
// InverseVartime. Variable time (public data only).
#pragma once

#include <span>
#include <vector>

namespace depinfer::math {

template <class F>
void BatchInverseVartime(std::span<F> xs) {
  if (xs.empty()) return;
  std::vector<F> prefix(xs.size());
  F acc = F::One();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    prefix[i] = acc;
    if (!xs[i].IsZero()) acc *= xs[i];
  }
  F inv = acc.InverseVartime();
  for (std::size_t i = xs.size(); i-- > 0;) {
    if (xs[i].IsZero()) continue;
    F next = inv * xs[i];
    xs[i] = inv * prefix[i];
    inv = next;
  }
}

}  // namespace depinfer::math
