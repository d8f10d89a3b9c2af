// depinferd: the settlement node. Reads a TOML config, opens (or creates from the genesis) its
// ledger, serves the HTTP API, orders blocks with the embedded producer, and stops cleanly on
// SIGTERM or SIGINT (the block being applied finishes; nothing half-written).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

#include "app/node.h"

int main(int argc, char** argv) {
  CLI::App app{"depinferd: the Depinfer settlement node (embedded consensus)"};
  std::string config_path = "depinferd.toml";
  bool print_config = false;
  int port = -1;
  std::string data_dir;
  app.add_option("-c,--config", config_path, "TOML configuration file")->capture_default_str();
  app.add_option("--port", port, "API port (overrides the config)")->check(CLI::Range(0, 65535));
  app.add_option("--data-dir", data_dir, "State directory (overrides the config)");
  app.add_flag("--print-config", print_config, "Print a configuration with the defaults and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  using depinfer::app::NodeConfig;
  if (print_config) {
    std::fputs(NodeConfig().ToToml().c_str(), stdout);
    return 0;
  }
  // Signals are taken by a thread of their own (sigwait), not by a handler.
  const sigset_t signals = depinfer::app::BlockStopSignals();

  NodeConfig config;
  depinfer::Status st = NodeConfig::Load(config_path, &config);
  if (!st.ok()) {
    std::fprintf(stderr, "depinferd: %s\n(write a default one with: depinferd --print-config > %s)\n",
                 st.ToString().c_str(), config_path.c_str());
    return 2;
  }
  if (port >= 0) config.api_port = port;
  if (!data_dir.empty()) config.data_dir = data_dir;
  std::unique_ptr<depinfer::app::Node> node;
  st = depinfer::app::Node::Start(config, &node);
  if (!st.ok()) {
    std::fprintf(stderr, "depinferd: cannot start: %s\n", st.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "depinferd: chain %s at height %llu, API on http://%s:%u, embedded consensus\n",
               node->ledger().genesis().chain_id.c_str(),
               static_cast<unsigned long long>(node->ledger().height()), config.api_bind.c_str(),
               node->port());
  std::thread waiter([&] {
    const int sig = depinfer::app::WaitForStopSignal(signals);
    std::fprintf(stderr, "depinferd: signal %d, stopping\n", sig);
    node->RequestStop();
  });
  node->Wait();
  const unsigned long long height = node->ledger().height();
  node->Stop();
  std::fprintf(stderr, "depinferd: stopped at height %llu\n", height);
  // The waiter may still sit in sigwait (stopped by /admin/shutdown): wake it.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}
