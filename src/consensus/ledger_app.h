// The ledger as CometBFT's ABCI 2.0 application (shared/DESIGN.md section 5, docs/consensus.md
// "The ledger application").
//
//   Info            last applied height and its state root (the app hash): CometBFT resumes
//                   from there after a restart and replays the blocks the ledger lacks.
//   InitChain       refuses a chain whose id differs from the ledger genesis's, or whose
//                   app_state (when present) is another ledger genesis.
//   CheckTx         VerifyTxBatch (no app mutex): decode, stateless checks and proofs in one
//                   batch through the ledger's Verifier, so the verdicts are cached by encoding
//                   and FinalizeBlock does not verify the proofs again. CheckTxBatch (mutex):
//                   against the committed state and the transactions already accepted into
//                   CometBFT's mempool (a shadow ledger::Mempool: a second spend of a pooled
//                   note is refused with nullifier-spent). The shadow is emptied at every
//                   Commit and refilled by CometBFT's recheck of what stays in its mempool.
//   PrepareProposal keeps the mempool's transactions in order, dropping those that would be
//                   rejected after the earlier ones of the same proposal, within max_tx_bytes
//                   (counted as CometBFT counts them, with the protobuf overhead).
//   ProcessProposal REJECT when Ledger::CheckRawBlock names an invalid or conflicting tx.
//   FinalizeBlock   Ledger::ApplyRawBlock: one atomic synced write; tx_results carry code = the
//                   rule number (0 applied) and log = "rule-name: detail"; app_hash = state root.
//   Commit          wakes the waiters (on_commit); retain_height per Options::retain_blocks.
//   Query           /height, /state_root (hex), /root/<height> (hex), /tx/<64 hex id> (JSON:
//                   height, index, code, rule, detail), /nullifier/<64 hex> (spent|unspent).
//
// Durability note: the ledger writes a block in ApplyRawBlock, i.e. during FinalizeBlock, not
// at Commit. CometBFT saves the FinalizeBlock response right after the call returns; a crash in
// between leaves the app one block ahead of CometBFT's state with no saved response, which
// CometBFT's handshake cannot resolve (docs/consensus.md, "Crash window").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consensus/abci_server.h"
#include "ledger/ledger.h"
#include "ledger/mempool.h"

namespace depinfer::consensus {

class LedgerApp : public AbciApplication {
 public:
  struct Options {
    // Blocks CometBFT keeps below the tip (Commit's retain_height); 0 keeps every block (a
    // node that was down catches up from its peers' stores, so validators keep them).
    std::uint64_t retain_blocks = 0;
    // TEST ONLY: called at the end of PrepareProposal with the proposal's transactions; the
    // tests use it to make a faulty proposer (e.g. append a double spend).
    std::function<void(std::vector<std::string>* txs)> test_prepare_hook;
    // Log lines (thread-safe); default stderr with the prefix "ledger-app: ".
    std::function<void(const std::string&)> log;
  };

  LedgerApp(ledger::Ledger& ledger, Options options);
  explicit LedgerApp(ledger::Ledger& ledger) : LedgerApp(ledger, Options{}) {}

  // Called after each Commit with the block's result (the FinalityBoard of CometbftConsensus
  // listens here). Set before the server starts.
  std::function<void(const ledger::BlockResult&)> on_commit;
  // Called when a recheck after a block finds a pooled transaction invalid (a conflicting spend
  // or nonce was committed): CometBFT drops it from its mempool, so it will never be final.
  // Set before the server starts.
  std::function<void(std::span<const ledger::Dropped>)> on_dropped;

  Status Info(const abci::RequestInfo& req, abci::ResponseInfo* res) override;
  Status Query(const abci::RequestQuery& req, abci::ResponseQuery* res) override;
  Status VerifyTxBatch(std::span<const abci::RequestCheckTx> reqs,
                       std::span<abci::ResponseCheckTx> res) override;
  Status CheckTxBatch(std::span<const abci::RequestCheckTx> reqs,
                      std::span<abci::ResponseCheckTx> res) override;
  Status CheckTx(const abci::RequestCheckTx& req, abci::ResponseCheckTx* res) override;
  Status InitChain(const abci::RequestInitChain& req, abci::ResponseInitChain* res) override;
  Status PrepareProposal(const abci::RequestPrepareProposal& req,
                         abci::ResponsePrepareProposal* res) override;
  Status ProcessProposal(const abci::RequestProcessProposal& req,
                         abci::ResponseProcessProposal* res) override;
  Status FinalizeBlock(const abci::RequestFinalizeBlock& req,
                       abci::ResponseFinalizeBlock* res) override;
  Status Commit(const abci::RequestCommit& req, abci::ResponseCommit* res) override;

  // ABCI codes: 0 OK, 1..10 the ledger rules (shield::Rule numbers), these for the rest.
  static constexpr std::uint32_t kCodeDuplicate = 100;  // already in the mempool
  static constexpr std::uint32_t kCodeFull = 101;       // the shadow mempool is full

  // Observers for tests and metrics (thread-safe).
  struct Stats {
    std::uint64_t check_tx = 0, check_tx_rejected = 0, rechecks = 0, recheck_dropped = 0;
    std::uint64_t proposals_prepared = 0, prepare_dropped = 0;
    std::uint64_t proposals_accepted = 0, proposals_rejected = 0;
    std::uint64_t blocks = 0, txs_applied = 0, txs_rejected = 0;
    // Where the time goes (microseconds of wall time inside each call) and the CheckTx
    // batch sizes: what a height waits on under load.
    std::uint64_t verify_batches = 0, verify_batch_txs = 0, verify_us = 0, check_us = 0;
    std::uint64_t prepare_us = 0, process_us = 0, finalize_us = 0, commit_us = 0;
  };
  Stats stats() const;
  ledger::Ledger& ledger() { return ledger_; }
  // Height -> app hash of every block committed through this object.
  std::vector<std::pair<std::uint64_t, ledger::Hash32>> committed() const;

  // Protobuf size of one transaction inside a block's Data (what CometBFT counts against
  // max_tx_bytes): tag + varint length + bytes.
  static std::int64_t ProtoTxSize(std::size_t len);

 private:
  void Log(const std::string& line);
  // Adds the wall time since `start` to the stats field `field` on destruction.
  class Timer;

  ledger::Ledger& ledger_;
  Options options_;
  std::unique_ptr<ledger::Mempool> shadow_;  // guarded by the server's app mutex (CheckTxBatch, Commit)
  std::optional<ledger::BlockResult> pending_;  // FinalizeBlock -> Commit
  mutable std::mutex stats_mu_;
  Stats stats_;
  std::vector<std::pair<std::uint64_t, ledger::Hash32>> committed_;
};

}  // namespace depinfer::consensus
