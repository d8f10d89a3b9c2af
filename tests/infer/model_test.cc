#include "infer/model.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>

#include "tiny_model.h"

namespace depinfer::infer {
namespace {

std::unique_ptr<Model> LoadTiny(const testing::TinySpec& spec = testing::TinySpec()) {
  auto f = GgufFile::FromBytes(testing::TinyLlama(spec));
  EXPECT_TRUE(f.ok()) << f.status().message();
  auto m = Model::FromGguf(std::move(f.value()));
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(m.value()) : nullptr;
}

std::string RealModelPath() {
  return std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
}

// Logits (all positions) of one sequence processed in one pass.
std::vector<float> PromptLogits(const Model& m, const std::vector<int32_t>& toks,
                                const ForwardOptions& opt) {
  KvCache cache(m.config(), static_cast<int>(toks.size()));
  std::vector<float> logits;
  Status s = m.Forward({SeqBatch{&cache, toks, true}}, opt, &logits);
  EXPECT_TRUE(s.ok()) << s.message();
  return logits;
}

// Logits of the same sequence fed one token at a time.
std::vector<float> DecodeLogits(const Model& m, const std::vector<int32_t>& toks,
                                const ForwardOptions& opt) {
  KvCache cache(m.config(), static_cast<int>(toks.size()));
  std::vector<float> all, step;
  for (int32_t t : toks) {
    Status s = m.Forward({SeqBatch{&cache, {t}, false}}, opt, &step);
    EXPECT_TRUE(s.ok()) << s.message();
    all.insert(all.end(), step.begin(), step.end());
  }
  return all;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

std::vector<int32_t> Tokens(int n, int vocab, int salt) {
  std::vector<int32_t> t(n);
  for (int i = 0; i < n; ++i) t[i] = (i * 37 + salt * 11 + 5) % vocab;
  return t;
}

// Each test runs on the tiny synthetic model (always) and on the real one (when present).
class Determinism : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      if (!std::filesystem::exists(RealModelPath())) {
        GTEST_SKIP() << "model not found at " << RealModelPath() << "; run scripts/fetch_model.sh";
      }
      auto m = Model::Load(RealModelPath());
      ASSERT_TRUE(m.ok()) << m.status().message();
      model_ = std::move(m.value());
      n_ = 24;
    } else {
      model_ = LoadTiny();
      ASSERT_NE(model_, nullptr);
      n_ = 40;
    }
  }
  std::unique_ptr<Model> model_;
  int n_ = 0;
};

TEST_P(Determinism, PromptProcessingEqualsTokenByTokenDecoding) {
  const auto toks = Tokens(n_, model_->config().n_vocab, 1);
  ForwardOptions opt;
  EXPECT_TRUE(SameBits(PromptLogits(*model_, toks, opt), DecodeLogits(*model_, toks, opt)));
}

// ForwardChunked hands over Forward's logits, in order, in chunks of the size asked for.
TEST_P(Determinism, ChunkedLogitsEqualForward) {
  const auto toks = Tokens(n_, model_->config().n_vocab, 4);
  ForwardOptions opt;
  opt.threads = 2;
  const std::vector<float> want = PromptLogits(*model_, toks, opt);
  const size_t vocab = static_cast<size_t>(model_->config().n_vocab);
  for (int chunk : {1, 7, 16, n_, 1000}) {
    KvCache cache(model_->config(), n_);
    std::vector<float> got;
    int next = 0;
    Status s = model_->ForwardChunked({SeqBatch{&cache, toks, true}}, opt, chunk,
                                      [&](int first, int count, const float* rows) {
                                        EXPECT_EQ(first, next);
                                        EXPECT_LE(count, chunk);
                                        next = first + count;
                                        got.insert(got.end(), rows, rows + count * vocab);
                                      });
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(cache.size(), n_);
    EXPECT_TRUE(SameBits(got, want)) << "chunk " << chunk;
  }
  KvCache cache(model_->config(), n_);
  EXPECT_FALSE(model_->ForwardChunked({SeqBatch{&cache, toks, true}}, opt, 0,
                                      [](int, int, const float*) {}).ok());
}

TEST_P(Determinism, ThreadCountDoesNotChangeBits) {
  const auto toks = Tokens(n_, model_->config().n_vocab, 2);
  ForwardOptions one, two;
  one.threads = 1;
  two.threads = 2;
  EXPECT_TRUE(SameBits(PromptLogits(*model_, toks, one), PromptLogits(*model_, toks, two)));
}

TEST_P(Determinism, ScalarEqualsAvx2AndAvx512) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels on this CPU or build";
  const auto toks = Tokens(GetParam() ? 6 : n_, model_->config().n_vocab, 3);
  ForwardOptions scalar;
  scalar.isa = Isa::kScalar;
  const std::vector<float> want = PromptLogits(*model_, toks, scalar);
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
    if (!IsaAvailable(isa)) continue;
    ForwardOptions simd;
    simd.isa = isa;
    EXPECT_TRUE(SameBits(want, PromptLogits(*model_, toks, simd))) << IsaName(isa);
  }
}

// A sequence's logits do not depend on what else shares the batch.
TEST_P(Determinism, BatchCompositionDoesNotChangeBits) {
  const int V = model_->config().n_vocab;
  const auto a = Tokens(n_ / 2, V, 4), b = Tokens(n_ / 3, V, 5), c = Tokens(3, V, 6);
  ForwardOptions opt;
  opt.threads = 2;
  const std::vector<float> alone = PromptLogits(*model_, a, opt);

  KvCache ca(model_->config(), 64), cb(model_->config(), 64), cc(model_->config(), 64);
  std::vector<float> mixed;
  ASSERT_TRUE(model_->Forward({{&cb, b, true}, {&ca, a, true}, {&cc, c, false}}, opt, &mixed).ok());
  const size_t nv = V;
  std::vector<float> a_part(mixed.begin() + b.size() * nv, mixed.begin() + (b.size() + a.size()) * nv);
  EXPECT_TRUE(SameBits(alone, a_part));

  // Continue all three by one token in one batch; sequence a's step equals its solo step.
  std::vector<float> step_mixed, step_alone;
  ASSERT_TRUE(model_->Forward({{&cc, {1}, false}, {&ca, {2}, false}, {&cb, {3}, false}}, opt,
                              &step_mixed).ok());
  KvCache solo(model_->config(), 64);
  std::vector<int32_t> a2 = a;
  a2.push_back(2);
  std::vector<float> solo_all = PromptLogits(*model_, a2, opt);
  std::vector<float> solo_last(solo_all.end() - nv, solo_all.end());
  std::vector<float> mixed_a(step_mixed.begin() + nv, step_mixed.begin() + 2 * nv);
  EXPECT_TRUE(SameBits(solo_last, mixed_a));
}

INSTANTIATE_TEST_SUITE_P(Models, Determinism, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "SmolLM2" : "Tiny"; });

TEST(Model, UntiedOutputAndAllFormatsLoad) {
  testing::TinySpec spec;
  spec.tied = false;
  auto m = LoadTiny(spec);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->config().head_dim, 16);
  EXPECT_EQ(m->config().kv_dim(), 32);
  auto logits = PromptLogits(*m, {1, 2, 3}, ForwardOptions());
  ASSERT_EQ(logits.size(), 3u * 96);
  for (float x : logits) ASSERT_TRUE(std::isfinite(x));
}

// A model whose matrices are K-quants and the other formats of llama.cpp's K-quant and IQ4 files
// (Q4_0, Q5_0, Q5_1, IQ4_NL, IQ4_XS, BF16) loads and keeps every determinism property.
TEST(Model, KQuantModelLoadsAndIsDeterministic) {
  testing::TinySpec spec;
  spec.n_embd = 256;
  spec.n_ff = 512;
  spec.tied = false;
  spec.types = {12 /*Q4_K*/, 14 /*Q6_K*/, 2 /*Q4_0*/,  6 /*Q5_0*/,  7 /*Q5_1*/,  3 /*Q4_1*/,
                8 /*Q8_0*/,  10 /*Q2_K*/, 11 /*Q3_K*/, 13 /*Q5_K*/, 20 /*IQ4_NL*/, 23 /*IQ4_XS*/,
                30 /*BF16*/};
  auto m = LoadTiny(spec);
  ASSERT_NE(m, nullptr);
  const auto toks = Tokens(20, m->config().n_vocab, 7);
  ForwardOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const std::vector<float> logits = PromptLogits(*m, toks, one);
  ASSERT_EQ(logits.size(), toks.size() * 96);
  for (float x : logits) ASSERT_TRUE(std::isfinite(x));
  EXPECT_TRUE(SameBits(logits, PromptLogits(*m, toks, two)));
  EXPECT_TRUE(SameBits(logits, DecodeLogits(*m, toks, one)));
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
    if (!IsaAvailable(isa)) continue;
    ForwardOptions scalar = one, simd = one;
    scalar.isa = Isa::kScalar;
    simd.isa = isa;
    EXPECT_TRUE(SameBits(PromptLogits(*m, toks, scalar), PromptLogits(*m, toks, simd))) << IsaName(isa);
  }
}

// Llama 3.1's rope_freqs.weight divides each pair's frequency: factors of 1 change nothing (to
// the bit), others change the answer, and factors that are not positive and finite, or too few,
// are refused at load. (Agreement with llama.cpp's use of them: InferLlamaCppAgreementLlama3.)
TEST(Model, RopeFrequencyFactors) {
  testing::TinySpec spec;
  const int pairs = spec.n_embd / spec.n_head / 2;
  const auto toks = Tokens(12, spec.n_vocab, 3);
  ForwardOptions opt;
  const std::vector<float> plain = PromptLogits(*LoadTiny(spec), toks, opt);
  spec.rope_freqs.assign(pairs, 1.0f);
  EXPECT_TRUE(SameBits(plain, PromptLogits(*LoadTiny(spec), toks, opt)));
  for (int i = pairs / 2; i < pairs; ++i) spec.rope_freqs[i] = 8.0f;
  auto scaled = LoadTiny(spec);
  const std::vector<float> logits = PromptLogits(*scaled, toks, opt);
  EXPECT_FALSE(SameBits(plain, logits));
  EXPECT_TRUE(SameBits(logits, DecodeLogits(*scaled, toks, opt)));
  for (float bad : {0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity()}) {
    spec.rope_freqs.assign(pairs, 1.0f);
    spec.rope_freqs[1] = bad;
    auto f = GgufFile::FromBytes(testing::TinyLlama(spec));
    ASSERT_TRUE(f.ok());
    auto m = Model::FromGguf(std::move(f.value()));
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_NE(m.status().message().find("rope_freqs"), std::string::npos) << m.status().message();
  }
  spec.rope_freqs.assign(pairs - 1, 1.0f);
  auto f = GgufFile::FromBytes(testing::TinyLlama(spec));
  ASSERT_TRUE(f.ok());
  auto m = Model::FromGguf(std::move(f.value()));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("rope_freqs"), std::string::npos) << m.status().message();
}

TEST(Model, RejectsBadInputWithoutChangingTheCache) {
  auto m = LoadTiny();
  ASSERT_NE(m, nullptr);
  KvCache cache(m->config(), 4);
  std::vector<float> logits;
  Status s = m->Forward({{&cache, {1, 96}, false}}, ForwardOptions(), &logits);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("out of range"), std::string::npos);
  s = m->Forward({{&cache, {1, 2, 3, 4, 5}, false}}, ForwardOptions(), &logits);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("longer than its cache"), std::string::npos);
  s = m->Forward({{&cache, {1}, false}, {&cache, {2}, false}}, ForwardOptions(), &logits);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(cache.size(), 0);
}

TEST(Model, RejectsWrongArchitectureAndShapes) {
  {
    testing::GgufBuilder b;
    b.KvString("general.architecture", "gpt2");
    auto f = GgufFile::FromBytes(b.Build());
    auto m = Model::FromGguf(std::move(f.value()));
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("not supported"), std::string::npos);
  }
  {
    // A model without blk.1.ffn_up.weight must fail clearly.
    std::string image = testing::TinyLlama();
    std::string needle = "blk.1.ffn_up.weight";
    size_t at = image.find(needle);
    ASSERT_NE(at, std::string::npos);
    image[at + 6] = 'X';  // rename to blk.1.Xfn_up.weight
    auto f2 = GgufFile::FromBytes(image);
    ASSERT_TRUE(f2.ok());
    auto m = Model::FromGguf(std::move(f2.value()));
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("blk.1.ffn_up.weight is missing"), std::string::npos);
  }
}

TEST(PageArena, IsZeroedAlignedWritableAndMovable) {
  PageArena empty;
  EXPECT_EQ(empty.data(), nullptr);
  PageArena a(3 << 20 | 5);  // not a whole number of huge pages
  ASSERT_NE(a.data(), nullptr);
  EXPECT_EQ(a.size(), size_t{3 << 20 | 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % (2 << 20), 0u);
  for (size_t i = 0; i < a.size(); i += 4093) ASSERT_EQ(a.data()[i], 0) << i;
  a.data()[a.size() - 1] = 7;
  uint8_t* p = a.data();
  PageArena b(std::move(a));
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.data()[b.size() - 1], 7);
  PageArena c(4096);
  c = std::move(b);  // frees c's own region
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(c.size(), size_t{3 << 20 | 5});
}

}  // namespace
}  // namespace depinfer::infer
