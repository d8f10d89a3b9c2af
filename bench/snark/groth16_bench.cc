// Groth16 verification speed: one proof, and batches. Run:
//   build/release/bench/snark/groth16_bench
#include <benchmark/benchmark.h>

#include <random>

#include "snark/groth16/prover.h"
#include "snark/groth16/simulator.h"
#include "synthetic_circuit.h"

namespace depinfer::snark::groth16 {
namespace {

struct Rng {
  std::mt19937_64 g{3};
  std::uint64_t operator()() { return g(); }
};

// A key with `num_public` inputs and `n` proofs for random inputs.
struct Setup {
  PreparedVerifyingKey pvk;
  std::vector<std::vector<Fr>> inputs;
  std::vector<Proof> proofs;
  Setup(std::size_t num_public, std::size_t n) {
    Rng rng;
    Trapdoor td = Trapdoor::Random(rng, num_public);
    (void)PreparedVerifyingKey::Prepare(td.Key(), &pvk);
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<Fr> x(num_public);
      for (auto& v : x) v = Fr::Random(rng);
      inputs.push_back(x);
      proofs.push_back(td.Simulate(rng, x));
    }
  }
};

void BM_VerifyOne(benchmark::State& state) {
  Setup s(static_cast<std::size_t>(state.range(0)), 1);
  for (auto _ : state) benchmark::DoNotOptimize(s.pvk.Verify(s.inputs[0], s.proofs[0]));
}
BENCHMARK(BM_VerifyOne)->Name("groth16/verify/public_inputs")->Arg(7)->Unit(benchmark::kMicrosecond);

void BM_VerifyBatch(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  Setup s(7, n);
  std::vector<bool> bad;
  for (auto _ : state) benchmark::DoNotOptimize(s.pvk.VerifyBatch(s.inputs, s.proofs, &bad));
  state.counters["us_per_proof"] = benchmark::Counter(
      static_cast<double>(n) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_VerifyBatch)->Name("groth16/verify_batch")->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Prove(benchmark::State& state) {
  SyntheticCircuit c(static_cast<int>(state.range(0)));
  ProvingKey pk;
  const std::uint8_t seed[32] = {9};
  if (!groth16::Setup(c.r1cs, &pk, seed).ok()) state.SkipWithError("setup failed");
  for (auto _ : state) {
    Proof p;
    benchmark::DoNotOptimize(Prove(pk, c.witness, &p));
  }
  state.counters["constraints"] = static_cast<double>(c.r1cs.num_constraints());
}
BENCHMARK(BM_Prove)->Name("groth16/prove/log2_constraints")->DenseRange(12, 16, 2)->Arg(18)->Arg(20)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace depinfer::snark::groth16

BENCHMARK_MAIN();
