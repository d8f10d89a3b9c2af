// Re-checking a provider's answer (shared/DESIGN.md section 6): given the request bytes the
// client sent and the response it got back, verify the receipt's signature and every hash in it,
// then recompute the completion in one teacher-forced pass and compare the transcript.
#pragma once

#include <string>

#include "infer/generate.h"

namespace depinfer::api {

struct AuditOutcome {
  bool signature_ok = false;
  bool model_ok = false;         // receipt's model id is this model file's SHA-256
  bool request_ok = false;       // receipt's request hash matches the request bytes
  bool output_ok = false;        // output tokens and text match the receipt's hashes
  bool transcript_ok = false;    // teacher-forced transcript equals the receipt's
  int steps = 0;
  int first_mismatch = -1;       // first step whose token the sampler would not choose
  std::string detail;            // what failed, for people
  bool ok() const {
    return signature_ok && model_ok && request_ok && output_ok && transcript_ok &&
           first_mismatch < 0;
  }
};

// `response_json` is the non-streamed response or the final chunk of a streamed one (both carry
// "receipt" and "output_tokens"). Fails only if the inputs cannot be read at all; a dishonest
// answer is reported in the outcome.
infer::Result<AuditOutcome> AuditResponse(const infer::Model& model, const infer::Tokenizer& tok,
                                          const std::string& request_bytes,
                                          const std::string& response_json,
                                          const infer::ForwardOptions& opt);

}  // namespace depinfer::api
