// Load generator for the settlement node in embedded mode (issue 8's figures): pre-made valid
// shielded transactions (deposits from distinct funded accounts, each proven once and cached on
// disk), submitted over HTTP to a depinferd child process by concurrent clients.
//
//   build/release/bench/node/node_load [--txs 2000] [--clients 32] [--rate 0] [--runs 3]
//
// Each run starts a fresh node (new state folder), submits every transaction with
// POST /v1/tx?wait=10000 (the answer comes when its block is committed, so each request's
// duration is its submit-to-final latency), and reports applied tx/s (transactions / time from
// the first submission to the last final answer), latency p50/p99 and the node's peak memory.
// --rate R paces submissions at R tx/s in total (moderate load); 0 submits as fast as the
// clients go.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "api/node_client.h"
#include "app/node.h"
#include "app/wallet_ops.h"
#include "ledger/codec.h"
#include "snark/formats/snarkjs_json.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer {
namespace {

using Clock = std::chrono::steady_clock;
using math::bn254::Fr;
constexpr char kKeys[] = "dev:4242424242424242424242424242424242424242424242424242424242424242";
constexpr char kChain[] = "depinfer-load";

shield::AccountSigner Account(std::uint32_t i) {
  std::array<std::uint8_t, 32> seed{};
  for (int k = 0; k < 4; ++k) seed[k] = static_cast<std::uint8_t>(i >> (8 * k));
  seed[31] = 0x5a;
  return shield::AccountSigner(seed);
}

std::string Arg(int argc, char** argv, const char* name, const char* def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return argv[i + 1];
  }
  return def;
}

// CPU seconds (user + system) the process has used so far.
double CpuSeconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  const std::size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double user = 0, sys = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) user = std::stod(field);
    if (i == 15) sys = std::stod(field);
  }
  return (user + sys) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// sum / count of a Prometheus summary or histogram in the node's /metrics text.
double MeanOf(const std::string& metrics, const std::string& name, double* count_out = nullptr) {
  auto value = [&](const std::string& key) {
    const std::size_t at = metrics.find("\n" + key + " ");
    return at == std::string::npos ? 0.0 : std::stod(metrics.substr(at + key.size() + 2));
  };
  const double sum = value(name + "_sum"), count = value(name + "_count");
  if (count_out) *count_out = count;
  return count > 0 ? sum / count : 0.0;
}

long PeakRssKb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

constexpr char kUsage[] =
    "usage: node_load [--txs N] [--clients C] [--rate R] [--runs K] [--dir DIR]\n"
    "  --txs N      shielded deposits to submit (proven once, cached in DIR/deposits.bin; default 2000)\n"
    "  --clients C  concurrent HTTP clients (default 32)\n"
    "  --rate R     offered load in tx/s over all clients; 0 = as fast as they go (default 0)\n"
    "  --runs K     fresh nodes to run the load against, one after another (default 3)\n"
    "  --dir DIR    working folder (default build/bench-node)\n";

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if ((a != "--txs" && a != "--clients" && a != "--rate" && a != "--runs" && a != "--dir") || i + 1 >= argc) {
      std::fprintf(stderr, "node_load: bad argument %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  const int n = std::stoi(Arg(argc, argv, "--txs", "2000"));
  const int clients = std::stoi(Arg(argc, argv, "--clients", "32"));
  const double rate = std::stod(Arg(argc, argv, "--rate", "0"));
  const int runs = std::stoi(Arg(argc, argv, "--runs", "3"));
  // Absolute: the node resolves the paths in its config file against the file's own folder.
  const std::string work = std::filesystem::absolute(Arg(argc, argv, "--dir", "build/bench-node")).string();
  std::filesystem::create_directories(work);

  std::unique_ptr<shield::JoinSplitKeys> keys;
  if (!app::LoadProvingKeys(kKeys, &keys).ok()) return 1;
  // Genesis: n funded accounts, a root window wide enough that the empty tree's root (which
  // every cached deposit names) stays valid for the whole run.
  ledger::Genesis g;
  g.chain_id = kChain;
  g.vk_hash = ledger::VerifyingKeyHash(keys->verifying_key());
  g.fee_account = shield::AccountKey{7};
  g.root_window = ledger::kMaxRootWindow;
  for (int i = 0; i < n; ++i) g.allocations.push_back({Account(static_cast<std::uint32_t>(i)).account(), Fr::Zero(), 1000});
  if (!app::WriteFileAtomic(work + "/genesis.json", g.ToJson()).ok()) return 1;
  if (!app::WriteFileAtomic(work + "/vk.json", snark::formats::WriteVerificationKeyJson(
                                                  snark::groth16::ToSnarkjs(keys->verifying_key()))).ok()) {
    return 1;
  }

  // The transactions, proven once and cached.
  const std::string cache = work + "/deposits.bin";  // deposit i is from account i: any prefix is valid
  std::vector<ledger::Tx> txs;
  {
    std::ifstream in(cache, std::ios::binary);
    std::uint32_t len;
    std::uintmax_t good = 0;
    while (in.read(reinterpret_cast<char*>(&len), 4) && len < (1u << 20)) {
      std::vector<std::uint8_t> b(len);
      if (!in.read(reinterpret_cast<char*>(b.data()), len)) break;
      ledger::Tx tx;
      if (!ledger::DecodeTx(b, &tx).ok()) break;
      txs.push_back(std::move(tx));
      good += 4 + len;
    }
    in.close();
    // A run killed while writing leaves a partial record: cut it off.
    if (std::filesystem::exists(cache)) std::filesystem::resize_file(cache, good);
  }
  if (static_cast<int>(txs.size()) > n) txs.resize(static_cast<std::size_t>(n));
  if (static_cast<int>(txs.size()) < n) {
    // Resumes a partial cache: each proven transaction is appended as soon as it exists.
    const shield::TransactionBuilder builder(*keys, kChain);
    std::array<std::uint8_t, shield::kSeedBytes> seed{};
    seed.fill(3);
    const shield::SpendingKey to = shield::SpendingKey::FromSeed(seed);
    const Fr empty_root = shield::Frontier().Root();
    std::ofstream out(cache, std::ios::binary | std::ios::app);
    const auto t0 = Clock::now();
    const int first = static_cast<int>(txs.size());
    for (int i = first; i < n; ++i) {
      shield::BuiltTransaction b;
      const Status st = builder.Deposit(Account(static_cast<std::uint32_t>(i)), 0, to.address(), Fr::Zero(),
                                        1000, 1, empty_root, {}, &b);
      if (!st.ok()) {
        std::fprintf(stderr, "prove: %s\n", st.ToString().c_str());
        return 1;
      }
      txs.push_back(ledger::Tx::Shielded(b.tx));
      const auto bytes = ledger::EncodeTx(txs.back());
      const std::uint32_t len = static_cast<std::uint32_t>(bytes.size());
      out.write(reinterpret_cast<const char*>(&len), 4);
      out.write(reinterpret_cast<const char*>(bytes.data()), len);
      out.flush();
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      std::fprintf(stderr, "\rproving %d/%d (%.0f s, %.0f s left)   ", i + 1, n, s,
                   s / (i + 1 - first) * (n - i - 1));
    }
    std::fprintf(stderr, "\n");
  }

  std::printf("| run | txs | clients | offered tx/s | applied tx/s | p50 ms | p99 ms | node peak RSS MB |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (int run = 0; run < runs; ++run) {
    std::filesystem::remove_all(work + "/state");
    app::NodeConfig c;
    c.data_dir = work + "/state";
    c.genesis = work + "/genesis.json";
    c.verifying_key = work + "/vk.json";
    c.api_port = 20000 + static_cast<int>(getpid() % 20000);
    if (!app::WriteFileAtomic(work + "/node.toml", c.ToToml()).ok()) return 1;
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string port = std::to_string(c.api_port);
      const std::string cfg = work + "/node.toml";
      execl(DEPINFERD_BIN, DEPINFERD_BIN, "--config", cfg.c_str(), "--port", port.c_str(), nullptr);
      _exit(127);
    }
    const std::string url = "http://127.0.0.1:" + std::to_string(c.api_port);
    std::unique_ptr<api::NodeClient> probe;
    api::NodeClient::Connect(url, &probe);
    bool up = false;
    for (int i = 0; i < 400 && !up; ++i) {
      api::NodeState s;
      up = probe->State(&s).ok();
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!up) {
      std::fprintf(stderr, "node_load: depinferd did not answer on %s within 10 s\n", url.c_str());
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return 1;
    }
    std::vector<double> latency(txs.size(), -1);
    std::atomic<int> next{0}, failed{0};
    const double node_cpu_before = CpuSeconds(pid), load_cpu_before = CpuSeconds(getpid());
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int k = 0; k < clients; ++k) {
      threads.emplace_back([&] {
        std::unique_ptr<api::NodeClient> cl;
        api::NodeClient::Connect(url, &cl);
        for (int i; (i = next.fetch_add(1)) < static_cast<int>(txs.size());) {
          if (rate > 0) std::this_thread::sleep_until(start + std::chrono::duration<double>(i / rate));
          const auto t = Clock::now();
          api::TxStatus st;
          if (!cl->Submit(txs[i], 10'000, &st).ok() || st.status != "final" || !st.applied) {
            failed.fetch_add(1);
            continue;
          }
          latency[i] = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
        }
      });
    }
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const long rss = PeakRssKb(pid);
    const double node_cpu = CpuSeconds(pid) - node_cpu_before;
    const double load_cpu = CpuSeconds(getpid()) - load_cpu_before;
    int code = 0;
    std::string metrics;
    probe->Request("GET", "/metrics", "", "", &code, &metrics);
    metrics.insert(0, "\n");
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    std::vector<double> ok;
    for (double l : latency) {
      if (l >= 0) ok.push_back(l);
    }
    std::sort(ok.begin(), ok.end());
    auto pct = [&](double q) { return ok.empty() ? 0.0 : ok[std::min(ok.size() - 1, static_cast<std::size_t>(q * ok.size()))]; };
    std::printf("| %d | %zu | %d | %s | %.0f | %.1f | %.1f | %.0f |\n", run + 1, ok.size(), clients,
                rate > 0 ? std::to_string(static_cast<int>(rate)).c_str() : "max",
                static_cast<double>(ok.size()) / secs, pct(0.5), pct(0.99), static_cast<double>(rss) / 1024);
    double batches = 0, blocks = 0;
    const double verify_ms = 1e3 * MeanOf(metrics, "depinfer_verify_batch_seconds", &batches);
    const double apply_ms = 1e3 * MeanOf(metrics, "depinfer_apply_block_seconds", &blocks);
    const double block_txs = MeanOf(metrics, "depinfer_block_txs");
    std::fprintf(stderr,
                 "run %d: node CPU %.3f ms/tx (%.2f cores busy), load generator %.3f ms/tx; %.0f admission "
                 "batches, %.1f ms each (%.1f txs); %.0f blocks, %.1f txs, applied in %.1f ms each\n",
                 run + 1, 1e3 * node_cpu / static_cast<double>(std::max<std::size_t>(ok.size(), 1)),
                 node_cpu / secs, 1e3 * load_cpu / static_cast<double>(std::max<std::size_t>(ok.size(), 1)), batches, verify_ms, batches > 0 ? static_cast<double>(ok.size()) / batches : 0.0,
                 blocks, block_txs, apply_ms);
    std::fflush(stdout);
    if (failed > 0) std::fprintf(stderr, "run %d: %d transactions not final and applied\n", run + 1, failed.load());
  }
  return 0;
}

}  // namespace
}  // namespace depinfer

int main(int argc, char** argv) { return depinfer::Main(argc, argv); }
