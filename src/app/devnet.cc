#include "app/devnet.h"

#include <sodium.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/http_server.h"
#include "api/node_api.h"
#include "app/node.h"
#ifdef DEPINFER_HAVE_COMETBFT
#include "consensus/cometbft.h"
#include "consensus/ledger_app.h"
#include "consensus/testnet.h"
#endif
#include "app/wallet_ops.h"
#include "ledger/codec.h"
#include "snark/formats/snarkjs_json.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer::app {

namespace {

struct DevnetOptions {
  std::string dir = "depinfer-devnet";
  int port = 7420;
  bool demo = false;
};

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a) { return std::chrono::duration<double, std::milli>(Clock::now() - a).count(); }

std::string RandomHex() {
  std::uint8_t b[32];
  randombytes_buf(b, sizeof b);
  return ledger::Hex(b);
}

bool FromHex(const std::string& hex, std::uint8_t* out) {
  std::size_t n = 0;
  return hex.size() == 64 && sodium_hex2bin(out, 32, hex.data(), 64, nullptr, &n, nullptr) == 0 && n == 32;
}

int Fail(const char* what, const Status& st) {
  std::fprintf(stderr, "devnet: %s: %s\n", what, st.ToString().c_str());
  return 1;
}

// Lays out (or reuses) the devnet folder: keys seed, funder seed, genesis, key, config.
Status Prepare(const DevnetOptions& o, nlohmann::json* meta, std::unique_ptr<shield::JoinSplitKeys>* keys) {
  std::filesystem::create_directories(o.dir);
  const std::string meta_path = o.dir + "/devnet.json";
  std::string text;
  if (ReadFile(meta_path, &text).ok()) {
    *meta = nlohmann::json::parse(text, nullptr, false);
    if (meta->is_discarded() || !meta->contains("keys") || !meta->contains("funder_seed")) {
      return Status::Corruption(meta_path + " is damaged; remove the folder to start afresh");
    }
  } else {
    (*meta)["keys"] = "dev:" + RandomHex();
    (*meta)["funder_seed"] = RandomHex();
    (*meta)["chain_id"] = "depinfer-devnet";
  }
  std::fprintf(stderr, "devnet: development CRS for the join-split circuit (18,201 constraints)...\n");
  const auto t0 = Clock::now();
  DEPINFER_RETURN_IF_ERROR(LoadProvingKeys((*meta)["keys"], keys));
  std::fprintf(stderr, "devnet: keys ready in %.0f ms\n", Ms(t0));
  DEPINFER_RETURN_IF_ERROR(WriteFileAtomic(
      o.dir + "/verification_key.json",
      snark::formats::WriteVerificationKeyJson(snark::groth16::ToSnarkjs((*keys)->verifying_key()))));
  std::uint8_t funder_seed[32];
  if (!FromHex((*meta)["funder_seed"], funder_seed)) return Status::Corruption("devnet.json funder_seed");
  shield::AccountSigner funder(funder_seed);
  ledger::Genesis g;
  g.chain_id = (*meta)["chain_id"];
  g.vk_hash = ledger::VerifyingKeyHash((*keys)->verifying_key());
  g.fee_account = funder.account();  // fees return to the development account
  g.allocations.push_back({funder.account(), Fr::Zero(), 1'000'000'000'000});
  DEPINFER_RETURN_IF_ERROR(WriteFileAtomic(o.dir + "/genesis.json", g.ToJson()));
  NodeConfig c;
  c.data_dir = "state";
  c.genesis = "genesis.json";
  c.verifying_key = "verification_key.json";
  c.api_port = o.port;
  DEPINFER_RETURN_IF_ERROR(WriteFileAtomic(o.dir + "/depinferd.toml", c.ToToml()));
  return WriteFileAtomic(meta_path, meta->dump(2));
}

int RunDevnet(const DevnetOptions& o) {
  // A running devnet stops on Ctrl-C gracefully: block the signals before any thread starts
  // (key setup's included). The demo runs to its end and keeps Ctrl-C's default.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  if (!o.demo) stop_signals = BlockStopSignals();
  if (sodium_init() < 0) return 1;
  const auto t_start = Clock::now();
  nlohmann::json meta;
  std::unique_ptr<shield::JoinSplitKeys> keys;
  Status st = Prepare(o, &meta, &keys);
  if (!st.ok()) return Fail("prepare", st);
  NodeConfig config;
  st = NodeConfig::Load(o.dir + "/depinferd.toml", &config);
  if (!st.ok()) return Fail("config", st);
  config.api_port = o.port;
  std::unique_ptr<Node> node;
  st = Node::Start(config, &node);
  if (!st.ok()) return Fail("node", st);
  const std::string url = "http://127.0.0.1:" + std::to_string(node->port());
  std::fprintf(stderr, "devnet: node up at %s (chain %s, height %llu) in %.0f ms\n", url.c_str(),
               std::string(meta["chain_id"]).c_str(),
               static_cast<unsigned long long>(node->ledger().height()), Ms(t_start));
  std::uint8_t funder_seed[32];
  FromHex(meta["funder_seed"], funder_seed);
  shield::AccountSigner funder(funder_seed);

  if (!o.demo) {
    std::printf("Devnet running. Node API: %s\n"
                "Funded development account (seed in %s/devnet.json): %s\n"
                "Try:  depinfer wallet create --wallet alice.db\n"
                "      depinfer wallet deposit --wallet alice.db --node %s --keys %s "
                "--account-seed <funder_seed> --amount 1000\n"
                "Stop with Ctrl-C.\n",
                url.c_str(), o.dir.c_str(), ledger::Hex(funder.account()).c_str(), url.c_str(),
                std::string(meta["keys"]).c_str());
    std::fflush(stdout);
    WaitForStopSignal(stop_signals);
    node->Stop();
    return 0;
  }

  // The demo: two fresh wallets, a deposit, a private payment, the recipient sees it.
  std::unique_ptr<api::NodeClient> client;
  st = api::NodeClient::Connect(url, &client);
  if (!st.ok()) return Fail("client", st);
  const shield::TransactionBuilder builder(*keys, meta["chain_id"]);
  std::unique_ptr<shield::Wallet> alice, bob;
  for (auto [name, w] : {std::pair{"alice", &alice}, std::pair{"bob", &bob}}) {
    const std::string path = o.dir + "/" + name + ".wallet";
    std::filesystem::remove(path);
    std::array<std::uint8_t, shield::kSeedBytes> seed;
    randombytes_buf(seed.data(), seed.size());
    st = shield::Wallet::Create(path, "devnet", seed, shield::Network::kTest,
                                shield::KdfStrength::kInteractive, w);
    sodium_memzero(seed.data(), seed.size());
    if (!st.ok()) return Fail("wallet", st);
  }
  std::string id;
  auto t = Clock::now();
  st = DepositFromAccount(*client, builder, funder, alice->address(), 1'000'000, 10, &id);
  if (!st.ok()) return Fail("deposit", st);
  const double deposit_ms = Ms(t);
  st = SyncWallet(*alice, *client);
  if (!st.ok()) return Fail("sync", st);
  std::printf("1. deposit: the development account moved 1,000,000 into alice's shielded wallet\n"
              "   (fee 10; proved, verified, final in %.0f ms)  alice balance: %llu\n",
              deposit_ms, static_cast<unsigned long long>(alice->Balance(Fr::Zero())));
  const std::string memo = "thanks for the GPU time";
  t = Clock::now();
  st = Pay(*alice, *client, builder, bob->address(), 250'000, 10,
           std::span(reinterpret_cast<const std::uint8_t*>(memo.data()), memo.size()), &id);
  if (!st.ok()) return Fail("payment", st);
  const double pay_ms = Ms(t);
  st = SyncWallet(*bob, *client);
  if (!st.ok()) return Fail("sync", st);
  std::printf("2. private payment alice -> bob: 250,000 with an encrypted memo, final in %.0f ms\n"
              "   on the ledger: two nullifiers, two commitments, two ciphertexts, fee 10; no amount,\n"
              "   no sender, no recipient (tx %s...)\n",
              pay_ms, id.substr(0, 16).c_str());
  if (bob->history().empty()) {
    std::fprintf(stderr, "devnet: bob did not find the payment\n");
    return 1;
  }
  const auto& h = bob->history().back();
  std::printf("3. bob's wallet scanned the ledger with its viewing key and found: %llu, memo \"%s\"\n"
              "   balances: alice %llu, bob %llu\n",
              static_cast<unsigned long long>(h.amount), std::string(h.memo.begin(), h.memo.end()).c_str(),
              static_cast<unsigned long long>(alice->Balance(Fr::Zero())),
              static_cast<unsigned long long>(bob->Balance(Fr::Zero())));
  api::NodeState state;
  if (client->State(&state).ok()) {
    std::printf("   node: height %llu, state root %s...\n", static_cast<unsigned long long>(state.height),
                state.state_root.substr(0, 16).c_str());
  }
  std::printf("devnet demo done in %.1f s\n", Ms(t_start) / 1000);
  node->Stop();
  return bob->Balance(Fr::Zero()) == 250'000 ? 0 : 1;
}


#ifdef DEPINFER_HAVE_COMETBFT
struct TestnetOptions {
  std::string dir = "depinfer-testnet";
  int validators = 4;
  int base_port = 26600;
  int api_port = 7430;
};

// N validators on loopback: one CometBFT process and one ledger (LedgerApp over ABCI) each, and
// each validator's HTTP API, so wallets can use any of them.
int RunTestnet(const TestnetOptions& o) {
  const sigset_t stop_signals = BlockStopSignals();  // before the servers start their threads
  if (sodium_init() < 0) return 1;
  if (std::filesystem::exists(o.dir + "/node0")) {
    std::fprintf(stderr, "testnet: %s already holds a testnet; remove it or choose another --dir\n", o.dir.c_str());
    return 2;
  }
  DevnetOptions d;
  d.dir = o.dir;
  nlohmann::json meta;
  std::unique_ptr<shield::JoinSplitKeys> keys;
  Status st = Prepare(d, &meta, &keys);
  if (!st.ok()) return Fail("prepare", st);
  ledger::Genesis genesis;
  st = ledger::LoadGenesisFile(o.dir + "/genesis.json", &genesis);
  if (!st.ok()) return Fail("genesis", st);
  consensus::TestnetOptions to;
  to.dir = o.dir + "/nodes";
  to.validators = o.validators;
  to.base_port = o.base_port;
  to.cometbft = consensus::FindCometbft();
  to.timeout_commit = "150ms";
  std::vector<consensus::TestnetNode> nodes;
  st = consensus::LayoutTestnet(to, &nodes);
  if (st.ok()) st = consensus::PatchGenesis(nodes, genesis.chain_id, genesis.ToJson());
  if (!st.ok()) return Fail("layout", st);
  std::vector<std::unique_ptr<ledger::Ledger>> ledgers(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    st = ledger::Ledger::Open(nodes[i].home + "/ledger", genesis, keys->verifying_key(), {}, &ledgers[i]);
    if (!st.ok()) return Fail("ledger", st);
  }
  MetricsRegistry registry;
  std::vector<std::unique_ptr<consensus::NodeMetrics>> metrics;
  std::vector<std::unique_ptr<consensus::CometbftConsensus>> engines(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) metrics.push_back(std::make_unique<consensus::NodeMetrics>(&registry));
  std::unique_ptr<consensus::LocalTestnet> net;
  st = consensus::LocalTestnet::Start(
      to.cometbft, nodes,
      [&](const consensus::TestnetNode& n) -> std::unique_ptr<consensus::AbciApplication> {
        const std::size_t i = static_cast<std::size_t>(n.index);
        auto app = std::make_unique<consensus::LedgerApp>(*ledgers[i]);
        consensus::CometbftConsensus::Options co;
        co.rpc_port = n.rpc_port;
        engines[i] = std::make_unique<consensus::CometbftConsensus>(*ledgers[i], metrics[i].get(), app.get(), co);
        return app;
      },
      &net);
  if (!st.ok()) return Fail("start", st);
  std::vector<std::unique_ptr<api::HttpServer>> servers;
  std::printf("Testnet of %zu validators (CometBFT %s) on loopback, chain %s:\n", nodes.size(),
              DEPINFER_COMETBFT_VERSION, genesis.chain_id.c_str());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    api::HttpServer::Options so;
    so.port = static_cast<std::uint16_t>(o.api_port + static_cast<int>(i));
    servers.push_back(std::make_unique<api::HttpServer>(so));
    api::RegisterNodeApi(servers.back().get(), ledgers[i].get(), engines[i].get(), &registry, {}, nullptr);
    st = servers.back()->Start();
    if (!st.ok()) return Fail("api", st);
    std::printf("  validator %zu: API http://127.0.0.1:%u  CometBFT RPC %s  home %s\n", i,
                servers.back()->port(), nodes[i].rpc_url().c_str(), nodes[i].home.c_str());
  }
  std::printf("Proving key: %s\nFunded development account seed: %s\nStop with Ctrl-C.\n",
              std::string(meta["keys"]).c_str(), std::string(meta["funder_seed"]).c_str());
  std::fflush(stdout);
  WaitForStopSignal(stop_signals);
  for (auto& s : servers) s->Stop();
  net->Stop();  // cometbft, then the ABCI servers; the engines outlive them
  for (auto& e : engines) {
    if (e) e->Stop();
  }
  return 0;
}
#endif

}  // namespace

void AddDevnetCommand(CLI::App& app, std::function<int()>* run) {
#ifdef DEPINFER_HAVE_COMETBFT
  auto t = std::make_shared<TestnetOptions>();
  CLI::App* tn = app.add_subcommand("testnet", "Run N CometBFT validators with their ledgers on loopback");
  tn->add_option("--dir", t->dir, "Folder for the validators' homes, keys and genesis")->capture_default_str();
  tn->add_option("--validators", t->validators, "How many validators")->check(CLI::Range(1, 16))->capture_default_str();
  tn->add_option("--base-port", t->base_port, "First CometBFT port (each node uses base + 10 i ...)")->capture_default_str();
  tn->add_option("--api-port", t->api_port, "First validator API port")->capture_default_str();
  tn->callback([t, run] { *run = [t] { return RunTestnet(*t); }; });
#endif
  auto o = std::make_shared<DevnetOptions>();
  CLI::App* cmd = app.add_subcommand("devnet", "Run a one-node development network (embedded consensus)");
  cmd->add_option("--dir", o->dir, "Folder for the devnet's state, keys and wallets")->capture_default_str();
  cmd->add_option("--port", o->port, "API port (0: any free port)")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_flag("--demo", o->demo, "Show a private payment between two wallets end to end, then exit");
  cmd->callback([o, run] { *run = [o] { return RunDevnet(*o); }; });
}

}  // namespace depinfer::app
