// CometBFT validator homes on one machine (docs/consensus.md), for `depinfer testnet` and the
// tests: lays out N validator homes with `cometbft testnet`, then rewrites each config.toml so all
// nodes share 127.0.0.1 with distinct ports computed from a base port, and starts/stops
// `cometbft start` processes.
//
// Ports of node i (0-based), from TestnetOptions::base_port = B:
//   P2P  B + 10*i      RPC  B + 10*i + 1      ABCI (our app server, proxy_app)  B + 10*i + 2
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "consensus/abci_server.h"

namespace depinfer::consensus {

// The cometbft binary: $DEPINFER_COMETBFT if set (empty result if it is not executable), else
// `cometbft` on PATH, else the places scripts/setup.d/30-cometbft.sh installs to
// (/usr/local/bin, ~/.local/bin) or ~/go/bin. Empty when none is found.
std::string FindCometbft();

// Runs argv[0] (a path) with argv, waits, and returns its stdout+stderr in *output. A non-zero
// exit is an IOError carrying the output.
Status RunCommand(const std::vector<std::string>& argv, std::string* output);

// The version `cometbft version` prints ("0.38.26").
Status CometbftVersion(const std::string& cometbft, std::string* version);

// Sets `key = value` inside `[section]` ("" for the keys before the first section) of a TOML
// text, keeping everything else. `value` is a TOML literal: "\"100ms\"", "true", "0".
// NotFound if the key is not there (CometBFT's config.toml template lists every key).
Status SetTomlValue(std::string* toml, std::string_view section, std::string_view key,
                    std::string_view value);

// What ConfigureNode writes into HOME/config/config.toml.
struct NodeConfig {
  std::string moniker;
  int p2p_port = 26656;
  int rpc_port = 26657;
  std::string proxy_app = "tcp://127.0.0.1:26658";
  std::string persistent_peers;  // "id@127.0.0.1:port,..."
  std::string log_level = "info";
  // Consensus timeouts for a fast loopback network; CometBFT's defaults are 3s/1s/1s/1s.
  std::string timeout_propose = "1s";
  std::string timeout_prevote = "500ms";
  std::string timeout_precommit = "500ms";
  std::string timeout_commit = "100ms";
  bool create_empty_blocks = true;
};
// Rewrites HOME/config/config.toml (made by `cometbft init` or `cometbft testnet`): listen
// addresses on 127.0.0.1, proxy_app, peers, timeouts; the address book accepts loopback peers
// and several peers per IP; pprof and Prometheus off.
Status ConfigureNode(const std::string& home, const NodeConfig& config);

struct TestnetOptions {
  std::string cometbft;  // the binary; empty: FindCometbft()
  std::string dir;       // output directory: DIR/node0 ... DIR/node{N-1}; must not exist or be empty
  int validators = 4;
  int base_port = 26600;
  std::string log_level = "info";
  std::string timeout_commit = "100ms";
  // Empty: NodeConfig's defaults (1s / 500ms / 500ms).
  std::string timeout_propose, timeout_prevote, timeout_precommit;
};

struct TestnetNode {
  int index = 0;
  std::string home;     // DIR/node{index}
  std::string node_id;  // the P2P id (hex of the node key's address)
  int p2p_port = 0;
  int rpc_port = 0;
  int abci_port = 0;    // where this node's application must listen
  std::string proxy_app() const { return "tcp://127.0.0.1:" + std::to_string(abci_port); }
  std::string rpc_url() const { return "http://127.0.0.1:" + std::to_string(rpc_port); }
};

// Lays out the homes (one genesis, N validator keys) and configures every node to dial the
// others. Does not start anything.
Status LayoutTestnet(const TestnetOptions& options, std::vector<TestnetNode>* nodes);

// Sets the chain id (and, when not empty, the app_state: a JSON text) of the laid-out genesis
// and writes the same bytes to every node's config/genesis.json. For the ledger application,
// whose genesis names the chain id its signatures commit to.
Status PatchGenesis(const std::vector<TestnetNode>& nodes, const std::string& chain_id,
                    const std::string& app_state_json);

// A child process (cometbft start) whose stdout and stderr go to a log file. Killed with
// SIGKILL if this process dies (PR_SET_PDEATHSIG), and stopped by the destructor.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Stop(); }

  Status Start(const std::vector<std::string>& argv, const std::string& log_path);
  // SIGTERM, then SIGKILL after `grace_ms`; reaps the child. Idempotent.
  void Stop(int grace_ms = 3000);
  // Sends `sig` (SIGTERM by default) without waiting; lets a caller stop several at once.
  void Signal(int sig = 15);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Starts `cometbft start --home HOME`, logging to HOME/cometbft.log.
Status StartCometbft(const std::string& cometbft, const std::string& home, ChildProcess* process);

// Runs a laid-out testnet in this process: one application and one AbciServer per node (on
// node.proxy_app()), then one `cometbft start` per node. Stop() (or the destructor) stops the
// cometbft processes first, then the servers; the applications live as long as this object.
class LocalTestnet {
 public:
  using AppFactory = std::function<std::unique_ptr<AbciApplication>(const TestnetNode&)>;

  static Status Start(const std::string& cometbft, std::vector<TestnetNode> nodes,
                      const AppFactory& make_app, std::unique_ptr<LocalTestnet>* testnet,
                      AbciServerOptions server_options = {});
  ~LocalTestnet() { Stop(); }
  void Stop();

  const std::vector<TestnetNode>& nodes() const { return nodes_; }
  AbciApplication* app(size_t i) const { return apps_[i].get(); }
  size_t size() const { return nodes_.size(); }

 private:
  LocalTestnet() = default;
  std::vector<TestnetNode> nodes_;
  std::vector<std::unique_ptr<AbciApplication>> apps_;
  std::vector<std::unique_ptr<AbciServer>> servers_;
  std::vector<std::unique_ptr<ChildProcess>> processes_;
};

}  // namespace depinfer::consensus
