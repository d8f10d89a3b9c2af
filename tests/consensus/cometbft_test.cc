// The ABCI server against a real CometBFT v0.38 (docs/consensus.md):
//   SingleNode: `cometbft init`, our KvApp behind proxy_app, transactions over CometBFT's RPC are
//     committed, malformed ones refused, the app hash advances; after stopping both and starting
//     again from the persisted state file, Info resumes at the last height and the chain goes on.
//   FourValidators: LayoutTestnet on loopback, four cometbft processes each with its own app
//     server; all reach the same app hash at every height.
// Exits 77 (ctest SKIP) when cometbft is not installed (scripts/setup.sh installs it).
#include <gtest/gtest.h>

#include "test_util.h"
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "consensus/abci_server.h"
#include "consensus/cometbft.h"
#include "consensus/testnet.h"
#include "kv_app.h"

namespace depinfer::consensus {
namespace {

using testing::DumpLogTail;
using testing::TempDir;
using testing::WaitFor;

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::KvApp;

std::string g_cometbft;  // set by main

std::string Hex(std::string_view bytes, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool PortFree(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return ok;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

// A base port B such that B + 10*i + {0,1,2} are free for every node i.
int FreeBasePort(int nodes) {
  std::mt19937 rng(static_cast<unsigned>(::getpid()) ^
                   static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = 20000 + static_cast<int>(rng() % 3000) * 10;
    bool ok = true;
    for (int i = 0; i < nodes && ok; ++i) {
      for (int k = 0; k < 3 && ok; ++k) ok = PortFree(base + 10 * i + k);
    }
    if (ok) return base;
  }
  return -1;
}

// GET http://127.0.0.1:port/path; the JSON-RPC "result", or null on any error.
json Rpc(int port, const std::string& path, int timeout_s = 15) {
  RpcClient cli("127.0.0.1", port, std::chrono::seconds(timeout_s));
  std::string body;
  if (!cli.Get(path, &body).ok()) return nullptr;
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.contains("result")) return nullptr;
  return j["result"];
}

int64_t Height(int rpc_port) {
  const json s = Rpc(rpc_port, "/status", 2);
  if (s.is_null()) return -1;
  return std::stoll(s["sync_info"]["latest_block_height"].get<std::string>());
}




// Prints the tail of each log when the test has failed, on any exit from the test body
// (declare it before the processes, so it runs after they are stopped).
struct LogsOnFailure {
  std::vector<std::string> paths;
  ~LogsOnFailure() {
    if (!::testing::Test::HasFailure()) return;
    for (const std::string& p : paths) DumpLogTail(p);
  }
};

AbciServerOptions ServerOptions(const std::string& address, const std::string& name) {
  AbciServerOptions o;
  o.address = address;
  o.log = [name](std::string_view line) {
    std::fprintf(stderr, "abci[%s]: %.*s\n", name.c_str(), static_cast<int>(line.size()),
                 line.data());
  };
  return o;
}

// broadcast_tx_commit of `tx`; the JSON-RPC result (null on transport error).
json Commit(int rpc_port, const std::string& tx) {
  return Rpc(rpc_port, "/broadcast_tx_commit?tx=0x" + Hex(tx));
}

// ---------------------------------------------------------------------------------------------

TEST(Cometbft, SingleNodeCommitsAndResumesAfterRestart) {
  TempDir tmp("depinfer-abci");
  const std::string home = tmp.path() + "/node";
  const std::string state = tmp.path() + "/kv.state";
  LogsOnFailure logs{{home + "/cometbft.log"}};
  std::string out;
  ASSERT_TRUE(RunCommand({g_cometbft, "init", "--home", home}, &out).ok()) << out;

  auto app = std::make_unique<KvApp>(state);
  std::unique_ptr<AbciServer> server;
  ASSERT_TRUE(AbciServer::Start(app.get(), ServerOptions("tcp://127.0.0.1:0", "single"), &server).ok());
  const std::string proxy_app = server->address();

  NodeConfig config;
  config.p2p_port = FreePort();
  config.rpc_port = FreePort();
  config.proxy_app = proxy_app;
  ASSERT_TRUE(ConfigureNode(home, config).ok());
  const int rpc = config.rpc_port;

  ChildProcess node;
  ASSERT_TRUE(StartCometbft(g_cometbft, home, &node).ok());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return Height(rpc) >= 2; }, 20)) << "no blocks";
  std::fprintf(stderr, "single node: height 2 after %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  const std::string hash_before = app->app_hash();

  // A good transaction is committed; a malformed one never gets past CheckTx.
  json r = Commit(rpc, "a=1");
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["check_tx"]["code"], 0);
  EXPECT_EQ(r["tx_result"]["code"], 0);
  const int64_t h1 = std::stoll(r["height"].get<std::string>());
  EXPECT_GT(h1, 0);
  // Keep the state file as of a=1, for the replay below.
  ASSERT_TRUE(WaitFor([&] { return app->height() >= h1; }, 10));
  fs::copy_file(state, state + ".old");
  const int64_t old_height = KvApp(state + ".old").height();
  json bad = Rpc(rpc, "/broadcast_tx_sync?tx=0x" + Hex("no equals sign"));
  ASSERT_FALSE(bad.is_null());
  EXPECT_EQ(bad["code"], 1);
  r = Commit(rpc, "b=2");
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["tx_result"]["code"], 0);
  const int64_t h2 = std::stoll(r["height"].get<std::string>());
  EXPECT_GT(h2, h1);

  // Committed, queryable, and the app hash moved; the next header carries it.
  ASSERT_TRUE(WaitFor([&] { return app->height() >= h2 + 1; }, 10));
  EXPECT_EQ(app->Get("a"), "1");
  EXPECT_EQ(app->Get("b"), "2");
  EXPECT_NE(app->app_hash(), hash_before);
  json q = Rpc(rpc, "/abci_query?data=0x" + Hex("a"));
  ASSERT_FALSE(q.is_null());
  EXPECT_EQ(q["response"]["value"], Base64Encode("1"));
  // Any RPC user can put arbitrary bytes into a `string` field (abci_query's path as 0x hex);
  // CometBFT passes them through and the node must keep running.
  json weird = Rpc(rpc, "/abci_query?path=0xfffe&data=0x" + Hex("a"));
  ASSERT_FALSE(weird.is_null());
  EXPECT_EQ(weird["response"]["value"], Base64Encode("1"));
  json block = Rpc(rpc, "/block?height=" + std::to_string(h2 + 1));
  ASSERT_FALSE(block.is_null());
  EXPECT_EQ(block["block"]["header"]["app_hash"], Hex(app->hashes().at(h2), true));

  // Restart: stop CometBFT and the app, start both again from what is on disk.
  node.Stop();
  server->Stop();
  server.reset();
  const int64_t stopped_at = app->height();
  const std::string hash_at_stop = app->app_hash();
  app.reset();
  app = std::make_unique<KvApp>(state);
  ASSERT_TRUE(app->load_status().ok()) << app->load_status().ToString();
  EXPECT_EQ(app->height(), stopped_at);
  EXPECT_EQ(app->app_hash(), hash_at_stop);
  ASSERT_TRUE(AbciServer::Start(app.get(), ServerOptions(proxy_app, "single"), &server).ok());
  ASSERT_TRUE(StartCometbft(g_cometbft, home, &node).ok());
  ASSERT_TRUE(WaitFor([&] { return Height(rpc) >= stopped_at + 2; }, 20)) << "no blocks after restart";
  EXPECT_GE(app->info_calls(), 1);
  EXPECT_EQ(app->info_height(), stopped_at);  // Info resumed from the state file
  r = Commit(rpc, "c=3");
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["tx_result"]["code"], 0);
  ASSERT_TRUE(WaitFor([&] { return app->Get("c") == "3"; }, 10));
  EXPECT_EQ(app->Get("a"), "1");
  EXPECT_EQ(app->size(), 3u);

  // Restart with the app behind CometBFT (its state file from before b=2): CometBFT replays the
  // blocks it has and the app arrives at the same app hash as the first time.
  node.Stop();
  server->Stop();
  server.reset();
  const auto first_run = app->hashes();
  const int64_t tip = app->height();
  app.reset();
  fs::copy_file(state + ".old", state, fs::copy_options::overwrite_existing);
  app = std::make_unique<KvApp>(state);
  ASSERT_EQ(app->height(), old_height);
  EXPECT_EQ(app->Get("b", nullptr), "");
  ASSERT_TRUE(AbciServer::Start(app.get(), ServerOptions(proxy_app, "single"), &server).ok());
  ASSERT_TRUE(StartCometbft(g_cometbft, home, &node).ok());
  ASSERT_TRUE(WaitFor([&] { return app->height() >= tip + 1; }, 20)) << "no replay";
  EXPECT_EQ(app->info_height(), old_height);
  EXPECT_EQ(app->Get("b"), "2");
  EXPECT_EQ(app->Get("c"), "3");
  const auto replayed = app->hashes();
  for (int64_t h = old_height + 1; h <= tip; ++h) {
    if (first_run.count(h) == 0) continue;  // committed before the first restart
    ASSERT_EQ(replayed.count(h), 1u) << h;
    EXPECT_EQ(replayed.at(h), first_run.at(h)) << "height " << h;
  }
  std::fprintf(stderr, "single node: replayed heights %lld..%lld\n",
               static_cast<long long>(old_height + 1), static_cast<long long>(tip));

  node.Stop();
  server->Stop();
}

TEST(Cometbft, FourValidatorsAgreeOnTheAppHash) {
  constexpr int kNodes = 4;
  TempDir tmp("depinfer-abci");
  TestnetOptions options;
  options.cometbft = g_cometbft;
  options.dir = tmp.path() + "/testnet";
  options.validators = kNodes;
  options.base_port = FreeBasePort(kNodes);
  ASSERT_GT(options.base_port, 0);
  std::vector<TestnetNode> nodes;
  const Status laid = LayoutTestnet(options, &nodes);
  ASSERT_TRUE(laid.ok()) << laid.ToString();
  ASSERT_EQ(nodes.size(), static_cast<size_t>(kNodes));

  LogsOnFailure logs;
  for (const auto& n : nodes) logs.paths.push_back(n.home + "/cometbft.log");
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<LocalTestnet> net;
  const Status started = LocalTestnet::Start(
      g_cometbft, nodes,
      [](const TestnetNode& n) { return std::make_unique<KvApp>(n.home + "/kv.state"); }, &net);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::vector<KvApp*> apps;
  for (size_t i = 0; i < net->size(); ++i) apps.push_back(static_cast<KvApp*>(net->app(i)));
  auto min_height = [&] {
    int64_t m = INT64_MAX;
    for (const auto& n : nodes) m = std::min(m, Height(n.rpc_port));
    return m;
  };
  ASSERT_TRUE(WaitFor([&] { return min_height() >= 3; }, 30)) << "the validators made no blocks";
  std::fprintf(stderr, "4 validators: height 3 on all after %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  // Transactions through different nodes; each is committed everywhere.
  int64_t last = 0;
  for (int k = 0; k < 6; ++k) {
    const std::string tx = "key" + std::to_string(k) + "=value" + std::to_string(k);
    const json r = Commit(nodes[k % kNodes].rpc_port, tx);
    ASSERT_FALSE(r.is_null()) << tx;
    EXPECT_EQ(r["tx_result"]["code"], 0) << r.dump();
    last = std::max<int64_t>(last, std::stoll(r["height"].get<std::string>()));
  }
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& a : apps) if (a->height() < last + 1) return false;
    return true;
  }, 20));

  // A burst through one node's RPC (async): the mempool connections see CheckTx in batches.
  constexpr int kBurst = 300;
  const auto burst0 = std::chrono::steady_clock::now();
  {
    RpcClient cli("127.0.0.1", nodes[0].rpc_port, std::chrono::seconds(10));
    for (int k = 0; k < kBurst; ++k) {
      std::string body;
      ASSERT_TRUE(cli.Get("/broadcast_tx_async?tx=0x" + Hex("load" + std::to_string(k) + "=x"), &body).ok()) << k;
    }
  }
  const double sent_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - burst0).count();
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& a : apps) if (a->size() < 6u + kBurst) return false;
    return true;
  }, 30)) << "the burst was not committed everywhere";
  const double burst_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - burst0).count();
  size_t max_batch = 0;
  for (const auto& a : apps) {
    for (size_t b : a->check_batches()) max_batch = std::max(max_batch, b);
  }
  std::fprintf(stderr,
               "4 validators: %d txs sent in %.2f s, committed on all in %.2f s (%.0f tx/s); "
               "largest CheckTx batch %zu\n",
               kBurst, sent_s, burst_s, kBurst / burst_s, max_batch);
  int64_t lowest = INT64_MAX;
  for (const auto& a : apps) lowest = std::min(lowest, a->height());

  // Same app hash at every height each app committed in this run, same state everywhere.
  const auto reference = apps[0]->hashes();
  for (int i = 1; i < kNodes; ++i) {
    const auto mine = apps[i]->hashes();
    int compared = 0;
    for (const auto& [h, hash] : mine) {
      const auto it = reference.find(h);
      if (it == reference.end()) continue;
      EXPECT_EQ(hash, it->second) << "node" << i << " height " << h;
      ++compared;
    }
    EXPECT_GE(compared, lowest) << "node" << i;  // every height both have
    EXPECT_EQ(apps[i]->Get("key5"), "value5") << "node" << i;
    EXPECT_EQ(apps[i]->size(), 6u + kBurst);
  }
  std::fprintf(stderr, "4 validators: the first %lld heights agree, done after %.1f s\n",
               static_cast<long long>(lowest),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  net->Stop();
}

}  // namespace
}  // namespace depinfer::consensus

int main(int argc, char** argv) {
  using namespace depinfer::consensus;
  g_cometbft = FindCometbft();
  if (g_cometbft.empty()) {
    std::printf("SKIP: cometbft not installed (run scripts/setup.sh, or set DEPINFER_COMETBFT)\n");
    return 77;
  }
  std::string version;
  const depinfer::Status st = CometbftVersion(g_cometbft, &version);
  if (!st.ok() || version.rfind("0.38.", 0) != 0) {
    std::printf("SKIP: %s is version '%s', the tests need CometBFT v0.38 (%s)\n", g_cometbft.c_str(),
                version.c_str(), st.ToString().c_str());
    return 77;
  }
  if (sodium_init() < 0) return 1;
  std::printf("using %s (%s)\n", g_cometbft.c_str(), version.c_str());
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
