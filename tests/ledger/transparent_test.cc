// The ledger with transparent transfers only (no proofs, so these run in milliseconds):
// encodings, genesis, the transfer rules, restart, determinism, crash atomicity, the mempool.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "ledger/mempool.h"
#include "ledger_test_util.h"

namespace depinfer::ledger {
namespace {

using namespace testing;  // NOLINT

class Transparent : public ::testing::Test {
 protected:
  Transparent()
      : dir_(::testing::UnitTest::GetInstance()->current_test_info()->name()),
        alice_(Signer(1)),
        bob_(Signer(2)),
        carol_(Signer(3)) {
    genesis_ = MakeGenesis(PlaceholderVk(), {{alice_->account(), Fr::Zero(), 1000},
                                             {alice_->account(), Fr::One(), 7},
                                             {bob_->account(), Fr::Zero(), UINT64_MAX - 5}});
  }
  std::unique_ptr<Ledger> Open(const std::string& name = "db") {
    std::unique_ptr<Ledger> l;
    const Status st = Ledger::Open(dir_.Sub(name), genesis_, PlaceholderVk(), FastOptions(), &l);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return l;
  }
  static BlockResult Apply(Ledger& l, std::vector<Tx> txs) {
    BlockResult r;
    const Status st = l.ApplyBlock(l.height() + 1, txs, &r);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return r;
  }

  TempDir dir_;
  std::unique_ptr<shield::AccountSigner> alice_, bob_, carol_;
  Genesis genesis_;
};

TEST_F(Transparent, TransferEncodingsRoundTripAndAreStrict) {
  const Tx tx = SignedTransfer(*alice_, bob_->account(), 10, 1, 0, Fr::FromU64(5));
  const std::vector<std::uint8_t> bin = EncodeTx(tx);
  ASSERT_EQ(bin.size(), 1u + 184u);
  Tx back;
  ASSERT_TRUE(DecodeTx(bin, &back).ok());
  EXPECT_TRUE(back == tx);
  ASSERT_TRUE(TxFromJson(TxToJson(tx), &back).ok()) << TxToJson(tx);
  EXPECT_TRUE(back == tx);
  for (std::size_t cut = 0; cut < bin.size(); ++cut) {
    EXPECT_FALSE(DecodeTx(std::span(bin).first(cut), &back).ok()) << cut;
  }
  std::vector<std::uint8_t> bad = bin;
  bad.push_back(0);
  EXPECT_FALSE(DecodeTx(bad, &back).ok());
  bad = bin;
  bad[0] = 3;
  EXPECT_FALSE(DecodeTx(bad, &back).ok());
  bad = bin;
  std::fill(bad.begin() + 65, bad.begin() + 97, 0xff);  // the asset >= r
  EXPECT_FALSE(DecodeTx(bad, &back).ok());
  std::string j = TxToJson(tx);
  std::string j2 = j;
  j2.insert(1, "\"extra\":1,");
  EXPECT_FALSE(TxFromJson(j2, &back).ok());
  j2 = j;
  j2.replace(j2.find("\"amount\":\"10\""), 13, "\"amount\":10");
  EXPECT_FALSE(TxFromJson(j2, &back).ok());
  j2 = j;
  j2.replace(j2.find("\"from\":\"") + 8, 64, "");  // empty hex
  EXPECT_FALSE(TxFromJson(j2, &back).ok());
  // The id leaves the signature out; the wire hash does not.
  Tx other = tx;
  other.transfer.signature[0] ^= 1;
  EXPECT_EQ(other.Id(), tx.Id());
  EXPECT_NE(other.WireHash(), tx.WireHash());
  other = tx;
  other.transfer.amount = 11;
  EXPECT_NE(other.Id(), tx.Id());
}

TEST_F(Transparent, GenesisParsingIsStrict) {
  const std::string json = genesis_.ToJson();
  Genesis g;
  ASSERT_TRUE(ParseGenesis(json, &g).ok());
  EXPECT_TRUE(g == genesis_);
  EXPECT_EQ(g.Hash(), genesis_.Hash());
  auto fails = [](const std::string& text) {
    Genesis out;
    return !ParseGenesis(text, &out).ok();
  };
  const std::string acct(64, 'a'), vk(64, '1');
  const std::string base = "\"chain_id\":\"c\",\"vk_hash\":\"" + vk + "\",\"fee_account\":\"" + acct + "\"";
  EXPECT_FALSE(fails("{" + base + ",\"allocations\":[]}"));
  EXPECT_TRUE(fails("{" + base + "}"));                                   // missing key
  EXPECT_TRUE(fails("{" + base + ",\"allocations\":[],\"x\":1}"));        // unknown key
  EXPECT_TRUE(fails("{" + base + ",\"allocations\":[],\"root_window\":0}"));
  EXPECT_TRUE(fails("{" + base + ",\"allocations\":{}}"));
  const std::string alloc = "{\"account\":\"" + acct + "\",\"asset\":\"0x" + std::string(64, '0') +
                            "\",\"amount\":\"5\"}";
  EXPECT_FALSE(fails("{" + base + ",\"allocations\":[" + alloc + "]}"));
  EXPECT_TRUE(fails("{" + base + ",\"allocations\":[" + alloc + "," + alloc + "]}"));  // twice
  std::string zero = alloc;
  zero.replace(zero.find("\"5\""), 3, "\"0\"");
  EXPECT_TRUE(fails("{" + base + ",\"allocations\":[" + zero + "]}"));
  std::string leading = alloc;
  leading.replace(leading.find("\"5\""), 3, "\"05\"");
  EXPECT_TRUE(fails("{" + base + ",\"allocations\":[" + leading + "]}"));
  std::string big = base;
  big.replace(big.find("\"c\""), 3, "\"" + std::string(65, 'c') + "\"");
  EXPECT_TRUE(fails("{" + big + ",\"allocations\":[]}"));
  EXPECT_TRUE(fails("not json"));
  // From a file.
  const std::string path = dir_.Sub("genesis.json");
  std::ofstream(path) << json;
  ASSERT_TRUE(LoadGenesisFile(path, &g).ok());
  EXPECT_TRUE(g == genesis_);
  EXPECT_EQ(LoadGenesisFile(dir_.Sub("missing.json"), &g).code(), Status::Code::kNotFound);
}

TEST_F(Transparent, OpenChecksTheKeyAndTheGenesis) {
  auto l = Open();
  EXPECT_EQ(l->height(), 0u);
  EXPECT_EQ(l->Balance(alice_->account(), Fr::Zero()), 1000u);
  EXPECT_EQ(l->Balance(alice_->account(), Fr::One()), 7u);
  l.reset();
  std::unique_ptr<Ledger> other;
  Genesis g2 = genesis_;
  g2.allocations[0].amount = 1001;
  EXPECT_FALSE(Ledger::Open(dir_.Sub("db"), g2, PlaceholderVk(), FastOptions(), &other).ok());
  snark::groth16::VerifyingKey vk2 = PlaceholderVk();
  vk2.ic.pop_back();
  EXPECT_FALSE(Ledger::Open(dir_.Sub("db2"), genesis_, vk2, FastOptions(), &other).ok());
}

TEST_F(Transparent, TransfersApplyOrAreRejectedWithTheirRule) {
  auto l = Open();
  const Hash32 root0 = l->state_root();
  BlockResult r = Apply(*l, {
      SignedTransfer(*alice_, carol_->account(), 100, 3, 0),  // ok
      SignedTransfer(*alice_, carol_->account(), 100, 3, 0),  // replayed nonce
      SignedTransfer(*alice_, carol_->account(), 900, 0, 1),  // 897 left: insufficient
      SignedTransfer(*alice_, carol_->account(), 7, 0, 1, Fr::One()),  // the other asset: ok
      SignedTransfer(*carol_, alice_->account(), 1, 0, 0),  // carol was credited earlier: ok
  });
  ASSERT_EQ(r.outcomes.size(), 5u);
  EXPECT_EQ(r.outcomes[0].rule, Rule::kOk);
  EXPECT_EQ(r.outcomes[1].rule, Rule::kBadNonce);
  EXPECT_EQ(r.outcomes[2].rule, Rule::kInsufficientFunds);
  EXPECT_EQ(r.outcomes[3].rule, Rule::kOk);
  EXPECT_EQ(r.outcomes[4].rule, Rule::kOk);
  EXPECT_EQ(r.info.applied_count, 3u);
  EXPECT_NE(l->state_root(), root0);
  EXPECT_EQ(l->Balance(alice_->account(), Fr::Zero()), 1000u - 103 + 1);
  EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 99u);
  EXPECT_EQ(l->Balance(carol_->account(), Fr::One()), 7u);
  EXPECT_EQ(l->Balance(alice_->account(), Fr::One()), 0u);
  EXPECT_EQ(l->Balance(FeeAccount(), Fr::Zero()), 3u);
  EXPECT_EQ(l->Nonce(alice_->account()), 2u);
  AccountInfo info;
  ASSERT_TRUE(l->GetAccount(alice_->account(), &info).ok());
  EXPECT_EQ(info.nonce, 2u);
  ASSERT_EQ(info.balances.size(), 1u);  // the zero balance of asset 1 is gone
  EXPECT_EQ(info.balances[0].second, 898u);

  // Bad signature, signature for another chain, overflow of the recipient, amount + fee
  // overflow, all rejected and nothing changes but the outcome record.
  Tx bad_sig = SignedTransfer(*alice_, carol_->account(), 1, 0, 2);
  bad_sig.transfer.signature[5] ^= 1;
  Transfer other_chain = SignedTransfer(*alice_, carol_->account(), 1, 0, 2).transfer;
  other_chain.signature = alice_->Sign(other_chain.SigningMessage("another-chain"));
  const Tx overflow = SignedTransfer(*alice_, bob_->account(), 6, 0, 2);  // bob has 2^64 - 6
  const Tx range = SignedTransfer(*alice_, bob_->account(), UINT64_MAX, 1, 2);
  r = Apply(*l, {bad_sig, Tx::Of(other_chain), overflow, range});
  EXPECT_EQ(r.outcomes[0].rule, Rule::kBadSignature);
  EXPECT_EQ(r.outcomes[1].rule, Rule::kBadSignature);
  EXPECT_EQ(r.outcomes[2].rule, Rule::kBalanceOverflow);
  EXPECT_EQ(r.outcomes[3].rule, Rule::kAmountRange);
  EXPECT_EQ(l->Balance(alice_->account(), Fr::Zero()), 898u);
  EXPECT_EQ(l->Balance(bob_->account(), Fr::Zero()), UINT64_MAX - 5);
  EXPECT_EQ(l->Nonce(alice_->account()), 2u);

  // Outcomes by id: the first inclusion that applied stays applied.
  TxOutcome o;
  const Tx first = SignedTransfer(*alice_, carol_->account(), 100, 3, 0);
  ASSERT_TRUE(l->GetTxOutcome(first.Id(), &o).ok());
  EXPECT_TRUE(o.applied());
  EXPECT_EQ(o.height, 1u);
  EXPECT_EQ(o.index, 0u);
  ASSERT_TRUE(l->GetTxOutcome(overflow.Id(), &o).ok());
  EXPECT_EQ(o.rule, Rule::kBalanceOverflow);
  EXPECT_EQ(o.height, 2u);
  EXPECT_EQ(std::string(shield::RuleName(o.rule)), "balance-overflow");
  Apply(*l, {first});  // included again: rejected, still recorded as applied at height 1
  ASSERT_TRUE(l->GetTxOutcome(first.Id(), &o).ok());
  EXPECT_TRUE(o.applied());
  EXPECT_EQ(o.height, 1u);
  TxId unknown{};
  EXPECT_EQ(l->GetTxOutcome(unknown, &o).code(), Status::Code::kNotFound);

  // Wrong heights change nothing.
  const Hash32 root = l->state_root();
  EXPECT_FALSE(l->ApplyBlock(l->height(), {}, nullptr).ok());
  EXPECT_FALSE(l->ApplyBlock(l->height() + 2, {}, nullptr).ok());
  EXPECT_EQ(l->state_root(), root);
}

// CometBFT's order: a block is prepared in FinalizeBlock and written at Commit. Until then the
// committed state is unchanged, and a process that stops in between reopens at the old height.
TEST_F(Transparent, PreparedBlockIsWrittenOnlyAtCommit) {
  const Tx t = SignedTransfer(*alice_, carol_->account(), 10, 0, 0);
  const std::vector<std::vector<std::uint8_t>> raw = {EncodeTx(t)};
  {
    auto l = Open();
    BlockResult r;
    ASSERT_TRUE(l->PrepareRawBlock(1, raw, &r).ok());
    EXPECT_TRUE(r.outcomes[0].applied());
    EXPECT_EQ(l->height(), 0u);
    EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 0u);
    EXPECT_TRUE(l->has_prepared());
  }  // closed without Commit: as if the process died
  auto l = Open();
  EXPECT_EQ(l->height(), 0u);
  EXPECT_FALSE(l->has_prepared());
  EXPECT_FALSE(l->CommitPrepared().ok());
  BlockResult again;
  ASSERT_TRUE(l->PrepareRawBlock(1, raw, &again).ok());  // CometBFT replays the block
  ASSERT_TRUE(l->CommitPrepared().ok());
  EXPECT_EQ(l->height(), 1u);
  EXPECT_EQ(l->state_root(), again.info.state_root);
  EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 10u);
}

TEST_F(Transparent, CheckBlockNamesTheFirstInvalidTransaction) {
  auto l = Open();
  const std::vector<Tx> good = {SignedTransfer(*alice_, carol_->account(), 10, 0, 0),
                                SignedTransfer(*carol_, bob_->account(), 5, 0, 0)};
  BlockCheck c = l->CheckBlock(good);
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.index, 2u);
  std::vector<Tx> bad = good;
  bad.push_back(SignedTransfer(*carol_, bob_->account(), 6, 0, 1));  // carol has 5 left
  c = l->CheckBlock(bad);
  EXPECT_EQ(c.index, 2u);
  EXPECT_EQ(c.verdict.rule, Rule::kInsufficientFunds);
  EXPECT_EQ(l->height(), 0u);  // nothing written
  EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 0u);
  EXPECT_EQ(l->CheckTx(good[0]).rule, Rule::kOk);
  EXPECT_EQ(l->CheckTx(good[1]).rule, Rule::kInsufficientFunds);  // against the committed state
}

std::vector<std::vector<Tx>> SomeBlocks(const shield::AccountSigner& a, const shield::AccountSigner& b,
                                        int n) {
  std::vector<std::vector<Tx>> blocks;
  for (int h = 1; h <= n; ++h) {
    blocks.push_back({SignedTransfer(a, b.account(), 1, 1, static_cast<std::uint64_t>(h - 1)),
                      SignedTransfer(b, a.account(), 2, 0, static_cast<std::uint64_t>(h - 1))});
  }
  return blocks;
}

TEST_F(Transparent, RestartAndDeterminism) {
  const auto blocks = SomeBlocks(*alice_, *carol_, 20);
  std::vector<Hash32> roots;
  {
    auto l = Open("a");
    roots.push_back(l->state_root());
    for (const auto& b : blocks) {
      Apply(*l, b);
      roots.push_back(l->state_root());
    }
  }
  // Another node, the same blocks: the same root at every height.
  auto other = Open("b");
  EXPECT_EQ(other->state_root(), roots[0]);
  for (std::size_t h = 0; h < blocks.size(); ++h) {
    Apply(*other, blocks[h]);
    EXPECT_EQ(other->state_root(), roots[h + 1]) << h + 1;
    BlockInfo info;
    ASSERT_TRUE(other->GetBlock(h + 1, &info).ok());
    EXPECT_EQ(info.state_root, roots[h + 1]);
  }
  // Reopened: the same head and answers.
  auto l = Open("a");
  EXPECT_EQ(l->height(), blocks.size());
  EXPECT_EQ(l->state_root(), roots.back());
  EXPECT_EQ(l->merkle_root(), other->merkle_root());
  EXPECT_EQ(l->RecentRoots(), other->RecentRoots());
  for (const auto* s : {alice_.get(), carol_.get()}) {
    AccountInfo x, y;
    ASSERT_TRUE(l->GetAccount(s->account(), &x).ok());
    ASSERT_TRUE(other->GetAccount(s->account(), &y).ok());
    EXPECT_EQ(x.nonce, y.nonce);
    EXPECT_EQ(x.balances, y.balances);
  }
  // A different block order gives a different root.
  auto third = Open("c");
  Apply(*third, {blocks[0][1], blocks[0][0]});
  EXPECT_NE(third->state_root(), roots[1]);
}

// The child applies a block, but dies between building the batch and writing it.
TEST_F(Transparent, ACrashBeforeTheWriteLeavesNoTrace) {
  {
    auto l = Open();
    Apply(*l, {SignedTransfer(*alice_, carol_->account(), 10, 0, 0)});
  }
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::unique_ptr<Ledger> l;
    if (!Ledger::Open(dir_.Sub("db"), genesis_, PlaceholderVk(), FastOptions(), &l).ok()) _exit(2);
    l->TEST_before_write = [] { _exit(3); };
    const std::vector<Tx> txs = {SignedTransfer(*alice_, carol_->account(), 20, 0, 1)};
    (void)l->ApplyBlock(2, txs, nullptr);
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 3);
  auto l = Open();
  EXPECT_EQ(l->height(), 1u);
  EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 10u);
  EXPECT_EQ(l->Nonce(alice_->account()), 1u);
  TxOutcome o;
  EXPECT_EQ(l->GetTxOutcome(SignedTransfer(*alice_, carol_->account(), 20, 0, 1).Id(), &o).code(),
            Status::Code::kNotFound);
  // And the block applies normally afterwards.
  Apply(*l, {SignedTransfer(*alice_, carol_->account(), 20, 0, 1)});
  EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 30u);
}

// kill -9 at a random moment while blocks are being applied (synced writes): on reopening,
// every block up to the head is there in full and nothing after it.
TEST_F(Transparent, KilledAtRandomEveryBlockIsWholeOrAbsent) {
  // Alice is funded for 1000 blocks; a fast machine reaches that before the last kill, so the
  // child stops short of it and waits to be killed.
  const int kMaxBlocks = 950;
  auto block = [&](std::uint64_t h) {
    return std::vector<Tx>{SignedTransfer(*alice_, carol_->account(), 1, 0, h - 1),
                           SignedTransfer(*bob_, carol_->account(), 2, 1, h - 1)};
  };
  std::uint64_t last = 0;
  for (int round = 0; round < 4; ++round) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::unique_ptr<Ledger> l;
      LedgerOptions o;  // synced
      if (!Ledger::Open(dir_.Sub("db"), genesis_, PlaceholderVk(), o, &l).ok()) _exit(2);
      for (std::uint64_t h = l->height() + 1; h < kMaxBlocks; ++h) {
        if (!l->ApplyBlock(h, block(h), nullptr).ok()) _exit(3);
      }
      for (;;) pause();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250 + 97 * round));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended before it was killed";
    auto l = Open();
    const std::uint64_t h = l->height();
    EXPECT_GE(h, last);
    last = h;
    EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 3 * h);
    EXPECT_EQ(l->Balance(FeeAccount(), Fr::Zero()), h);
    EXPECT_EQ(l->Nonce(alice_->account()), h);
    EXPECT_EQ(l->Nonce(bob_->account()), h);
    BlockInfo info;
    ASSERT_TRUE(l->GetBlock(h, &info).ok());
    EXPECT_EQ(info.state_root, l->state_root());
    EXPECT_EQ(l->GetBlock(h + 1, &info).code(), Status::Code::kNotFound);
    TxOutcome o;
    if (h > 0) {
      EXPECT_TRUE(l->GetTxOutcome(block(h)[1].Id(), &o).ok());
    }
    EXPECT_EQ(l->GetTxOutcome(block(h + 1)[0].Id(), &o).code(), Status::Code::kNotFound);
  }
  EXPECT_GT(last, 0u);
  std::printf("blocks applied across the killed runs: %llu\n", static_cast<unsigned long long>(last));
  // The survivor's root equals a clean replay of the same blocks.
  auto survivor = Open();
  auto replay = Open("replay");
  for (std::uint64_t h = 1; h <= last; ++h) Apply(*replay, block(h));
  EXPECT_EQ(replay->state_root(), survivor->state_root());
}

TEST_F(Transparent, RawBlocksRecordUndecodableBytesAsMalformed) {
  auto l = Open();
  const Tx good = SignedTransfer(*alice_, carol_->account(), 10, 0, 0);
  std::vector<std::uint8_t> truncated = EncodeTx(good);
  truncated.pop_back();
  const std::vector<std::vector<std::uint8_t>> raw = {EncodeTx(good), {0xde, 0xad}, truncated, {}};
  BlockCheck c = l->CheckRawBlock(raw);
  EXPECT_EQ(c.index, 1u);
  EXPECT_EQ(c.verdict.rule, Rule::kMalformed);
  BlockResult r;
  ASSERT_TRUE(l->ApplyRawBlock(1, raw, &r).ok());
  ASSERT_EQ(r.outcomes.size(), 4u);
  EXPECT_TRUE(r.outcomes[0].applied());
  EXPECT_EQ(r.outcomes[0].id, good.Id());
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(r.outcomes[i].rule, Rule::kMalformed) << i;
    EXPECT_EQ(r.outcomes[i].id, UndecodableTxId(raw[i])) << i;
  }
  TxOutcome o;
  ASSERT_TRUE(l->GetTxOutcome(UndecodableTxId(raw[1]), &o).ok());
  EXPECT_EQ(o.rule, Rule::kMalformed);
  EXPECT_EQ(l->Balance(carol_->account(), Fr::Zero()), 10u);
  // Another node applying the same bytes reaches the same root.
  auto other = Open("other");
  BlockResult r2;
  ASSERT_TRUE(other->ApplyRawBlock(1, raw, &r2).ok());
  EXPECT_EQ(other->state_root(), l->state_root());
  std::vector<shield::OutputRecord> outputs;
  ASSERT_TRUE(l->GetOutputs(0, 10, &outputs).ok());
  EXPECT_TRUE(outputs.empty());  // transfers add no outputs
  EXPECT_EQ(l->RecentRoots().size(), 1u);
}

TEST_F(Transparent, VerifierCacheIsBoundedLeastRecentlyUsed) {
  shield::CheckContext ctx;
  ctx.chain_id = kChain;
  Verifier v(ctx, 2);
  const Tx a = SignedTransfer(*alice_, carol_->account(), 1, 0, 0);
  const Tx b = SignedTransfer(*alice_, carol_->account(), 2, 0, 0);
  const Tx c = SignedTransfer(*alice_, carol_->account(), 3, 0, 0);
  Tx bad = a;
  bad.transfer.signature[0] ^= 1;
  const std::vector<Verdict> first = v.Check(std::vector<Tx>{a, b, a, bad});
  EXPECT_TRUE(first[0].ok());
  EXPECT_TRUE(first[2].ok());
  EXPECT_EQ(first[3].rule, Rule::kBadSignature);  // same id as a, not a's verdict
  EXPECT_EQ(v.stats().misses, 3u);                 // a once, b, bad
  EXPECT_EQ(v.stats().entries, 2u);                // bounded
  v.CheckOne(bad);                                 // most recent: cached
  EXPECT_EQ(v.stats().misses, 3u);
  v.CheckOne(c);  // evicts the least recently used (b)
  v.CheckOne(b);
  EXPECT_EQ(v.stats().misses, 5u);
  EXPECT_EQ(v.stats().entries, 2u);
}

TEST_F(Transparent, MempoolKeepsOrderAndRejectsConflicts) {
  auto l = Open();
  Mempool pool(4);
  const Tx t0 = SignedTransfer(*alice_, carol_->account(), 10, 0, 0);
  const Tx t1 = SignedTransfer(*alice_, carol_->account(), 10, 0, 1);
  const Tx t1b = SignedTransfer(*alice_, carol_->account(), 11, 0, 1);  // the same nonce
  const Tx t3 = SignedTransfer(*alice_, carol_->account(), 10, 0, 3);  // a gap
  const Tx poor = SignedTransfer(*carol_, alice_->account(), 10, 0, 0);
  EXPECT_TRUE(pool.Add(t0, l->view()).added());
  EXPECT_EQ(pool.Add(t0, l->view()).code, Admission::Code::kDuplicate);
  EXPECT_TRUE(pool.Add(t1, l->view()).added());
  Admission a = pool.Add(t1b, l->view());
  EXPECT_EQ(a.code, Admission::Code::kRejected);
  EXPECT_EQ(a.verdict.rule, Rule::kBadNonce);
  EXPECT_EQ(pool.Add(t3, l->view()).verdict.rule, Rule::kBadNonce);
  EXPECT_EQ(pool.Add(poor, l->view()).verdict.rule, Rule::kInsufficientFunds);
  // Alice has 1000: 10 + 10 pooled, 981 more would overdraw her.
  EXPECT_EQ(pool.Add(SignedTransfer(*alice_, carol_->account(), 981, 0, 2), l->view()).verdict.rule,
            Rule::kInsufficientFunds);
  const Tx t2 = SignedTransfer(*alice_, carol_->account(), 10, 0, 2);
  const Tx b0 = SignedTransfer(*bob_, carol_->account(), 10, 0, 0);
  const Tx b1 = SignedTransfer(*bob_, carol_->account(), 10, 0, 1);
  EXPECT_TRUE(pool.Add(t2, l->view()).added());
  EXPECT_TRUE(pool.Add(b0, l->view()).added());
  EXPECT_EQ(pool.Add(b1, l->view()).code, Admission::Code::kFull);
  EXPECT_EQ(pool.size(), 4u);
  const std::vector<Tx> reaped = pool.Reap(10);
  ASSERT_EQ(reaped.size(), 4u);
  EXPECT_TRUE(reaped[0] == t0);
  EXPECT_TRUE(reaped[1] == t1);
  EXPECT_TRUE(reaped[2] == t2);
  EXPECT_TRUE(reaped[3] == b0);
  // A block with t0 and a competing nonce-1 transfer (not from the pool): t0 leaves as
  // included, t1 is invalidated (nonce 1 is used); t2 (nonce 2, next) and b0 stay.
  const std::vector<Tx> block = {t0, t1b};
  ASSERT_EQ(Apply(*l, block).info.applied_count, 2u);
  const std::vector<Dropped> dropped = pool.Update(block, l->view());
  ASSERT_EQ(dropped.size(), 1u);  // t0 and t1b left as included; t1 was made invalid
  EXPECT_EQ(dropped[0].id, t1.Id());
  EXPECT_EQ(dropped[0].why.rule, Rule::kBadNonce);
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_TRUE(pool.Contains(b0.Id()));
  EXPECT_TRUE(pool.Contains(t2.Id()));
  EXPECT_FALSE(pool.Contains(t1.Id()));
  EXPECT_TRUE(pool.Add(b1, l->view()).added());
  // A block that uses nonce 2 elsewhere and leaves a gap behind t3-like followers.
  const Tx t3b = SignedTransfer(*alice_, carol_->account(), 1, 0, 3);
  EXPECT_TRUE(pool.Add(t3b, l->view()).added());
  const std::vector<Tx> block2 = {SignedTransfer(*alice_, carol_->account(), 2, 0, 2)};
  ASSERT_EQ(Apply(*l, block2).info.applied_count, 1u);
  pool.Update(block2, l->view());
  EXPECT_FALSE(pool.Contains(t2.Id()));  // nonce 2 used by another transfer
  EXPECT_TRUE(pool.Contains(t3b.Id()));  // nonce 3 is next now
  EXPECT_EQ(pool.size(), 3u);
}

}  // namespace
}  // namespace depinfer::ledger
