// Token sampling with a counter-based random source, and the transcript hash.
//
// The random number for step i of a completion is ChaCha20(key = BLAKE2b(seed), block i): it
// depends only on the seed and the step, so an auditor can recompute any single step without
// replaying the others, and the result never depends on scheduling or batch order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/quant.h"

namespace depinfer::infer {

struct SamplingParams {
  float temperature = 0.0f;  // <= 0: greedy (argmax, lowest id on ties)
  int top_k = 0;             // 0: off
  float top_p = 1.0f;        // 1: off
  float min_p = 0.0f;        // 0: off
  float repeat_penalty = 1.0f;
  int repeat_last_n = 64;    // how many recent tokens the penalty looks at
  uint64_t seed = 0;
};

// Uniform double in [0, 1) for (seed, step): 53 bits of ChaCha20 keystream.
double UniformForStep(uint64_t seed, uint64_t step);

// Chooses the next token from `logits` (n_vocab values). `history` is every token so far
// (prompt and output), used by the repetition penalty; `step` numbers the output tokens from 0.
// Order: repetition penalty, then greedy or top-k, temperature, softmax, top-p, min-p, draw.
int32_t SampleToken(const float* logits, int n_vocab, const std::vector<int32_t>& history,
                    uint64_t step, const SamplingParams& p);

// BLAKE2b-256 chain over a completion: h0 = H(domain, model id, prompt tokens), then per step
// h = H(h, token, H(logits)). Floats are hashed as their little-endian IEEE bits.
class Transcript {
 public:
  Transcript(const std::string& model_id, const std::vector<int32_t>& prompt);
  void AddStep(int32_t token, const float* logits, int n_vocab);
  // The same step from a digest LogitsDigest has already computed.
  void AddStepDigest(int32_t token, const unsigned char logits_digest[32]);
  std::string Hex() const;
  int steps() const { return steps_; }

 private:
  unsigned char h_[32];
  int steps_ = 0;
};

// BLAKE2b-256 of a float array's bits (the per-step logits digest), and its hex.
void LogitsDigest(const float* logits, int n, unsigned char out[32]);
// LogitsDigest of `count` rows of n floats each, eight at a time in the vector lanes where `isa`
// has the AVX-512 twins (about 6x faster per row); the same digests on every path.
void LogitsDigests(const float* const* rows, int count, int n, unsigned char (*out)[32],
                   Isa isa = BestIsa());
std::string LogitsDigestHex(const float* logits, int n);

}  // namespace depinfer::infer
