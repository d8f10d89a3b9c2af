// Completions: generation (one or many sequences in lockstep) and the teacher-forced audit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/model.h"
#include "infer/sampler.h"
#include "infer/status.h"
#include "infer/tokenizer.h"

namespace depinfer::infer {

struct GenerateRequest {
  std::vector<int32_t> prompt;  // already tokenised (chat template applied if wanted)
  SamplingParams sampling;
  int max_tokens = 128;
  std::vector<std::string> stop;  // stop sequences, matched on the decoded output text
  // Log-probabilities to report: -1 none; k >= 0 the chosen token's and the k most likely
  // tokens' (at most kMaxTopLogprobs), for every output token that adds text.
  int logprobs = -1;
};

constexpr int kMaxTopLogprobs = 20;

// An output token's log-probability under the model's distribution at its step (the softmax of
// the raw logits: before repetition penalty, temperature and truncation, which shape the draw,
// not the model), with the most likely alternatives, most likely first (lower id on ties).
struct TokenLogprob {
  int32_t token = 0;
  double logprob = 0;
  std::vector<std::pair<int32_t, double>> top;
  size_t text_end = 0;  // length of the output text once this token's bytes are added
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // output tokens (including a final stop token, if any)
  std::string text;             // decoded output, cut before a matched stop sequence
  std::string finish_reason;    // "stop" or "length"
  std::string transcript;       // Transcript::Hex()
  std::vector<TokenLogprob> logprobs;  // when requested: one per token that added text
};

// The log-probability of `token` and the `k` most likely tokens under softmax(logits), in
// double precision with a fixed summation order (the same bits everywhere).
TokenLogprob LogprobsOf(const float* logits, int n_vocab, int32_t token, int k);

// One completion in progress: its cache, the tokens so far and its transcript. GenerateBatch and
// the provider's continuous-batching engine both drive sequences through these calls.
class Sequence {
 public:
  // Fails if the request is empty or does not fit in the model's context.
  static Result<std::unique_ptr<Sequence>> Start(const Model& model, const GenerateRequest& req);

  // What to feed the model next: the whole prompt first, then the last chosen token.
  SeqBatch NextInput();
  // Chooses the next token from this step's logits, records it and updates done().
  int32_t Step(const Tokenizer& tok, const float* logits);
  // Step in two halves, so that several sequences' logits digests can be computed together
  // (LogitsDigests): Choose does everything but the transcript entry, Record adds it from the
  // digest of the logits Choose read. result().transcript is set by the Record that ends it.
  int32_t Choose(const Tokenizer& tok, const float* logits);
  void Record(const unsigned char logits_digest[32]);
  // Prompt sharing (the n choices of one request): takes `from`'s processed prompt instead of
  // running it. `from` has taken its first step from the same prompt; this sequence has not
  // started. Its first Step then takes the logits `from`'s first step used.
  Status AdoptPrompt(const Sequence& from);
  bool started() const { return started_; }

  bool done() const { return done_; }
  const GenerateRequest& request() const { return req_; }
  const GenerateResult& result() const { return result_; }  // transcript set once done()
  int prompt_tokens() const { return static_cast<int>(req_.prompt.size()); }
  int vocab_size() const { return model_.config().n_vocab; }

 private:
  Sequence(const Model& model, const GenerateRequest& req, int capacity);
  const Model& model_;
  GenerateRequest req_;
  KvCache cache_;
  std::vector<int32_t> history_;
  Transcript transcript_;
  GenerateResult result_;
  bool started_ = false;
  bool done_ = false;
};

// Steps several sequences at once, seqs[i] from logits[i], on up to `threads` threads: each
// step (sampling, logprobs) touches only its own sequence, and one thread computes all the
// logits digests together in the vector lanes meanwhile.
void StepAll(const Tokenizer& tok, const std::vector<Sequence*>& seqs,
             const std::vector<const float*>& logits, int threads, Isa isa = BestIsa());

// Runs the requests together: one prompt-processing pass for all prompts, then one forward
// step per output token shared by every unfinished sequence. Because the engine is batch
// invariant, each result equals what the request would get alone.
Result<std::vector<GenerateResult>> GenerateBatch(const Model& model, const Tokenizer& tok,
                                                  const std::vector<GenerateRequest>& requests,
                                                  const ForwardOptions& opt);
Result<GenerateResult> Generate(const Model& model, const Tokenizer& tok,
                                const GenerateRequest& request, const ForwardOptions& opt);

struct AuditReport {
  bool match = false;
  int steps = 0;
  int first_mismatch = -1;  // step whose token the sampler would not choose, or -1
  std::string transcript;
};
// Recomputes a completion in one teacher-forced pass over prompt + output: the logits of every
// step, the token the sampler picks from them, and the transcript hash.
Result<AuditReport> Audit(const Model& model, const GenerateRequest& request,
                          const std::vector<int32_t>& output, const ForwardOptions& opt);

}  // namespace depinfer::infer
