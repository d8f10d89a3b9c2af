// Google Benchmark suite for the circuit layer. Run:
//   build/release/bench/snark/snark_bench --benchmark_min_time=0.5
// Native Poseidon per width; building circuits with values (witness generation) and without
// (setup); the R1CS matrices; the satisfaction check.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "snark/merkle.h"
#include "snark/poseidon_gadget.h"

namespace depinfer::snark {
namespace {

struct Rng {
  std::mt19937_64 g{7};
  math::u64 operator()() { return g(); }
};

void BM_PoseidonNative(benchmark::State& state) {
  Rng rng;
  std::vector<Fr> in(static_cast<std::size_t>(state.range(0)));
  for (Fr& x : in) x = Fr::Random(rng);
  for (auto _ : state) {
    in[0] = Poseidon(in);
    benchmark::DoNotOptimize(in[0]);
  }
}
BENCHMARK(BM_PoseidonNative)->Name("poseidon/native")->DenseRange(1, 6);

// A chain of n Poseidon(2) hashes: about 240 n constraints.
void BuildChain(ConstraintSystem& cs, int n) {
  LC x = cs.PrivateInput("x", Fr::FromU64(1));
  for (int i = 0; i < n; ++i) {
    LC in[2] = {x, Fr::FromU64(static_cast<math::u64>(i))};
    x = PoseidonGadget(cs, in);
  }
  cs.PublicOutput("out", x);
}

void BM_BuildPoseidonChain(benchmark::State& state) {
  const auto mode = state.range(1) ? ConstraintSystem::Mode::kWithValues
                                   : ConstraintSystem::Mode::kWithoutValues;
  ConstraintSystem::Shape shape;
  if (state.range(2)) {  // reserve from the setup build, as a prover would
    ConstraintSystem setup(ConstraintSystem::Mode::kWithoutValues);
    BuildChain(setup, static_cast<int>(state.range(0)));
    shape = setup.shape();
  }
  std::size_t constraints = 0;
  for (auto _ : state) {
    ConstraintSystem cs(mode);
    cs.Reserve(shape);
    BuildChain(cs, static_cast<int>(state.range(0)));
    constraints = cs.num_constraints();
    benchmark::DoNotOptimize(cs);
  }
  state.counters["constraints"] = static_cast<double>(constraints);
  state.SetItemsProcessed(static_cast<std::int64_t>(constraints) * state.iterations());
}
BENCHMARK(BM_BuildPoseidonChain)
    ->Name("build/poseidon_chain")
    ->ArgNames({"hashes", "values", "reserved"})
    ->Args({137, 1, 0})
    ->Args({137, 1, 1})
    ->Args({137, 0, 0})
    ->Unit(benchmark::kMillisecond);

void BM_ToR1cs(benchmark::State& state) {
  ConstraintSystem cs(ConstraintSystem::Mode::kWithoutValues);
  BuildChain(cs, 137);
  for (auto _ : state) {
    R1cs r = cs.ToR1cs();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ToR1cs)->Name("r1cs/poseidon_chain_137")->Unit(benchmark::kMillisecond);

void BM_IsSatisfied(benchmark::State& state) {
  ConstraintSystem cs;
  BuildChain(cs, 137);
  for (auto _ : state) benchmark::DoNotOptimize(cs.IsSatisfied());
}
BENCHMARK(BM_IsSatisfied)->Name("is_satisfied/poseidon_chain_137")->Unit(benchmark::kMillisecond);

void BM_BuildMerkle32(benchmark::State& state) {
  Rng rng;
  std::vector<Fr> siblings(32);
  for (Fr& s : siblings) s = Fr::Random(rng);
  const Fr leaf = Fr::Random(rng);
  const Fr root = MerkleRoot(leaf, 12345, siblings);
  for (auto _ : state) {
    ConstraintSystem cs;
    Variable r = cs.PublicInput("root", root);
    Variable l = cs.PrivateInput("leaf", leaf);
    Variable index = cs.PrivateInput("index", Fr::FromU64(12345));
    std::vector<LC> sib;
    for (const Fr& s : siblings) sib.push_back(cs.PrivateInput("sibling", s));
    cs.AssertEqual(MerkleRootFromIndexGadget(cs, l, index, sib), r);
    benchmark::DoNotOptimize(cs);
  }
}
BENCHMARK(BM_BuildMerkle32)->Name("build/merkle_depth32_with_values")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace depinfer::snark

BENCHMARK_MAIN();
