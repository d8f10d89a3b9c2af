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
