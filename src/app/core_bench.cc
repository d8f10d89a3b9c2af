#include "app/core_bench.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "math/msm.h"
#include "math/ntt.h"
#include "math/pairing.h"

namespace depinfer::app {
namespace {

using namespace depinfer::math;
using namespace depinfer::math::bn254;

double MedianMs(int repeats, const std::function<void()>& fn) {
  fn();  // warm-up
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void Row(const char* what, double ms, const char* floor) {
  if (ms < 1.0) {
    std::printf("  %-34s %10.1f us   %s\n", what, ms * 1000.0, floor);
  } else {
    std::printf("  %-34s %10.2f ms   %s\n", what, ms, floor);
  }
  std::fflush(stdout);
}

}  // namespace

int RunCoreBench(const CoreBenchOptions& opts) {
  struct Rng {
    std::mt19937_64 g{1};
    u64 operator()() { return g(); }
  } rng;
  std::printf("Depinfer BN254 core speed (%d threads, median of %d runs)\n", omp_get_max_threads(),
              opts.repeats);
  std::printf("  %-34s %13s   %s\n", "operation", "time", "floor");

  G1Affine p = G1::FromAffine(G1Generator()).ScalarMulVartime(Fr::Random(rng).ToInt()).ToAffine();
  G2Affine q = G2::FromAffine(G2Generator()).ScalarMulVartime(Fr::Random(rng).ToInt()).ToAffine();
  Row("pairing", MedianMs(opts.repeats * 4, [&] { (void)Pairing(p, q); }), "<= 1.0 ms");
  std::vector<G1Affine> ps(4, p);
  std::vector<G2Affine> qs(4, q);
  Row("multi-pairing, 4 pairs", MedianMs(opts.repeats * 2, [&] { (void)MultiPairing(ps, qs); }), "");

  const std::size_t n = std::size_t{1} << opts.msm_log2;
  std::vector<G1> jac(n);
  G1 acc = G1::FromAffine(p), step = G1::FromAffine(G1Generator()).ScalarMulVartime(Fr::Random(rng).ToInt());
  for (auto& x : jac) {
    x = acc;
    acc += step;
  }
  std::vector<G1Affine> bases = G1::BatchToAffine(jac);
  std::vector<Fr> scalars(n);
  for (auto& k : scalars) k = Fr::Random(rng);
  char label[64];
  std::snprintf(label, sizeof label, "G1 MSM, 2^%d random points", opts.msm_log2);
  Row(label, MedianMs(opts.repeats, [&] {
        G1 out;
        (void)MsmG1(bases, scalars, &out);
      }),
      opts.msm_log2 == 16 ? "<= 80 ms" : "");

  NttDomain domain(opts.ntt_log2);
  std::vector<Fr> data(domain.size());
  for (auto& x : data) x = Fr::Random(rng);
  std::snprintf(label, sizeof label, "NTT over Fr, 2^%d", opts.ntt_log2);
  Row(label, MedianMs(opts.repeats, [&] { domain.Forward(data); }), opts.ntt_log2 == 20 ? "<= 150 ms" : "");
  return 0;
}

}  // namespace depinfer::app
