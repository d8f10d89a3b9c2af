#include "consensus/embedded.h"

namespace depinfer::consensus {

EmbeddedConsensus::EmbeddedConsensus(ledger::Ledger& ledger, NodeMetrics* metrics, Options options)
    : ledger_(ledger),
      metrics_(metrics),
      options_(options),
      mempool_(options.mempool_txs),
      board_(ledger, metrics),
      admission_(ledger, metrics, [this](const ledger::Tx& tx) {
        ledger::Admission a = mempool_.Add(tx, ledger_.view());
        if (a.added()) {
          board_.Submitted(tx.Id());
          // Under the producer's lock: a notify between its check and its wait would
          // otherwise be lost and the block would wait out the idle timeout (50 ms).
          { std::lock_guard<std::mutex> lock(mu_); }
          wake_.notify_one();
        }
        return a;
      }) {}

EmbeddedConsensus::~EmbeddedConsensus() { Stop(); }

Status EmbeddedConsensus::Start() {
  producer_ = std::thread([this] { Produce(); });
  return Status::Ok();
}

void EmbeddedConsensus::Stop() {
  if (stop_.exchange(true)) return;
  admission_.Stop();
  wake_.notify_all();
  if (producer_.joinable()) producer_.join();
  board_.Shutdown();
}

ledger::Admission EmbeddedConsensus::Submit(const ledger::Tx& tx) { return admission_.Submit(tx); }

void EmbeddedConsensus::Produce() {
  while (!stop_) {
    {
      // Sleep until something waits; then give the block its delay to fill up.
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stop_ || mempool_.size() > 0; });
      if (stop_) break;
      if (mempool_.size() == 0) continue;
      wake_.wait_for(lock, options_.max_block_delay,
                     [&] { return stop_ || mempool_.size() >= options_.max_block_txs; });
    }
    const std::vector<ledger::Tx> txs = mempool_.Reap(options_.max_block_txs);
    if (txs.empty()) continue;
    const auto t0 = std::chrono::steady_clock::now();
    ledger::BlockResult result;
    const Status st = ledger_.ApplyBlock(ledger_.height() + 1, txs, &result);
    if (!st.ok()) {
      // Storage failure: nothing was applied; stop producing rather than fork from the disk.
      std::fprintf(stderr, "depinferd: cannot apply block: %s\n", st.ToString().c_str());
      stop_ = true;
      break;
    }
    const std::vector<ledger::Dropped> dropped = mempool_.Update(txs, ledger_.view());
    board_.Committed(result);
    board_.Dropped(dropped);
    if (metrics_) {
      metrics_->apply_seconds->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      metrics_->blocks->Add();
      metrics_->applied->Add(result.info.applied_count);
      metrics_->block_txs->Observe(static_cast<double>(txs.size()));
      metrics_->height->Set(static_cast<double>(result.info.height));
      metrics_->mempool->Set(static_cast<double>(mempool_.size()));
    }
  }
}

}  // namespace depinfer::consensus
