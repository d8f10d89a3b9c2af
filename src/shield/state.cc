#include "shield/state.h"

#include <algorithm>

namespace depinfer::shield {

MemoryState::MemoryState(std::size_t root_window) : root_window_(root_window) {
  recent_roots_.push_back(tree_.Root());
}

MemoryState::FieldKey MemoryState::Key(const Fr& x) {
  FieldKey k;
  x.ToBytesBE(k.data());
  return k;
}

bool MemoryState::IsRecentRoot(const Fr& root) const {
  return std::find(recent_roots_.begin(), recent_roots_.end(), root) != recent_roots_.end();
}

bool MemoryState::IsNullifierSpent(const Fr& nf) const { return nullifiers_.count(Key(nf)) != 0; }

std::uint64_t MemoryState::Balance(const AccountKey& account, const Fr& asset) const {
  auto it = balances_.find({account, Key(asset)});
  return it == balances_.end() ? 0 : it->second;
}

std::uint64_t MemoryState::Nonce(const AccountKey& account) const {
  auto it = nonces_.find(account);
  return it == nonces_.end() ? 0 : it->second;
}

void MemoryState::SpendNullifier(const Fr& nf) { nullifiers_.insert(Key(nf)); }

void MemoryState::AppendOutputs(const Transaction& tx) {
  for (int j = 0; j < 2; ++j) {
    outputs_.push_back(OutputRecord{tree_.size(), tx.commitments[j], tx.outputs[j]});
    (void)tree_.Append(tx.commitments[j]);  // 2^32 leaves: not reachable in memory
  }
}

void MemoryState::SetBalance(const AccountKey& account, const Fr& asset, std::uint64_t balance) {
  balances_[{account, Key(asset)}] = balance;
}

void MemoryState::SetNonce(const AccountKey& account, std::uint64_t nonce) { nonces_[account] = nonce; }

void MemoryState::CloseBlock() {
  recent_roots_.push_back(tree_.Root());
  while (recent_roots_.size() > root_window_) recent_roots_.pop_front();
}

}  // namespace depinfer::shield
