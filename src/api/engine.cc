#include "api/engine.h"

#include <algorithm>

namespace depinfer::api {

uint64_t JobSignal::version() {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

void JobSignal::WaitPast(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return version_ != seen; });
}

void JobSignal::Bump() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++version_;
  }
  cv_.notify_all();
}

std::string Job::WaitText(size_t from, std::chrono::milliseconds timeout, bool* done) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return done_ || text_.size() > from; });
  *done = done_;
  return text_;
}

std::vector<infer::TokenLogprob> Job::LogprobsFrom(size_t from) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<infer::TokenLogprob>& all = done_ ? result_.logprobs : logprobs_;
  if (from >= all.size()) return {};
  return std::vector<infer::TokenLogprob>(all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
}

GenerateResult Job::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return done_; });
  return result_;
}

Engine::Engine(const infer::Model& model, const infer::Tokenizer& tok, EngineOptions opt)
    : model_(model), tok_(tok), opt_(opt), thread_([this] { Loop(); }) {}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

infer::Result<std::vector<std::shared_ptr<Job>>> Engine::Submit(
    const std::vector<GenerateRequest>& reqs) {
  const int n = static_cast<int>(reqs.size());
  if (n == 0) return infer::Status::Error("nothing to run");
  // A request the queue could never take whole would get 429 forever: refuse it for good.
  if (opt_.max_queue > 0 && n > opt_.max_queue) {
    return infer::Status::Error("n = " + std::to_string(n) + " is more than the " +
                                std::to_string(opt_.max_queue) + " sequences this server queues");
  }
  auto signal = std::make_shared<JobSignal>();
  // Choices of one request share their prompt (BuildGenerateRequest gives them the same one).
  std::shared_ptr<PromptShare> share;
  if (n > 1 && std::all_of(reqs.begin(), reqs.end(),
                           [&](const GenerateRequest& r) { return r.prompt == reqs[0].prompt; })) {
    share = std::make_shared<PromptShare>();
  }
  std::vector<std::shared_ptr<Job>> jobs;
  const auto now = std::chrono::steady_clock::now();
  for (const GenerateRequest& req : reqs) {
    auto seq = infer::Sequence::Start(model_, req);
    if (!seq.ok()) return seq.status();
    auto job = std::make_shared<Job>();
    job->seq_ = std::move(seq.value());
    job->prompt_tokens_ = static_cast<int>(req.prompt.size());
    job->submitted_ = now;
    job->signal_ = signal;
    job->times_request_ = jobs.empty();
    job->share_ = share;
    if (share && jobs.empty()) share->leader = job;
    jobs.push_back(std::move(job));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return infer::Status::Error("shutting down");
    if (static_cast<int>(queue_.size()) + n > opt_.max_queue) {
      ++stats_.rejected;
      return infer::Status::Error("busy");
    }
    for (const auto& j : jobs) queue_.push_back(j);
    // One request, one prompt in the metrics, whatever its n (as in usage.prompt_tokens).
    ++stats_.requests;
    stats_.tokens_in += reqs[0].prompt.size();
  }
  cv_.notify_all();
  return jobs;
}

EngineStats Engine::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Engine::Finish(Job* job, const std::string& error) {
  if (job->share_ && !job->share_->ready && job->share_->leader.lock().get() == job) {
    job->share_->abandoned = true;  // the other choices process the prompt themselves
  }
  std::lock_guard<std::mutex> lock(job->mu_);
  job->error_ = error;
  if (job->seq_) {
    job->result_ = job->seq_->result();
    job->text_ = job->result_.text;
  }
  job->done_ = true;
  job->cv_.notify_all();
  job->signal_->Bump();
}

void Engine::Loop() {
  infer::ForwardOptions fwd;
  fwd.threads = opt_.threads;
  const int n_vocab = model_.config().n_vocab;
  std::vector<float> logits;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty() || !active_.empty(); });
      if (stop_) {
        for (auto& j : queue_) Finish(j.get(), "server shutting down");
        for (auto& j : active_) Finish(j.get(), "server shutting down");
        queue_.clear();
        active_.clear();
        return;
      }
      // New sequences join the running ones, up to max_active.
      while (!queue_.empty() && static_cast<int>(active_.size()) < opt_.max_active) {
        active_.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.queued = queue_.size();
      stats_.active = active_.size();
    }
    // Each active job either joins this step's forward pass, or (a choice whose request's
    // prompt another choice is processing) waits for it, or takes it once processed.
    enum class Role { kForward, kWait, kAdopt };
    std::vector<Role> role(active_.size(), Role::kForward);
    std::vector<infer::SeqBatch> batch;
    std::vector<size_t> row(active_.size(), 0);  // its logits row in this step's output
    std::vector<std::shared_ptr<Job>> leader(active_.size());  // held for the step
    uint64_t prefill = 0;
    for (size_t i = 0; i < active_.size(); ++i) {
      Job* j = active_[i].get();
      const std::shared_ptr<PromptShare>& sh = j->share_;
      if (sh && !j->seq_->started() && !sh->abandoned) {
        leader[i] = sh->leader.lock();
        // A follower whose leader is gone (it ended and its request let it go) runs the prompt.
        if (leader[i] && leader[i].get() != j) {
          role[i] = sh->ready ? Role::kAdopt : Role::kWait;
          continue;
        }
      }
      if (!j->seq_->started()) prefill += j->seq_->request().prompt.size();
      row[i] = batch.size();
      batch.push_back(j->seq_->NextInput());
    }
    infer::Status s = batch.empty() ? infer::Status::Ok() : model_.Forward(batch, fwd, &logits);
    const auto now = std::chrono::steady_clock::now();
    // First, in order, what touches state the jobs share (a prompt taken from its leader, the
    // leader's first logits kept for the others); then every step at once (each touches only its
    // own sequence); then, in order, the bookkeeping and the waking of readers.
    std::vector<bool> failed(active_.size(), false);
    std::vector<infer::Sequence*> stepping;
    std::vector<const float*> step_logits;
    std::vector<size_t> stepped;  // their indices in active_
    for (size_t i = 0; i < active_.size(); ++i) {
      Job* j = active_[i].get();
      if (!s.ok()) {
        Finish(j, s.message());
        failed[i] = true;
        continue;
      }
      const std::shared_ptr<PromptShare>& sh = j->share_;
      // The leader has just processed the prompt earlier in this step: take it now. (If it
      // ended without doing so, this choice runs the prompt in the next step.)
      if (role[i] == Role::kWait && sh->ready) role[i] = Role::kAdopt;
      if (role[i] == Role::kAdopt) {
        const infer::Status a = j->seq_->AdoptPrompt(*leader[i]->seq_);
        if (!a.ok()) {
          Finish(j, a.message());
          failed[i] = true;
          continue;
        }
      }
      if (role[i] == Role::kWait) continue;
      const float* l = role[i] == Role::kAdopt ? sh->logits.data() : &logits[row[i] * n_vocab];
      const bool first = j->seq_->result().tokens.empty();
      if (first && sh && !sh->ready && role[i] == Role::kForward && sh->leader.lock().get() == j) {
        sh->logits.assign(l, l + n_vocab);
        sh->ready = true;
      }
      stepping.push_back(j->seq_.get());
      step_logits.push_back(l);
      stepped.push_back(i);
    }
    infer::StepAll(tok_, stepping, step_logits, fwd.threads, fwd.isa);

    uint64_t produced = 0;
    std::vector<std::shared_ptr<Job>> still;
    size_t next = 0;  // into stepped
    for (size_t i = 0; i < active_.size(); ++i) {
      if (failed[i]) continue;
      Job* j = active_[i].get();
      if (next == stepped.size() || stepped[next] != i) {  // waiting for its leader's prompt
        still.push_back(std::move(active_[i]));
        continue;
      }
      ++next;
      ++produced;
      if (j->seq_->result().tokens.size() == 1) {
        j->ttft_ = std::chrono::duration<double>(now - j->submitted_).count();
        if (j->times_request_) {
          std::lock_guard<std::mutex> lock(mu_);
          stats_.ttft_sum += j->ttft_;
          ++stats_.ttft_count;
        }
      }
      if (j->seq_->done() || j->cancelled_) {
        Finish(j, j->cancelled_ && !j->seq_->done() ? "cancelled" : "");
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(j->mu_);
        const GenerateResult& r = j->seq_->result();
        j->text_ = r.text;
        for (size_t k = j->logprobs_.size(); k < r.logprobs.size(); ++k) j->logprobs_.push_back(r.logprobs[k]);
      }
      j->cv_.notify_all();
      j->signal_->Bump();
      still.push_back(std::move(active_[i]));
    }
    active_ = std::move(still);
    std::lock_guard<std::mutex> lock(mu_);
    stats_.tokens_out += produced;
    stats_.prompt_tokens_processed += prefill;
    stats_.active = active_.size();
  }
}

}  // namespace depinfer::api
