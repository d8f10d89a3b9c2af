// Embedded consensus: the node orders its own mempool into blocks and applies them (one
// process, one machine; the default). A block closes when it has max_block_txs transactions or
// when the oldest waiting transaction has waited max_block_delay; an idle node makes no empty
// blocks. Finality is the block's synced write: milliseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "consensus/consensus.h"

namespace depinfer::consensus {

class EmbeddedConsensus : public Consensus {
 public:
  struct Options {
    std::size_t max_block_txs = 2000;
    std::chrono::microseconds max_block_delay{500};
    std::size_t mempool_txs = 100'000;
  };
  EmbeddedConsensus(ledger::Ledger& ledger, NodeMetrics* metrics, Options options);
  ~EmbeddedConsensus() override;

  Status Start() override;
  void Stop() override;
  ledger::Admission Submit(const ledger::Tx& tx) override;
  // Many at once, queued in the given order (and admitted in it).
  std::vector<ledger::Admission> SubmitBatch(std::span<const ledger::Tx> txs) {
    return admission_.SubmitBatch(txs);
  }
  bool WaitFinal(const ledger::TxId& id, std::chrono::milliseconds timeout,
                 ledger::TxOutcome* out) override {
    return board_.WaitFinal(id, timeout, out);
  }
  const char* mode() const override { return "embedded"; }
  std::size_t mempool_size() const { return mempool_.size(); }

 private:
  void Produce();

  ledger::Ledger& ledger_;
  NodeMetrics* metrics_;
  Options options_;
  ledger::Mempool mempool_;
  FinalityBoard board_;
  Admission admission_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::thread producer_;
};

}  // namespace depinfer::consensus
