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
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // output tokens (including a final stop token, if any)
  std::string text;             // decoded output, cut before a matched stop sequence
  std::string finish_reason;    // "stop" or "length"
  std::string transcript;       // Transcript::Hex()
};

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
