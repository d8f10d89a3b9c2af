// Wallet scanning throughput: outputs trial-decrypted per second, on one core (the per-core
// figure) and on all cores. "Foreign" batches hold outputs for other wallets with one in 1,000
// ours, as a wallet sees the pool; ours_every:1 is the worst case (every output decrypted and its
// commitment recomputed). The single X25519 of libsodium and the batched kernel are measured
// alone, and a scan with one libsodium X25519 per output for comparison.
//
//   nice build/release/bench/shield/shield_scan_bench
#include <benchmark/benchmark.h>
#include <omp.h>
#include <sodium.h>

#include <map>

#include "shield/scan.h"
#include "shield/x25519_batch.h"

namespace depinfer::shield {
namespace {

constexpr std::size_t kBatch = 4096;

std::array<std::uint8_t, 32> Seed(std::uint8_t b) {
  std::array<std::uint8_t, 32> s;
  s.fill(b);
  return s;
}

const SpendingKey& Me() {
  static const SpendingKey key = SpendingKey::FromSeed(Seed(1));
  return key;
}

// kBatch outputs; every `ours_every`-th is ours (0: none), the rest for other wallets.
const std::vector<ScanItem>& Batch(std::size_t ours_every) {
  static std::map<std::size_t, std::vector<ScanItem>> cache;
  auto it = cache.find(ours_every);
  if (it != cache.end()) return it->second;
  static const SpendingKey other = SpendingKey::FromSeed(Seed(2));
  std::vector<ScanItem> items(kBatch);
  for (std::size_t i = 0; i < kBatch; ++i) {
    bool mine = ours_every != 0 && i % ours_every == 0;
    const SpendingKey& to = mine ? Me() : other;
    Note n{Fr::FromU64(1), i, to.pk(), RandomBlinding()};
    items[i].cm = NoteCommitment(n);
    if (!EncryptNote(n, {}, to.address(), &items[i].note).ok()) std::abort();
  }
  return cache.emplace(ours_every, std::move(items)).first->second;
}

void Report(benchmark::State& state, std::size_t found) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  state.counters["found"] = static_cast<double>(found);
}

void BM_ScanOneCore(benchmark::State& state) {
  const auto& items = Batch(static_cast<std::size_t>(state.range(0)));
  std::size_t found = 0;
  for (auto _ : state) {
    ScanResult r = ScanSingleThread(Me().viewing_key(), items);
    found = r.found.size();
    benchmark::DoNotOptimize(r);
  }
  Report(state, found);
}
// range(0): 1000 = one in 1,000 outputs ours; 1 = all ours.
BENCHMARK(BM_ScanOneCore)->ArgName("ours_every")->Arg(1000)->Arg(1)->Unit(benchmark::kMillisecond);

// The same on one core with TryDecryptNote per output (one libsodium X25519 each), for comparison.
void BM_ScanOneCoreLibsodium(benchmark::State& state) {
  const auto& items = Batch(static_cast<std::size_t>(state.range(0)));
  std::size_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (const ScanItem& item : items) {
      DecryptedNote d;
      found += TryDecryptNote(Me().viewing_key(), item.cm, item.note, &d).ok() ? 1 : 0;
    }
  }
  Report(state, found);
}
BENCHMARK(BM_ScanOneCoreLibsodium)->ArgName("ours_every")->Arg(1000)->Arg(1)
    ->Unit(benchmark::kMillisecond);

void BM_ScanAllCores(benchmark::State& state) {
  const auto& items = Batch(static_cast<std::size_t>(state.range(0)));
  std::size_t found = 0;
  for (auto _ : state) {
    ScanResult r = Scan(Me().viewing_key(), items);
    found = r.found.size();
    benchmark::DoNotOptimize(r);
  }
  Report(state, found);
  state.counters["threads"] = omp_get_max_threads();
}
BENCHMARK(BM_ScanAllCores)->ArgName("ours_every")->Arg(1000)->Arg(1)->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The floor: one libsodium X25519 per output.
void BM_X25519(benchmark::State& state) {
  if (sodium_init() < 0) std::abort();
  std::uint8_t sk[32], pk[32], out[32];
  randombytes_buf(sk, sizeof sk);
  crypto_scalarmult_base(pk, sk);
  for (auto _ : state) {
    if (crypto_scalarmult(out, sk, pk) != 0) std::abort();
    benchmark::DoNotOptimize(out);
    pk[0] ^= out[0] & 1;  // depend on the previous result
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_X25519);

// The batched kernel (eight lanes with AVX-512 IFMA where available), per point.
void BM_X25519Batch(benchmark::State& state) {
  if (sodium_init() < 0) std::abort();
  const std::size_t n = 256;
  X25519Key sk;
  randombytes_buf(sk.data(), sk.size());
  std::vector<X25519Key> pts(n), out(n);
  std::vector<std::uint8_t> ok(n);
  for (auto& p : pts) {
    X25519Key e;
    randombytes_buf(e.data(), e.size());
    crypto_scalarmult_base(p.data(), e.data());
  }
  for (auto _ : state) {
    X25519Batch(sk, pts, out, ok);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetLabel(X25519BatchUsesIfma() ? "ifma x8" : "libsodium");
}
BENCHMARK(BM_X25519Batch);

}  // namespace
}  // namespace depinfer::shield

BENCHMARK_MAIN();
