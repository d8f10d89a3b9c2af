// The settlement node assembled: ledger (RocksDB), consensus (embedded), the HTTP API and its
// metrics, from a NodeConfig (a TOML file, see docs/node.md and `depinferd --print-config`).
#pragma once

#include <atomic>
#include <csignal>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "api/http_server.h"
#include "app/stop_signals.h"
#include "base/metrics.h"
#include "consensus/embedded.h"
#include "ledger/ledger.h"

namespace depinfer::app {

struct NodeConfig {
  std::string data_dir = "depinfer-node";
  std::string genesis = "genesis.json";
  std::string verifying_key = "verification_key.json";  // snarkjs JSON of the join-split key
  std::string mode = "embedded";
  std::string api_bind = "127.0.0.1";
  int api_port = 7420;
  std::string admin_token;
  double rate_per_second = 0;   // per client; 0 = unlimited
  std::size_t max_body_bytes = 64 << 10;
  std::size_t max_block_txs = 2000;
  int max_block_delay_us = 500;
  bool sync_writes = true;

  // Reads a TOML file; keys it does not know are errors (a typo must not pass silently).
  static Status Load(const std::string& path, NodeConfig* out);
  std::string ToToml() const;
};

class Node {
 public:
  static Status Start(const NodeConfig& config, std::unique_ptr<Node>* out);
  ~Node();
  // Stops accepting, lets the last block finish, closes the database.
  void Stop();
  // Blocks until Stop() (or /admin/shutdown, or a signal handled by the caller).
  void Wait();
  void RequestStop();
  std::uint16_t port() const { return server_->port(); }
  ledger::Ledger& ledger() { return *ledger_; }

 private:
  Node() = default;
  NodeConfig config_;
  snark::groth16::VerifyingKey vk_;
  std::unique_ptr<ledger::Ledger> ledger_;
  MetricsRegistry metrics_;
  std::unique_ptr<consensus::NodeMetrics> node_metrics_;
  std::unique_ptr<consensus::EmbeddedConsensus> consensus_;
  std::unique_ptr<api::HttpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  bool stopped_ = false;
};

// Reads a snarkjs verification_key.json.
Status LoadVerifyingKey(const std::string& path, snark::groth16::VerifyingKey* out);
Status ReadFile(const std::string& path, std::string* out);

Status WriteFileAtomic(const std::string& path, const std::string& data);

}  // namespace depinfer::app
