#include "math/msm.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace depinfer::math::bn254 {
namespace {

using Scalar = BigInt<4>;

// Naive sum for tiny inputs, where bucket set-up costs more than it saves.
constexpr std::size_t kNaiveBelow = 16;

template <class Cfg>
JacobianPoint<Cfg> SumDirect(std::span<const AffinePoint<Cfg>> points,
                             const std::vector<std::uint32_t>& idx) {
  using J = JacobianPoint<Cfg>;
  int threads = omp_get_max_threads();
  std::vector<J> partial(static_cast<std::size_t>(threads), J::Infinity());
#pragma omp parallel for schedule(static) if (idx.size() > 4096)
  for (std::size_t i = 0; i < idx.size(); ++i) {
    J& acc = partial[static_cast<std::size_t>(omp_get_thread_num())];
    acc = acc.AddMixed(points[idx[i]]);
  }
  J sum = J::Infinity();
  for (const J& p : partial) sum += p;
  return sum;
}

// Signed c-bit digits of k, least significant window first; digits lie in [-2^(c-1), 2^(c-1)].
void SignedDigits(const Scalar& k, int c, std::size_t windows, std::int32_t* out) {
  std::int64_t carry = 0;
  const std::int64_t half = std::int64_t{1} << (c - 1);
  for (std::size_t w = 0; w < windows; ++w) {
    std::int64_t d = static_cast<std::int64_t>(k.Bits(w * static_cast<std::size_t>(c), static_cast<std::size_t>(c))) + carry;
    carry = 0;
    if (d > half) {
      d -= std::int64_t{1} << c;
      carry = 1;
    }
    out[w] = static_cast<std::int32_t>(d);
  }
}

template <class Cfg>
JacobianPoint<Cfg> Pippenger(std::span<const AffinePoint<Cfg>> points,
                             const std::vector<Scalar>& scalars,
                             const std::vector<std::uint32_t>& idx, std::size_t bits) {
  using J = JacobianPoint<Cfg>;
  const std::size_t n = idx.size();
  if (n == 0) return J::Infinity();
  const int c = MsmWindowBits(n, bits);
  const std::size_t windows = (bits + 1 + static_cast<std::size_t>(c) - 1) / static_cast<std::size_t>(c);
  std::vector<std::int32_t> digits(n * windows);
#pragma omp parallel for schedule(static) if (n > 4096)
  for (std::size_t i = 0; i < n; ++i) SignedDigits(scalars[idx[i]], c, windows, &digits[i * windows]);

  std::vector<J> window_sums(windows, J::Infinity());
  const std::size_t nbuckets = std::size_t{1} << (c - 1);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t w = 0; w < windows; ++w) {
    std::vector<J> buckets(nbuckets, J::Infinity());
    for (std::size_t i = 0; i < n; ++i) {
      std::int32_t d = digits[i * windows + w];
      if (d > 0) {
        J& b = buckets[static_cast<std::size_t>(d - 1)];
        b = b.AddMixed(points[idx[i]]);
      } else if (d < 0) {
        J& b = buckets[static_cast<std::size_t>(-d - 1)];
        b = b.AddMixed(-points[idx[i]]);
      }
    }
    // sum_b (b+1) * bucket[b] by a running sum from the top bucket down.
    J running = J::Infinity(), total = J::Infinity();
    for (std::size_t b = nbuckets; b-- > 0;) {
      running += buckets[b];
      total += running;
    }
    window_sums[w] = total;
  }
  J result = J::Infinity();
  for (std::size_t w = windows; w-- > 0;) {
    for (int i = 0; i < c; ++i) result = result.Double();
    result += window_sums[w];
  }
  return result;
}

template <class Cfg>
Status MsmImpl(std::span<const AffinePoint<Cfg>> points, std::span<const Fr> scalars,
               JacobianPoint<Cfg>* out) {
  using J = JacobianPoint<Cfg>;
  if (points.size() != scalars.size()) {
    return Status::InvalidArgument("MSM needs as many scalars as points (got " +
                                   std::to_string(scalars.size()) + " scalars and " +
                                   std::to_string(points.size()) + " points)");
  }
  const std::size_t n = points.size();
  std::vector<Scalar> ints(n);
#pragma omp parallel for schedule(static) if (n > 4096)
  for (std::size_t i = 0; i < n; ++i) ints[i] = scalars[i].ToInt();

  // Route each scalar: 0 is skipped, 1 is summed directly, the rest go to the buckets.
  std::vector<std::uint32_t> ones, rest;
  std::size_t bits = 0;
  const Scalar one(1);
  for (std::size_t i = 0; i < n; ++i) {
    if (ints[i].IsZero() || points[i].infinity) continue;
    if (ints[i] == one) {
      ones.push_back(static_cast<std::uint32_t>(i));
    } else {
      rest.push_back(static_cast<std::uint32_t>(i));
      bits = std::max(bits, ints[i].BitLength());
    }
  }
  J sum = SumDirect<Cfg>(points, ones);
  if (rest.size() < kNaiveBelow) {
    for (std::uint32_t i : rest) sum += J::FromAffine(points[i]).ScalarMulVartime(ints[i]);
  } else {
    sum += Pippenger<Cfg>(points, ints, rest, bits);
  }
  *out = sum;
  return Status::Ok();
}

}  // namespace

int MsmWindowBits(std::size_t n, std::size_t bits) {
  // Cost in group additions: ceil((bits+1)/c) windows, each n bucket additions plus
  // 2 * 2^(c-1) additions to sum the buckets.
  int best_c = 1;
  double best = 1e300;
  for (int c = 1; c <= 20; ++c) {
    double windows = static_cast<double>((bits + 1 + static_cast<std::size_t>(c) - 1) / static_cast<std::size_t>(c));
    double cost = windows * (static_cast<double>(n) + 2.0 * static_cast<double>(std::size_t{1} << (c - 1)));
    if (cost < best) {
      best = cost;
      best_c = c;
    }
  }
  return best_c;
}

Status MsmG1(std::span<const G1Affine> points, std::span<const Fr> scalars, G1* out) {
  return MsmImpl<G1Cfg>(points, scalars, out);
}

Status MsmG2(std::span<const G2Affine> points, std::span<const Fr> scalars, G2* out) {
  return MsmImpl<G2Cfg>(points, scalars, out);
}

}  // namespace depinfer::math::bn254
