// `depinfer`: the command line for wallets, administration and tools. Each subcommand has
// --help; exit codes: 0 success, 1 failure of the operation, 2 bad usage.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>

#include "app/core_bench.h"
#include "app/devnet.h"
#include "app/provider_command.h"
#include "app/wallet_command.h"
#include "app/zk_command.h"

int main(int argc, char** argv) {
  depinfer::app::ReexecForServing(argc, argv);  // returns unless it re-executes (see there)
  CLI::App app{"depinfer: private payments and verifiable AI inference"};
  app.require_subcommand(1);

  depinfer::app::CoreBenchOptions bench;
  CLI::App* core = app.add_subcommand("core-bench", "Measure the BN254 core: pairing, MSM and NTT");
  core->add_option("--msm-log2", bench.msm_log2, "MSM size as a power of two")
      ->check(CLI::Range(4, 22))->capture_default_str();
  core->add_option("--ntt-log2", bench.ntt_log2, "NTT size as a power of two")
      ->check(CLI::Range(1, 24))->capture_default_str();
  core->add_option("--repeats", bench.repeats, "Runs per figure (the median is shown)")
      ->check(CLI::Range(1, 100))->capture_default_str();

  std::function<int()> run;
  depinfer::app::AddZkCommands(app, &run);
  depinfer::app::AddWalletCommands(app, &run);
  depinfer::app::AddDevnetCommand(app, &run);
  depinfer::app::AddProviderCommand(app, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*core) return depinfer::app::RunCoreBench(bench);
  if (run) return run();
  return 2;
}
