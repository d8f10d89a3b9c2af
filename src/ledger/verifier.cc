#include "ledger/verifier.h"

#include <omp.h>

#include <algorithm>

namespace depinfer::ledger {

Verifier::Verifier(shield::CheckContext ctx, std::size_t capacity)
    : ctx_(std::move(ctx)), capacity_(std::max<std::size_t>(capacity, 1)) {}

std::optional<Verdict> Verifier::Cached(const Hash32& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.hits;
  return it->second->second;
}

void Verifier::Insert(const Hash32& key, const Verdict& v) {
  auto it = map_.find(key);
  if (it != map_.end()) {
    it->second->second = v;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(key, v);
  map_.emplace(key, lru_.begin());
  while (lru_.size() > capacity_) {
    map_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::vector<Verdict> Verifier::Check(std::span<const Tx> txs) {
  const std::size_t n = txs.size();
  std::vector<Verdict> out(n);
  std::vector<Hash32> keys(n);
#pragma omp parallel for schedule(static) if (n >= 512)
  for (std::size_t i = 0; i < n; ++i) keys[i] = txs[i].WireHash();

  // Cached verdicts; the same encoding twice in one call is checked once.
  std::vector<std::size_t> todo;
  std::unordered_map<Hash32, std::size_t, HashKeyHasher> first;  // key -> index checked
  std::vector<std::pair<std::size_t, std::size_t>> copies;        // (index, index checked)
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < n; ++i) {
      auto it = map_.find(keys[i]);
      if (it != map_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        out[i] = it->second->second;
        ++stats_.hits;
        continue;
      }
      auto [f, fresh] = first.emplace(keys[i], i);
      if (fresh) {
        todo.push_back(i);
      } else {
        copies.emplace_back(i, f->second);
      }
    }
  }

  // Work items: chunks of shielded transactions (one batch each) and single transfers.
  std::vector<std::size_t> shielded, transfers;
  for (std::size_t i : todo) (txs[i].kind == TxKind::kShielded ? shielded : transfers).push_back(i);
  const std::size_t threads = static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  // Below a few proofs per thread the fixed cost of a batch (three Miller loops and a final
  // exponentiation) dominates; keep such batches whole.
  const std::size_t chunks =
      shielded.empty() ? 0 : std::clamp<std::size_t>(shielded.size() / 8, 1, threads);
  const std::size_t items = chunks + transfers.size();
  // Threads only when there is enough work to share (an Ed25519 check is ~50 us).
  const bool parallel = chunks > 1 || transfers.size() >= 16 || (chunks == 1 && transfers.size() >= 4);
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
  for (std::size_t w = 0; w < items; ++w) {
    if (w < chunks) {
      const std::size_t lo = shielded.size() * w / chunks, hi = shielded.size() * (w + 1) / chunks;
      std::vector<shield::Transaction> batch;
      batch.reserve(hi - lo);
      for (std::size_t k = lo; k < hi; ++k) batch.push_back(txs[shielded[k]].shielded);
      std::vector<Verdict> v = shield::CheckStateless(batch, ctx_);
      for (std::size_t k = lo; k < hi; ++k) out[shielded[k]] = std::move(v[k - lo]);
    } else {
      const std::size_t i = transfers[w - chunks];
      out[i] = CheckTransferStateless(txs[i].transfer, ctx_.chain_id);
    }
  }
  for (const auto& [i, j] : copies) out[i] = out[j];

  std::lock_guard<std::mutex> lock(mu_);
  stats_.misses += todo.size();
  for (std::size_t i : todo) Insert(keys[i], out[i]);
  return out;
}

Verifier::Stats Verifier::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.entries = lru_.size();
  return s;
}

void Verifier::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  lru_.clear();
  map_.clear();
}

}  // namespace depinfer::ledger
