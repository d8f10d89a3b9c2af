// Join-split figures for docs/BENCHMARKS.md: proving (the issue asks for the median of 20),
// witness building alone, verifying one proof, and a batch of 64.
//
//   build/release/bench/shield/shield_joinsplit_bench --benchmark_repetitions=20
//       --benchmark_filter=prove --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>

#include "../../tests/shield/shield_test_util.h"

namespace depinfer::shield {
namespace {

using testing::Fixture;
using testing::TestKeys;

void BM_Prove(benchmark::State& state) {
  Fixture f(70, 30, 90, 10);
  const JoinSplitPublic pub = f.Public();
  const JoinSplitKeys& keys = TestKeys();
  for (auto _ : state) {
    Proof proof;
    if (!keys.Prove(pub, f.wit, &proof).ok()) state.SkipWithError("prove failed");
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_Prove)->Name("joinsplit/prove")->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void BM_Witness(benchmark::State& state) {
  Fixture f(70, 30, 90, 10);
  const JoinSplitPublic pub = f.Public();
  for (auto _ : state) {
    snark::ConstraintSystem cs;
    BuildJoinSplit(cs, &pub, &f.wit);
    benchmark::DoNotOptimize(cs.Witness());
  }
}
BENCHMARK(BM_Witness)->Name("joinsplit/build_witness")->Unit(benchmark::kMillisecond);

void BM_Verify(benchmark::State& state) {
  Fixture f(70, 30, 90, 10);
  const JoinSplitPublic pub = f.Public();
  Proof proof;
  if (!TestKeys().Prove(pub, f.wit, &proof).ok()) state.SkipWithError("prove failed");
  for (auto _ : state) benchmark::DoNotOptimize(TestKeys().Verify(pub, proof));
}
BENCHMARK(BM_Verify)->Name("joinsplit/verify")->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_VerifyBatch(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  Fixture f(70, 30, 90, 10);
  std::vector<std::vector<Fr>> inputs;
  std::vector<Proof> proofs;
  // Distinct proofs of one statement (fresh randomness each) stand in for distinct
  // transactions: the verifier's work is the same.
  const JoinSplitPublic pub = f.Public();
  for (std::size_t i = 0; i < n; ++i) {
    Proof p;
    if (!TestKeys().Prove(pub, f.wit, &p).ok()) state.SkipWithError("prove failed");
    proofs.push_back(p);
    inputs.push_back(pub.ToVector());
  }
  for (auto _ : state) {
    std::vector<bool> bad;
    if (!TestKeys().prepared().VerifyBatch(inputs, proofs, &bad).ok()) {
      state.SkipWithError("batch failed");
    }
  }
  state.counters["per_proof_us"] = benchmark::Counter(
      static_cast<double>(n) * 1e-6, benchmark::Counter::kIsIterationInvariantRate |
                                          benchmark::Counter::kInvert);
}
BENCHMARK(BM_VerifyBatch)->Name("joinsplit/verify_batch")->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace depinfer::shield

BENCHMARK_MAIN();
