// Google Benchmark suite for the BN254 core (issue: foundation). Run:
//   build/release/bench/math/math_bench --benchmark_min_time=0.5s
// Figures and the machine they came from are kept in docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <random>

#include "math/fixed_base.h"
#include "math/msm.h"
#include "math/ntt.h"
#include "math/pairing.h"

namespace depinfer::math::bn254 {
namespace {

struct Rng {
  std::mt19937_64 g{7};
  u64 operator()() { return g(); }
};

template <class F>
void BM_FieldMul(benchmark::State& state) {
  Rng rng;
  F a = F::Random(rng), b = F::Random(rng), c = F::Random(rng), d = F::Random(rng);
  for (auto _ : state) {
    // Two independent chains: the figure is throughput, as in MSM and NTT inner loops.
    a = a * b;
    c = c * d;
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_FieldMul<Fp>)->Name("Fp/mul");
BENCHMARK(BM_FieldMul<Fr>)->Name("Fr/mul");

template <class F>
void BM_FieldInverse(benchmark::State& state) {
  Rng rng;
  F a = F::Random(rng);
  const bool vartime = state.range(0) != 0;
  for (auto _ : state) {
    a = vartime ? a.InverseVartime() : a.Inverse();
    a += F::One();
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_FieldInverse<Fp>)->Name("Fp/inverse_consttime")->Arg(0);
BENCHMARK(BM_FieldInverse<Fp>)->Name("Fp/inverse_vartime")->Arg(1);
BENCHMARK(BM_FieldInverse<Fr>)->Name("Fr/inverse_consttime")->Arg(0);

void BM_G1Add(benchmark::State& state) {
  G1 p = G1::FromAffine(G1Generator()).Double(), q = p.Double();
  for (auto _ : state) {
    p = p + q;
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_G1Add)->Name("G1/add");

void BM_G1AddMixed(benchmark::State& state) {
  G1 p = G1::FromAffine(G1Generator()).Double();
  G1Affine q = p.Double().ToAffine();
  for (auto _ : state) {
    p = p.AddMixed(q);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_G1AddMixed)->Name("G1/add_mixed");

void BM_G1Double(benchmark::State& state) {
  G1 p = G1::FromAffine(G1Generator());
  for (auto _ : state) {
    p = p.Double();
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_G1Double)->Name("G1/double");

template <class J>
void BM_ScalarMul(benchmark::State& state, const typename J::Affine& gen) {
  Rng rng;
  J p = J::FromAffine(gen);
  BigInt<4> k = Fr::Random(rng).ToInt();
  const bool ct = state.range(0) != 0;
  for (auto _ : state) {
    J r = ct ? p.ScalarMulConstTime(k) : p.ScalarMulVartime(k);
    benchmark::DoNotOptimize(r);
  }
}
void BM_G1ScalarMul(benchmark::State& s) { BM_ScalarMul<G1>(s, G1Generator()); }
void BM_G2ScalarMul(benchmark::State& s) { BM_ScalarMul<G2>(s, G2Generator()); }
BENCHMARK(BM_G1ScalarMul)->Name("G1/scalar_mul_vartime")->Arg(0);
BENCHMARK(BM_G1ScalarMul)->Name("G1/scalar_mul_consttime")->Arg(1);
BENCHMARK(BM_G2ScalarMul)->Name("G2/scalar_mul_vartime")->Arg(0);
BENCHMARK(BM_G2ScalarMul)->Name("G2/scalar_mul_consttime")->Arg(1);

// A setup's fixed-base products: table lookups (public scalars) against the constant-time
// scan of every entry (secrets).
template <class Cfg>
void BM_FixedBase(benchmark::State& state, const math::AffinePoint<Cfg>& gen) {
  Rng rng;
  static const math::FixedBaseTable<Cfg> table(gen);
  BigInt<4> k = Fr::Random(rng).ToInt();
  const bool ct = state.range(0) != 0;
  for (auto _ : state) {
    auto r = ct ? table.MulConstTime(k) : table.MulVartime(k);
    benchmark::DoNotOptimize(r);
  }
}
void BM_G1FixedBase(benchmark::State& s) { BM_FixedBase(s, G1Generator()); }
void BM_G2FixedBase(benchmark::State& s) { BM_FixedBase(s, G2Generator()); }
BENCHMARK(BM_G1FixedBase)->Name("G1/fixed_base_vartime")->Arg(0);
BENCHMARK(BM_G1FixedBase)->Name("G1/fixed_base_consttime")->Arg(1);
BENCHMARK(BM_G2FixedBase)->Name("G2/fixed_base_vartime")->Arg(0);
BENCHMARK(BM_G2FixedBase)->Name("G2/fixed_base_consttime")->Arg(1);

void BM_G2SubgroupCheck(benchmark::State& state) {
  G2 q = G2::FromAffine(G2Generator()).Double();
  for (auto _ : state) benchmark::DoNotOptimize(IsInG2SubgroupVartime(q));
}
BENCHMARK(BM_G2SubgroupCheck)->Name("G2/subgroup_check");

// The batched test on 64 points (eight groups of eight lanes on IFMA); the rate is per point.
void BM_G2SubgroupCheckBatch(benchmark::State& state) {
  std::vector<G2Affine> pts;
  G2 q = G2::FromAffine(G2Generator());
  for (int i = 0; i < 64; ++i) {
    q = q.Double();
    pts.push_back(q.ToAffine());
  }
  std::vector<std::uint8_t> ok(pts.size());
  for (auto _ : state) {
    IsInG2SubgroupBatchVartime(pts, ok.data());
    benchmark::DoNotOptimize(ok.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * pts.size()));
}
BENCHMARK(BM_G2SubgroupCheckBatch)->Name("G2/subgroup_check_batch64")->Unit(benchmark::kMicrosecond);

void BM_Pairing(benchmark::State& state) {
  G1Affine p = G1Generator();
  G2Affine q = G2Generator();
  for (auto _ : state) benchmark::DoNotOptimize(Pairing(p, q));
}
BENCHMARK(BM_Pairing)->Name("pairing/single")->Unit(benchmark::kMicrosecond);

void BM_MultiPairing(benchmark::State& state) {
  Rng rng;
  std::vector<G1Affine> ps;
  std::vector<G2Affine> qs;
  for (int i = 0; i < state.range(0); ++i) {
    ps.push_back(G1::FromAffine(G1Generator()).ScalarMulVartime(Fr::Random(rng).ToInt()).ToAffine());
    qs.push_back(G2::FromAffine(G2Generator()).ScalarMulVartime(Fr::Random(rng).ToInt()).ToAffine());
  }
  for (auto _ : state) benchmark::DoNotOptimize(MultiPairing(ps, qs));
}
BENCHMARK(BM_MultiPairing)->Name("pairing/multi")->Arg(4)->Unit(benchmark::kMicrosecond);

void BM_MillerLoopPrepared(benchmark::State& state) {
  G1Affine p = G1Generator();
  G2Prepared prep = PrepareG2(G2Generator());
  const G2Prepared* ptr = &prep;
  for (auto _ : state) {
    benchmark::DoNotOptimize(MillerLoop(std::span<const G1Affine>(&p, 1),
                                        std::span<const G2Prepared* const>(&ptr, 1)));
  }
}
BENCHMARK(BM_MillerLoopPrepared)->Name("pairing/miller_loop_prepared")->Unit(benchmark::kMicrosecond);

void BM_FinalExp(benchmark::State& state) {
  Fp12 f = Pairing(G1Generator(), G2Generator());
  for (auto _ : state) benchmark::DoNotOptimize(FinalExponentiation(f));
}
BENCHMARK(BM_FinalExp)->Name("pairing/final_exponentiation")->Unit(benchmark::kMicrosecond);

// Random points: a random base point and its successive sums (cheap to make, all distinct).
template <class J>
std::vector<typename J::Affine> RandomPoints(std::size_t n, const typename J::Affine& gen) {
  Rng rng;
  std::vector<J> pts(n);
  J step = J::FromAffine(gen).ScalarMulVartime(Fr::Random(rng).ToInt());
  J acc = J::FromAffine(gen).ScalarMulVartime(Fr::Random(rng).ToInt());
  for (auto& p : pts) {
    p = acc;
    acc += step;
  }
  return J::BatchToAffine(pts);
}

template <class J>
void BM_Msm(benchmark::State& state, const typename J::Affine& gen) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  Rng rng;
  auto pts = RandomPoints<J>(n, gen);
  std::vector<Fr> ks(n);
  for (auto& k : ks) k = Fr::Random(rng);
  for (auto _ : state) {
    J out;
    Status st;
    if constexpr (std::is_same_v<J, G1>) st = MsmG1(pts, ks, &out); else st = MsmG2(pts, ks, &out);
    benchmark::DoNotOptimize(out);
  }
  state.counters["threads"] = omp_get_max_threads();
}
void BM_MsmG1(benchmark::State& s) { BM_Msm<G1>(s, G1Generator()); }
void BM_MsmG2(benchmark::State& s) { BM_Msm<G2>(s, G2Generator()); }
// The portable bucket accumulator (the reference the vector one twins), for side-by-side figures.
void BM_MsmG2Portable(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  Rng rng;
  auto pts = RandomPoints<G2>(n, G2Generator());
  std::vector<Fr> ks(n);
  for (auto& k : ks) k = Fr::Random(rng);
  for (auto _ : state) {
    G2 out;
    Status st = MsmG2(pts, ks, &out, MsmPath::kPortable);
    benchmark::DoNotOptimize(out);
  }
  state.counters["threads"] = omp_get_max_threads();
}
BENCHMARK(BM_MsmG1)->Name("msm/g1")->RangeMultiplier(4)->Arg(1 << 10)->Arg(1 << 12)->Arg(1 << 16)->Arg(1 << 20)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MsmG2)->Name("msm/g2")->Arg(1 << 14)->Arg(1 << 16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MsmG2Portable)->Name("msm/g2_portable")->Arg(1 << 14)->Arg(1 << 16)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Ntt(benchmark::State& state) {
  const int log_n = static_cast<int>(state.range(0));
  NttDomain d(log_n);
  Rng rng;
  std::vector<Fr> a(d.size());
  for (auto& x : a) x = Fr::Random(rng);
  for (auto _ : state) {
    d.Forward(a);
    benchmark::ClobberMemory();
  }
  state.counters["threads"] = omp_get_max_threads();
}
BENCHMARK(BM_Ntt)->Name("ntt/forward_log2")->Arg(16)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace depinfer::math::bn254

BENCHMARK_MAIN();
