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

  explicit AffineBucketWindow(std::size_t nbuckets)
      : buckets_(nbuckets), busy_(nbuckets, 0), overflow_(nbuckets, J::Infinity()) {
    pending_.reserve(kBatch);
    denoms_.reserve(kBatch);
  }

  // Adds p (already negated when its digit was negative) into bucket b.
  void Add(std::size_t b, const A& p) {
    A& bucket = buckets_[b];
    if (bucket.infinity) {
      bucket = p;
      return;
    }
    if (busy_[b]) {
      overflow_[b] = overflow_[b].AddMixed(p);
      return;
    }
    busy_[b] = 1;
    pending_.push_back({static_cast<std::uint32_t>(b), p});
    if (pending_.size() == kBatch) Flush();
  }

  // Applies everything still pending, then returns sum_b (b+1) * bucket[b].
  J Finish() {
    Flush();
    J running = J::Infinity(), total = J::Infinity();
    for (std::size_t b = buckets_.size(); b-- > 0;) {
      running = running.AddMixed(buckets_[b]);
      if (!overflow_[b].IsInfinity()) running += overflow_[b];
      total += running;
    }
    return total;
  }

 private:
  static constexpr std::size_t kBatch = 256;
  struct Entry {
    std::uint32_t bucket;
    A point;
  };

  // bucket[e.bucket] += e.point for every pending entry, with one shared inversion.
  void Flush() {
    const std::size_t n = pending_.size();
    if (n == 0) return;
    denoms_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const A& acc = buckets_[pending_[i].bucket];
      const A& p = pending_[i].point;
      if (acc.x != p.x) {
        denoms_[i] = p.x - acc.x;
      } else if (acc.y == p.y && !acc.y.IsZero()) {
        denoms_[i] = acc.y.Double();  // doubling: slope 3x^2 / 2y
      } else {
        denoms_[i] = F::Zero();  // p = -acc: the bucket empties (zeros are skipped)
      }
    }
    BatchInvert();
    for (std::size_t i = 0; i < n; ++i) {
      A& acc = buckets_[pending_[i].bucket];
      const A& p = pending_[i].point;
      busy_[pending_[i].bucket] = 0;
      if (denoms_[i].IsZero()) {
        acc = A::Infinity();
        continue;
      }
      F lambda;
      if (acc.x != p.x) {
        lambda = (p.y - acc.y) * denoms_[i];
      } else {
        F xx = acc.x.Square();
        lambda = (xx.Double() + xx) * denoms_[i];
      }
      F x3 = lambda.Square() - acc.x - p.x;
      F y3 = lambda * (acc.x - x3) - acc.y;
      acc = A::FromXY(x3, y3);
    }
    pending_.clear();
  }

  void BatchInvert() {
    const std::size_t n = denoms_.size();
    prefix_.resize(n);
    F acc = F::One();
    for (std::size_t i = 0; i < n; ++i) {
      prefix_[i] = acc;
      if (!denoms_[i].IsZero()) acc *= denoms_[i];
    }
    F inv = acc.InverseVartime();
    for (std::size_t i = n; i-- > 0;) {
      if (denoms_[i].IsZero()) continue;
      F next = inv * denoms_[i];
      denoms_[i] = inv * prefix_[i];
      inv = next;
    }
  }

  std::vector<A> buckets_;
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
  const std::size_t nbuckets = std::size_t{1} << (c - 1);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t w = 0; w < windows; ++w) {
    AffineBucketWindow<Cfg> buckets(nbuckets);
    for (std::size_t i = 0; i < n; ++i) {
      std::int32_t d = digits[i * windows + w];
      if (d > 0) buckets.Add(static_cast<std::size_t>(d - 1), points[idx[i]]);
      if (d < 0) buckets.Add(static_cast<std::size_t>(-d - 1), -points[idx[i]]);
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
