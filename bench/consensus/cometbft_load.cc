// Load over CometBFT: pre-proven shielded deposits submitted by concurrent clients over HTTP
// to the four validators' node API (POST /v1/tx?wait=..., the API depinferd serves: stateless
// checks, then broadcast_tx_sync to the local cometbft RPC, and the answer when the transaction
// is final); reports sustained applied tx/s, submit-to-final p50/p99, the CometBFT timeouts
// used and each node's memory at the end. All four validators (cometbft processes and
// LedgerApps with their HTTP servers) run on this machine; client c talks to validator c % 4.
//
//   cometbft_load [--txs N] [--clients C] [--propose D] [--prevote D] [--precommit D]
//                 [--commit D] [--nosync] [--direct] [--cache PATH] [--keep]
//
// --direct submits in-process through each validator's CometbftConsensus instead of HTTP.
//
// --keep leaves the validators' folders (CometBFT logs in <home>/cometbft.log) and prints where.
//
// The transactions are proved once (about 1-2 s each on two cores) and cached in
// PATH (default: next to the binary, cometbft_load_<N>.json); later runs start at once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include <time.h>

#include "api/http_server.h"
#include "api/node_api.h"
#include "api/node_client.h"
#include "ledger_net.h"

using namespace depinfer;
using namespace depinfer::consensus;
using namespace depinfer::consensus::testing;
using Clock = std::chrono::steady_clock;

// VmRSS and VmHWM of /proc/PID/status, in KiB (0 when unreadable).
struct ProcMemory {
  double rss_kb = 0, peak_kb = 0;
};
static ProcMemory ReadProcMemory(const std::string& status_path) {
  ProcMemory m;
  std::FILE* f = std::fopen(status_path.c_str(), "r");
  if (f == nullptr) return m;
  char line[256];
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    double kb = 0;
    if (std::sscanf(line, "VmRSS: %lf kB", &kb) == 1) m.rss_kb = kb;
    if (std::sscanf(line, "VmHWM: %lf kB", &kb) == 1) m.peak_kb = kb;
  }
  std::fclose(f);
  return m;
}

static double MonotonicSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int main(int argc, char** argv) {
  std::size_t txs = 400, clients = 16;
  NetTimeouts t;
  bool sync = true, keep = false, direct = false;
  std::string cache;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--help" || a == "-h") {
      std::printf(
          "usage: cometbft_load [--txs N] [--clients C] [--propose D] [--prevote D] [--precommit D]\n"
          "                     [--commit D] [--nosync] [--direct] [--cache PATH] [--keep]\n"
          "Four CometBFT validators on loopback under shielded-deposit load over HTTP (the node\n"
          "API's POST /v1/tx); prints applied tx/s, submit-to-final p50/p99 and the timeouts used\n"
          "(D: CometBFT durations such as 300ms).\n"
          "--direct submits in-process (CometbftConsensus::Submit) instead of over HTTP.\n"
          "--keep leaves the validators' folders (with their CometBFT logs) and prints where.\n");
      return 0;
    }
    if (a == "--txs") txs = std::stoul(next());
    else if (a == "--clients") clients = std::stoul(next());
    else if (a == "--propose") t.propose = next();
    else if (a == "--prevote") t.prevote = next();
    else if (a == "--precommit") t.precommit = next();
    else if (a == "--commit") t.commit = next();
    else if (a == "--nosync") sync = false;
    else if (a == "--keep") keep = true;
    else if (a == "--direct") direct = true;
    else if (a == "--cache") cache = next();
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  const std::string cometbft = FindCometbft();
  if (cometbft.empty()) {
    std::fprintf(stderr, "cometbft not found (scripts/setup.sh, or DEPINFER_COMETBFT)\n");
    return 77;
  }
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (cache.empty()) {
    cache = std::filesystem::path(self).parent_path().string() + "/cometbft_load_" + std::to_string(txs) + ".json";
  }
  ChainFixture fx;
  Status st = LoadOrMakeFixture(cache, txs, &fx);
  if (!st.ok()) {
    std::fprintf(stderr, "fixture: %s\n", st.ToString().c_str());
    return 1;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "depinfer-load-XXXXXX").string();
  const std::string dir = ::mkdtemp(tmpl.data());
  std::vector<TestnetNode> layout;
  st = LayoutLedgerTestnet(cometbft, dir + "/net", 4, fx, t, &layout);
  if (!st.ok()) {
    std::fprintf(stderr, "layout: %s\n", st.ToString().c_str());
    return 1;
  }
  std::vector<std::unique_ptr<LedgerNode>> nodes;
  for (const TestnetNode& n : layout) {
    nodes.push_back(std::make_unique<LedgerNode>(n, n.home + "/ledger"));
    LedgerApp::Options o;
    o.log = [](const std::string&) {};
    st = nodes.back()->Start(cometbft, fx, o, sync);
    if (!st.ok()) {
      std::fprintf(stderr, "start: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  const auto wait0 = Clock::now();
  while (Clock::now() - wait0 < std::chrono::seconds(60)) {
    bool ready = true;
    for (auto& n : nodes) ready = ready && n->ledger()->height() >= 2;
    if (ready) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Each validator's node API, as depinferd serves it (one HTTP server per node; none with
  // --direct).
  std::vector<std::unique_ptr<api::HttpServer>> servers;
  std::vector<std::string> urls;
  for (auto& n : nodes) {
    if (direct) break;
    api::HttpServer::Options so;
    so.max_connections = std::max<std::size_t>(512, clients);
    servers.push_back(std::make_unique<api::HttpServer>(so));
    api::RegisterNodeApi(servers.back().get(), n->ledger(), n->consensus(), n->registry(), {},
                         nullptr);
    st = servers.back()->Start();
    if (!st.ok()) {
      std::fprintf(stderr, "node API: %s\n", st.ToString().c_str());
      return 1;
    }
    urls.push_back("http://127.0.0.1:" + std::to_string(servers.back()->port()));
  }
  const std::uint64_t h0 = nodes[0]->ledger()->height();

  std::vector<LedgerApp::Stats> before;
  std::vector<ledger::Verifier::Stats> vbefore;
  for (auto& n : nodes) {
    before.push_back(n->app()->stats());
    vbefore.push_back(n->ledger()->verifier().stats());
  }
  std::vector<double> latency(txs, -1);
  std::atomic<std::size_t> next{0}, refused{0}, not_final{0}, rejected_in_block{0};
  const auto t0 = Clock::now();
  const double mono0 = MonotonicSeconds();
  std::vector<std::thread> workers;
  for (std::size_t c = 0; c < clients; ++c) {
    workers.emplace_back([&, c] {
      const std::size_t node = c % nodes.size();
      std::unique_ptr<api::NodeClient> http;
      if (!direct && !api::NodeClient::Connect(urls[node], &http).ok()) return;
      for (std::size_t i; (i = next.fetch_add(1)) < txs;) {
        const auto s = Clock::now();
        if (direct) {
          LedgerNode& n = *nodes[node];
          const ledger::Admission a = n.consensus()->Submit(fx.load[i]);
          if (!a.added()) {
            ++refused;
            continue;
          }
          ledger::TxOutcome o;
          if (!n.consensus()->WaitFinal(fx.load[i].Id(), std::chrono::seconds(60), &o)) {
            ++not_final;
            continue;
          }
          if (!o.applied()) ++rejected_in_block;
        } else {
          api::TxStatus ts;
          if (!http->Submit(fx.load[i], 60'000, &ts).ok() || ts.status == "rejected") {
            ++refused;
            continue;
          }
          if (ts.status != "final") {
            ++not_final;
            continue;
          }
          if (!ts.applied) ++rejected_in_block;
        }
        latency[i] = std::chrono::duration<double>(Clock::now() - s).count();
      }
    });
  }
  for (auto& w : workers) w.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double mono1 = MonotonicSeconds();
  const std::uint64_t h1 = nodes[0]->ledger()->height();
  std::vector<double> done;
  for (double l : latency) {
    if (l >= 0) done.push_back(l);
  }
  std::sort(done.begin(), done.end());
  auto pct = [&](double p) {
    return done.empty() ? 0.0 : done[std::min(done.size() - 1, static_cast<std::size_t>(p * done.size()))];
  };
  // Every node must agree at the end.
  bool agree = true;
  const std::uint64_t common = [&] {
    std::uint64_t m = UINT64_MAX;
    for (auto& n : nodes) m = std::min(m, n->ledger()->height());
    return m;
  }();
  ledger::BlockInfo ref, b;
  nodes[0]->ledger()->GetBlock(common, &ref);
  for (auto& n : nodes) agree = agree && n->ledger()->GetBlock(common, &b).ok() && b.state_root == ref.state_root;
  std::printf("cometbft_load: 4 validators on loopback (cometbft + LedgerApp in one process each pair), %u cores;"
              " submitted %s\n",
              std::thread::hardware_concurrency(),
              direct ? "in-process (--direct)" : "over HTTP to the node API, POST /v1/tx?wait");
  std::printf("  timeouts: propose %s, prevote %s, precommit %s, commit %s; ledger sync %s\n", t.propose.c_str(),
              t.prevote.c_str(), t.precommit.c_str(), t.commit.c_str(), sync ? "on" : "off");
  std::printf("  %zu txs, %zu clients: %zu final (applied %zu), %zu refused at submit, %zu not final in 60 s\n",
              txs, clients, done.size(), done.size() - rejected_in_block.load(), refused.load(), not_final.load());
  std::printf("  %.2f s: %.1f applied tx/s sustained; %llu blocks (%.1f tx/block)\n", wall,
              (done.size() - rejected_in_block.load()) / wall, static_cast<unsigned long long>(h1 - h0),
              h1 > h0 ? static_cast<double>(done.size()) / static_cast<double>(h1 - h0) : 0.0);
  std::printf("  submit-to-final: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms\n", pct(0.5) * 1e3,
              pct(0.9) * 1e3, pct(0.99) * 1e3, done.empty() ? 0.0 : done.back() * 1e3);
  // For `perf record -k CLOCK_MONOTONIC -a` + `perf report --time A,B`: the load alone.
  std::printf("  load window, CLOCK_MONOTONIC: %.6f,%.6f\n", mono0, mono1);
  std::printf("  state roots at height %llu: %s\n", static_cast<unsigned long long>(common),
              agree ? "equal on all 4" : "DIFFER");
  std::printf("  per validator over the run (ms of wall time inside the ABCI calls; CheckTx batches):\n");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const LedgerApp::Stats a = nodes[i]->app()->stats(), &z = before[i];
    const double batches = static_cast<double>(a.verify_batches - z.verify_batches);
    const ledger::Verifier::Stats v = nodes[i]->ledger()->verifier().stats();
    std::printf("    node%zu: %llu verified, %llu from the cache; CheckTx %llu in %.0f batches (%.1f a batch),"
                " verify %.0f ms, check %.0f ms; prepare %.0f, process %.0f, finalize %.0f, commit %.0f ms\n",
                i, static_cast<unsigned long long>(v.misses - vbefore[i].misses),
                static_cast<unsigned long long>(v.hits - vbefore[i].hits), static_cast<unsigned long long>(a.verify_batch_txs - z.verify_batch_txs), batches,
                batches > 0 ? static_cast<double>(a.verify_batch_txs - z.verify_batch_txs) / batches : 0.0,
                (a.verify_us - z.verify_us) / 1e3, (a.check_us - z.check_us) / 1e3, (a.prepare_us - z.prepare_us) / 1e3,
                (a.process_us - z.process_us) / 1e3, (a.finalize_us - z.finalize_us) / 1e3,
                (a.commit_us - z.commit_us) / 1e3);
  }
  // Memory at the end of the run: each cometbft process, and this process (the four
  // LedgerApps with their RocksDB instances, the load generator and its pre-proven fixture).
  std::printf("  memory at the end (resident / peak): cometbft");
  for (auto& n : nodes) {
    const ProcMemory m = ReadProcMemory("/proc/" + std::to_string(n->process_id()) + "/status");
    std::printf(" %.0f/%.0f", m.rss_kb / 1024.0, m.peak_kb / 1024.0);
  }
  const ProcMemory own = ReadProcMemory("/proc/self/status");
  std::printf(" MB; the 4 applications + load generator %.0f/%.0f MB\n", own.rss_kb / 1024.0,
              own.peak_kb / 1024.0);
  for (auto& server : servers) server->Stop();
  for (auto& n : nodes) n->Kill();
  if (keep) {
    std::printf("  validators' folders kept in %s\n", dir.c_str());
  } else {
    std::filesystem::remove_all(dir, ec);
  }
  return agree ? 0 : 1;
}
