// Shared by the ledger-over-CometBFT tests and the load benchmark: a chain with real
// join-split transactions made once and cached on disk, and validator nodes (LedgerApp +
// AbciServer + cometbft) run in this process or as a child process that can be killed -9.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "consensus/cometbft.h"
#include "consensus/ledger_app.h"
#include "consensus/testnet.h"
#include "ledger/genesis.h"
#include "ledger/ledger.h"
#include "shield/joinsplit_keys.h"

namespace depinfer::consensus::testing {

inline constexpr char kLedgerChain[] = "depinfer-cmt-test";

// The join-split keys of every run (DevSetup with a fixed seed, so the proofs in the cache stay
// valid across processes).
const shield::JoinSplitKeys& FixtureKeys();

struct ChainFixture {
  ledger::Genesis genesis;           // funders 0..N, root window 65536
  ledger::Tx setup;                  // block 1: a deposit into alice's wallet
  ledger::Tx pay_a, pay_b;           // two payments spending the same note of alice's (after setup)
  std::vector<ledger::Tx> load;      // independent deposits (funder i, nonce 0, genesis root)
};

// Loads the fixture from `cache` if it exists with at least `load_txs` load transactions,
// otherwise proves them (about 0.3 to 1.5 s each, two threads) and writes the cache.
Status LoadOrMakeFixture(const std::string& cache, std::size_t load_txs, ChainFixture* out);

std::string Encoded(const ledger::Tx& tx);
std::string HexId(const ledger::TxId& id);

// One validator: its cometbft process and its application. In-process (Start) the test holds
// the ledger, the app and a CometbftConsensus; out-of-process (StartExternal) this binary runs
// again as `--ledger-node ...` (RunLedgerNode) and can be killed with SIGKILL.
class LedgerNode {
 public:
  LedgerNode(TestnetNode net, std::string ledger_dir) : net_(std::move(net)), dir_(std::move(ledger_dir)) {}
  ~LedgerNode() { Kill(); }

  Status Start(const std::string& cometbft, const ChainFixture& fx, LedgerApp::Options options = {},
               bool sync = true);
  Status StartExternal(const std::string& self_exe, const std::string& cometbft,
                       const std::string& fixture_cache);
  // Runs cometbft as `prefix... cometbft start --home HOME` (e.g. `ip netns exec NS`), the app
  // server on `proxy_app` and the RPC client at rpc_host (for Start).
  void UseNetns(std::vector<std::string> prefix, std::string proxy_app, std::string rpc_host) {
    prefix_ = std::move(prefix);
    proxy_override_ = std::move(proxy_app);
    rpc_host_ = std::move(rpc_host);
  }
  // SIGKILL cometbft (or the node process), then drop the server, app and ledger.
  void Kill();
  bool running() const { return running_; }

  const TestnetNode& net() const { return net_; }
  // The cometbft process (or, out-of-process, the node process); -1 when not running.
  pid_t process_id() const { return process_ ? process_->pid() : -1; }
  // In-process only:
  LedgerApp* app() { return app_.get(); }
  ledger::Ledger* ledger() { return ledger_.get(); }
  CometbftConsensus* consensus() { return consensus_.get(); }
  MetricsRegistry* registry() { return registry_.get(); }
  // Over RPC (both kinds): the ledger's height and state root through abci_query, and a
  // transaction's outcome code (-1: not in a block; -2: RPC failure).
  std::int64_t QueryHeight();
  std::string QueryStateRoot();
  std::string QueryRoot(std::uint64_t height);  // "" when unknown
  int QueryTxCode(const ledger::TxId& id, std::uint64_t* height = nullptr);
  std::int64_t CometHeight();  // /status latest_block_height, -1 on failure
  RpcClient& rpc() { return *rpc_; }

 private:
  TestnetNode net_;
  std::string dir_;
  bool running_ = false;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<LedgerApp> app_;
  std::unique_ptr<MetricsRegistry> registry_;
  std::unique_ptr<NodeMetrics> metrics_;
  std::unique_ptr<CometbftConsensus> consensus_;
  std::unique_ptr<AbciServer> server_;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<RpcClient> rpc_ = nullptr;
  std::vector<std::string> prefix_;
  std::string proxy_override_;
  std::string rpc_host_ = "127.0.0.1";
};

// Lays out `n` validators under dir with the given timeouts and the fixture's genesis.
struct NetTimeouts {
  std::string propose = "400ms", prevote = "150ms", precommit = "150ms", commit = "150ms";
};
Status LayoutLedgerTestnet(const std::string& cometbft, const std::string& dir, int n,
                           const ChainFixture& fx, const NetTimeouts& timeouts,
                           std::vector<TestnetNode>* nodes);

// A base port B with B + 10 i + {0,1,2} free for i < nodes.
int FreeBasePort(int nodes);

// `this_binary --ledger-node COMETBFT HOME LEDGER_DIR FIXTURE_CACHE ABCI_PORT`: runs one
// validator until SIGTERM or SIGKILL. Returns the exit code.
int RunLedgerNode(int argc, char** argv);

}  // namespace depinfer::consensus::testing
