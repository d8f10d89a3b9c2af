#include "math/msm.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <vector>

namespace depinfer::math::bn254 {
namespace {

using Scalar = BigInt<4>;

// Naive sum for tiny inputs, where bucket set-up costs more than it saves.
constexpr std::size_t kNaiveBelow = 16;
// Fewest affine accumulators per window: 8 batches' worth keeps conflicts (a bucket hit twice
// in one batch) rare.
constexpr std::size_t kMinAccumulators = 2048;

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

// Buckets kept in affine coordinates and filled by batches of independent affine additions that
// share one field inversion (Montgomery's trick): about 6 multiplications per point instead of
// the 11 of a mixed Jacobian addition. A bucket already waiting in the current batch cannot take
// a second point until the batch is applied; such a point goes into a Jacobian side
// accumulator of that bucket instead (rare when buckets are many, and the right thing when they
// are few, as in the top window, where batching cannot help). This is the "batch affine"
// technique of gnark-crypto and of Aztec's barretenberg.
template <class Cfg>
class AffineBucketWindow {
 public:
  using F = typename Cfg::F;
  using A = AffinePoint<Cfg>;
  using J = JacobianPoint<Cfg>;

  // `buckets` digit values; each value is spread over `splits` accumulators (so that windows
  // with few digit values, like the top one, still fill whole batches).
  AffineBucketWindow(std::span<const A> points, std::size_t buckets, std::size_t splits)
      : points_(points),
        splits_(splits),
        acc_(buckets * splits),
        busy_(buckets * splits, 0),
        overflow_(buckets * splits, J::Infinity()) {
    pending_.reserve(kBatch);
    denoms_.resize(kBatch);
    prefix_.resize(kBatch);
  }

  // Adds +-points[point] into the bucket of digit value `value` (1-based).
  void Add(std::size_t value, std::uint32_t point, bool negate) {
    std::size_t b = (value - 1) * splits_ + (round_robin_++ % splits_);
    A& acc = acc_[b];
    if (acc.infinity) {
      acc = negate ? -points_[point] : points_[point];
      return;
    }
    if (busy_[b]) {
      overflow_[b] = overflow_[b].AddMixed(negate ? -points_[point] : points_[point]);
      return;
    }
    busy_[b] = 1;
    pending_.push_back({static_cast<std::uint32_t>(b), point, negate});
    if (pending_.size() == kBatch) Flush();
  }

  // Applies everything still pending, then returns sum_v v * bucket[v].
  J Finish() {
    Flush();
    J running = J::Infinity(), total = J::Infinity();
    const std::size_t buckets = acc_.size() / splits_;
    for (std::size_t v = buckets; v-- > 0;) {
      for (std::size_t s = 0; s < splits_; ++s) {
        std::size_t b = v * splits_ + s;
        running = running.AddMixed(acc_[b]);
        if (!overflow_[b].IsInfinity()) running += overflow_[b];
      }
      total += running;
    }
    return total;
  }

 private:
  static constexpr std::size_t kBatch = 256;
  struct Entry {
    std::uint32_t bucket;
    std::uint32_t point;
    bool negate;
  };

  // acc[e.bucket] += +-points[e.point] for every pending entry, sharing one inversion:
  // a forward pass forms the denominators and their prefix products, a backward pass peels
  // off each inverse and finishes that addition.
  void Flush() {
    const std::size_t n = pending_.size();
    if (n == 0) return;
    F product = F::One();
    for (std::size_t i = 0; i < n; ++i) {
      const Entry& e = pending_[i];
      const A& acc = acc_[e.bucket];
      const A& p = points_[e.point];
      F d;
      if (acc.x != p.x) {
        d = p.x - acc.x;
      } else if ((acc.y == p.y) != e.negate && !acc.y.IsZero()) {
        d = acc.y.Double();  // the same point: doubling, slope 3x^2 / 2y
      }                      // else the opposite point: d stays 0 and the bucket empties
      denoms_[i] = d;
      prefix_[i] = product;
      if (!d.IsZero()) product *= d;
    }
    F inv = product.InverseVartime();
    for (std::size_t i = n; i-- > 0;) {
      const Entry& e = pending_[i];
      A& acc = acc_[e.bucket];
      busy_[e.bucket] = 0;
      const F& d = denoms_[i];
      if (d.IsZero()) {
        acc = A::Infinity();
        continue;
      }
      F d_inv = inv * prefix_[i];
      inv *= d;
      const A& p = points_[e.point];
      F lambda;
      if (acc.x != p.x) {
        F py = e.negate ? -p.y : p.y;
        lambda = (py - acc.y) * d_inv;
      } else {
        F xx = acc.x.Square();
        lambda = (xx.Double() + xx) * d_inv;
      }
      F x3 = lambda.Square() - acc.x - p.x;
      acc.y = lambda * (acc.x - x3) - acc.y;
      acc.x = x3;
    }
    pending_.clear();
  }

  std::span<const A> points_;
  std::size_t splits_;
  std::size_t round_robin_ = 0;
  std::vector<A> acc_;
  std::vector<std::uint8_t> busy_;
  std::vector<J> overflow_;
  std::vector<Entry> pending_;
  std::vector<F> denoms_;
  std::vector<F> prefix_;
};

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
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t w = 0; w < windows; ++w) {
    // Windows whose digits span few values (the top one) spread each value over several
    // accumulators so batches still fill.
    std::int32_t max_digit = 1;
    for (std::size_t i = 0; i < n; ++i) max_digit = std::max(max_digit, std::abs(digits[i * windows + w]));
    const std::size_t values = static_cast<std::size_t>(max_digit);
    const std::size_t splits = std::max<std::size_t>(1, kMinAccumulators / values);
    AffineBucketWindow<Cfg> buckets(points, values, splits);
    for (std::size_t i = 0; i < n; ++i) {
      std::int32_t d = digits[i * windows + w];
      if (d > 0) buckets.Add(static_cast<std::size_t>(d), idx[i], false);
      if (d < 0) buckets.Add(static_cast<std::size_t>(-d), idx[i], true);
    }
    window_sums[w] = buckets.Finish();
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
  // Cost in field multiplications: ceil((bits+1)/c) windows, each n batched affine bucket
  // additions (about 6) plus, per bucket, a mixed and a full Jacobian addition (about 27) to
  // sum the buckets.
  int best_c = 1;
  double best = 1e300;
  for (int c = 1; c <= 20; ++c) {
    double windows = static_cast<double>((bits + 1 + static_cast<std::size_t>(c) - 1) / static_cast<std::size_t>(c));
    double cost = windows * (6.0 * static_cast<double>(n) + 27.0 * static_cast<double>(std::size_t{1} << (c - 1)));
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
