// Apply throughput of the ledger: blocks of pre-proven shielded deposits (100 by default),
// applied to fresh ledgers
//   * with the verdicts already cached (proofs verified on arrival, as in the node): the cost
//     of the state rules, the tree, the state root and the synced RocksDB write;
//   * with a cold cache (the block's proofs batch-verified inside ApplyBlock);
//   * the batch verification alone.
// The proven block is kept in a file (default /tmp/depinfer_ledger_bench_<n>.bin) so later runs
// skip the proving. Usage: ledger_apply_bench [txs per block] [repetitions] [--nosync]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "ledger/ledger.h"
#include "shield/builder.h"
#include "shield/joinsplit_keys.h"

using namespace depinfer;         // NOLINT
using namespace depinfer::ledger;  // NOLINT

namespace {

constexpr char kChain[] = "depinfer-bench";

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Die(const Status& st, const char* what) {
  if (st.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, st.ToString().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const bool sync = !(argc > 3 && std::strcmp(argv[3], "--nosync") == 0);
  std::uint8_t seed[32] = {42};
  std::unique_ptr<shield::JoinSplitKeys> keys;
  auto t0 = std::chrono::steady_clock::now();
  Die(shield::JoinSplitKeys::DevSetup(&keys, seed), "dev setup");
  std::fprintf(stderr, "dev setup %.2f s\n", Seconds(t0));

  std::array<std::uint8_t, 32> fseed{};
  fseed.fill(1);
  shield::AccountSigner funder(fseed);
  Genesis g;
  g.chain_id = kChain;
  g.vk_hash = VerifyingKeyHash(keys->verifying_key());
  g.fee_account.fill(0xfe);
  g.allocations.push_back({funder.account(), Fr::Zero(), 1'000'000'000});

  // The block: n deposits from one account (nonces 0..n-1) naming the genesis root.
  const std::string cache = "/tmp/depinfer_ledger_bench_" + std::to_string(n) + ".bin";
  std::vector<Tx> block;
  {
    std::ifstream f(cache, std::ios::binary);
    std::string blob((std::istreambuf_iterator<char>(f)), {});
    std::size_t off = 0;
    while (off + 4 <= blob.size()) {
      std::uint32_t len;
      std::memcpy(&len, blob.data() + off, 4);
      Tx tx;
      if (off + 4 + len > blob.size() ||
          !DecodeTx(std::span(reinterpret_cast<const std::uint8_t*>(blob.data()) + off + 4, len), &tx).ok()) {
        block.clear();
        break;
      }
      block.push_back(std::move(tx));
      off += 4 + len;
    }
    if (static_cast<int>(block.size()) != n) block.clear();
  }
  if (block.empty()) {
    shield::TransactionBuilder builder(*keys, kChain);
    std::array<std::uint8_t, shield::kSeedBytes> wseed{};
    wseed.fill(2);
    const shield::SpendingKey to = shield::SpendingKey::FromSeed(wseed);
    const Fr root = shield::Frontier().Root();
    t0 = std::chrono::steady_clock::now();
    std::ofstream f(cache, std::ios::binary);
    for (int i = 0; i < n; ++i) {
      shield::BuiltTransaction b;
      Die(builder.Deposit(funder, static_cast<std::uint64_t>(i), to.address(), Fr::Zero(), 1000, 1,
                          root, {}, &b),
          "proving");
      block.push_back(Tx::Shielded(b.tx));
      const std::vector<std::uint8_t> enc = EncodeTx(block.back());
      const std::uint32_t len = static_cast<std::uint32_t>(enc.size());
      f.write(reinterpret_cast<const char*>(&len), 4);
      f.write(reinterpret_cast<const char*>(enc.data()), len);
    }
    std::fprintf(stderr, "proved %d deposits in %.1f s (kept in %s)\n", n, Seconds(t0), cache.c_str());
  }

  const std::string dir = "/tmp/depinfer_ledger_bench_db_" + std::to_string(getpid());
  LedgerOptions opts;
  opts.sync = sync;
  double warm = 0, cold = 0, verify = 0;           // wall clock
  double warm_cpu = 0, cold_cpu = 0, verify_cpu = 0;  // process CPU time (all threads)
  auto cpu = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
  for (int r = 0; r < reps; ++r) {
    for (int mode = 0; mode < 3; ++mode) {
      std::filesystem::remove_all(dir);
      std::unique_ptr<Ledger> l;
      Die(Ledger::Open(dir, g, keys->verifying_key(), opts, &l), "open");
      if (mode == 2) {
        t0 = std::chrono::steady_clock::now();
        const double c0 = cpu();
        const std::vector<Verdict> v = l->verifier().Check(block);
        verify += Seconds(t0);
        verify_cpu += cpu() - c0;
        for (const Verdict& x : v) {
          if (!x.ok()) Die(Status::InvalidArgument(x.ToString()), "verify");
        }
        continue;
      }
      if (mode == 0) l->verifier().Check(block);  // warm: verified on arrival
      BlockResult res;
      t0 = std::chrono::steady_clock::now();
      const double c0 = cpu();
      Die(l->ApplyBlock(1, block, &res), "apply");
      (mode == 0 ? warm : cold) += Seconds(t0);
      (mode == 0 ? warm_cpu : cold_cpu) += cpu() - c0;
      if (res.info.applied_count != static_cast<std::uint32_t>(n)) Die(Status::InvalidArgument("a tx was rejected"), "apply");
    }
  }
  std::filesystem::remove_all(dir);
  const double tx = static_cast<double>(n) * reps;
  std::printf("block of %d shielded deposits, %d repetitions, sync=%s\n", n, reps, sync ? "on" : "off");
  std::printf("                                 wall ms/block   tx/s   | CPU ms/block (all threads)\n");
  auto row = [&](const char* what, double wall, double c) {
    std::printf("  %-30s %8.2f %9.0f   | %8.2f\n", what, 1e3 * wall / reps, tx / wall, 1e3 * c / reps);
  };
  row("apply, verdicts cached", warm, warm_cpu);
  row("apply, proofs verified inside", cold, cold_cpu);
  row("batch verification alone", verify, verify_cpu);
  return 0;
}
