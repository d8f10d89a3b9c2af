#include "infer/generate.h"

#include <algorithm>

#include "infer/detmath.h"

namespace depinfer::infer {
Sequence::Sequence(const Model& model, const GenerateRequest& req, int capacity)
    : model_(model), req_(req), cache_(model.config(), capacity), history_(req.prompt),
      transcript_(model.id(), req.prompt) {}

Result<std::unique_ptr<Sequence>> Sequence::Start(const Model& model, const GenerateRequest& r) {
  const LlamaConfig& c = model.config();
  if (r.prompt.empty()) return Status::Error("empty prompt");
  if (r.max_tokens < 1) return Status::Error("max_tokens must be at least 1");
  for (int32_t t : r.prompt) {
    if (t < 0 || t >= c.n_vocab) return Status::Error("token id " + std::to_string(t) + " out of range");
  }
  const int64_t need = static_cast<int64_t>(r.prompt.size()) + r.max_tokens;
  if (need > c.n_ctx_train) {
    return Status::Error("prompt (" + std::to_string(r.prompt.size()) + " tokens) plus " +
                         "max_tokens exceeds the context length " + std::to_string(c.n_ctx_train));
  }
  return std::unique_ptr<Sequence>(new Sequence(model, r, static_cast<int>(need)));
}

Status Sequence::AdoptPrompt(const Sequence& from) {
  if (started_ || !from.started_ || from.req_.prompt != req_.prompt || &from.model_ != &model_) {
    return Status::Error("a sequence can only take the processed prompt of one with the same prompt");
  }
  const int n = static_cast<int>(req_.prompt.size());
  if (from.cache_.size() < n || cache_.capacity() < n) return Status::Error("prompt not processed");
  cache_.CopyPrefix(from.cache_, n);
  started_ = true;
  return Status::Ok();
}

SeqBatch Sequence::NextInput() {
  if (!started_) {
    started_ = true;
    return {&cache_, req_.prompt, false};
  }
  return {&cache_, {result_.tokens.back()}, false};
}

TokenLogprob LogprobsOf(const float* logits, int n_vocab, int32_t token, int k) {
  float max = logits[0];
  for (int i = 1; i < n_vocab; ++i) max = logits[i] > max ? logits[i] : max;
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) sum += ExpD(static_cast<double>(logits[i]) - max);
  const double lse = static_cast<double>(max) + LogD(sum);
  TokenLogprob out;
  out.token = token;
  out.logprob = static_cast<double>(logits[token]) - lse;
  k = std::clamp(k, 0, std::min(kMaxTopLogprobs, n_vocab));
  if (k > 0) {
    std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
    for (int i = 0; i < n_vocab; ++i) ids[static_cast<size_t>(i)] = i;
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
      return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
    for (int i = 0; i < k; ++i) out.top.emplace_back(ids[static_cast<size_t>(i)], static_cast<double>(logits[ids[static_cast<size_t>(i)]]) - lse);
  }
  return out;
}

int32_t Sequence::Step(const Tokenizer& tok, const float* logits) {
  const int32_t token = Choose(tok, logits);
  unsigned char digest[32];
  LogitsDigest(logits, model_.config().n_vocab, digest);
  Record(digest);
  return token;
}

void Sequence::Record(const unsigned char logits_digest[32]) {
  transcript_.AddStepDigest(result_.tokens.back(), logits_digest);
  if (done_) result_.transcript = transcript_.Hex();
}

int32_t Sequence::Choose(const Tokenizer& tok, const float* logits) {
  const int n_vocab = model_.config().n_vocab;
  const auto step = static_cast<uint64_t>(result_.tokens.size());
  const int32_t token = SampleToken(logits, n_vocab, history_, step, req_.sampling);
  result_.tokens.push_back(token);
  history_.push_back(token);
  const auto& stops = tok.stop_tokens();
  if (std::find(stops.begin(), stops.end(), token) != stops.end()) {
    result_.finish_reason = "stop";
    done_ = true;
  } else {
    result_.text += tok.TokenBytes(token);
    if (req_.logprobs >= 0) {
      result_.logprobs.push_back(LogprobsOf(logits, n_vocab, token, req_.logprobs));
      result_.logprobs.back().text_end = result_.text.size();
    }
    for (const std::string& stop : req_.stop) {
      if (stop.empty()) continue;
      const size_t at = result_.text.find(stop);
      if (at != std::string::npos) {
        result_.text.resize(at);
        result_.finish_reason = "stop";
        done_ = true;
        break;
      }
    }
    if (!done_ && static_cast<int>(result_.tokens.size()) >= req_.max_tokens) {
      result_.finish_reason = "length";
      done_ = true;
    }
  }
  return token;
}

void StepAll(const Tokenizer& tok, const std::vector<Sequence*>& seqs,
             const std::vector<const float*>& logits, int threads, Isa isa) {
  const int n = static_cast<int>(seqs.size());
  if (n == 1) {  // one sequence runs where it is
    seqs[0]->Step(tok, logits[0]);
    return;
  }
  // The per-step cost (about 0.2 ms of sampling and 0.17 ms of digest a sequence) is worth a
  // thread: one thread hashes every row in the vector lanes (8 rows cost about 2 rows' time
  // alone) while the others, and then it too, choose the tokens.
  std::vector<unsigned char> digests(32 * static_cast<size_t>(n));
  auto* out = reinterpret_cast<unsigned char(*)[32]>(digests.data());
#pragma omp parallel num_threads(threads)
  {
#pragma omp single nowait
    LogitsDigests(logits.data(), n, seqs[0]->vocab_size(), out, isa);
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < n; ++i) seqs[i]->Choose(tok, logits[i]);
  }
  for (int i = 0; i < n; ++i) seqs[i]->Record(out[i]);
}

Result<std::vector<GenerateResult>> GenerateBatch(const Model& model, const Tokenizer& tok,
                                                  const std::vector<GenerateRequest>& requests,
                                                  const ForwardOptions& opt) {
  std::vector<std::unique_ptr<Sequence>> seqs;
  for (const GenerateRequest& r : requests) {
    auto s = Sequence::Start(model, r);
    if (!s.ok()) return s.status();
    seqs.push_back(std::move(s.value()));
  }
  const int n_vocab = model.config().n_vocab;
  std::vector<float> logits;
  for (;;) {
    std::vector<SeqBatch> batch;
    std::vector<Sequence*> live;
    for (auto& s : seqs) {
      if (s->done()) continue;
      batch.push_back(s->NextInput());
      live.push_back(s.get());
    }
    if (batch.empty()) break;
    DEPINFER_RETURN_IF_ERROR(model.Forward(batch, opt, &logits));
    // One row of logits per batch entry (each wants only its last position).
    std::vector<const float*> rows;
    for (size_t i = 0; i < live.size(); ++i) rows.push_back(&logits[i * n_vocab]);
    StepAll(tok, live, rows, opt.threads, opt.isa);
  }
  std::vector<GenerateResult> out;
  for (auto& s : seqs) out.push_back(s->result());
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
  // Logits from the last prompt position on: position prompt-1+i predicts output[i].
  const size_t first = request.prompt.size() - 1;

  // The per-step checks (the sampler's choice, the logits digest) are independent: they run on
  // all threads in groups of eight steps, whose digests share the vector lanes, and only the
  // cheap hash chain is walked in order afterwards. They run on each chunk of logits as the
  // output projection hands it over, so an audit holds kChunk rows of logits at a time (12 MiB
  // for the shipped model) however long the completion.
  const int steps = static_cast<int>(output.size());
  std::vector<int32_t> history = request.prompt;
  history.insert(history.end(), output.begin(), output.end());
  std::vector<int32_t> want(steps);
  std::vector<unsigned char> digest_bytes(32 * static_cast<size_t>(steps));
  auto* digests = reinterpret_cast<unsigned char(*)[32]>(digest_bytes.data());
  constexpr int kGroup = 8, kChunk = 8 * kGroup;
  auto check = [&](int chunk_first, int count, const float* rows_logits) {
    count = std::min(count, steps - chunk_first);  // (Forward gives exactly `steps` rows)
    const int groups = (count + kGroup - 1) / kGroup;
#pragma omp parallel for num_threads(opt.threads) schedule(dynamic, 1)
    for (int g = 0; g < groups; ++g) {
      const int lo = g * kGroup, hi = std::min(count, lo + kGroup);
      const float* rows[kGroup];
      for (int k = lo; k < hi; ++k) {
        const int i = chunk_first + k;  // the step
        rows[k - lo] = &rows_logits[static_cast<size_t>(k) * c.n_vocab];
        const std::vector<int32_t> before(history.begin(),
                                          history.begin() + request.prompt.size() + i);
        want[i] = SampleToken(rows[k - lo], c.n_vocab, before, i, request.sampling);
      }
      LogitsDigests(rows, hi - lo, c.n_vocab, digests + chunk_first + lo, opt.isa);
    }
  };
  DEPINFER_RETURN_IF_ERROR(
      model.ForwardChunked({SeqBatch{&cache, seq, true, first}}, opt, kChunk, check));
  AuditReport rep;
  Transcript tr(model.id(), request.prompt);
  for (int i = 0; i < steps; ++i) {
    if (want[i] != output[i] && rep.first_mismatch < 0) rep.first_mismatch = i;
    tr.AddStepDigest(output[i], digests[i]);
  }
  rep.steps = static_cast<int>(output.size());
  rep.match = rep.first_mismatch < 0;
  rep.transcript = tr.Hex();
  return rep;
}

}  // namespace depinfer::infer
