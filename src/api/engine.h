// Continuous batching over one model: every request in flight shares each forward step.
//
// Requests arrive from HTTP handler threads (Submit); one engine thread runs the steps: new
// sequences join with their whole prompt, running ones add their last token, and everything
// goes through a single Model::Forward call. Because the engine is batch invariant
// (src/infer/model.h), each request still gets exactly the tokens and transcript it would get
// alone, which is what lets an auditor re-check it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "infer/generate.h"

namespace depinfer::api {

using infer::GenerateRequest;
using infer::GenerateResult;

// Lets one handler follow several jobs (the n choices of a request) at once: the engine bumps
// the version whenever any job sharing the signal makes progress or ends.
class JobSignal {
 public:
  uint64_t version();
  // Waits up to `timeout` for the version to move past `seen`.
  void WaitPast(uint64_t seen, std::chrono::milliseconds timeout);
  void Bump();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t version_ = 0;
};

// The n choices of one request process their common prompt once: the first choice (the
// leader) runs it, and each other choice copies the leader's cache of it and takes the logits of
// its first step (the same bits as running it again: the forward pass is batch invariant).
// Touched only by the engine thread.
struct PromptShare {
  std::weak_ptr<class Job> leader;
  bool ready = false;      // the leader has processed the prompt; `logits` hold its first step's
  bool abandoned = false;  // the leader ended before that: the others process the prompt themselves
  std::vector<float> logits;
};

// One sequence's progress (one choice of a request), shared by the engine thread and the
// handler waiting on it.
class Job {
 public:
  // Waits up to `timeout` for output beyond `from` bytes or for the end. Returns the text
  // produced so far (cut at a stop sequence once done) and sets *done.
  std::string WaitText(size_t from, std::chrono::milliseconds timeout, bool* done);
  // The log-probability entries from index `from` on that exist so far (requests asking for
  // logprobs; see infer::TokenLogprob::text_end for which text each one covers).
  std::vector<infer::TokenLogprob> LogprobsFrom(size_t from);
  // Blocks until the job ends; returns its result (error() says if it failed).
  GenerateResult Wait();
  const std::string& error() const { return error_; }  // valid once done
  void Cancel() { cancelled_ = true; }
  const std::shared_ptr<JobSignal>& signal() const { return signal_; }
  int prompt_tokens() const { return prompt_tokens_; }
  double ttft_seconds() const { return ttft_; }

 private:
  friend class Engine;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<infer::Sequence> seq_;  // touched only by the engine thread
  std::string text_;                      // copy of the sequence's text, under mu_
  std::vector<infer::TokenLogprob> logprobs_;  // copy of its logprobs so far, under mu_
  GenerateResult result_;                 // set when done_
  bool done_ = false;
  std::string error_;
  std::atomic<bool> cancelled_{false};
  std::shared_ptr<JobSignal> signal_;     // shared by the jobs of one request
  std::shared_ptr<PromptShare> share_;    // with n > 1: the request's prompt, processed once
  bool times_request_ = true;             // its first token counts as the request's TTFT
  int prompt_tokens_ = 0;
  std::chrono::steady_clock::time_point submitted_;
  double ttft_ = 0;
};

struct EngineOptions {
  int threads = 2;      // worker threads per forward step
  int max_active = 8;   // sequences decoded together
  int max_queue = 32;   // waiting sequences before Submit refuses (back-pressure)
};

struct EngineStats {
  uint64_t requests = 0, tokens_out = 0, tokens_in = 0, rejected = 0;
  uint64_t prompt_tokens_processed = 0;  // prompt tokens run through the model (n choices: once)
  size_t queued = 0, active = 0;
  double ttft_sum = 0;  // seconds, over `requests` that produced a first token
  uint64_t ttft_count = 0;
};

class Engine {
 public:
  Engine(const infer::Model& model, const infer::Tokenizer& tok, EngineOptions opt);
  ~Engine();  // finishes the current step, fails waiting jobs, joins the thread
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues the sequences of one request (its n choices), all or none: each counts against
  // max_queue and max_active like a request of its own. Fails with "busy" when the queue has
  // no room for all of them, or with the reason they cannot run (too long for the context,
  // more sequences than the queue ever holds, ...). The jobs share one JobSignal.
  infer::Result<std::vector<std::shared_ptr<Job>>> Submit(const std::vector<GenerateRequest>& reqs);
  EngineStats stats();

 private:
  void Loop();
  void Finish(Job* job, const std::string& error);

  const infer::Model& model_;
  const infer::Tokenizer& tok_;
  const EngineOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;  // guarded by mu_
  std::vector<std::shared_ptr<Job>> active_;  // engine thread only
  EngineStats stats_;  // guarded by mu_
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace depinfer::api
