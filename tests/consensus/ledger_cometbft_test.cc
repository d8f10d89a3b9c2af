// The ledger as CometBFT's application, with real cometbft processes and real join-split
// transactions (docs/consensus.md, "The ledger application"):
//   FourValidatorsAgreeAndSpendOnce   same state root at every height; one note spent through two
//                                     nodes at once is applied exactly once everywhere.
//   FaultyProposerDoubleSpend         a proposer that appends a double spend is refused in
//                                     ProcessProposal by the others; the chain goes on.
//   KillOneThenTwo                    one validator down: the others go on, it catches up; two
//                                     down: no block; one back: the chain resumes.
//   KillNineUnderLoad                 a node process killed -9 under load resumes from its last
//                                     height with the same root; no transaction it reported
//                                     final is lost.
//   Partition                         ip netns + veth: a cut-off validator, then a 2|2 split.
// The transactions are proved once and cached next to this binary (ledger_cmt_fixture.json).
// Exits 77 (ctest SKIP) when cometbft v0.38 is missing.
#include <gtest/gtest.h>

#include "test_util.h"
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "ledger_net.h"

namespace depinfer::consensus::testing {
namespace {

using testing::DumpLogTail;
using testing::TempDir;
using testing::WaitFor;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string g_cometbft;
std::string g_self;
std::string g_cache;
constexpr std::size_t kLoadTxs = 60;

const ChainFixture& Fixture() {
  static const ChainFixture fx = [] {
    ChainFixture f;
    const Status st = LoadOrMakeFixture(g_cache, kLoadTxs, &f);
    if (!st.ok()) {
      std::fprintf(stderr, "fixture: %s\n", st.ToString().c_str());
      std::abort();
    }
    return f;
  }();
  return fx;
}


double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }



// A four-validator net of LedgerNodes; logs dumped on failure, everything killed at the end.
class Net {
 public:
  explicit Net(int n = 4, NetTimeouts t = {}) {
    const Status st = LayoutLedgerTestnet(g_cometbft, tmp_.path() + "/net", n, Fixture(), t, &layout_);
    EXPECT_TRUE(st.ok()) << st.ToString();
    for (const TestnetNode& tn : layout_) {
      nodes_.push_back(std::make_unique<LedgerNode>(tn, tn.home + "/ledger"));
    }
  }
  ~Net() {
    for (auto& n : nodes_) n->Kill();
    if (::testing::Test::HasFailure()) {
      for (const auto& tn : layout_) {
        DumpLogTail(tn.home + "/cometbft.log");
        if (fs::exists(tn.home + "/node.log")) DumpLogTail(tn.home + "/node.log");
      }
    }
  }
  LedgerNode& operator[](std::size_t i) { return *nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }
  std::int64_t MinLedgerHeight(std::initializer_list<int> which) {
    std::int64_t m = INT64_MAX;
    for (int i : which) {
      LedgerNode& n = *nodes_[static_cast<std::size_t>(i)];
      m = std::min<std::int64_t>(m, n.ledger() ? static_cast<std::int64_t>(n.ledger()->height()) : n.QueryHeight());
    }
    return m;
  }
  const std::string& dir() const { return tmp_.path(); }

 private:
  TempDir tmp_;
  std::vector<TestnetNode> layout_;
  std::vector<std::unique_ptr<LedgerNode>> nodes_;
};

// The state root at height h through whatever the node offers (in-process ledger or RPC).
std::string RootAt(LedgerNode& n, std::uint64_t h) {
  if (n.ledger()) {
    ledger::BlockInfo b;
    if (!n.ledger()->GetBlock(h, &b).ok()) return "";
    return ledger::Hex(b.state_root);
  }
  return n.QueryRoot(h);
}

// Every height 1..upto has the same root on the given nodes; returns how many compared.
int ExpectSameRoots(Net& net, std::initializer_list<int> which, std::uint64_t upto) {
  int compared = 0;
  for (std::uint64_t h = 1; h <= upto; ++h) {
    std::string ref;
    for (int i : which) {
      const std::string r = RootAt(net[static_cast<std::size_t>(i)], h);
      EXPECT_FALSE(r.empty()) << "node" << i << " has no root at " << h;
      if (ref.empty()) ref = r;
      EXPECT_EQ(r, ref) << "node" << i << " height " << h;
    }
    ++compared;
  }
  return compared;
}

// Submits through node i's CometbftConsensus and waits until final; true when applied.
bool SubmitAndWait(LedgerNode& n, const ledger::Tx& tx, double seconds = 20) {
  const ledger::Admission a = n.consensus()->Submit(tx);
  if (!a.added()) {
    ADD_FAILURE() << "not admitted: " << a.verdict.ToString();
    return false;
  }
  ledger::TxOutcome o;
  if (!n.consensus()->WaitFinal(tx.Id(), std::chrono::milliseconds(static_cast<int>(seconds * 1000)), &o)) {
    ADD_FAILURE() << "not final";
    return false;
  }
  return o.applied();
}

// Until every in-process node has `id` in a committed block (a transaction naming the tree
// root that block made is refused as unknown-root by a node still one block behind).
bool WaitAllHave(Net& net, const ledger::TxId& id, double seconds = 20) {
  return WaitFor([&] {
    for (std::size_t i = 0; i < net.size(); ++i) {
      ledger::TxOutcome o;
      if (net[i].ledger() == nullptr || !net[i].ledger()->GetTxOutcome(id, &o).ok()) return false;
    }
    return true;
  }, seconds);
}

// Load: submits fx.load[from..to) round-robin through `via` at about `per_s` tx/s from a thread.
class Load {
 public:
  Load(std::vector<LedgerNode*> via, std::size_t from, std::size_t to, double per_s)
      : thread_([=, this] {
          std::size_t k = 0;
          for (std::size_t i = from; i < to && !stop_; ++i, ++k) {
            LedgerNode* n = via[k % via.size()];
            const ledger::Tx& tx = Fixture().load[i];
            bool ok = false;
            if (n->consensus()) {
              ok = n->consensus()->Submit(tx).added();
            } else {
              nlohmann::json r;
              ok = n->rpc().Call("broadcast_tx_sync", {{"tx", Base64Encode(Encoded(tx))}}, &r).ok() &&
                   r.contains("result") && r["result"].value("code", 1) == 0;
            }
            {
              std::lock_guard<std::mutex> lock(mu_);
              (ok ? sent_ : failed_).push_back(i);
            }
            std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(1e6 / per_s)));
          }
        }) {}
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::size_t> sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::size_t> sent_, failed_;
  std::thread thread_;
};

void StartAll(Net& net, std::function<LedgerApp::Options(int)> options = nullptr) {
  for (std::size_t i = 0; i < net.size(); ++i) {
    const Status st = net[i].Start(g_cometbft, Fixture(), options ? options(static_cast<int>(i)) : LedgerApp::Options{});
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
}

// ---------------------------------------------------------------------------------------------

TEST(LedgerCometbft, FourValidatorsAgreeAndSpendOnce) {
  const ChainFixture& fx = Fixture();
  Net net;
  const auto t0 = Clock::now();
  StartAll(net);
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= 2; }, 30)) << "no blocks";
  std::fprintf(stderr, "4 ledger validators: height 2 after %.1f s\n", Since(t0));

  // A deposit into alice's wallet, then two payments spending its note sent at once through
  // nodes 1 and 2.
  ASSERT_TRUE(SubmitAndWait(net[0], fx.setup));
  ASSERT_TRUE(WaitAllHave(net, fx.setup.Id()));
  auto fa = std::async(std::launch::async, [&] { return net[1].consensus()->Submit(fx.pay_a); });
  auto fb = std::async(std::launch::async, [&] { return net[2].consensus()->Submit(fx.pay_b); });
  const ledger::Admission aa = fa.get(), ab = fb.get();
  std::fprintf(stderr, "pay_a via node1: %s; pay_b via node2: %s\n",
               aa.added() ? "added" : aa.verdict.ToString().c_str(),
               ab.added() ? "added" : ab.verdict.ToString().c_str());
  EXPECT_TRUE(aa.added() || aa.verdict.rule == shield::Rule::kNullifierSpent);
  EXPECT_TRUE(ab.added() || ab.verdict.rule == shield::Rule::kNullifierSpent);
  // Some load through every node meanwhile.
  std::vector<std::future<bool>> loads;
  for (std::size_t i = 0; i < 12; ++i) {
    loads.push_back(std::async(std::launch::async, [&, i] { return SubmitAndWait(net[i % 4], fx.load[i]); }));
  }
  for (auto& f : loads) EXPECT_TRUE(f.get());
  // One of the two payments is applied, on every node; the other never is.
  ledger::TxOutcome o;
  ASSERT_TRUE(WaitFor([&] {
    return net[0].ledger()->GetTxOutcome(fx.pay_a.Id(), &o).ok() ||
           net[0].ledger()->GetTxOutcome(fx.pay_b.Id(), &o).ok();
  }, 20));
  const std::int64_t h = net.MinLedgerHeight({0, 1, 2, 3}) + 2;
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= h; }, 20));
  int applied_a = 0, applied_b = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    ledger::TxOutcome oa, ob;
    const bool ha = net[i].ledger()->GetTxOutcome(fx.pay_a.Id(), &oa).ok() && oa.applied();
    const bool hb = net[i].ledger()->GetTxOutcome(fx.pay_b.Id(), &ob).ok() && ob.applied();
    EXPECT_NE(ha, hb) << "node" << i;
    applied_a += ha;
    applied_b += hb;
  }
  EXPECT_TRUE((applied_a == 4 && applied_b == 0) || (applied_a == 0 && applied_b == 4));
  const ledger::Tx& loser = applied_a ? fx.pay_b : fx.pay_a;
  const ledger::Admission again = net[3].consensus()->Submit(loser);
  EXPECT_EQ(again.code, ledger::Admission::Code::kRejected);
  EXPECT_EQ(again.verdict.rule, shield::Rule::kNullifierSpent) << again.verdict.ToString();
  // The same root at every height on every node.
  const int compared = ExpectSameRoots(net, {0, 1, 2, 3}, static_cast<std::uint64_t>(h));
  std::uint64_t recheck_dropped = 0, prepare_dropped = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    recheck_dropped += net[i].app()->stats().recheck_dropped;
    prepare_dropped += net[i].app()->stats().prepare_dropped;
  }
  std::fprintf(stderr,
               "4 ledger validators: %s applied everywhere, %d heights agree; rechecks dropped %llu, "
               "proposals dropped %llu; %.1f s\n",
               applied_a ? "pay_a" : "pay_b", compared,
               static_cast<unsigned long long>(recheck_dropped),
               static_cast<unsigned long long>(prepare_dropped), Since(t0));
}

TEST(LedgerCometbft, FaultyProposerDoubleSpend) {
  const ChainFixture& fx = Fixture();
  Net net;
  const auto t0 = Clock::now();
  const std::string evil = Encoded(fx.pay_b);
  StartAll(net, [&](int i) {
    LedgerApp::Options o;
    if (i == 3) {
      o.test_prepare_hook = [evil](std::vector<std::string>* txs) { txs->push_back(evil); };
    }
    return o;
  });
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= 1; }, 30)) << "no blocks";
  ASSERT_TRUE(SubmitAndWait(net[0], fx.setup));
  ASSERT_TRUE(WaitAllHave(net, fx.setup.Id()));
  ASSERT_TRUE(SubmitAndWait(net[1], fx.pay_a));
  // Node 3 proposes every fourth round; each of its proposals carries pay_b, which spends
  // pay_a's note: the others refuse it and the next round's proposer goes on.
  auto rejected = [&] {
    std::uint64_t r = 0;
    for (std::size_t i = 0; i < 3; ++i) r += net[i].app()->stats().proposals_rejected;
    return r;
  };
  ASSERT_TRUE(WaitFor([&] { return rejected() >= 3; }, 40)) << "node 3's proposals were not refused";
  const std::int64_t h = net.MinLedgerHeight({0, 1, 2, 3});
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= h + 4; }, 20)) << "the chain stopped";
  // Load still goes through.
  for (std::size_t i = 0; i < 4; ++i) EXPECT_TRUE(SubmitAndWait(net[i], fx.load[i]));
  for (std::size_t i = 0; i < 4; ++i) {
    ledger::TxOutcome ob;
    EXPECT_FALSE(net[i].ledger()->GetTxOutcome(fx.pay_b.Id(), &ob).ok()) << "node" << i << " has pay_b";
    ledger::TxOutcome oa;
    ASSERT_TRUE(net[i].ledger()->GetTxOutcome(fx.pay_a.Id(), &oa).ok());
    EXPECT_TRUE(oa.applied());
  }
  const std::int64_t top = net.MinLedgerHeight({0, 1, 2, 3});
  ExpectSameRoots(net, {0, 1, 2, 3}, static_cast<std::uint64_t>(top));
  std::fprintf(stderr, "faulty proposer: %llu of its proposals refused by the others, height %lld, %.1f s\n",
               static_cast<unsigned long long>(rejected()), static_cast<long long>(top), Since(t0));
}

TEST(LedgerCometbft, KillOneThenTwo) {
  const ChainFixture& fx = Fixture();
  Net net;
  const auto t0 = Clock::now();
  StartAll(net);
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= 2; }, 30));
  // Load through nodes 0 and 1 while node 3 goes down and comes back.
  Load load({&net[0], &net[1]}, 0, 30, 15);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  net[3].Kill();
  const std::int64_t at_kill = net.MinLedgerHeight({0, 1, 2});
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2}) >= at_kill + 4; }, 20))
      << "three validators stopped";
  std::fprintf(stderr, "one down: 3 validators from %lld to %lld\n", static_cast<long long>(at_kill),
               static_cast<long long>(net.MinLedgerHeight({0, 1, 2})));
  ASSERT_TRUE(net[3].Start(g_cometbft, fx).ok());
  load.Stop();
  for (std::size_t i : load.sent()) {
    ledger::TxOutcome o;
    EXPECT_TRUE(net[0].consensus()->WaitFinal(fx.load[i].Id(), std::chrono::seconds(20), &o)) << i;
  }
  const std::int64_t target = net.MinLedgerHeight({0, 1, 2});
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({3}) >= target; }, 30)) << "node 3 did not catch up";
  ExpectSameRoots(net, {0, 1, 2, 3}, static_cast<std::uint64_t>(target));
  std::fprintf(stderr, "node 3 caught up to %lld after %.1f s\n", static_cast<long long>(target), Since(t0));

  // Two down: no block is finalized.
  net[2].Kill();
  net[3].Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const std::int64_t stalled = net.MinLedgerHeight({0, 1});
  const std::int64_t stalled_max = std::max<std::int64_t>(net[0].ledger()->height(), net[1].ledger()->height());
  const ledger::Tx& waiting = fx.load[40];
  EXPECT_TRUE(net[0].consensus()->Submit(waiting).added());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(std::max<std::int64_t>(net[0].ledger()->height(), net[1].ledger()->height()), stalled_max);
  ledger::TxOutcome o;
  EXPECT_FALSE(net[0].ledger()->GetTxOutcome(waiting.Id(), &o).ok());
  // One returns: 3 of 4, the chain resumes and the waiting transaction is final.
  ASSERT_TRUE(net[3].Start(g_cometbft, fx).ok());
  EXPECT_TRUE(net[0].consensus()->WaitFinal(waiting.Id(), std::chrono::seconds(30), &o));
  EXPECT_TRUE(o.applied());
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 3}) >= stalled + 3; }, 30));
  ASSERT_TRUE(net[2].Start(g_cometbft, fx).ok());
  const std::int64_t top = net.MinLedgerHeight({0, 1, 3});
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({2}) >= top; }, 30));
  ExpectSameRoots(net, {0, 1, 2, 3}, static_cast<std::uint64_t>(top));
  std::fprintf(stderr, "two down: stalled at %lld; resumed, all at %lld after %.1f s\n",
               static_cast<long long>(stalled_max), static_cast<long long>(top), Since(t0));
}

TEST(LedgerCometbft, KillNineUnderLoad) {
  const ChainFixture& fx = Fixture();
  Net net;
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(net[i].Start(g_cometbft, fx).ok());
  ASSERT_TRUE(net[3].StartExternal(g_self, g_cometbft, g_cache).ok());
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= 2; }, 40));
  // Load through node 3's RPC and node 0.
  Load load({&net[3], &net[0]}, 0, 40, 20);
  std::set<std::size_t> final_on_3;
  std::int64_t last_height = 0;
  const auto kill_at = Clock::now() + std::chrono::milliseconds(1500);
  while (Clock::now() < kill_at) {
    for (std::size_t i : load.sent()) {
      if (final_on_3.count(i)) continue;
      if (net[3].QueryTxCode(fx.load[i].Id()) == 0) final_on_3.insert(i);
    }
    last_height = std::max(last_height, net[3].QueryHeight());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  net[3].Kill();  // SIGKILL of the node process (its cometbft dies with it)
  std::fprintf(stderr, "kill -9 at height >= %lld with %zu transactions reported final\n",
               static_cast<long long>(last_height), final_on_3.size());
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2}) >= last_height + 3; }, 20));
  ASSERT_TRUE(net[3].StartExternal(g_self, g_cometbft, g_cache).ok());
  load.Stop();
  const std::int64_t target = net.MinLedgerHeight({0, 1, 2});
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({3}) >= target; }, 40)) << "node 3 did not catch up";
  // It resumed from its ledger, not from zero.
  std::ifstream log(net[3].net().home + "/node.log");
  std::string line;
  std::vector<long long> starts;
  while (std::getline(log, line)) {
    const auto p = line.find("ledger at height ");
    if (p != std::string::npos) starts.push_back(std::stoll(line.substr(p + 17)));
  }
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_GE(starts[1], last_height);
  for (std::size_t i : final_on_3) {
    EXPECT_EQ(net[3].QueryTxCode(fx.load[i].Id()), 0) << "lost: load " << i;
  }
  // A transaction node 3 had accepted but not yet passed on died with it (it was never
  // reported final): a client resubmits what it has not seen final, as wallets do.
  for (std::size_t i : load.sent()) {
    if (net[0].QueryTxCode(fx.load[i].Id()) != 0) (void)net[0].consensus()->Submit(fx.load[i]);
  }
  for (std::size_t i : load.sent()) {
    ledger::TxOutcome o;
    EXPECT_TRUE(net[0].consensus()->WaitFinal(fx.load[i].Id(), std::chrono::seconds(20), &o)) << i;
  }
  ExpectSameRoots(net, {0, 1, 2, 3}, static_cast<std::uint64_t>(target));
  std::fprintf(stderr, "kill -9: restarted at height %lld (last seen %lld), caught up to %lld, %.1f s\n",
               starts[1], static_cast<long long>(last_height), static_cast<long long>(target), Since(t0));
}


// ---- LedgerApp alone (no cometbft) -----------------------------------------------------------

abci::ResponseCheckTx Check(LedgerApp& app, const std::string& tx, bool recheck = false) {
  abci::RequestCheckTx req;
  req.set_tx(tx);
  if (recheck) req.set_type(abci::RECHECK);
  abci::ResponseCheckTx res;
  EXPECT_TRUE(app.VerifyTxBatch(std::span(&req, 1), std::span(&res, 1)).ok());
  EXPECT_TRUE(app.CheckTxBatch(std::span(&req, 1), std::span(&res, 1)).ok());
  return res;
}

TEST(LedgerApp, CallsWithoutCometbft) {
  const ChainFixture& fx = Fixture();
  TempDir tmp("depinfer-lcmt");
  std::unique_ptr<ledger::Ledger> l;
  ledger::LedgerOptions lo;
  lo.sync = false;
  ASSERT_TRUE(ledger::Ledger::Open(tmp.path() + "/l", fx.genesis, FixtureKeys().verifying_key(), lo, &l).ok());
  LedgerApp::Options options;
  options.log = [](const std::string&) {};
  LedgerApp app(*l, options);
  std::vector<std::uint64_t> commits;
  app.on_commit = [&](const ledger::BlockResult& b) { commits.push_back(b.info.height); };

  abci::RequestInitChain init;
  abci::ResponseInitChain init_res;
  init.set_chain_id("another-chain");
  EXPECT_FALSE(app.InitChain(init, &init_res).ok());
  init.set_chain_id(fx.genesis.chain_id);
  ledger::Genesis other = fx.genesis;
  other.root_window = 7;
  init.set_app_state_bytes(other.ToJson());
  EXPECT_FALSE(app.InitChain(init, &init_res).ok());
  init.set_app_state_bytes(fx.genesis.ToJson());
  EXPECT_TRUE(app.InitChain(init, &init_res).ok());
  abci::ResponseInfo info;
  ASSERT_TRUE(app.Info({}, &info).ok());
  EXPECT_EQ(info.last_block_height(), 0);
  EXPECT_TRUE(info.last_block_app_hash().empty());

  const std::string setup = Encoded(fx.setup), pay_a = Encoded(fx.pay_a), pay_b = Encoded(fx.pay_b);
  const std::string garbage("\x07garbage");
  EXPECT_EQ(Check(app, setup).code(), 0u);
  EXPECT_EQ(Check(app, garbage).code(), static_cast<std::uint32_t>(shield::Rule::kMalformed));
  EXPECT_EQ(Check(app, pay_a).code(), static_cast<std::uint32_t>(shield::Rule::kUnknownRoot));

  abci::RequestFinalizeBlock fin;
  fin.set_height(1);
  fin.add_txs(setup);
  abci::ResponseFinalizeBlock fin_res;
  ASSERT_TRUE(app.FinalizeBlock(fin, &fin_res).ok());
  ASSERT_EQ(fin_res.tx_results_size(), 1);
  EXPECT_EQ(fin_res.tx_results(0).code(), 0u);
  // Finalized, not yet written: the ledger moves at Commit.
  EXPECT_EQ(l->height(), 0u);
  abci::ResponseCommit commit_res;
  ASSERT_TRUE(app.Commit({}, &commit_res).ok());
  EXPECT_EQ(l->height(), 1u);
  EXPECT_EQ(fin_res.app_hash(), std::string(reinterpret_cast<const char*>(l->state_root().data()), 32));
  EXPECT_EQ(commits, std::vector<std::uint64_t>{1});
  ASSERT_TRUE(app.Info({}, &info).ok());
  EXPECT_EQ(info.last_block_height(), 1);
  EXPECT_EQ(info.last_block_app_hash(), fin_res.app_hash());
  // FinalizeBlock again at a height the ledger has: an error (CometBFT would stop).
  EXPECT_FALSE(app.FinalizeBlock(fin, &fin_res).ok());

  // Two spends of one note: the second is refused while the first waits in the mempool.
  EXPECT_EQ(Check(app, pay_a).code(), 0u);
  const abci::ResponseCheckTx second = Check(app, pay_b);
  EXPECT_EQ(second.code(), static_cast<std::uint32_t>(shield::Rule::kNullifierSpent));
  EXPECT_EQ(second.log().rfind("nullifier-spent", 0), 0u) << second.log();
  EXPECT_EQ(Check(app, pay_a).code(), LedgerApp::kCodeDuplicate);

  // PrepareProposal drops the conflicting one and the garbage, and counts max_tx_bytes as
  // CometBFT does.
  abci::RequestPrepareProposal prep;
  prep.set_height(2);
  prep.set_max_tx_bytes(1 << 20);
  prep.add_txs(pay_a);
  prep.add_txs(garbage);
  prep.add_txs(pay_b);
  abci::ResponsePrepareProposal prep_res;
  ASSERT_TRUE(app.PrepareProposal(prep, &prep_res).ok());
  ASSERT_EQ(prep_res.txs_size(), 1);
  EXPECT_EQ(prep_res.txs(0), pay_a);
  prep.set_max_tx_bytes(LedgerApp::ProtoTxSize(pay_a.size()) - 1);
  prep_res.Clear();
  ASSERT_TRUE(app.PrepareProposal(prep, &prep_res).ok());
  EXPECT_EQ(prep_res.txs_size(), 0);
  EXPECT_EQ(LedgerApp::ProtoTxSize(100), 102);
  EXPECT_EQ(LedgerApp::ProtoTxSize(200), 203);

  abci::RequestProcessProposal proc;
  proc.set_height(2);
  proc.add_txs(pay_a);
  proc.add_txs(pay_b);
  abci::ResponseProcessProposal proc_res;
  ASSERT_TRUE(app.ProcessProposal(proc, &proc_res).ok());
  EXPECT_EQ(proc_res.status(), abci::ResponseProcessProposal::REJECT);
  proc.mutable_txs()->RemoveLast();
  ASSERT_TRUE(app.ProcessProposal(proc, &proc_res).ok());
  EXPECT_EQ(proc_res.status(), abci::ResponseProcessProposal::ACCEPT);
  proc.set_height(3);
  ASSERT_TRUE(app.ProcessProposal(proc, &proc_res).ok());
  EXPECT_EQ(proc_res.status(), abci::ResponseProcessProposal::REJECT);

  // A decided block with the double spend (a faulty proposer that got through): every node
  // applies the first and records the second as rejected.
  fin.Clear();
  fin.set_height(2);
  fin.add_txs(pay_a);
  fin.add_txs(pay_b);
  fin_res.Clear();
  ASSERT_TRUE(app.FinalizeBlock(fin, &fin_res).ok());
  ASSERT_EQ(fin_res.tx_results_size(), 2);
  EXPECT_EQ(fin_res.tx_results(0).code(), 0u);
  EXPECT_EQ(fin_res.tx_results(1).code(), static_cast<std::uint32_t>(shield::Rule::kNullifierSpent));
  EXPECT_EQ(fin_res.tx_results(1).log().rfind("nullifier-spent", 0), 0u);
  ASSERT_TRUE(app.Commit({}, &commit_res).ok());
  // The recheck after the block drops pay_b for good, and says so to whoever listens (the
  // FinalityBoard, whose waiters then learn it at once).
  std::vector<ledger::Dropped> dropped;
  app.on_dropped = [&](std::span<const ledger::Dropped> d) { dropped.insert(dropped.end(), d.begin(), d.end()); };
  EXPECT_EQ(Check(app, pay_b, /*recheck=*/true).code(), static_cast<std::uint32_t>(shield::Rule::kNullifierSpent));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].id, fx.pay_b.Id());
  EXPECT_EQ(dropped[0].why.rule, shield::Rule::kNullifierSpent);

  abci::RequestQuery q;
  abci::ResponseQuery qr;
  q.set_path("/height");
  ASSERT_TRUE(app.Query(q, &qr).ok());
  EXPECT_EQ(qr.value(), "2");
  q.set_path("/tx/" + HexId(fx.pay_a.Id()));
  ASSERT_TRUE(app.Query(q, &qr).ok());
  EXPECT_EQ(qr.code(), 0u);
  const auto j = nlohmann::json::parse(qr.value());
  EXPECT_EQ(j["height"], 2);
  EXPECT_EQ(j["code"], 0);
  q.set_path("/nullifier/" + ledger::FieldHex(fx.pay_a.shielded.nullifiers[0]));
  ASSERT_TRUE(app.Query(q, &qr).ok());
  EXPECT_EQ(qr.value(), "spent");
  q.set_path("/root/1");
  ASSERT_TRUE(app.Query(q, &qr).ok());
  EXPECT_EQ(qr.value().size(), 64u);
  q.set_path("/nope");
  qr.Clear();
  ASSERT_TRUE(app.Query(q, &qr).ok());
  EXPECT_NE(qr.code(), 0u);
  // Hostile paths: wrong length, not hex, a nullifier above the field modulus.
  const std::vector<std::string> hostile = {"/tx/abc", "/tx/" + std::string(64, 'g'),
                                            "/tx/0x" + std::string(63, '0'),
                                            "/nullifier/" + std::string(64, 'f'), "/nullifier/+1"};
  for (const std::string& bad : hostile) {
    q.set_path(bad);
    qr.Clear();
    ASSERT_TRUE(app.Query(q, &qr).ok()) << bad;
    EXPECT_EQ(qr.code(), 1u) << bad;
  }
  const LedgerApp::Stats st = app.stats();
  EXPECT_EQ(st.blocks, 2u);
  EXPECT_EQ(st.proposals_rejected, 2u);
  EXPECT_EQ(st.recheck_dropped, 1u);
}

// ---- Partition (ip netns + veth) --------------------------------------------------------------

std::string IpTool() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

// Why network namespaces cannot be used here ("" when they can).
std::string NetnsUnavailable() {
  const std::string ip = IpTool();
  if (ip.empty()) return "the `ip` tool (iproute2) is not installed";
  const std::string probe = "dpprobe" + std::to_string(::getpid());
  std::string out;
  const Status st = RunCommand({ip, "netns", "add", probe}, &out);
  if (!st.ok()) return "`ip netns add` is not permitted here: " + out;
  RunCommand({ip, "netns", "del", probe}, &out);
  return "";
}

// Each node in its own network namespace, its veth on bridge A (with the test's address) or B.
class NetnsLab {
 public:
  explicit NetnsLab(int n) : ip_(IpTool()), tag_(std::to_string(::getpid())), n_(n) {
    subnet_ = "10.200." + std::to_string(::getpid() % 250) + ".";
    ok_ = Run({"link", "add", Bridge(0), "type", "bridge"}) && Run({"link", "add", Bridge(1), "type", "bridge"}) &&
          Run({"link", "set", Bridge(0), "up"}) && Run({"link", "set", Bridge(1), "up"}) &&
          Run({"addr", "add", subnet_ + "254/24", "dev", Bridge(0)});
    for (int i = 0; i < n && ok_; ++i) {
      const std::string ns = Ns(i), outer = "dv" + tag_ + "n" + std::to_string(i),
                        inner = "dp" + tag_ + "n" + std::to_string(i);
      ok_ = Run({"netns", "add", ns}) && Run({"link", "add", outer, "type", "veth", "peer", "name", inner}) &&
            Run({"link", "set", inner, "netns", ns}) && Run({"link", "set", outer, "master", Bridge(0)}) &&
            Run({"link", "set", outer, "up"}) &&
            Run({"netns", "exec", ns, ip_, "addr", "add", Addr(i) + "/24", "dev", inner}) &&
            Run({"netns", "exec", ns, ip_, "link", "set", inner, "up"}) &&
            Run({"netns", "exec", ns, ip_, "link", "set", "lo", "up"});
    }
  }
  ~NetnsLab() {
    std::string out;
    for (int i = 0; i < n_; ++i) RunCommand({ip_, "netns", "del", Ns(i)}, &out);
    RunCommand({ip_, "link", "del", Bridge(0)}, &out);
    RunCommand({ip_, "link", "del", Bridge(1)}, &out);
  }
  bool ok() const { return ok_; }
  std::string Ns(int i) const { return "dpns" + tag_ + "n" + std::to_string(i); }
  std::string Addr(int i) const { return subnet_ + std::to_string(i + 1); }
  std::vector<std::string> Prefix(int i) const { return {ip_, "netns", "exec", Ns(i)}; }
  // Puts node i's link on bridge 0 (with everyone) or 1 (the other side).
  bool Side(int i, int bridge) {
    return Run({"link", "set", "dv" + tag_ + "n" + std::to_string(i), "master", Bridge(bridge)});
  }

 private:
  std::string Bridge(int k) const { return std::string(k ? "dpb" : "dpa") + tag_; }
  bool Run(std::vector<std::string> args) {
    args.insert(args.begin(), ip_);
    std::string out;
    const Status st = RunCommand(args, &out);
    if (!st.ok()) std::fprintf(stderr, "netns: %s\n", st.ToString().c_str());
    return st.ok();
  }
  std::string ip_, tag_, subnet_;
  int n_;
  bool ok_ = false;
};

TEST(LedgerCometbft, Partition) {
  const std::string why = NetnsUnavailable();
  if (!why.empty()) GTEST_SKIP() << "SKIP partition test: " << why;
  const ChainFixture& fx = Fixture();
  NetnsLab lab(4);
  ASSERT_TRUE(lab.ok());
  Net net;
  const auto t0 = Clock::now();
  // Addresses inside the namespaces; the app servers on unix sockets (not namespaced).
  std::string peers[4];
  for (int i = 0; i < 4; ++i) {
    const TestnetNode& n = net[i].net();
    peers[i] = n.node_id + "@" + lab.Addr(i) + ":" + std::to_string(n.p2p_port);
  }
  for (int i = 0; i < 4; ++i) {
    const TestnetNode& n = net[i].net();
    const std::string path = n.home + "/config/config.toml";
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string toml = ss.str();
    std::string others;
    for (int k = 0; k < 4; ++k) {
      if (k == i) continue;
      others += (others.empty() ? "" : ",") + peers[k];
    }
    const std::string proxy = "unix://" + n.home + "/app.sock";
    ASSERT_TRUE(SetTomlValue(&toml, "p2p", "laddr", "\"tcp://" + lab.Addr(i) + ":" + std::to_string(n.p2p_port) + "\"").ok());
    ASSERT_TRUE(SetTomlValue(&toml, "p2p", "external_address", "\"" + lab.Addr(i) + ":" + std::to_string(n.p2p_port) + "\"").ok());
    ASSERT_TRUE(SetTomlValue(&toml, "p2p", "persistent_peers", "\"" + others + "\"").ok());
    ASSERT_TRUE(SetTomlValue(&toml, "rpc", "laddr", "\"tcp://" + lab.Addr(i) + ":" + std::to_string(n.rpc_port) + "\"").ok());
    ASSERT_TRUE(SetTomlValue(&toml, "", "proxy_app", "\"" + proxy + "\"").ok());
    std::ofstream(path, std::ios::trunc) << toml;
    net[i].UseNetns(lab.Prefix(i), proxy, lab.Addr(i));
    ASSERT_TRUE(net[i].Start(g_cometbft, fx).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= 2; }, 40)) << "no blocks in the namespaces";
  ASSERT_TRUE(SubmitAndWait(net[0], fx.setup));

  // Node 3 cut off: the other three go on; healed, it catches up.
  ASSERT_TRUE(lab.Side(3, 1));
  const std::int64_t cut = net.MinLedgerHeight({0, 1, 2});
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(SubmitAndWait(net[i], fx.load[i]));
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2}) >= cut + 3; }, 20));
  const std::int64_t node3_cut = net.MinLedgerHeight({3});
  EXPECT_LE(node3_cut, cut + 1);
  ASSERT_TRUE(lab.Side(3, 0));
  const std::int64_t target = net.MinLedgerHeight({0, 1, 2});
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({3}) >= target; }, 40)) << "node 3 did not catch up";
  std::fprintf(stderr, "partition 3|1: the three went from %lld on, node 3 stayed at %lld, caught up to %lld (%.1f s)\n",
               static_cast<long long>(cut), static_cast<long long>(node3_cut), static_cast<long long>(target), Since(t0));

  // 2|2: nobody has two thirds; no block. Healed: the chain resumes.
  ASSERT_TRUE(lab.Side(2, 1));
  ASSERT_TRUE(lab.Side(3, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto max_height = [&] {
    std::uint64_t m = 0;
    for (std::size_t i = 0; i < 4; ++i) m = std::max(m, net[i].ledger()->height());
    return m;
  };
  const std::uint64_t split = max_height();
  const ledger::Tx& waiting = fx.load[10];
  EXPECT_TRUE(net[0].consensus()->Submit(waiting).added());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(max_height(), split) << "a block was finalized without two thirds";
  ASSERT_TRUE(lab.Side(2, 0));
  ASSERT_TRUE(lab.Side(3, 0));
  ledger::TxOutcome o;
  EXPECT_TRUE(net[0].consensus()->WaitFinal(waiting.Id(), std::chrono::seconds(40), &o));
  EXPECT_TRUE(o.applied());
  const std::int64_t top = static_cast<std::int64_t>(net[0].ledger()->height());
  ASSERT_TRUE(WaitFor([&] { return net.MinLedgerHeight({0, 1, 2, 3}) >= top; }, 30));
  ExpectSameRoots(net, {0, 1, 2, 3}, static_cast<std::uint64_t>(top));
  std::fprintf(stderr, "partition 2|2: stalled at %llu; healed, all at %lld after %.1f s\n",
               static_cast<unsigned long long>(split), static_cast<long long>(top), Since(t0));
}

}  // namespace
}  // namespace depinfer::consensus::testing

int main(int argc, char** argv) {
  namespace dc = depinfer::consensus;
  namespace lt = depinfer::consensus::testing;
  if (argc > 1 && std::string(argv[1]) == "--ledger-node") return lt::RunLedgerNode(argc, argv);
  std::error_code ec;
  lt::g_self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  lt::g_cache = std::filesystem::path(lt::g_self).parent_path().string() + "/ledger_cmt_fixture.json";
  // ctest runs this first (FIXTURES_SETUP) so that parallel tests never prove the same fixture twice.
  if (argc > 1 && std::string(argv[1]) == "--make-fixture") {
    lt::Fixture();
    std::printf("fixture ready: %s\n", lt::g_cache.c_str());
    return 0;
  }
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--gtest_filter=", 0) == 0) filter = argv[i];
  }
  const bool app_only = filter.rfind("--gtest_filter=LedgerApp.", 0) == 0;
  lt::g_cometbft = dc::FindCometbft();
  std::string version;
  if (lt::g_cometbft.empty() && !app_only) {
    std::printf("SKIP: cometbft not installed (run scripts/setup.sh, or set DEPINFER_COMETBFT)\n");
    return 77;
  }
  if (!lt::g_cometbft.empty()) {
    const depinfer::Status st = dc::CometbftVersion(lt::g_cometbft, &version);
    if ((!st.ok() || version.rfind("0.38.", 0) != 0) && !app_only) {
      std::printf("SKIP: %s is version '%s', the tests need CometBFT v0.38\n", lt::g_cometbft.c_str(),
                  version.c_str());
      return 77;
    }
  }
  if (filter == "--gtest_filter=LedgerCometbft.Partition") {
    const std::string why = lt::NetnsUnavailable();
    if (!why.empty()) {
      std::printf("SKIP: partition test needs network namespaces: %s\n", why.c_str());
      return 77;
    }
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
