#include "consensus/consensus.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <string>

namespace depinfer::consensus {

NodeMetrics::NodeMetrics(MetricsRegistry* r)
    : submitted(r->AddCounter("depinfer_tx_submitted_total", "Transactions submitted to this node")),
      rejected(r->AddCounter("depinfer_tx_rejected_total", "Transactions refused at admission")),
      applied(r->AddCounter("depinfer_tx_applied_total", "Transactions applied in committed blocks")),
      blocks(r->AddCounter("depinfer_blocks_total", "Blocks committed")),
      height(r->AddGauge("depinfer_height", "Last committed height")),
      mempool(r->AddGauge("depinfer_mempool_txs", "Transactions waiting in the mempool")),
      admission_queue(r->AddGauge("depinfer_admission_queue", "Transactions waiting for their stateless checks")),
      block_txs(r->AddHistogram("depinfer_block_txs", "Transactions per block",
                                {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000})),
      verify_seconds(r->AddHistogram("depinfer_verify_batch_seconds",
                                     "Stateless checks (proofs) per admission batch", LatencyBuckets())),
      apply_seconds(r->AddHistogram("depinfer_apply_block_seconds", "Applying and writing one block",
                                    LatencyBuckets())),
      final_seconds(r->AddHistogram("depinfer_submit_to_final_seconds",
                                    "From submission to the committed block", LatencyBuckets())) {}

// ---- FinalityBoard -------------------------------------------------------------------------

void FinalityBoard::Submitted(const ledger::TxId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (since_.size() < 1'000'000) since_.emplace(id, std::chrono::steady_clock::now());
}

void FinalityBoard::Committed(const ledger::BlockResult& block) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++commits_;
    for (const ledger::TxOutcome& o : block.outcomes) {
      auto it = since_.find(o.id);
      if (it == since_.end()) continue;
      if (metrics_) {
        metrics_->final_seconds->Observe(std::chrono::duration<double>(now - it->second).count());
      }
      since_.erase(it);
    }
  }
  cv_.notify_all();
}

void FinalityBoard::Dropped(std::span<const ledger::Dropped> dropped) {
  if (dropped.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (dropped_.size() > 100'000) dropped_.clear();  // bounded: old news is only lost, not wrong
    for (const ledger::Dropped& d : dropped) {
      dropped_[d.id] = d.why;
      since_.erase(d.id);
    }
    ++commits_;
  }
  cv_.notify_all();
}

bool FinalityBoard::WaitFinal(const ledger::TxId& id, std::chrono::milliseconds timeout,
                              ledger::TxOutcome* out) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const std::uint64_t seen = commits_;
    lock.unlock();
    // Final once the ledger's head includes its block (the outcome row is written with the
    // block, just before the head moves), so a caller never sees a final tx above height().
    if (ledger_.GetTxOutcome(id, out).ok() && out->height <= ledger_.height()) return true;
    lock.lock();
    if (auto d = dropped_.find(id); d != dropped_.end()) {
      *out = ledger::TxOutcome{};
      out->id = id;
      out->rule = d->second.rule;
      out->detail = "dropped from the mempool: " + d->second.detail;
      return true;
    }
    if (shutdown_) return false;
    // Sleep until another commit (or the deadline); a commit between the lookup and here has
    // already bumped commits_, so the wait returns at once.
    if (!cv_.wait_until(lock, deadline, [&] { return commits_ != seen || shutdown_; })) return false;
  }
}

void FinalityBoard::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

// ---- Admission -----------------------------------------------------------------------------

Admission::Admission(ledger::Ledger& ledger, NodeMetrics* metrics, AdmitFn admit,
                     std::size_t max_batch, std::size_t workers)
    : ledger_(ledger), metrics_(metrics), admit_(std::move(admit)), max_batch_(std::max<std::size_t>(max_batch, 1)) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { Run(); });
}

Admission::~Admission() { Stop(); }

void Admission::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& w : workers_) {
    if (w.joinable()) w.join();
  }
}

ledger::Admission Admission::Submit(const ledger::Tx& tx) {
  Pending p{&tx, {}};
  std::future<ledger::Admission> f = p.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) {
      ledger::Admission a;
      a.code = ledger::Admission::Code::kFull;
      return a;
    }
    queue_.push_back(&p);
    if (metrics_) metrics_->admission_queue->Set(static_cast<double>(queue_.size()));
  }
  cv_.notify_one();
  return f.get();
}

std::vector<ledger::Admission> Admission::SubmitBatch(std::span<const ledger::Tx> txs) {
  std::vector<Pending> pending(txs.size());
  std::vector<std::future<ledger::Admission>> futures;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < txs.size(); ++i) {
      pending[i].tx = &txs[i];
      futures.push_back(pending[i].done.get_future());
      queue_.push_back(&pending[i]);
    }
  }
  cv_.notify_one();
  std::vector<ledger::Admission> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

void Admission::Run() {
  // This thread's OpenMP regions (inside the verifier) run on this thread alone.
  omp_set_num_threads(1);
  for (;;) {
    std::vector<Pending*> batch;
    std::uint64_t ticket;
    bool more;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_;
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty() && stop_) return;
      // An even share of what waits among the idle workers (this one included): parallel
      // verification when cores are free, and one larger batch (one final exponentiation for
      // all of it) when the others are busy.
      const std::size_t share = std::min(max_batch_, (queue_.size() + idle_) / (idle_ + 1));
      while (!queue_.empty() && batch.size() < share) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      ticket = taken_++;
      more = !queue_.empty();
      if (metrics_) metrics_->admission_queue->Set(static_cast<double>(queue_.size()));
    }
    if (more) cv_.notify_one();
    std::vector<ledger::Tx> txs;
    txs.reserve(batch.size());
    for (Pending* p : batch) txs.push_back(*p->tx);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<ledger::Verdict> verdicts;
    std::string failure;  // why the batch could not be checked at all (its clients may retry)
    try {
      verdicts = ledger_.verifier().Check(txs);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (metrics_) {
      metrics_->verify_seconds->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    // Admit in the order the batches were taken, without waiting for an earlier batch still
    // being verified: the result is parked, and whichever worker completes the next batch in
    // order admits every parked batch that follows it.
    std::unique_lock<std::mutex> lock(mu_);
    verified_.emplace(ticket, Verified{std::move(batch), std::move(txs), std::move(verdicts),
                                       std::move(failure)});
    if (admitting_) continue;
    admitting_ = true;
    for (auto it = verified_.find(admitted_); it != verified_.end(); it = verified_.find(admitted_)) {
      Verified v = std::move(it->second);
      verified_.erase(it);
      lock.unlock();
      AdmitVerified(v);
      lock.lock();
      ++admitted_;
    }
    admitting_ = false;
  }
}

namespace {
// The answer for a transaction the node failed to check (an exception: out of memory, a storage
// error): not a verdict on the transaction, so "unavailable, retry later" rather than rejected.
ledger::Admission Unavailable(const std::string& why) {
  ledger::Admission a;
  a.code = ledger::Admission::Code::kFull;
  a.verdict.detail = "internal error while checking the transaction (" + why + "); retry later";
  return a;
}
}  // namespace

// No exception leaves here: the worker thread would end the process, and the promises of the
// batch (and of every batch parked behind it) would never be kept.
void Admission::AdmitVerified(Verified& v) {
  for (std::size_t i = 0; i < v.batch.size(); ++i) {
    ledger::Admission a;
    if (!v.failure.empty()) {
      a = Unavailable(v.failure);
    } else if (!v.verdicts[i].ok()) {
      a.code = ledger::Admission::Code::kRejected;
      a.verdict = v.verdicts[i];
    } else {
      try {
        a = admit_(v.txs[i]);
      } catch (const std::exception& e) {
        a = Unavailable(e.what());
      }
    }
    if (metrics_) (a.added() ? metrics_->submitted : metrics_->rejected)->Add();
    v.batch[i]->done.set_value(std::move(a));
  }
}

}  // namespace depinfer::consensus
