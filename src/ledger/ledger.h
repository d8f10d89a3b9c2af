// The ledger: a deterministic state machine over RocksDB (shared/DESIGN.md section 5).
//
// State: the note-commitment tree (its frontier) and the window of recent roots, the nullifier
// set, transparent accounts (balance per asset, nonce), each transaction's outcome, the
// encrypted outputs for wallets, and the head: last applied height and state root.
//
// A block is applied in one atomic, synced RocksDB write together with its height and state
// root: every change is first made in a per-block overlay (reads see the block's earlier
// writes; nothing touches the database), then written as one WriteBatch. A crash leaves either
// the whole block or none of it; Open resumes from the last applied height.
//
// Invalid transactions in a block: ApplyBlock never fails because of a transaction. A
// transaction that fails a rule is recorded as rejected (with the rule's name) and skipped;
// the others are applied. Every node does the same, so they agree whatever a proposer put in
// the block. CheckBlock, for CometBFT's ProcessProposal, names the first transaction that
// would be rejected, so honest validators refuse such a proposal in the first place.
//
// State root (docs/ledger.md has the details): a BLAKE2b-256 chain
//   root_h = H(h, root_{h-1}, tree root, tree size, nullifier accumulator, account
//              accumulator, hash of the block's (id, outcome) list)
// where the accumulators chain the block's sorted spent nullifiers and sorted account changes.
// It costs O(changes in the block), never a scan of the state, and depends only on the genesis
// and the blocks applied.
//
// Threading: queries may run concurrently with each other and with ApplyBlock; ApplyBlock and
// CheckBlock are serialised with each other.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/genesis.h"
#include "ledger/tx.h"
#include "ledger/verifier.h"
#include "shield/commitment_tree.h"
#include "shield/state.h"
#include "snark/groth16/verifier.h"

namespace rocksdb {
class DB;
}

namespace depinfer::ledger {

struct TxOutcome {
  TxId id{};
  std::uint64_t height = 0;
  std::uint32_t index = 0;  // position in its block
  Rule rule = Rule::kOk;    // kOk: applied
  std::string detail;       // why it was rejected
  bool applied() const { return rule == Rule::kOk; }
};

struct BlockInfo {
  std::uint64_t height = 0;
  Hash32 state_root{};
  Fr tree_root;
  std::uint64_t tree_size = 0;
  std::uint32_t tx_count = 0;
  std::uint32_t applied_count = 0;
};

struct BlockResult {
  BlockInfo info;
  std::vector<TxOutcome> outcomes;  // one per transaction, in block order
};

struct AccountInfo {
  std::uint64_t nonce = 0;
  std::vector<std::pair<Fr, std::uint64_t>> balances;  // non-zero balances, by asset bytes
};

// CheckBlock's answer: index == txs.size() when every transaction would be applied.
struct BlockCheck {
  std::size_t index = 0;
  Verdict verdict;
  bool ok() const { return verdict.ok(); }
};

// The id under which a byte string that does not decode as a transaction is recorded:
// BLAKE2b-256("depinfer/raw-tx/v1", bytes).
TxId UndecodableTxId(std::span<const std::uint8_t> bytes);

struct LedgerOptions {
  std::size_t verify_cache_entries = 1 << 16;
  bool sync = true;  // fsync every block (turn off only in tests and benchmarks)
};

class Ledger {
 public:
  // Opens the ledger in `dir`, creating it from `genesis` when the directory is new. Errors:
  // `vk` is not the key genesis names (vk_hash), the directory holds another genesis's ledger,
  // RocksDB errors (as IOError or Corruption).
  static Status Open(const std::string& dir, const Genesis& genesis,
                     const snark::groth16::VerifyingKey& vk, const LedgerOptions& options,
                     std::unique_ptr<Ledger>* out);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const Genesis& genesis() const { return genesis_; }
  Verifier& verifier() { return *verifier_; }

  // ---- Queries (the committed state) ----
  std::uint64_t height() const;
  Hash32 state_root() const;
  Fr merkle_root() const;
  std::uint64_t tree_size() const;
  // The roots proofs may name, oldest first.
  std::vector<Fr> RecentRoots() const;
  bool IsNullifierSpent(const Fr& nf) const;
  std::uint64_t Balance(const AccountKey& account, const Fr& asset) const;
  std::uint64_t Nonce(const AccountKey& account) const;
  // Nonce and every non-zero balance (an unknown account: nonce 0, no balances).
  Status GetAccount(const AccountKey& account, AccountInfo* out) const;
  // NotFound for an id never seen in a block. A transaction applied once keeps that outcome
  // even when it is included again (and rejected) later.
  Status GetTxOutcome(const TxId& id, TxOutcome* out) const;
  // Encrypted outputs by leaf position, from `from` on, at most `limit` (wallets page through
  // them: the next page starts at the last position + 1). Fewer at the end of the tree.
  Status GetOutputs(std::uint64_t from, std::size_t limit,
                    std::vector<shield::OutputRecord>* out) const;
  Status GetBlock(std::uint64_t height, BlockInfo* out) const;
  // The committed state as the shield checks see it (for the mempool).
  const shield::StateView& view() const;

  // ---- Validation and application ----
  // Stateless (cached) and stateful checks of one transaction against the committed state.
  Verdict CheckTx(const Tx& tx);
  // The same for a batch of arrivals: the proofs are verified together, on all cores.
  std::vector<Verdict> CheckTxs(std::span<const Tx> txs);
  // Would every transaction of this block be applied on top of the committed state? Writes
  // nothing. For CometBFT's ProcessProposal.
  BlockCheck CheckBlock(std::span<const Tx> txs);
  // Applies the block at `height` (must be height() + 1): each transaction is checked
  // (stateless through the verifier's cache, stateful against the state as the block's earlier
  // transactions left it) and applied or recorded as rejected. One synced write. Errors only
  // for a wrong height or a storage failure, and then nothing changed.
  Status ApplyBlock(std::uint64_t height, std::span<const Tx> txs, BlockResult* out);

  // Blocks as consensus hands them over, as byte strings: each is decoded with DecodeTx; one
  // that does not decode is rejected (malformed) and recorded under UndecodableTxId(bytes).
  // Otherwise the same as CheckBlock and ApplyBlock.
  BlockCheck CheckRawBlock(std::span<const std::vector<std::uint8_t>> txs);
  Status ApplyRawBlock(std::uint64_t height, std::span<const std::vector<std::uint8_t>> txs,
                       BlockResult* out);

  // The same in two steps, for consensus engines that finalize a block before they commit it
  // (CometBFT: FinalizeBlock, then Commit once it has saved the block's results). Prepare
  // computes the outcomes and the state root and holds the block's write; CommitPrepared
  // writes it (one synced write) and moves the head. Until then the committed state is
  // unchanged, so a crash in between leaves the ledger at the previous height and the engine
  // replays the block. A new Prepare replaces one not yet committed.
  Status PrepareRawBlock(std::uint64_t height, std::span<const std::vector<std::uint8_t>> txs,
                         BlockResult* out);
  Status CommitPrepared();
  bool has_prepared() const;

  // Test hook: called after the block's batch is built and before it is written.
  std::function<void()> TEST_before_write;

 private:
  class Overlay;
  class CommittedView;
  friend class Overlay;
  friend class CommittedView;

  Ledger() = default;
  // `forced` (when not null): a non-OK entry rejects that transaction without checking it.
  // `ids` (when not null): the ids to record instead of txs[i].Id().
  std::vector<Verdict> Stateless(std::span<const Tx> txs, const std::vector<Verdict>* forced);
  BlockCheck CheckImpl(std::span<const Tx> txs, const std::vector<Verdict>* forced);
  struct Prepared;
  // Builds the block's write without touching the database; apply_mu_ held.
  Status PrepareImpl(std::uint64_t height, std::span<const Tx> txs, const std::vector<Verdict>* forced,
                     const std::vector<TxId>* ids, BlockResult* out);
  Status CommitLocked();  // apply_mu_ held
  Status PrepareRawLocked(std::uint64_t height, std::span<const std::vector<std::uint8_t>> raw,
                          BlockResult* out);  // apply_mu_ held
  std::unique_ptr<Prepared> prepared_;  // guarded by apply_mu_
  Status InitGenesis();
  Status LoadHead();
  // Reads of the committed database (no lock needed: RocksDB reads are thread-safe). A
  // storage error is stored in *err (when not null and still OK) and reads as "absent".
  bool DbNullifierSpent(const Hash32& nf, Status* err) const;
  std::uint64_t DbBalance(const AccountKey& account, const Hash32& asset, Status* err) const;
  std::uint64_t DbNonce(const AccountKey& account, Status* err) const;
  bool RecentRootLocked(const Fr& root) const;  // mu_ held (shared or exclusive)

  Genesis genesis_;
  Hash32 genesis_hash_{};
  LedgerOptions options_;
  snark::groth16::PreparedVerifyingKey pvk_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<CommittedView> view_;
  rocksdb::DB* db_ = nullptr;

  mutable std::mutex apply_mu_;    // serialises ApplyBlock and CheckBlock
  mutable std::shared_mutex mu_;   // guards the head below
  std::uint64_t height_ = 0;
  Hash32 state_root_{};
  Hash32 nf_acc_{};
  Hash32 acct_acc_{};
  shield::Frontier frontier_;
  std::deque<Fr> roots_;                   // recent roots, oldest first
  std::map<Hash32, std::uint32_t> root_count_;  // the same roots, for lookup
};

}  // namespace depinfer::ledger
