// `depinfer core-bench`: a short table of the BN254 core's own speed (pairing, MSM, NTT) on this
// machine. The full Google Benchmark suite is bench/math/math_bench.
#pragma once

namespace depinfer::app {

struct CoreBenchOptions {
  int msm_log2 = 16;   // MSM size 2^msm_log2
  int ntt_log2 = 20;   // NTT size 2^ntt_log2
  int repeats = 5;     // median of this many runs
};

// Runs the measurements and prints the table to stdout; returns a process exit code.
int RunCoreBench(const CoreBenchOptions& opts);

}  // namespace depinfer::app
