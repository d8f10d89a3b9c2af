#include "ledger/mempool.h"

#include <set>

namespace depinfer::ledger {

namespace {

const Fr& Asset(const Tx& tx) {
  return tx.kind == TxKind::kShielded ? tx.shielded.asset : tx.transfer.asset;
}

// What the transaction takes from its nonce account: a deposit's amount, a transfer's amount
// plus fee (saturating; admission refuses a transfer whose sum overflows).
std::uint64_t Debit(const Tx& tx) {
  if (tx.kind == TxKind::kShielded) {
    return tx.shielded.leg.kind == shield::LegKind::kDeposit ? tx.shielded.leg.amount : 0;
  }
  if (tx.transfer.amount > UINT64_MAX - tx.transfer.fee) return UINT64_MAX;
  return tx.transfer.amount + tx.transfer.fee;
}

}  // namespace

Admission Mempool::Add(const Tx& tx, const shield::StateView& state) {
  const TxId id = tx.Id();
  auto reject = [](Rule rule, std::string detail) {
    return Admission{Admission::Code::kRejected, Verdict::Reject(rule, std::move(detail))};
  };
  std::lock_guard<std::mutex> lock(mu_);
  if (by_id_.count(id) != 0) return Admission{Admission::Code::kDuplicate, Verdict{}};
  if (fifo_.size() >= max_txs_) return Admission{Admission::Code::kFull, Verdict{}};
  if (tx.kind == TxKind::kShielded) {
    if (!state.IsRecentRoot(tx.shielded.root)) {
      return reject(Rule::kUnknownRoot, "the root is not one of the recent roots");
    }
    for (const Fr& nf : tx.Nullifiers()) {
      if (by_nullifier_.count(FieldBytes(nf)) != 0) {
        return reject(Rule::kNullifierSpent, "a pooled transaction already spends this note");
      }
      if (state.IsNullifierSpent(nf)) return reject(Rule::kNullifierSpent, "the note is already spent");
    }
  }
  if (const AccountKey* account = tx.NonceAccount()) {
    std::uint64_t expect = state.Nonce(*account);
    auto it = by_nonce_.find(*account);
    if (it != by_nonce_.end() && !it->second.empty()) expect = it->second.rbegin()->first + 1;
    if (tx.Nonce() != expect) {
      return reject(Rule::kBadNonce, "the nonce is not the account's next one (" + std::to_string(expect) + ")");
    }
    // The account must cover this debit on top of its pooled ones (incoming credits still in
    // the pool are not counted: admission is conservative, the block re-checks anyway).
    if (tx.kind == TxKind::kTransfer && tx.transfer.amount > UINT64_MAX - tx.transfer.fee) {
      return reject(Rule::kAmountRange, "amount plus fee exceed 2^64 - 1");
    }
    const std::uint64_t debit = Debit(tx);
    const Fr& asset = Asset(tx);
    std::uint64_t pooled = 0;
    if (it != by_nonce_.end()) {
      for (const auto& [nonce, seq] : it->second) {
        const Tx& other = fifo_.at(seq).tx;
        if (Asset(other) == asset) pooled += Debit(other);  // each below 2^64, few per account
      }
    }
    const std::uint64_t balance = state.Balance(*account, asset);
    if (pooled > balance || balance - pooled < debit) {
      return reject(Rule::kInsufficientFunds, "the account lacks the amount (counting its pooled transactions)");
    }
  }
  const std::uint64_t seq = next_seq_++;
  fifo_.emplace(seq, Entry{tx, id});
  by_id_.emplace(id, seq);
  for (const Fr& nf : tx.Nullifiers()) by_nullifier_.emplace(FieldBytes(nf), seq);
  if (const AccountKey* account = tx.NonceAccount()) by_nonce_[*account][tx.Nonce()] = seq;
  return Admission{};
}

std::vector<Tx> Mempool::Reap(std::size_t max) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Tx> out;
  for (auto it = fifo_.begin(); it != fifo_.end() && out.size() < max; ++it) out.push_back(it->second.tx);
  return out;
}

void Mempool::RemoveLocked(std::uint64_t seq) {
  auto it = fifo_.find(seq);
  if (it == fifo_.end()) return;
  const Tx& tx = it->second.tx;
  by_id_.erase(it->second.id);
  for (const Fr& nf : tx.Nullifiers()) {
    auto n = by_nullifier_.find(FieldBytes(nf));
    if (n != by_nullifier_.end() && n->second == seq) by_nullifier_.erase(n);
  }
  if (const AccountKey* account = tx.NonceAccount()) {
    auto a = by_nonce_.find(*account);
    if (a != by_nonce_.end()) {
      auto n = a->second.find(tx.Nonce());
      if (n != a->second.end() && n->second == seq) a->second.erase(n);
      if (a->second.empty()) by_nonce_.erase(a);
    }
  }
  fifo_.erase(it);
}

std::vector<Dropped> Mempool::Update(std::span<const Tx> block, const shield::StateView& state) {
  // State changes only through blocks, so only what this block touched can have made a pooled
  // transaction invalid: the nullifiers it spent and the nonces of its accounts (a few lookups
  // per block transaction, not per pooled one); and a root may have left the window.
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::uint64_t, Verdict>> stale;
  std::set<AccountKey> accounts;
  for (const Tx& tx : block) {
    auto it = by_id_.find(tx.Id());
    if (it != by_id_.end()) RemoveLocked(it->second);
    for (const Fr& nf : tx.Nullifiers()) {
      auto n = by_nullifier_.find(FieldBytes(nf));
      if (n != by_nullifier_.end() && state.IsNullifierSpent(nf)) {
        stale.emplace_back(n->second, Verdict::Reject(Rule::kNullifierSpent, "a block spent this note first"));
      }
    }
    if (const AccountKey* account = tx.NonceAccount()) accounts.insert(*account);
  }
  for (const auto& [seq, e] : fifo_) {
    if (e.tx.kind == TxKind::kShielded && !state.IsRecentRoot(e.tx.shielded.root)) {
      stale.emplace_back(seq, Verdict::Reject(Rule::kUnknownRoot, "the root left the window while pooled"));
    }
  }
  // Each such account's pooled nonces must run on from its committed nonce without a gap.
  for (const AccountKey& account : accounts) {
    auto a = by_nonce_.find(account);
    if (a == by_nonce_.end()) continue;
    std::uint64_t expect = state.Nonce(account);
    for (const auto& [nonce, seq] : a->second) {
      if (nonce == expect) {
        ++expect;
      } else {
        stale.emplace_back(seq, Verdict::Reject(Rule::kBadNonce, "a block used this nonce, or one before it"));
      }
    }
  }
  std::vector<Dropped> dropped;
  for (const auto& [seq, why] : stale) {
    auto it = fifo_.find(seq);
    if (it == fifo_.end()) continue;  // listed twice
    dropped.push_back(Dropped{it->second.id, why});
    RemoveLocked(seq);
  }
  return dropped;
}

std::size_t Mempool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fifo_.size();
}

bool Mempool::Contains(const TxId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_id_.count(id) != 0;
}

}  // namespace depinfer::ledger
