// Re-checking a provider's answer (shared/DESIGN.md section 6): given the request bytes the
// client sent and the response it got back, verify the receipt's signature and every hash in it,
// then recompute the completion in one teacher-forced pass and compare the transcript.
#pragma once

#include <string>
#include <vector>

#include "infer/generate.h"

namespace depinfer::api {

struct AuditOutcome {
  int choice = 0;                // which of the request's n choices was checked
  bool signature_ok = false;
  bool model_ok = false;         // receipt's model id is this model file's SHA-256
  bool request_ok = false;       // receipt's request hash matches the request bytes
  bool choice_ok = false;        // receipt names this choice and the seed the request derives
  bool output_ok = false;        // output tokens and text match the receipt's hashes
  bool transcript_ok = false;    // teacher-forced transcript equals the receipt's
  int steps = 0;
  int first_mismatch = -1;       // first step whose token the sampler would not choose
  std::string detail;            // what failed, for people
  bool ok() const {
    return signature_ok && model_ok && request_ok && choice_ok && output_ok && transcript_ok &&
           first_mismatch < 0;
  }
};

// `response_json` is the non-streamed response or the last chunk of a streamed choice: each
// choice carries "receipt" and "output_tokens" (a response from before n, only the top level
// does, for choice 0). `choice` picks the choice to check; it is re-executed with its own seed
// (ChoiceSeed). Fails only if the inputs cannot be read at all or hold no receipt for that
// choice; a dishonest answer is reported in the outcome.
infer::Result<AuditOutcome> AuditResponse(const infer::Model& model, const infer::Tokenizer& tok,
                                          const std::string& request_bytes,
                                          const std::string& response_json,
                                          const infer::ForwardOptions& opt, int choice = 0);

// The choices `response_json` carries receipts for, in order (a whole response: all n; a
// streamed choice's last chunk: that one).
infer::Result<std::vector<int>> ReceiptChoices(const std::string& response_json);

}  // namespace depinfer::api
