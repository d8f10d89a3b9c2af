// A whole pay-and-receive between two wallets against the in-memory ledger: the payer builds
// and proves, the ledger checks (proof included) and applies, both wallets sync (trial
// decryption, witnesses) and the payer marks its note spent. One iteration is one payment.
//
//   build/release/bench/shield/shield_payment_bench
#include <benchmark/benchmark.h>

#include <filesystem>

#include "../../tests/shield/shield_test_util.h"
#include "shield/check.h"
#include "shield/wallet.h"

namespace depinfer::shield {
namespace {

void BM_PayAndReceive(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("depinfer_paybench_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const JoinSplitKeys& keys = testing::TestKeys();
  TransactionBuilder builder(keys, "bench");
  CheckContext ctx{"bench", &keys.prepared(), kEncryptedNoteBytes};
  MemoryState ledger;
  AccountSigner funder;
  ledger.SetBalance(funder.account(), Fr::Zero(), UINT64_MAX / 2);
  std::array<std::uint8_t, kSeedBytes> sa{}, sb{};
  sa.fill(1);
  sb.fill(2);
  std::unique_ptr<Wallet> wallet[2];
  testing::Must(Wallet::Create((dir / "a.db").string(), "pw", sa, Network::kTest, KdfStrength::kTestOnly, &wallet[0]));
  testing::Must(Wallet::Create((dir / "b.db").string(), "pw", sb, Network::kTest, KdfStrength::kTestOnly, &wallet[1]));
  auto submit = [&](const Transaction& tx) {
    if (!CheckStateless(std::span(&tx, 1), ctx)[0].ok()) return false;
    const bool ok = ApplyTransaction(tx, AccountKey{}, &ledger).ok();
    ledger.CloseBlock();
    return ok;
  };
  auto sync = [&](Wallet& w) {
    testing::Must(w.Sync(std::span(ledger.outputs()).subspan(w.next_position())));
    std::vector<Fr> spent;
    for (const Fr& nf : w.UnspentNullifiers()) {
      if (ledger.IsNullifierSpent(nf)) spent.push_back(nf);
    }
    testing::Must(w.MarkSpent(spent));
  };
  for (int k = 0; k < 2; ++k) {  // both start with funds
    BuiltTransaction d;
    testing::Must(builder.Deposit(funder, ledger.Nonce(funder.account()), wallet[k]->address(),
                                  Fr::Zero(), 1'000'000'000, 0, ledger.tree().Root(), {}, &d));
    if (!submit(d.tx)) state.SkipWithError("deposit rejected");
    sync(*wallet[k]);
  }
  int turn = 0;
  for (auto _ : state) {
    Wallet& payer = *wallet[turn];
    Wallet& payee = *wallet[1 - turn];
    BuiltTransaction b;
    testing::Must(payer.Send(builder, payee.address(), Fr::Zero(), 1000, 1, {}, &b));
    if (!submit(b.tx)) state.SkipWithError("payment rejected");
    sync(payer);
    sync(payee);
    turn = 1 - turn;
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PayAndReceive)->Name("wallet/pay_and_receive")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10);

}  // namespace
}  // namespace depinfer::shield

BENCHMARK_MAIN();
