// The stateless checks of ledger transactions, in batches on all cores, with a bounded cache
// of verdicts (shared/DESIGN.md section 5: a proof is verified when its transaction arrives,
// and not again when the block that orders it is applied on the same node).
//
// Shielded transactions go through shield::CheckStateless (structure, deposit signature,
// Groth16 proof in a random-linear-combination batch); a batch is split into one chunk per
// core, each checked by one thread (one Miller loop per proof, one final exponentiation per
// chunk). Transfers get CheckTransferStateless (amount range, Ed25519 signature).
//
// The cache is keyed by Tx::WireHash (the hash of the complete encoding), not by the id:
// the id leaves out the proof and the signatures, so keying on it would let a transaction with
// a garbage proof borrow the verdict of an honest one with the same id. A verdict is a pure
// function of the encoding, the chain id and the key, so a cached verdict is exact.
// Least-recently-used entries are dropped beyond the capacity. All methods are thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "ledger/tx.h"
#include "shield/check.h"

namespace depinfer::ledger {

struct HashKeyHasher {
  std::size_t operator()(const Hash32& h) const {
    std::size_t x;
    std::memcpy(&x, h.data(), sizeof x);
    return x;
  }
};

class Verifier {
 public:
  // `ctx.vk` must outlive the verifier.
  Verifier(shield::CheckContext ctx, std::size_t capacity);

  // One stateless verdict per transaction, in order. Cached verdicts are reused; the rest are
  // checked together and cached.
  std::vector<Verdict> Check(std::span<const Tx> txs);
  Verdict CheckOne(const Tx& tx) { return Check(std::span(&tx, 1))[0]; }

  // The cached verdict for this exact encoding, if any (counts as a hit).
  std::optional<Verdict> Cached(const Hash32& wire_hash);

  const shield::CheckContext& context() const { return ctx_; }

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;  // transactions actually checked
    std::size_t entries = 0;
  };
  Stats stats() const;
  void Clear();

 private:
  void Insert(const Hash32& key, const Verdict& v);  // mu_ held

  const shield::CheckContext ctx_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  // Most recently used at the front.
  std::list<std::pair<Hash32, Verdict>> lru_;                               // guarded by mu_
  std::unordered_map<Hash32, decltype(lru_)::iterator, HashKeyHasher> map_;  // guarded by mu_
  Stats stats_;                                                              // guarded by mu_
};

}  // namespace depinfer::ledger
