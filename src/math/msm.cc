#include "math/msm.h"

#include "math/fp52x8.h"
#include "math/g1_lanes.h"
#include "math/ifma_lanes.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace depinfer::math::bn254 {
namespace {

using Scalar = BigInt<4>;

// Straus (shared doublings, no buckets) for small inputs, where bucket set-up costs more than
// it saves.
constexpr std::size_t kStrausBelow = 48;

// A batch fills only while accumulators are free: flush at half of them (at most max_batch).
std::size_t BatchLimit(std::size_t max_batch, std::size_t accumulators) {
  return std::min(max_batch, std::max<std::size_t>(8, accumulators / 2));
}

// Accumulators per window: the digit values, spread to at least min_acc so batches fill, but
// not past one per eight points (each accumulator costs two Jacobian additions to sum).
std::size_t AccumulatorsFor(std::size_t values, std::size_t n, std::size_t min_acc) {
  std::size_t target = std::min(min_acc, std::max<std::size_t>(n / 8, 1));
  std::size_t splits = 1;
  while (splits * values < target) splits *= 2;
  return splits * values;
}

// Per-path costs in scalar field multiplications (measured on an AVX-512 Xeon): one batched
// affine bucket addition, and one field inversion shared by a batch.
struct MsmCostModel {
  double add_cost;
  double inversion_cost;
  std::size_t max_batch;
  std::size_t min_accumulators;
  double reduce_cost;  // summing a window: per accumulator (two Jacobian additions)
};
constexpr MsmCostModel kScalarModel{6.0, 200.0, 256, 2048, 27.0};
// G1 on IFMA sums its windows in lanes too (IfmaWindow::FinishInLanes).
constexpr MsmCostModel kIfmaModel{3.0, 200.0, 512, 1024, 6.0};
// G2 on IFMA: the same relative costs, but fewer accumulators pay (summing a window is scalar
// Jacobian Fp2 arithmetic): measured single-threaded at 2^14 points, c = 10 with 512
// accumulators beat the G1 choice (c = 11, 1024) by ~9%; at 2^16 both pick c = 11.
constexpr MsmCostModel kIfmaG2Model{3.0, 200.0, 512, 512, 27.0};

int ChooseWindowBits(std::size_t n, std::size_t bits, const MsmCostModel& m);

// Whether the MSMs take the AVX-512 IFMA path (DEPINFER_MSM_SCALAR=1 forces the portable one).
bool UseIfma() {
#ifdef DEPINFER_HAVE_IFMA
  static const bool scalar_only = std::getenv("DEPINFER_MSM_SCALAR") != nullptr;
  return !scalar_only;
#else
  return false;
#endif
}

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
// Digit w goes to out[w * stride] (window-major layout: each window reads its digits in order).
void SignedDigits(const Scalar& k, int c, std::size_t windows, std::int32_t* out, std::size_t stride) {
  // Branch-free: the carry is a coin toss per window for random scalars.
  std::int64_t carry = 0;
  const std::int64_t half = std::int64_t{1} << (c - 1);
  for (std::size_t w = 0; w < windows; ++w) {
    const std::int64_t d = static_cast<std::int64_t>(k.Bits(w * static_cast<std::size_t>(c), static_cast<std::size_t>(c))) + carry;
    carry = d > half;
    out[w * stride] = static_cast<std::int32_t>(d - (carry << c));
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
        batch_limit_(BatchLimit(kBatch, buckets * splits)),
        acc_(buckets * splits),
        busy_(buckets * splits, 0),
        overflow_(buckets * splits, J::Infinity()) {
    pending_.reserve(kBatch);
    denoms_.resize(kBatch);
    prefix_.resize(kBatch);
  }

  // Adds +-points[point] into the bucket of digit value `value` (1-based).
  void Add(std::size_t value, std::uint32_t point, bool negate) {
    std::size_t b = (value - 1) * splits_ + (round_robin_++ & (splits_ - 1));
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
    if (pending_.size() == batch_limit_) Flush();
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
  std::size_t batch_limit_;
  std::size_t round_robin_ = 0;
  std::vector<A> acc_;
  std::vector<std::uint8_t> busy_;
  std::vector<J> overflow_;
  std::vector<Entry> pending_;
  std::vector<F> denoms_;
  std::vector<F> prefix_;
};


#ifdef DEPINFER_HAVE_IFMA
// The batch-affine window on AVX-512 IFMA, for G1 (Fp lanes) and G2 (Fp2 lanes): eight
// additions at a time, one per vector lane, each lane its own chain of the batch inversion.
// Accumulators and points are held as canonical 52-bit limbs in R' = 2^260 Montgomery form
// (see fp52x8.h), so lanes gather them by index. Same sums as AffineBucketWindow (the portable
// reference); tests compare both paths with the naive sum and with each other.
template <class Cfg>
class IfmaWindow {
 public:
  using F = typename Cfg::F;
  using A = AffinePoint<Cfg>;
  using J = JacobianPoint<Cfg>;
  static constexpr int K = std::is_same_v<F, Fp2> ? 2 : 1;
  using L = Lane<K>;
  static constexpr int kCoord = 5 * K;      // limbs per coordinate
  static constexpr int kPoint = 2 * kCoord;  // limbs per point: x then y

  // pts52: kPoint limbs per point, converted once per MSM.
  IfmaWindow(std::span<const A> points, const std::vector<u64>& pts52, std::size_t buckets,
             std::size_t splits)
      : points_(points),
        pts52_(pts52),
        splits_(splits),
        batch_limit_(BatchLimit(kBatch, buckets * splits)),
        acc_(buckets * splits * kPoint),
        filled_(buckets * splits, 0),
        busy_(buckets * splits, 0),
        overflow_(buckets * splits, J::Infinity()),
        steps_(kBatch / kLanes),
        staged_(kBatch / kLanes * kPoint),
        staged_bucket_(kBatch / kLanes),
        staged_negate_(kBatch / kLanes, 0) {
    pending_.reserve(kBatch);
  }

  void Add(std::size_t value, std::uint32_t point, bool negate) {
    std::size_t b = (value - 1) * splits_ + (round_robin_++ & (splits_ - 1));
    if (!filled_[b]) {
      const u64* src = &pts52_[static_cast<std::size_t>(point) * kPoint];
      u64* dst = &acc_[b * kPoint];
      for (int j = 0; j < kCoord; ++j) dst[j] = src[j];
      if (negate) {
        LaneOps::NegateLimbs<K>(src + kCoord, dst + kCoord);
      } else {
        for (int j = kCoord; j < kPoint; ++j) dst[j] = src[j];
      }
      filled_[b] = 1;
      return;
    }
    Enqueue({static_cast<std::uint32_t>(b), point, negate});
  }

  J Finish() {
    while (!pending_.empty() || !deferred_.empty()) Flush();
    if constexpr (K == 1) {
      if (filled_.size() / splits_ >= kLaneReductionMin) return FinishInLanes();
    }
    J running = J::Infinity(), total = J::Infinity();
    const std::size_t buckets = filled_.size() / splits_;
    for (std::size_t v = buckets; v-- > 0;) {
      for (std::size_t s = 0; s < splits_; ++s) {
        std::size_t b = v * splits_ + s;
        if (filled_[b]) {
          const u64* a = &acc_[b * kPoint];
          running = running.AddMixed(A::FromXY(LaneOps::FromLimbs<F>(a), LaneOps::FromLimbs<F>(a + kCoord)));
        }
        if (!overflow_[b].IsInfinity()) running += overflow_[b];
      }
      total += running;
    }
    return total;
  }

 private:
  static constexpr std::size_t kBatch = 512;
  static constexpr std::size_t kLanes = 8;
  // Windows with at least this many digit values sum their buckets in lanes (G1).
  static constexpr std::size_t kLaneReductionMin = 64;
  struct Entry {
    std::uint32_t bucket;
    std::uint32_t point;
    bool negate;
  };
  // One limb (or index) of eight lanes, as a vector register holds it.
  struct alignas(64) Limbs8 {
    long long v[kLanes];
  };
  // Per step (eight lanes) of the current batch: the forward pass's inputs, reused by the
  // backward pass.
  struct Step {
    L denom, prefix, ax, px;
    __m512i bidx;
    __mmask8 valid, special;
  };

  // sum_v v * bucket[v] by the running-sum method, eight segments of the digit values at once:
  // lane k walks the values k*seg + 1 .. (k+1)*seg downwards, keeping its running sum S_k and
  // its total T_k = sum over the segment of (v - k*seg) * B_v, so that the window's sum is
  // sum_k T_k + seg * sum_k k * S_k. Jacobian lane arithmetic, about a fifth of the scalar
  // reduction's time; lanes meeting equal or opposite points are redone on the scalar path.
  J FinishInLanes() {
    using namespace g1lanes;  // NOLINT: the formulas' short names
    FoldOverflow();
    const std::size_t values = filled_.size() / splits_;
    const std::size_t seg = (values + kLanes - 1) / kLanes;
    const Vec52 one = V::Broadcast(V::C().one);
    Jac8 run{one, one, LaneOps::Zero()};
    Jac8 tot = run;
    __mmask8 run_inf = 0xff, tot_inf = 0xff;
    for (std::size_t j = seg; j-- > 0;) {
      for (std::size_t t = 0; t < splits_; ++t) {
        alignas(64) long long offset[kLanes];
        __mmask8 present = 0;
        for (std::size_t k = 0; k < kLanes; ++k) {
          const std::size_t v = k * seg + j + 1;
          const std::size_t b = (v - 1) * splits_ + t;
          offset[k] = 0;
          if (v <= values && filled_[b]) {
            present = static_cast<__mmask8>(present | (1u << k));
            offset[k] = static_cast<long long>(b * kPoint);
          }
        }
        if (present == 0) continue;
        const __m512i idx = _mm512_load_si512(offset);
        const Jac8 bucket{LaneOps::Gather<1>(acc_.data(), idx, 0).c[0],
                          LaneOps::Gather<1>(acc_.data(), idx, kCoord).c[0], one};
        const __mmask8 add = present & static_cast<__mmask8>(~run_inf);
        __mmask8 same_x = 0, now_inf = 0;
        Jac8 sum = g1lanes::AddMixed(run, bucket.x, bucket.y, &same_x);
        if (same_x & add) sum = RedoOnScalarPath(run, bucket, sum, same_x & add, &now_inf);
        run = Blend(add, run, sum);
        run = Blend(present & run_inf, run, bucket);
        run_inf = static_cast<__mmask8>((run_inf & ~present) | now_inf);
      }
      const __mmask8 add = static_cast<__mmask8>(~run_inf & ~tot_inf);
      const __mmask8 copy = static_cast<__mmask8>(~run_inf & tot_inf);
      __mmask8 now_inf = 0;
      if (add != 0) {
        __mmask8 same_x = 0;
        Jac8 sum = g1lanes::Add(tot, run, &same_x);
        if (same_x & add) sum = RedoOnScalarPath(tot, run, sum, same_x & add, &now_inf);
        tot = Blend(add, tot, sum);
      }
      tot = Blend(copy, tot, run);
      tot_inf = static_cast<__mmask8>((tot_inf & run_inf) | now_inf);
    }
    J segment_sum[kLanes], segment_total[kLanes];
    Store(run, run_inf, segment_sum);
    Store(tot, tot_inf, segment_total);
    J total = J::Infinity(), running = J::Infinity(), weighted = J::Infinity();
    for (std::size_t k = kLanes; k-- > 0;) {
      total += segment_total[k];
      if (k == 0) break;
      running += segment_sum[k];
      weighted += running;  // sum_k k * S_k
    }
    return total + weighted.ScalarMulVartime(Scalar(seg));
  }

  // p + q on the scalar path in `lanes` (where p = +-q), the other lanes of `sum` kept;
  // *now_inf gets the lanes whose result is the point at infinity.
  static g1lanes::Jac8 RedoOnScalarPath(const g1lanes::Jac8& p, const g1lanes::Jac8& q,
                                        const g1lanes::Jac8& sum, __mmask8 lanes,
                                        __mmask8* now_inf) {
    J ps[kLanes], qs[kLanes], out[kLanes];
    g1lanes::Store(p, 0, ps);
    g1lanes::Store(q, 0, qs);
    g1lanes::Store(sum, 0, out);
    *now_inf = 0;
    for (std::size_t k = 0; k < kLanes; ++k) {
      if (!((lanes >> k) & 1)) continue;
      out[k] = ps[k] + qs[k];
      if (out[k].IsInfinity()) *now_inf = static_cast<__mmask8>(*now_inf | (1u << k));
    }
    return g1lanes::Load(out);
  }

  // Adds each Jacobian side accumulator into its affine bucket (one shared inversion), so the
  // lane reduction sees affine buckets only.
  void FoldOverflow() {
    std::vector<std::size_t> at;
    std::vector<J> sums;
    for (std::size_t b = 0; b < overflow_.size(); ++b) {
      if (overflow_[b].IsInfinity()) continue;
      J s = overflow_[b];
      if (filled_[b]) {
        const u64* a = &acc_[b * kPoint];
        s = s.AddMixed(A::FromXY(LaneOps::FromLimbs<F>(a), LaneOps::FromLimbs<F>(a + kCoord)));
      }
      at.push_back(b);
      sums.push_back(s);
      overflow_[b] = J::Infinity();
    }
    if (at.empty()) return;
    const std::vector<A> affine = J::BatchToAffine(sums);
    for (std::size_t i = 0; i < at.size(); ++i) {
      const std::size_t b = at[i];
      filled_[b] = affine[i].infinity ? 0 : 1;
      if (affine[i].infinity) continue;
      LaneOps::ToLimbs(affine[i].x, &acc_[b * kPoint]);
      LaneOps::ToLimbs(affine[i].y, &acc_[b * kPoint + kCoord]);
    }
  }

  // Puts an addition into the current batch; one whose accumulator is already in the batch
  // waits for the next batch (or, if too many wait, takes the Jacobian path).
  void Enqueue(const Entry& e) {
    if (busy_[e.bucket]) {
      if (deferred_.size() < kBatch) {
        deferred_.push_back(e);
      } else {
        overflow_[e.bucket] = overflow_[e.bucket].AddMixed(e.negate ? -points_[e.point] : points_[e.point]);
      }
      return;
    }
    busy_[e.bucket] = 1;
    Stage(pending_.size(), e);
    pending_.push_back(e);
    if (pending_.size() == batch_limit_) Flush();
  }

  // Copies entry `at`'s point into the batch's lane-ordered staging area,
  // and its accumulator's offset into the lane index vector. The points are read here in the
  // order the window visits them, so the hardware prefetcher streams the multi-megabyte point
  // table; the flush then loads whole lanes with plain vector loads instead of gathering from
  // it (those gathers missed the cache and were the largest single stall).
  void Stage(std::size_t at, const Entry& e) {
    const std::size_t step = at / kLanes, lane = at % kLanes;
    long long* dst = &staged_[step * kPoint].v[lane];
    const u64* src = &pts52_[static_cast<std::size_t>(e.point) * kPoint];
    for (int j = 0; j < kPoint; ++j) dst[j * kLanes] = static_cast<long long>(src[j]);
    staged_bucket_[step].v[lane] = static_cast<long long>(e.bucket) * kPoint;
    const __mmask8 bit = static_cast<__mmask8>(1u << lane);
    staged_negate_[step] = static_cast<__mmask8>((staged_negate_[step] & ~bit) | (e.negate ? bit : 0));
  }

  // Step s's staged coordinate (offset 0 for x, kCoord for y) as a lane vector.
  L StagedCoord(std::size_t s, int offset) const {
    L r;
    const Limbs8* base = &staged_[s * kPoint + static_cast<std::size_t>(offset)];
    for (int k = 0; k < K; ++k) {
      for (int j = 0; j < 5; ++j) r.c[k].l[j] = _mm512_load_si512(base[5 * k + j].v);
    }
    return r;
  }

  void Flush() {
    const std::size_t n = pending_.size();
    if (n == 0) {
      std::vector<Entry> waiting;
      waiting.swap(deferred_);
      for (const Entry& e : waiting) Enqueue(e);
      return;
    }
    const std::size_t steps = (n + kLanes - 1) / kLanes;
    const L one = LaneOps::One<K>();
    // Forward: denominators x_P - x_acc and per-lane prefix products. Lanes whose x coordinates
    // agree (doubling or cancellation, rare) are left to the Jacobian path.
    L product = one;
    __mmask8 special_any = 0;
    // Lanes past the last entry take accumulator 0 and are masked off.
    for (std::size_t e = n; e < steps * kLanes; ++e) {
      staged_bucket_[e / kLanes].v[e % kLanes] = 0;
    }
    for (std::size_t s = 0; s < steps; ++s) {
      Step& st = steps_[s];
      st.bidx = _mm512_load_si512(staged_bucket_[s].v);
      const std::size_t live = std::min(kLanes, n - s * kLanes);
      st.valid = static_cast<__mmask8>((1u << live) - 1);
      st.ax = LaneOps::Gather<K>(acc_.data(), st.bidx, 0);
      st.px = StagedCoord(s, 0);
      st.special = static_cast<__mmask8>(LaneOps::Equal(st.ax, st.px) & st.valid);
      const __mmask8 use = static_cast<__mmask8>(st.valid & ~st.special);
      st.denom = LaneOps::Blend(use, LaneOps::Sub(st.px, st.ax), one);
      st.prefix = product;
      special_any |= st.special;
      product = LaneOps::Mul(product, st.denom);
    }
    // Invert the eight lane products with one scalar inversion.
    L inv = LaneOps::Invert(product);
    // Backward: peel off each step's inverse and finish its additions.
    for (std::size_t s = steps; s-- > 0;) {
      const Step& st = steps_[s];
      L d_inv = LaneOps::Mul(inv, st.prefix);
      inv = LaneOps::Mul(inv, st.denom);
      const __mmask8 update = static_cast<__mmask8>(st.valid & ~st.special);
      L ay = LaneOps::Gather<K>(acc_.data(), st.bidx, kCoord);
      L py = LaneOps::NegateMasked(StagedCoord(s, kCoord), staged_negate_[s]);
      L lambda = LaneOps::Mul(d_inv, LaneOps::Sub(py, ay));
      L x3 = LaneOps::SubSum(LaneOps::Square(lambda), st.ax, st.px);
      L y3 = LaneOps::Canonical(LaneOps::Sub(LaneOps::Mul(lambda, LaneOps::Sub(st.ax, x3)), ay));
      LaneOps::Scatter(acc_.data(), st.bidx, 0, x3, update);
      LaneOps::Scatter(acc_.data(), st.bidx, kCoord, y3, update);
    }
    for (std::size_t e = 0; e < n; ++e) {
      const Entry& en = pending_[e];
      busy_[en.bucket] = 0;
      if (special_any && (steps_[e / kLanes].special >> (e % kLanes) & 1)) {
        overflow_[en.bucket] = overflow_[en.bucket].AddMixed(en.negate ? -points_[en.point] : points_[en.point]);
      }
    }
    pending_.clear();
    std::vector<Entry> waiting;
    waiting.swap(deferred_);
    for (const Entry& e : waiting) Enqueue(e);
  }

  std::span<const A> points_;
  const std::vector<u64>& pts52_;
  std::size_t splits_;
  std::size_t batch_limit_;
  std::size_t round_robin_ = 0;
  std::vector<u64> acc_;
  std::vector<std::uint8_t> filled_;
  std::vector<std::uint8_t> busy_;
  std::vector<J> overflow_;
  std::vector<Entry> pending_;
  std::vector<Entry> deferred_;
  std::vector<Step> steps_;
  std::vector<Limbs8> staged_;         // per step: kPoint limb vectors (x then y), lane = entry
  std::vector<Limbs8> staged_bucket_;  // per step: each lane's accumulator offset in acc_
  std::vector<__mmask8> staged_negate_;  // per step: the lanes whose point is subtracted
};
#endif


// Sums one window's points into its buckets and returns sum_v v * bucket[v].
template <class Cfg>
JacobianPoint<Cfg> AccumulateWindow(std::span<const AffinePoint<Cfg>> points,
                                    const std::vector<u64>& pts52,
                                    const std::vector<std::uint32_t>& idx,
                                    const std::int32_t* digits, std::size_t values,
                                    std::size_t splits) {
#ifdef DEPINFER_HAVE_IFMA
  if (!pts52.empty()) {
    IfmaWindow<Cfg> buckets(points, pts52, values, splits);
    // The point table (80 bytes a G1 point) is megabytes: fetch ahead of the staging copies.
    constexpr std::size_t kAhead = 16;
    constexpr std::size_t kPointBytes = IfmaWindow<Cfg>::kPoint * sizeof(u64);
    for (std::size_t i = 0; i < idx.size(); ++i) {
      if (i + kAhead < idx.size()) {
        const char* ahead = reinterpret_cast<const char*>(&pts52[static_cast<std::size_t>(idx[i + kAhead]) * IfmaWindow<Cfg>::kPoint]);
        for (std::size_t off = 0; off < kPointBytes; off += 64) _mm_prefetch(ahead + off, _MM_HINT_T0);
        _mm_prefetch(ahead + kPointBytes - 1, _MM_HINT_T0);
      }
      std::int32_t d = digits[i];
      if (d > 0) buckets.Add(static_cast<std::size_t>(d), idx[i], false);
      if (d < 0) buckets.Add(static_cast<std::size_t>(-d), idx[i], true);
    }
    return buckets.Finish();
  }
#endif
  (void)pts52;
  AffineBucketWindow<Cfg> buckets(points, values, splits);
  for (std::size_t i = 0; i < idx.size(); ++i) {
    std::int32_t d = digits[i];
    if (d > 0) buckets.Add(static_cast<std::size_t>(d), idx[i], false);
    if (d < 0) buckets.Add(static_cast<std::size_t>(-d), idx[i], true);
  }
  return buckets.Finish();
}

// The points in the IFMA layout (kPoint limbs each, indexed like `points`), or nothing when the
// vector path does not apply. Set DEPINFER_MSM_SCALAR=1 to force the portable path.
template <class Cfg>
std::vector<u64> PrepareIfmaPoints(std::span<const AffinePoint<Cfg>> points,
                                   const std::vector<std::uint32_t>& idx, bool vector_path) {
  std::vector<u64> out;
#ifdef DEPINFER_HAVE_IFMA
  if (!vector_path) return out;
  constexpr std::size_t kPoint = IfmaWindow<Cfg>::kPoint;
  constexpr std::size_t kCoord = IfmaWindow<Cfg>::kCoord;
  out.resize(points.size() * kPoint);
#pragma omp parallel for schedule(static) if (idx.size() > 4096)
  for (std::size_t k = 0; k < idx.size(); ++k) {
    std::size_t i = idx[k];
    LaneOps::ToLimbs(points[i].x, &out[i * kPoint]);
    LaneOps::ToLimbs(points[i].y, &out[i * kPoint + kCoord]);
  }
#endif
  (void)points;
  (void)idx;
  (void)vector_path;
  return out;
}

template <class Cfg>
JacobianPoint<Cfg> Pippenger(std::span<const AffinePoint<Cfg>> points,
                             const std::vector<Scalar>& scalars,
                             const std::vector<std::uint32_t>& idx, std::size_t bits,
                             bool vector_path) {
  using J = JacobianPoint<Cfg>;
  const std::size_t n = idx.size();
  if (n == 0) return J::Infinity();
  const MsmCostModel plan = !vector_path ? kScalarModel : std::is_same_v<Cfg, G1Cfg> ? kIfmaModel : kIfmaG2Model;
  const int c = ChooseWindowBits(n, bits, plan);
  const std::size_t windows = (bits + 1 + static_cast<std::size_t>(c) - 1) / static_cast<std::size_t>(c);
  std::vector<std::int32_t> digits(n * windows);
  // Sixteen scalars at a time, so each window's digits go out as whole cache lines (written
  // one by one with a stride of n they cost more than computing them).
  constexpr std::size_t kBlock = 16;
#pragma omp parallel for schedule(static) if (n > 4096)
  for (std::size_t i0 = 0; i0 < n; i0 += kBlock) {
    const std::size_t m = std::min(kBlock, n - i0);
    std::int32_t block[64 * kBlock];  // windows of 4 bits or more; narrower ones write directly
    std::int32_t* out = windows <= 64 ? block : &digits[i0];
    const std::size_t stride = windows <= 64 ? kBlock : n;
    for (std::size_t t = 0; t < m; ++t) SignedDigits(scalars[idx[i0 + t]], c, windows, out + t, stride);
    if (windows <= 64) {
      for (std::size_t w = 0; w < windows; ++w) {
        std::copy_n(&block[w * kBlock], m, &digits[w * n + i0]);
      }
    }
  }

  std::vector<J> window_sums(windows, J::Infinity());
  std::vector<u64> pts52 = PrepareIfmaPoints<Cfg>(points, idx, vector_path);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t w = 0; w < windows; ++w) {
    // Windows whose digits span few values (the top one) spread each value over several
    // accumulators so batches still fill.
    std::int32_t max_digit = 1;
    const std::int32_t* wd = &digits[w * n];
    for (std::size_t i = 0; i < n; ++i) max_digit = std::max(max_digit, std::abs(wd[i]));
    const std::size_t values = static_cast<std::size_t>(max_digit);
    // splits is a power of two, so picking the next accumulator is a mask, not a division.
    const std::size_t splits = AccumulatorsFor(values, n, plan.min_accumulators) / values;
    window_sums[w] = AccumulateWindow<Cfg>(points, pts52, idx, wd, values, splits);
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
               JacobianPoint<Cfg>* out, MsmPath path) {
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
  if (rest.size() < kStrausBelow) {
    std::vector<AffinePoint<Cfg>> ps(rest.size());
    std::vector<Scalar> ks(rest.size());
    for (std::size_t t = 0; t < rest.size(); ++t) {
      ps[t] = points[rest[t]];
      ks[t] = ints[rest[t]];
    }
    sum += StrausVartime<Cfg, 4>(ps, ks);
  } else {
    sum += Pippenger<Cfg>(points, ints, rest, bits, path == MsmPath::kAuto && UseIfma());
  }
  *out = sum;
  return Status::Ok();
}

int ChooseWindowBits(std::size_t n, std::size_t bits, const MsmCostModel& m) {
  // Cost in scalar field multiplications for ceil((bits+1)/c) windows, each: n batched affine
  // additions (with their share of the batch's inversion) and two Jacobian additions per
  // accumulator to sum the window (about 27 multiplications, or their lane equivalent).
  int best_c = 1;
  double best = 1e300;
  for (int c = 1; c <= 20; ++c) {
    const std::size_t values = std::size_t{1} << (c - 1);
    const std::size_t acc = AccumulatorsFor(values, n, m.min_accumulators);
    const double batch = static_cast<double>(BatchLimit(m.max_batch, acc));
    const double windows = static_cast<double>((bits + 1 + static_cast<std::size_t>(c) - 1) / static_cast<std::size_t>(c));
    const double cost = windows * (static_cast<double>(n) * (m.add_cost + m.inversion_cost / batch) +
                                   m.reduce_cost * static_cast<double>(acc));
    if (cost < best) {
      best = cost;
      best_c = c;
    }
  }
  return best_c;
}

}  // namespace

int MsmWindowBits(std::size_t n, std::size_t bits) {
  return ChooseWindowBits(n, bits, UseIfma() ? kIfmaModel : kScalarModel);
}

Status MsmG1(std::span<const G1Affine> points, std::span<const Fr> scalars, G1* out) {
  return MsmImpl<G1Cfg>(points, scalars, out, MsmPath::kAuto);
}

Status MsmG2(std::span<const G2Affine> points, std::span<const Fr> scalars, G2* out) {
  return MsmImpl<G2Cfg>(points, scalars, out, MsmPath::kAuto);
}

Status MsmG1(std::span<const G1Affine> points, std::span<const Fr> scalars, G1* out, MsmPath path) {
  return MsmImpl<G1Cfg>(points, scalars, out, path);
}

Status MsmG2(std::span<const G2Affine> points, std::span<const Fr> scalars, G2* out, MsmPath path) {
  return MsmImpl<G2Cfg>(points, scalars, out, path);
}

}  // namespace depinfer::math::bn254
