// What the shielded-transaction checks need to know about the ledger, and what applying a
// transaction changes in it. The ledger (src/ledger, RocksDB) implements these; so does
// MemoryState, an in-memory ledger for tests and for wallets before a node exists.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <vector>

#include "shield/commitment_tree.h"
#include "shield/transaction.h"

namespace depinfer::shield {

class StateView {
 public:
  virtual ~StateView() = default;
  // Whether proofs may name this root: one of the recent roots of the commitment tree.
  virtual bool IsRecentRoot(const Fr& root) const = 0;
  virtual bool IsNullifierSpent(const Fr& nf) const = 0;
  // 0 for an account never seen.
  virtual std::uint64_t Balance(const AccountKey& account, const Fr& asset) const = 0;
  virtual std::uint64_t Nonce(const AccountKey& account) const = 0;
};

class MutableState : public StateView {
 public:
  virtual void SpendNullifier(const Fr& nf) = 0;
  // Appends the transaction's commitments and remembers its encrypted outputs for wallets.
  virtual void AppendOutputs(const Transaction& tx) = 0;
  virtual void SetBalance(const AccountKey& account, const Fr& asset, std::uint64_t balance) = 0;
  virtual void SetNonce(const AccountKey& account, std::uint64_t nonce) = 0;
};

// The balance changes of one transaction, worked out before any is written, so a transaction
// that would overflow a balance is rejected before it changes anything. The accounts it
// touches (payer, payee, fee account) may coincide.
class BalanceChanges {
 public:
  BalanceChanges(const StateView& state, const Fr& asset) : state_(state), asset_(asset) {}
  // Precondition: the account holds at least `amount` (checked by the stateful rules).
  void Debit(const AccountKey& account, std::uint64_t amount) { Of(account) -= amount; }
  // False (and nothing credited) when the balance would pass 2^64 - 1.
  bool Credit(const AccountKey& account, std::uint64_t amount) {
    std::uint64_t& b = Of(account);
    if (b > UINT64_MAX - amount) return false;
    b += amount;
    return true;
  }
  void WriteTo(MutableState* state) const {
    for (const auto& [account, b] : balances_) state->SetBalance(account, asset_, b);
  }

 private:
  std::uint64_t& Of(const AccountKey& account) {
    for (auto& [k, b] : balances_) {
      if (k == account) return b;
    }
    balances_.emplace_back(account, state_.Balance(account, asset_));
    return balances_.back().second;
  }
  const StateView& state_;
  Fr asset_;
  std::vector<std::pair<AccountKey, std::uint64_t>> balances_;
};

// An encrypted output as a wallet scans it: its leaf position, commitment and ciphertext.
struct OutputRecord {
  std::uint64_t position = 0;
  Fr commitment;
  std::vector<std::uint8_t> ciphertext;
};

// The whole ledger in memory: a commitment tree with a window of recent roots, the nullifier
// set, transparent balances and nonces, and the log of encrypted outputs.
class MemoryState : public MutableState {
 public:
  explicit MemoryState(std::size_t root_window = 100);

  bool IsRecentRoot(const Fr& root) const override;
  bool IsNullifierSpent(const Fr& nf) const override;
  std::uint64_t Balance(const AccountKey& account, const Fr& asset) const override;
  std::uint64_t Nonce(const AccountKey& account) const override;

  void SpendNullifier(const Fr& nf) override;
  void AppendOutputs(const Transaction& tx) override;
  void SetBalance(const AccountKey& account, const Fr& asset, std::uint64_t balance) override;
  void SetNonce(const AccountKey& account, std::uint64_t nonce) override;

  // Ends a block: the current root joins the window of recent roots.
  void CloseBlock();

  const Frontier& tree() const { return tree_; }
  const std::vector<OutputRecord>& outputs() const { return outputs_; }

 private:
  using FieldKey = std::array<std::uint8_t, 32>;
  static FieldKey Key(const Fr& x);
  std::size_t root_window_;
  Frontier tree_;
  std::deque<Fr> recent_roots_;
  std::set<FieldKey> nullifiers_;
  std::map<std::pair<AccountKey, FieldKey>, std::uint64_t> balances_;
  std::map<AccountKey, std::uint64_t> nonces_;
  std::vector<OutputRecord> outputs_;
};

}  // namespace depinfer::shield
