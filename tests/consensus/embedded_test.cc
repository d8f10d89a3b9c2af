// The embedded consensus without HTTP: admission on several workers keeps a client's nonces in
// order, blocks commit what was admitted, and finality is reported once the block is written.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../ledger/ledger_test_util.h"
#include "consensus/embedded.h"

namespace depinfer::consensus {
namespace {

using namespace ledger::testing;  // NOLINT
using math::bn254::Fr;

// A ledger whose genesis funds `funded` only.
std::unique_ptr<ledger::Ledger> FundedLedger(const TempDir& dir, const shield::AccountSigner& funded) {
  const ledger::Genesis g = MakeGenesis(PlaceholderVk(), {{funded.account(), Fr::Zero(), 100000}});
  std::unique_ptr<ledger::Ledger> l;
  const Status st = ledger::Ledger::Open(dir.Sub("db"), g, PlaceholderVk(), FastOptions(), &l);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return l;
}

TEST(Embedded, ManyWorkersAdmitANonceSequenceInOrderAndFinalizeIt) {
  TempDir dir("embedded_nonce_sequence");
  const auto alice = Signer(1), bob = Signer(2);
  std::unique_ptr<ledger::Ledger> l = FundedLedger(dir, *alice);
  ASSERT_TRUE(l);
  MetricsRegistry registry;
  NodeMetrics metrics(&registry);
  EmbeddedConsensus::Options o;
  o.max_block_txs = 64;
  EmbeddedConsensus node(*l, &metrics, o);
  ASSERT_TRUE(node.Start().ok());

  // 400 transfers with nonces 0..399, queued at once: the workers split them into batches and
  // verify those in parallel, but must add them to the pool in queue order.
  std::vector<ledger::Tx> txs;
  for (std::uint64_t n = 0; n < 400; ++n) txs.push_back(SignedTransfer(*alice, bob->account(), 1, 0, n));
  const std::vector<ledger::Admission> got = node.SubmitBatch(txs);
  ASSERT_EQ(got.size(), txs.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(got[i].added()) << "transfer " << i << ": " << got[i].verdict.ToString();
  }
  for (const ledger::Tx& tx : txs) {
    ledger::TxOutcome out;
    ASSERT_TRUE(node.WaitFinal(tx.Id(), std::chrono::seconds(20), &out));
    EXPECT_TRUE(out.applied());
    EXPECT_LE(out.height, l->height());
  }
  EXPECT_EQ(l->Nonce(alice->account()), 400u);
  EXPECT_EQ(l->Balance(bob->account(), Fr::Zero()), 400u);
  // A replay and a stale nonce are refused at admission; nothing changes.
  EXPECT_EQ(node.Submit(txs[7]).code, ledger::Admission::Code::kRejected);
  EXPECT_EQ(node.Submit(SignedTransfer(*alice, bob->account(), 1, 0, 3)).verdict.rule, ledger::Rule::kBadNonce);
  node.Stop();
}

// A transaction a block made invalid while it waited is never final: its waiter hears so at
// once, with the reason, instead of waiting out its timeout.
TEST(Embedded, DroppedTransactionsEndTheirWait) {
  TempDir dir("embedded_dropped");
  const auto alice = Signer(1), bob = Signer(2);
  std::unique_ptr<ledger::Ledger> l = FundedLedger(dir, *alice);
  ASSERT_TRUE(l);
  FinalityBoard board(*l, nullptr);
  const ledger::Tx tx = SignedTransfer(*alice, bob->account(), 1, 0, 5);
  ledger::TxOutcome out;
  const auto t0 = std::chrono::steady_clock::now();
  std::thread dropper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const ledger::Dropped d{tx.Id(), ledger::Verdict::Reject(ledger::Rule::kBadNonce, "a block used this nonce")};
    board.Dropped(std::span(&d, 1));
  });
  ASSERT_TRUE(board.WaitFinal(tx.Id(), std::chrono::seconds(30), &out));
  dropper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(out.height, 0u);
  EXPECT_EQ(out.rule, ledger::Rule::kBadNonce);
  EXPECT_FALSE(out.applied());
  // Another transaction is neither final nor dropped: the wait times out.
  EXPECT_FALSE(board.WaitFinal(SignedTransfer(*alice, bob->account(), 1, 0, 6).Id(),
                               std::chrono::milliseconds(30), &out));
}

// The admission order itself, seen from the admit callback: batches verified in parallel are
// admitted one after another, in queue order.
TEST(Admission, WorkersAdmitInQueueOrder) {
  TempDir dir("admission_order");
  const auto alice = Signer(1), bob = Signer(2);
  std::unique_ptr<ledger::Ledger> l = FundedLedger(dir, *alice);
  ASSERT_TRUE(l);
  for (int round = 0; round < 5; ++round) {
    std::mutex mu;
    std::vector<std::uint64_t> order;
    Admission admission(*l, nullptr, [&](const ledger::Tx& tx) {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(tx.Nonce());
      std::this_thread::yield();  // widen the window in which an out-of-turn batch would interleave
      return ledger::Admission{};
    }, /*max_batch=*/16, /*workers=*/4);
    std::vector<ledger::Tx> txs;
    for (std::uint64_t n = 0; n < 300; ++n) txs.push_back(SignedTransfer(*alice, bob->account(), 1, 0, n));
    const std::vector<ledger::Admission> got = admission.SubmitBatch(txs);
    ASSERT_EQ(order.size(), txs.size());
    for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], i) << "round " << round;
    for (const ledger::Admission& a : got) EXPECT_TRUE(a.added());
  }
}

// A callback that throws (a storage error, out of memory) answers its transaction "unavailable,
// retry later" instead of ending the process, and the transactions after it are admitted.
TEST(Admission, AThrowingAdmitAnswersUnavailableAndTheRestGoOn) {
  TempDir dir("admission_throw");
  const auto alice = Signer(1), bob = Signer(2);
  std::unique_ptr<ledger::Ledger> l = FundedLedger(dir, *alice);
  ASSERT_TRUE(l);
  Admission admission(*l, nullptr, [&](const ledger::Tx& tx) {
    if (tx.Nonce() % 7 == 3) throw std::runtime_error("disk on fire");
    return ledger::Admission{};
  }, /*max_batch=*/8, /*workers=*/2);
  std::vector<ledger::Tx> txs;
  for (std::uint64_t n = 0; n < 40; ++n) txs.push_back(SignedTransfer(*alice, bob->account(), 1, 0, n));
  const std::vector<ledger::Admission> got = admission.SubmitBatch(txs);
  ASSERT_EQ(got.size(), txs.size());
  for (std::uint64_t n = 0; n < txs.size(); ++n) {
    if (n % 7 == 3) {
      EXPECT_EQ(got[n].code, ledger::Admission::Code::kFull) << n;
      EXPECT_NE(got[n].verdict.detail.find("disk on fire"), std::string::npos) << got[n].verdict.detail;
    } else {
      EXPECT_TRUE(got[n].added()) << n;
    }
  }
  // The workers are still there.
  EXPECT_TRUE(admission.Submit(SignedTransfer(*alice, bob->account(), 1, 0, 40)).added());
}

}  // namespace
}  // namespace depinfer::consensus
