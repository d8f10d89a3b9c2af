// What the node's API needs from consensus, the same in both modes (shared/DESIGN.md
// section 5): submit a transaction, learn when it is final. The embedded producer
// (embedded.h) orders the node's own mempool; the CometBFT mode forwards to CometBFT and hears
// of commits from its ABCI application. Both apply blocks through the one Ledger::ApplyBlock.
//
// Also here, shared by both modes:
//   * Admission: concurrent submitters are gathered into batches, so their proofs are verified
//     together (one final exponentiation per batch, on all cores) before the mempool sees them;
//   * FinalityBoard: a block's commit wakes everyone waiting for one of its transactions, and
//     records submit-to-final latency.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/metrics.h"
#include "ledger/ledger.h"
#include "ledger/mempool.h"

namespace depinfer::consensus {

// The node's metrics that both modes record.
struct NodeMetrics {
  explicit NodeMetrics(MetricsRegistry* registry);
  Counter* submitted;
  Counter* rejected;
  Counter* applied;
  Counter* blocks;
  Gauge* height;
  Gauge* mempool;
  Gauge* admission_queue;
  Histogram* block_txs;
  Histogram* verify_seconds;      // per admission batch
  Histogram* apply_seconds;       // per block
  Histogram* final_seconds;       // submit to final, per transaction
};

class Consensus {
 public:
  virtual ~Consensus() = default;
  virtual Status Start() = 0;
  virtual void Stop() = 0;
  // Checks the transaction (stateless + against the committed state and the pool) and, when
  // it passes, hands it on for ordering. Blocks until the checks are done.
  virtual ledger::Admission Submit(const ledger::Tx& tx) = 0;
  // Waits until the transaction is in a committed block (true, *out its outcome) or the
  // timeout passes (false).
  virtual bool WaitFinal(const ledger::TxId& id, std::chrono::milliseconds timeout,
                         ledger::TxOutcome* out) = 0;
  virtual const char* mode() const = 0;
};

// Wakes waiters when blocks commit; measures submit-to-final latency.
class FinalityBoard {
 public:
  FinalityBoard(ledger::Ledger& ledger, NodeMetrics* metrics) : ledger_(ledger), metrics_(metrics) {}
  void Submitted(const ledger::TxId& id);
  // After a block is committed.
  void Committed(const ledger::BlockResult& block);
  // Pooled transactions a block made invalid: never final; their waiters learn why at once
  // (an outcome with height 0).
  void Dropped(std::span<const ledger::Dropped> dropped);
  bool WaitFinal(const ledger::TxId& id, std::chrono::milliseconds timeout, ledger::TxOutcome* out);
  void Shutdown();

 private:
  ledger::Ledger& ledger_;
  NodeMetrics* metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t commits_ = 0;
  bool shutdown_ = false;
  std::unordered_map<ledger::TxId, std::chrono::steady_clock::time_point, ledger::HashKeyHasher> since_;
  std::unordered_map<ledger::TxId, ledger::Verdict, ledger::HashKeyHasher> dropped_;  // bounded
};

// Gathers concurrent submissions into batches for the stateless checks, verified on one worker
// thread per core. Each worker verifies its batch single-threaded (no OpenMP team to start or to
// spin while idle), so verification runs in parallel across batches; batches are still admitted
// in the order they were taken from the queue, so a client's nonces stay in sequence. A worker
// that finishes ahead of its turn parks its result and takes more work; the worker that
// completes the batch next in order admits it and every parked batch after it.
class Admission {
 public:
  // `admit` runs on the batch's transactions that passed the stateless checks (mempool add in
  // the embedded mode, or CometBFT's CheckTx answer), in order.
  using AdmitFn = std::function<ledger::Admission(const ledger::Tx&)>;
  // workers = 0: one per hardware thread.
  Admission(ledger::Ledger& ledger, NodeMetrics* metrics, AdmitFn admit, std::size_t max_batch = 256,
            std::size_t workers = 0);
  ~Admission();
  ledger::Admission Submit(const ledger::Tx& tx);
  // Checks many at once (CometBFT's batched CheckTx, the load generator's pre-checks).
  std::vector<ledger::Admission> SubmitBatch(std::span<const ledger::Tx> txs);
  void Stop();

 private:
  struct Pending {
    const ledger::Tx* tx;
    std::promise<ledger::Admission> done;
  };
  // A verified batch waiting for its turn to be admitted.
  struct Verified {
    std::vector<Pending*> batch;
    std::vector<ledger::Tx> txs;
    std::vector<ledger::Verdict> verdicts;
    std::string failure;  // non-empty: the batch's check threw this; no verdicts
  };
  void Run();
  void AdmitVerified(Verified& v);
  ledger::Ledger& ledger_;
  NodeMetrics* metrics_;
  AdmitFn admit_;
  std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;        // work queued, or stopping
  std::deque<Pending*> queue_;
  std::uint64_t taken_ = 0;     // batches taken from the queue (guarded by mu_)
  std::uint64_t admitted_ = 0;  // batches admitted, in the order taken (guarded by mu_)
  std::map<std::uint64_t, Verified> verified_;  // by ticket, awaiting admission (guarded by mu_)
  bool admitting_ = false;      // a worker is admitting batches (guarded by mu_)
  std::size_t idle_ = 0;        // workers waiting for work (guarded by mu_)
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace depinfer::consensus
