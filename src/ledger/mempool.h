// The mempool: transactions that passed the stateless checks (Verifier) waiting, in arrival
// order, to be put in a block.
//
// Admission checks each transaction against the committed state and against the pool, so the
// pool never holds two transactions that cannot both be applied:
//   * the same id twice: kDuplicate;
//   * a nullifier already spent, or spent by a pooled transaction: nullifier-spent;
//   * a root outside the window: unknown-root;
//   * a nonce (a deposit's or a transfer's) that is not the account's next one after the
//     pooled transactions of that account: bad-nonce;
//   * a debit that the committed balance cannot cover on top of the account's pooled debits
//     (pooled incoming credits are not counted; the block re-checks): insufficient-funds;
//   * a full pool: kFull.
// After a block, Update removes the transactions it included (applied or rejected) and those it
// invalidated (a nullifier now spent, a nonce now used or out of sequence, a root that left the
// window). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "ledger/tx.h"
#include "ledger/verifier.h"
#include "shield/state.h"

namespace depinfer::ledger {

struct Admission {
  enum class Code { kAdded, kDuplicate, kFull, kRejected };
  Code code = Code::kAdded;
  Verdict verdict;  // kRejected: the rule that failed
  bool added() const { return code == Code::kAdded; }
};

// A pooled transaction that a block made invalid, and why.
struct Dropped {
  TxId id{};
  Verdict why;
};

class Mempool {
 public:
  explicit Mempool(std::size_t max_txs = 10000) : max_txs_(max_txs) {}

  // Precondition: tx passed the stateless checks.
  Admission Add(const Tx& tx, const shield::StateView& state);
  // The oldest `max` transactions, oldest first (they stay in the pool until Update).
  std::vector<Tx> Reap(std::size_t max) const;
  // Returns the pooled transactions the block made invalid (they are gone from the pool too).
  std::vector<Dropped> Update(std::span<const Tx> block, const shield::StateView& state);

  std::size_t size() const;
  bool Contains(const TxId& id) const;

 private:
  struct Entry {
    Tx tx;
    TxId id;
  };
  void RemoveLocked(std::uint64_t seq);  // mu_ held

  const std::size_t max_txs_;
  mutable std::mutex mu_;
  std::uint64_t next_seq_ = 0;                                            // guarded by mu_
  std::map<std::uint64_t, Entry> fifo_;                                   // guarded by mu_
  std::unordered_map<TxId, std::uint64_t, HashKeyHasher> by_id_;          // guarded by mu_
  std::unordered_map<Hash32, std::uint64_t, HashKeyHasher> by_nullifier_;  // guarded by mu_
  std::map<AccountKey, std::map<std::uint64_t, std::uint64_t>> by_nonce_;  // account -> nonce -> seq
};

}  // namespace depinfer::ledger
