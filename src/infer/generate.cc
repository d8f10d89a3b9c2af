#include "infer/generate.h"

#include <algorithm>

namespace depinfer::infer {
namespace {

struct SeqState {
  const GenerateRequest* req;
  KvCache cache;
  std::vector<int32_t> history;  // prompt + output so far
  Transcript transcript;
  GenerateResult result;
  bool done = false;
};

// Appends `token` chosen from `logits`; marks the sequence done on a stop token, a stop
// sequence or the token budget.
void Advance(const Tokenizer& tok, SeqState* s, int32_t token, const float* logits, int n_vocab) {
  s->transcript.AddStep(token, logits, n_vocab);
  s->result.tokens.push_back(token);
  s->history.push_back(token);
  const auto& stops = tok.stop_tokens();
  if (std::find(stops.begin(), stops.end(), token) != stops.end()) {
    s->result.finish_reason = "stop";
    s->done = true;
    return;
  }
  s->result.text += tok.TokenBytes(token);
  for (const std::string& stop : s->req->stop) {
    if (stop.empty()) continue;
    const size_t at = s->result.text.find(stop);
    if (at != std::string::npos) {
      s->result.text.resize(at);
      s->result.finish_reason = "stop";
      s->done = true;
      return;
    }
  }
  if (static_cast<int>(s->result.tokens.size()) >= s->req->max_tokens) {
    s->result.finish_reason = "length";
    s->done = true;
  }
}

}  // namespace

Result<std::vector<GenerateResult>> GenerateBatch(const Model& model, const Tokenizer& tok,
                                                  const std::vector<GenerateRequest>& requests,
                                                  const ForwardOptions& opt) {
  const LlamaConfig& c = model.config();
  std::vector<std::unique_ptr<SeqState>> seqs;
  for (const GenerateRequest& r : requests) {
    if (r.prompt.empty()) return Status::Error("empty prompt");
    if (r.max_tokens < 1) return Status::Error("max_tokens must be at least 1");
    const int64_t need = static_cast<int64_t>(r.prompt.size()) + r.max_tokens;
    if (need > c.n_ctx_train) {
      return Status::Error("prompt (" + std::to_string(r.prompt.size()) + " tokens) plus " +
                           "max_tokens exceeds the context length " + std::to_string(c.n_ctx_train));
    }
    seqs.push_back(std::unique_ptr<SeqState>(new SeqState{
        &r, KvCache(c, static_cast<int>(need)), r.prompt, Transcript(model.id(), r.prompt), {}}));
  }

  std::vector<float> logits;
  std::vector<SeqBatch> batch;
  for (auto& s : seqs) batch.push_back({&s->cache, s->req->prompt, false});
  for (uint64_t step = 0;; ++step) {
    DEPINFER_RETURN_IF_ERROR(model.Forward(batch, opt, &logits));
    // Forward returned one row of logits per batch entry (each wants only its last position).
    size_t row = 0;
    for (auto& s : seqs) {
      if (s->done) continue;
      const float* l = &logits[row++ * c.n_vocab];
      const int32_t t = SampleToken(l, c.n_vocab, s->history, step, s->req->sampling);
      Advance(tok, s.get(), t, l, c.n_vocab);
    }
    batch.clear();
    for (auto& s : seqs) {
      if (!s->done) batch.push_back({&s->cache, {s->result.tokens.back()}, false});
    }
    if (batch.empty()) break;
  }
  std::vector<GenerateResult> out;
  for (auto& s : seqs) {
    s->result.transcript = s->transcript.Hex();
    out.push_back(std::move(s->result));
  }
  return out;
}

Result<GenerateResult> Generate(const Model& model, const Tokenizer& tok,
                                const GenerateRequest& request, const ForwardOptions& opt) {
  auto r = GenerateBatch(model, tok, {request}, opt);
  if (!r.ok()) return r.status();
  return std::move(r.value()[0]);
}

Result<AuditReport> Audit(const Model& model, const GenerateRequest& request,
                          const std::vector<int32_t>& output, const ForwardOptions& opt) {
  const LlamaConfig& c = model.config();
  if (request.prompt.empty() || output.empty()) return Status::Error("nothing to audit");
  // Position prompt+i predicts output[i+1]; the last output token is never fed back.
  std::vector<int32_t> seq = request.prompt;
  seq.insert(seq.end(), output.begin(), output.end() - 1);
  if (static_cast<int64_t>(seq.size()) > c.n_ctx_train) {
    return Status::Error("completion longer than the context length");
  }
  KvCache cache(c, static_cast<int>(seq.size()));
  std::vector<float> logits;
  DEPINFER_RETURN_IF_ERROR(model.Forward({SeqBatch{&cache, seq, true}}, opt, &logits));

  AuditReport rep;
  Transcript tr(model.id(), request.prompt);
  std::vector<int32_t> history = request.prompt;
  for (size_t i = 0; i < output.size(); ++i) {
    const float* l = &logits[(request.prompt.size() - 1 + i) * c.n_vocab];
    const int32_t want = SampleToken(l, c.n_vocab, history, i, request.sampling);
    if (want != output[i] && rep.first_mismatch < 0) rep.first_mismatch = static_cast<int>(i);
    tr.AddStep(output[i], l, c.n_vocab);
    history.push_back(output[i]);
  }
  rep.steps = static_cast<int>(output.size());
  rep.match = rep.first_mismatch < 0;
  rep.transcript = tr.Hex();
  return rep;
}

}  // namespace depinfer::infer
