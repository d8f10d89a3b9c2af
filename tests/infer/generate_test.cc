// End-to-end determinism on the real model: pinned transcript hashes for fixed prompts and
// seeds, the same under every thread count, ISA and batch, and reproduced by the audit.
#include "infer/generate.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace depinfer::infer {
namespace {

struct Case {
  const char* name;
  const char* prompt;
  SamplingParams sampling;
  int max_tokens;
  const char* transcript;  // pinned BLAKE2b chain
};

SamplingParams Greedy() { return SamplingParams(); }
SamplingParams Sampled(float temp, int top_k, float top_p, float min_p, float rep, uint64_t seed) {
  SamplingParams p;
  p.temperature = temp;
  p.top_k = top_k;
  p.top_p = top_p;
  p.min_p = min_p;
  p.repeat_penalty = rep;
  p.seed = seed;
  return p;
}

const Case kCases[] = {
    {"greedy", "What is the capital of France?", Greedy(), 24, 
     "e50d5db92542d60ec843e4eb1343ad820c2c5fa7c9f19f51962fe633bcf8fe7c"},
    {"top_p", "Write a haiku about the sea.", Sampled(0.8f, 0, 0.9f, 0, 1, 42), 24, 
     "39a6e3544d44f0ad18f24039d9d2e307f9ce6d8e3820f1b3e0a53cd4ba7500b0"},
    {"top_k_min_p", "List three colours.", Sampled(1.0f, 40, 1, 0.05f, 1.1f, 7), 24, 
     "7a597df12bb42dd97d30d1110284f0eaddd8b085ab4996fd6d8b9b75f4a44287"},
};

class Generation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string path = std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) return;
    auto m = Model::Load(path);
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = m.value().release();
    tok_ = new Tokenizer(std::move(Tokenizer::FromGguf(model_->file()).value()));
  }
  static void TearDownTestSuite() {
    delete tok_;
    delete model_;
    tok_ = nullptr;
    model_ = nullptr;
  }
  void SetUp() override {
    if (model_ == nullptr) {
      GTEST_SKIP() << "model not found in " << DEPINFER_MODEL_DIR << "; run scripts/fetch_model.sh";
    }
  }
  GenerateRequest Request(const Case& c) const {
    GenerateRequest r;
    r.prompt = tok_->EncodeChat({{"user", c.prompt}}, true).value();
    r.sampling = c.sampling;
    r.max_tokens = c.max_tokens;
    return r;
  }
  GenerateResult Run(const Case& c, int threads, Isa isa) const {
    ForwardOptions opt;
    opt.threads = threads;
    opt.isa = isa;
    auto r = Generate(*model_, *tok_, Request(c), opt);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r.value() : GenerateResult();
  }
  static Model* model_;
  static Tokenizer* tok_;
};
Model* Generation::model_ = nullptr;
Tokenizer* Generation::tok_ = nullptr;

TEST_F(Generation, GoldenTranscriptsAcrossThreads) {
  for (const Case& c : kCases) {
    const GenerateResult one = Run(c, 1, BestIsa());
    const GenerateResult two = Run(c, 2, BestIsa());
    EXPECT_EQ(one.transcript, c.transcript) << c.name << " output: " << one.text;
    EXPECT_EQ(two.transcript, c.transcript) << c.name;
    EXPECT_EQ(one.tokens, two.tokens) << c.name;
  }
}

TEST_F(Generation, ScalarKernelsGiveTheSameTranscript) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels to compare with";
  const Case& c = kCases[1];
  EXPECT_EQ(Run(c, 2, Isa::kScalar).transcript, c.transcript);
}

// Each kernel set this machine has besides the one BestIsa picks (which the tests above run):
// the AVX2 tiles where the AVX-512 ones are the default.
TEST_F(Generation, EveryKernelSetGivesThePinnedTranscripts) {
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
    if (!IsaAvailable(isa) || isa == BestIsa()) continue;
    for (const Case& c : kCases) EXPECT_EQ(Run(c, 2, isa).transcript, c.transcript) << c.name << " " << IsaName(isa);
  }
}

// Eight different requests decoded together, each equal to its solo run.
TEST_F(Generation, BatchOfEightEqualsSoloRuns) {
  std::vector<GenerateRequest> reqs;
  std::vector<std::string> want;
  for (int i = 0; i < 8; ++i) {
    Case c = kCases[i % 3];
    c.sampling.seed += i;  // distinct streams for the same prompts
    c.max_tokens = 8 + 3 * i;
    reqs.push_back(Request(c));
    want.push_back(Run(c, 1, BestIsa()).transcript);
  }
  ForwardOptions opt;
  opt.threads = 2;
  auto batch = GenerateBatch(*model_, *tok_, reqs, opt);
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(batch.value()[i].transcript, want[i]) << "request " << i;
}

TEST_F(Generation, AuditReproducesTheTranscriptAndCatchesTampering) {
  for (const Case& c : kCases) {
    const GenerateRequest req = Request(c);
    const GenerateResult gen = Run(c, 2, BestIsa());
    auto rep = Audit(*model_, req, gen.tokens, ForwardOptions());
    ASSERT_TRUE(rep.ok()) << rep.status().message();
    EXPECT_TRUE(rep.value().match) << c.name;
    EXPECT_EQ(rep.value().transcript, gen.transcript) << c.name;

    std::vector<int32_t> forged = gen.tokens;
    forged[5] = forged[5] == 100 ? 101 : 100;
    auto bad = Audit(*model_, req, forged, ForwardOptions());
    ASSERT_TRUE(bad.ok());
    EXPECT_FALSE(bad.value().match);
    EXPECT_EQ(bad.value().first_mismatch, 5) << c.name;
    EXPECT_NE(bad.value().transcript, gen.transcript);
  }
}

// An audit takes its logits in chunks of 64 steps (ForwardChunked): a completion over two chunks
// long is reproduced, and a change in its third chunk is found at its own step.
TEST_F(Generation, AuditOfALongCompletionSpansChunks) {
  GenerateRequest req;
  req.prompt = tok_->EncodeChat({{"user", "Write a long story about a dragon who learns to cook."}}, true).value();
  req.sampling = Sampled(0.8f, 0, 1, 0, 1, 3);
  req.max_tokens = 150;
  ForwardOptions opt;
  opt.threads = 2;
  auto gen = Generate(*model_, *tok_, req, opt);
  ASSERT_TRUE(gen.ok()) << gen.status().message();
  ASSERT_GT(gen.value().tokens.size(), 2u * 64) << "the completion stopped early";
  for (int threads : {1, 2}) {
    opt.threads = threads;
    auto rep = Audit(*model_, req, gen.value().tokens, opt);
    ASSERT_TRUE(rep.ok()) << rep.status().message();
    EXPECT_TRUE(rep.value().match);
    EXPECT_EQ(rep.value().transcript, gen.value().transcript) << threads << " threads";
  }
  std::vector<int32_t> forged = gen.value().tokens;
  forged[133] = forged[133] == 100 ? 101 : 100;
  auto bad = Audit(*model_, req, forged, opt);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad.value().match);
  EXPECT_EQ(bad.value().first_mismatch, 133);
}

TEST_F(Generation, StopSequencesAndLimits) {
  Case c = kCases[0];
  c.max_tokens = 5;
  GenerateResult r = Run(c, 1, BestIsa());
  EXPECT_EQ(r.tokens.size(), 5u);
  EXPECT_EQ(r.finish_reason, "length");

  GenerateRequest req = Request(kCases[0]);
  req.max_tokens = 40;
  const GenerateResult full = Generate(*model_, *tok_, req, ForwardOptions()).value();
  ASSERT_GT(full.text.size(), 6u);
  req.stop = {full.text.substr(3, 3)};
  const GenerateResult cut = Generate(*model_, *tok_, req, ForwardOptions()).value();
  EXPECT_EQ(cut.finish_reason, "stop");
  EXPECT_EQ(cut.text, full.text.substr(0, 3));

  req.max_tokens = 1 << 20;
  EXPECT_FALSE(Generate(*model_, *tok_, req, ForwardOptions()).ok());  // over the context
}

}  // namespace
}  // namespace depinfer::infer
