// Auditing a completion against generating it (issue: auditing a 256-token completion at least
// 5x faster than generating it). Loads the model once, then for each thread count alternates
// generation (batch 1, as a provider serves one request) and the teacher-forced audit of the
// result, and prints each run and the medians.
//   build/release/bench/infer/audit_ratio [MODEL.gguf] [--tokens 256] [--reps 5] [--threads 1,2]
//                                         [--isa scalar|avx2|avx512|amx]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "infer/generate.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace depinfer::infer;
  std::string path = std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
  int tokens = 256, reps = 5;
  std::vector<int> threads = {1, 2};
  Isa isa = BestIsa();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::puts("usage: audit_ratio [MODEL.gguf] [--tokens N] [--reps K] [--threads 1,2]\n"
                "                   [--isa scalar|avx2|avx512|amx]  (default: the best available)");
      return 0;
    }
    if (a == "--tokens" && i + 1 < argc) {
      tokens = std::atoi(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--isa" && i + 1 < argc) {
      if (!ParseIsa(argv[++i], &isa) || !IsaAvailable(isa)) {
        std::fprintf(stderr, "error: --isa %s is not available here\n", argv[i]);
        return 2;
      }
    } else if (a == "--threads" && i + 1 < argc) {
      threads.clear();
      for (const char* p = argv[++i]; *p;) {
        threads.push_back(std::atoi(p));
        while (*p && *p != ',') ++p;
        if (*p == ',') ++p;
      }
    } else {
      path = a;
    }
  }
  auto model = Model::Load(path);
  if (!model.ok()) {
    std::fprintf(stderr, "error: %s\n", model.status().message().c_str());
    return 1;
  }
  auto tok = Tokenizer::FromGguf(model.value()->file());
  if (!tok.ok()) {
    std::fprintf(stderr, "error: %s\n", tok.status().message().c_str());
    return 1;
  }
  GenerateRequest req;
  auto prompt = tok.value().EncodeChat({{"user", "Write a long story about a dragon who learns to cook."}}, true);
  if (!prompt.ok()) return 1;
  req.prompt = prompt.value();
  req.max_tokens = tokens;
  req.sampling.temperature = 0.8f;
  req.sampling.seed = 3;
  req.stop.clear();

  for (int th : threads) {
    ForwardOptions opt;
    opt.threads = th;
    opt.isa = isa;
    std::vector<double> gen, aud;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = Clock::now();
      auto res = Generate(*model.value(), tok.value(), req, opt);
      const auto t1 = Clock::now();
      if (!res.ok()) return 1;
      auto rep = Audit(*model.value(), req, res.value().tokens, opt);
      const auto t2 = Clock::now();
      if (!rep.ok() || !rep.value().match || rep.value().transcript != res.value().transcript) {
        std::fprintf(stderr, "audit did not reproduce the completion\n");
        return 1;
      }
      gen.push_back(Seconds(t0, t1));
      aud.push_back(Seconds(t1, t2));
      std::printf("threads %d run %d: %zu tokens generated in %.3f s, audited in %.3f s (%.2fx)\n",
                  th, r, res.value().tokens.size(), gen.back(), aud.back(), gen.back() / aud.back());
    }
    std::printf("threads %d median: generate %.3f s, audit %.3f s, ratio %.2fx\n", th, Median(gen),
                Median(aud), Median(gen) / Median(aud));
  }
  return 0;
}
