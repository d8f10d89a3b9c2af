// depinfer-generate: run one prompt through the engine and print the completion, its transcript
// hash and timings. Exit codes: 0 ok, 1 runtime failure (bad model, failed audit), 2 bad usage.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "infer/generate.h"

namespace {

using namespace depinfer::infer;
using Clock = std::chrono::steady_clock;

const char kUsage[] =
    "usage: depinfer-generate --model FILE.gguf --prompt TEXT [options]\n"
    "  --chat                 wrap the prompt as a user message in the model's chat template\n"
    "  --system TEXT          system message (with --chat)\n"
    "  --max-tokens N         output budget (default 128)\n"
    "  --temperature T        0 = greedy (default 0)\n"
    "  --top-k K --top-p P --min-p P --repeat-penalty R --seed S\n"
    "  --stop STR             stop sequence (repeatable)\n"
    "  --threads N            worker threads (default 1)\n"
    "  --isa scalar|avx2|avx512|amx  kernel set (default: best available)\n"
    "  --audit                re-check the completion in one teacher-forced pass\n"
    "  --quiet                print only the transcript hash\n";

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, prompt, system;
  bool chat = false, audit = false, quiet = false;
  GenerateRequest req;
  ForwardOptions opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n%s", a.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--model") model_path = next();
    else if (a == "--prompt") prompt = next();
    else if (a == "--system") system = next();
    else if (a == "--chat") chat = true;
    else if (a == "--audit") audit = true;
    else if (a == "--quiet") quiet = true;
    else if (a == "--max-tokens") req.max_tokens = std::atoi(next());
    else if (a == "--temperature") req.sampling.temperature = std::strtof(next(), nullptr);
    else if (a == "--top-k") req.sampling.top_k = std::atoi(next());
    else if (a == "--top-p") req.sampling.top_p = std::strtof(next(), nullptr);
    else if (a == "--min-p") req.sampling.min_p = std::strtof(next(), nullptr);
    else if (a == "--repeat-penalty") req.sampling.repeat_penalty = std::strtof(next(), nullptr);
    else if (a == "--seed") req.sampling.seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--stop") req.stop.push_back(next());
    else if (a == "--threads") opt.threads = std::max(1, std::atoi(next()));
    else if (a == "--isa") {
      const std::string v = next();
      if (!ParseIsa(v, &opt.isa)) { std::fprintf(stderr, "bad --isa %s\n", v.c_str()); return 2; }
      if (!IsaAvailable(opt.isa)) { std::fprintf(stderr, "%s kernels not available here\n", v.c_str()); return 2; }
    } else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); return 0; }
    else { std::fprintf(stderr, "unknown option %s\n%s", a.c_str(), kUsage); return 2; }
  }
  if (model_path.empty() || prompt.empty()) { std::fputs(kUsage, stderr); return 2; }

  auto t0 = Clock::now();
  auto model = Model::Load(model_path);
  if (!model.ok()) { std::fprintf(stderr, "error: %s\n", model.status().message().c_str()); return 1; }
  auto tok = Tokenizer::FromGguf(model.value()->file());
  if (!tok.ok()) { std::fprintf(stderr, "error: %s\n", tok.status().message().c_str()); return 1; }
  if (chat) {
    std::vector<ChatMessage> msgs;
    if (!system.empty()) msgs.push_back({"system", system});
    msgs.push_back({"user", prompt});
    auto ids = tok.value().EncodeChat(msgs, true);
    if (!ids.ok()) { std::fprintf(stderr, "error: %s\n", ids.status().message().c_str()); return 1; }
    req.prompt = ids.value();
  } else {
    req.prompt = tok.value().Encode(prompt, /*parse_special=*/false);
  }
  const std::string& id = model.value()->id();
  auto t1 = Clock::now();

  // Time prompt processing and decoding separately: a 1-token run measures the prompt pass.
  GenerateRequest first = req;
  first.max_tokens = 1;
  auto p0 = Clock::now();
  auto pp = Generate(*model.value(), tok.value(), first, opt);
  auto p1 = Clock::now();
  auto res = Generate(*model.value(), tok.value(), req, opt);
  auto t2 = Clock::now();
  if (!pp.ok() || !res.ok()) {
    std::fprintf(stderr, "error: %s\n", (pp.ok() ? res.status() : pp.status()).message().c_str());
    return 1;
  }
  const GenerateResult& r = res.value();
  const double pp_s = Seconds(p0, p1), total_s = Seconds(p1, t2);
  const double gen_s = std::max(1e-9, total_s - pp_s);
  const size_t n_out = r.tokens.size();
  if (quiet) {
    std::printf("%s\n", r.transcript.c_str());
  } else {
    std::printf("%s\n", r.text.c_str());
    std::fprintf(stderr,
                 "\nmodel %s (%s)\nprompt %zu tokens, output %zu tokens, finish %s\n"
                 "transcript %s\nload %.2f s | prompt %.1f tok/s | generation %.1f tok/s "
                 "(%d threads, %s)\n",
                 model_path.c_str(), id.substr(0, 16).c_str(), req.prompt.size(), n_out,
                 r.finish_reason.c_str(), r.transcript.c_str(), Seconds(t0, t1),
                 req.prompt.size() / pp_s, n_out > 1 ? (n_out - 1) / gen_s : 0.0, opt.threads,
                 IsaName(opt.isa));
  }
  if (audit) {
    auto a0 = Clock::now();
    auto rep = Audit(*model.value(), req, r.tokens, opt);
    auto a1 = Clock::now();
    if (!rep.ok()) { std::fprintf(stderr, "audit error: %s\n", rep.status().message().c_str()); return 1; }
    const bool ok = rep.value().match && rep.value().transcript == r.transcript;
    std::fprintf(stderr, "audit %s: %d steps in %.3f s (generation took %.3f s), transcript %s\n",
                 ok ? "MATCH" : "MISMATCH", rep.value().steps, Seconds(a0, a1), total_s,
                 rep.value().transcript.c_str());
    if (!ok) {
      std::fprintf(stderr, "first differing step: %d\n", rep.value().first_mismatch);
      return 1;
    }
  }
  return 0;
}
