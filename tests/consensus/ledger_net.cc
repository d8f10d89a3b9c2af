#include "ledger_net.h"

#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "shield/account.h"
#include "shield/builder.h"
#include "shield/wallet.h"

namespace depinfer::consensus::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ledger::Fr;

const shield::JoinSplitKeys& FixtureKeys() {
  static const std::unique_ptr<shield::JoinSplitKeys> keys = [] {
    std::uint8_t seed[32] = {42, 7};
    std::unique_ptr<shield::JoinSplitKeys> k;
    if (!shield::JoinSplitKeys::DevSetup(&k, seed).ok()) std::abort();
    return k;
  }();
  return *keys;
}

std::string Encoded(const ledger::Tx& tx) {
  const std::vector<std::uint8_t> b = ledger::EncodeTx(tx);
  return std::string(b.begin(), b.end());
}

std::string HexId(const ledger::TxId& id) { return ledger::Hex(id); }

namespace {

std::unique_ptr<shield::AccountSigner> Funder(std::uint32_t i) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = 0xc7;
  seed[1] = static_cast<std::uint8_t>(i >> 24);
  seed[2] = static_cast<std::uint8_t>(i >> 16);
  seed[3] = static_cast<std::uint8_t>(i >> 8);
  seed[4] = static_cast<std::uint8_t>(i);
  return std::make_unique<shield::AccountSigner>(seed);
}

bool FromHex(const std::string& hex, std::string* out) {
  if (hex.size() % 2) return false;
  out->clear();
  auto nib = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string ToHex(const std::string& s) {
  return ledger::Hex({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

Status DecodeHexTx(const json& j, ledger::Tx* out) {
  std::string bytes;
  if (!j.is_string() || !FromHex(j.get<std::string>(), &bytes)) {
    return Status::Corruption("fixture: bad hex");
  }
  return ledger::DecodeTx({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, out);
}

// Builds (and proves) one transaction. No retry: a proof that fails its self-check is a bug.
template <class F>
Status Proved(F&& build) {
  return build();
}

Status LoadFixture(const std::string& cache, std::size_t load_txs, ChainFixture* out) {
  std::ifstream in(cache);
  if (!in) return Status::NotFound(cache);
  std::stringstream ss;
  ss << in.rdbuf();
  const json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || j.value("version", 0) != 1) return Status::Corruption("fixture: version");
  if (j["load"].size() < load_txs) return Status::NotFound("fixture: too few load txs");
  ChainFixture fx;
  DEPINFER_RETURN_IF_ERROR(ledger::ParseGenesis(j["genesis"].get<std::string>(), &fx.genesis));
  if (fx.genesis.vk_hash != ledger::VerifyingKeyHash(FixtureKeys().verifying_key())) {
    return Status::Corruption("fixture: another key");
  }
  DEPINFER_RETURN_IF_ERROR(DecodeHexTx(j["setup"], &fx.setup));
  DEPINFER_RETURN_IF_ERROR(DecodeHexTx(j["pay_a"], &fx.pay_a));
  DEPINFER_RETURN_IF_ERROR(DecodeHexTx(j["pay_b"], &fx.pay_b));
  for (const json& t : j["load"]) {
    fx.load.emplace_back();
    DEPINFER_RETURN_IF_ERROR(DecodeHexTx(t, &fx.load.back()));
  }
  *out = std::move(fx);
  return Status::Ok();
}

}  // namespace

Status LoadOrMakeFixture(const std::string& cache, std::size_t load_txs, ChainFixture* out) {
  if (LoadFixture(cache, load_txs, out).ok()) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  const shield::JoinSplitKeys& keys = FixtureKeys();
  ChainFixture fx;
  fx.genesis.chain_id = kLedgerChain;
  fx.genesis.vk_hash = ledger::VerifyingKeyHash(keys.verifying_key());
  fx.genesis.fee_account.fill(0xfe);
  fx.genesis.root_window = ledger::kMaxRootWindow;
  for (std::uint32_t i = 0; i <= load_txs; ++i) {
    fx.genesis.allocations.push_back({Funder(i)->account(), Fr::Zero(), 1'000'000});
  }
  // Per process: two processes making the fixture at once must not share (or delete) a scratch.
  const std::string scratch = cache + ".scratch." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch);
  std::unique_ptr<ledger::Ledger> l;
  ledger::LedgerOptions lo;
  lo.sync = false;
  DEPINFER_RETURN_IF_ERROR(ledger::Ledger::Open(scratch + "/ledger", fx.genesis, keys.verifying_key(), lo, &l));
  const Fr genesis_root = l->merkle_root();

  std::array<std::uint8_t, shield::kSeedBytes> seed{};
  seed.fill(31);
  std::unique_ptr<shield::Wallet> alice, bob;
  DEPINFER_RETURN_IF_ERROR(shield::Wallet::Create(scratch + "/alice.db", "pw", seed, shield::Network::kTest,
                                                  shield::KdfStrength::kTestOnly, &alice));
  seed.fill(32);
  DEPINFER_RETURN_IF_ERROR(shield::Wallet::Create(scratch + "/bob.db", "pw", seed, shield::Network::kTest,
                                                  shield::KdfStrength::kTestOnly, &bob));
  shield::TransactionBuilder builder(keys, kLedgerChain);
  shield::BuiltTransaction d;
  auto f0 = Funder(0);
  DEPINFER_RETURN_IF_ERROR(Proved([&] {
    return builder.Deposit(*f0, 0, alice->address(), Fr::Zero(), 1000, 1, genesis_root, {}, &d);
  }));
  fx.setup = ledger::Tx::Shielded(d.tx);
  ledger::BlockResult r;
  DEPINFER_RETURN_IF_ERROR(l->ApplyBlock(1, std::vector<ledger::Tx>{fx.setup}, &r));
  if (!r.outcomes[0].applied()) return Status::Corruption("fixture: setup deposit rejected");
  std::vector<shield::OutputRecord> outs;
  DEPINFER_RETURN_IF_ERROR(l->GetOutputs(0, 100, &outs));
  DEPINFER_RETURN_IF_ERROR(alice->Sync(outs));
  shield::BuiltTransaction pa, pb;
  DEPINFER_RETURN_IF_ERROR(Proved([&] { return alice->Send(builder, bob->address(), Fr::Zero(), 300, 2, {}, &pa); }));
  DEPINFER_RETURN_IF_ERROR(alice->Abandon(pa));
  DEPINFER_RETURN_IF_ERROR(Proved([&] { return alice->Send(builder, bob->address(), Fr::Zero(), 200, 1, {}, &pb); }));
  fx.pay_a = ledger::Tx::Shielded(pa.tx);
  fx.pay_b = ledger::Tx::Shielded(pb.tx);
  const shield::Address to = bob->address();

  // Independent deposits, proved on two threads.
  fx.load.resize(load_txs);
  std::atomic<std::size_t> next{0};
  std::mutex err_mu;
  Status err;
  auto work = [&] {
    shield::TransactionBuilder b(keys, kLedgerChain);
    for (std::size_t i; (i = next.fetch_add(1)) < load_txs;) {
      auto signer = Funder(static_cast<std::uint32_t>(i + 1));
      shield::BuiltTransaction t;
      const Status st = Proved([&] { return b.Deposit(*signer, 0, to, Fr::Zero(), 100, 1, genesis_root, {}, &t); });
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(err_mu);
        err = st;
        return;
      }
      fx.load[i] = ledger::Tx::Shielded(t.tx);
      if ((i + 1) % 100 == 0) std::fprintf(stderr, "fixture: %zu/%zu deposits proved\n", i + 1, load_txs);
    }
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  DEPINFER_RETURN_IF_ERROR(err);
  l.reset();
  fs::remove_all(scratch, ec);

  json j;
  j["version"] = 1;
  j["genesis"] = fx.genesis.ToJson();
  j["setup"] = ToHex(Encoded(fx.setup));
  j["pay_a"] = ToHex(Encoded(fx.pay_a));
  j["pay_b"] = ToHex(Encoded(fx.pay_b));
  j["load"] = json::array();
  for (const ledger::Tx& t : fx.load) j["load"].push_back(ToHex(Encoded(t)));
  {
    std::ofstream o(scratch + ".json", std::ios::trunc);
    o << j.dump();
    if (!o) return Status::IOError("cannot write " + scratch + ".json");
  }
  fs::rename(scratch + ".json", cache, ec);
  if (ec) return Status::IOError("rename " + cache + ": " + ec.message());
  std::fprintf(stderr, "fixture: %zu transactions proved in %.1f s, cached in %s\n", load_txs + 3,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
               cache.c_str());
  *out = std::move(fx);
  return Status::Ok();
}

// ---- Layout ---------------------------------------------------------------------------------

namespace {
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
}  // namespace

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

Status LayoutLedgerTestnet(const std::string& cometbft, const std::string& dir, int n,
                           const ChainFixture& fx, const NetTimeouts& t,
                           std::vector<TestnetNode>* nodes) {
  TestnetOptions o;
  o.cometbft = cometbft;
  o.dir = dir;
  o.validators = n;
  o.base_port = FreeBasePort(n);
  if (o.base_port < 0) return Status::Unavailable("no free ports");
  o.timeout_propose = t.propose;
  o.timeout_prevote = t.prevote;
  o.timeout_precommit = t.precommit;
  o.timeout_commit = t.commit;
  DEPINFER_RETURN_IF_ERROR(LayoutTestnet(o, nodes));
  return PatchGenesis(*nodes, fx.genesis.chain_id, fx.genesis.ToJson());
}

// ---- LedgerNode -----------------------------------------------------------------------------

Status LedgerNode::Start(const std::string& cometbft, const ChainFixture& fx,
                         LedgerApp::Options options, bool sync) {
  if (running_) return Status::InvalidArgument("already running");
  ledger::LedgerOptions lo;
  lo.sync = sync;
  DEPINFER_RETURN_IF_ERROR(ledger::Ledger::Open(dir_, fx.genesis, FixtureKeys().verifying_key(), lo, &ledger_));
  const std::string name = "node" + std::to_string(net_.index);
  if (!options.log) {
    options.log = [name](const std::string& line) {
      std::fprintf(stderr, "[%s] %s\n", name.c_str(), line.c_str());
    };
  }
  app_ = std::make_unique<LedgerApp>(*ledger_, std::move(options));
  registry_ = std::make_unique<MetricsRegistry>();
  metrics_ = std::make_unique<NodeMetrics>(registry_.get());
  CometbftConsensus::Options co;
  co.rpc_host = rpc_host_;
  co.rpc_port = net_.rpc_port;
  consensus_ = std::make_unique<CometbftConsensus>(*ledger_, metrics_.get(), app_.get(), co);
  AbciServerOptions so;
  so.address = proxy_override_.empty() ? net_.proxy_app() : proxy_override_;
  so.log = [name](std::string_view line) {
    std::fprintf(stderr, "abci[%s]: %.*s\n", name.c_str(), static_cast<int>(line.size()), line.data());
  };
  DEPINFER_RETURN_IF_ERROR(AbciServer::Start(app_.get(), so, &server_));
  process_ = std::make_unique<ChildProcess>();
  if (prefix_.empty()) {
    DEPINFER_RETURN_IF_ERROR(StartCometbft(cometbft, net_.home, process_.get()));
  } else {
    std::vector<std::string> argv = prefix_;
    argv.push_back(cometbft);
    argv.push_back("start");
    argv.push_back("--home");
    argv.push_back(net_.home);
    DEPINFER_RETURN_IF_ERROR(process_->Start(argv, net_.home + "/cometbft.log"));
  }
  rpc_ = std::make_unique<RpcClient>(rpc_host_, net_.rpc_port, std::chrono::seconds(5));
  running_ = true;
  return Status::Ok();
}

Status LedgerNode::StartExternal(const std::string& self_exe, const std::string& cometbft,
                                 const std::string& fixture_cache) {
  if (running_) return Status::InvalidArgument("already running");
  process_ = std::make_unique<ChildProcess>();
  DEPINFER_RETURN_IF_ERROR(process_->Start(
      {self_exe, "--ledger-node", cometbft, net_.home, dir_, fixture_cache, std::to_string(net_.abci_port)},
      net_.home + "/node.log"));
  rpc_ = std::make_unique<RpcClient>("127.0.0.1", net_.rpc_port, std::chrono::seconds(5));
  running_ = true;
  return Status::Ok();
}

void LedgerNode::Kill() {
  if (process_) {
    process_->Signal(SIGKILL);
    process_->Stop(0);
    process_.reset();
  }
  if (server_) server_->Stop();
  server_.reset();
  if (consensus_) consensus_->Stop();
  consensus_.reset();
  app_.reset();
  ledger_.reset();
  metrics_.reset();
  registry_.reset();
  running_ = false;
}

std::int64_t LedgerNode::CometHeight() {
  if (!rpc_) return -1;
  json r;
  if (!rpc_->Call("status", json::object(), &r).ok() || !r.contains("result")) return -1;
  try {
    return std::stoll(r["result"]["sync_info"]["latest_block_height"].get<std::string>());
  } catch (...) {
    return -1;
  }
}

namespace {
// abci_query of `path`; the decoded value, or false.
bool AbciQuery(RpcClient& rpc, const std::string& path, std::string* value, int* code) {
  json r;
  if (!rpc.Call("abci_query", json{{"path", path}, {"data", ""}}, &r).ok() || !r.contains("result")) {
    return false;
  }
  const json& resp = r["result"]["response"];
  *code = resp.contains("code") && resp["code"].is_number() ? resp["code"].get<int>() : 0;
  value->clear();
  const std::string b64 = resp.contains("value") && resp["value"].is_string() ? resp["value"].get<std::string>() : "";
  value->resize(b64.size());
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(value->data()), value->size(), b64.data(),
                        b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  value->resize(len);
  return true;
}
}  // namespace

std::int64_t LedgerNode::QueryHeight() {
  std::string v;
  int code = 0;
  if (!rpc_ || !AbciQuery(*rpc_, "/height", &v, &code) || code != 0 || v.empty()) return -1;
  return std::stoll(v);
}

std::string LedgerNode::QueryStateRoot() {
  std::string v;
  int code = 0;
  if (!rpc_ || !AbciQuery(*rpc_, "/state_root", &v, &code) || code != 0) return "";
  return v;
}

std::string LedgerNode::QueryRoot(std::uint64_t height) {
  std::string v;
  int code = 0;
  if (!rpc_ || !AbciQuery(*rpc_, "/root/" + std::to_string(height), &v, &code) || code != 0) return "";
  return v;
}

int LedgerNode::QueryTxCode(const ledger::TxId& id, std::uint64_t* height) {
  std::string v;
  int code = 0;
  if (!rpc_ || !AbciQuery(*rpc_, "/tx/" + HexId(id), &v, &code)) return -2;
  if (code != 0) return -1;
  const json j = json::parse(v, nullptr, false);
  if (j.is_discarded()) return -2;
  if (height) *height = j["height"].get<std::uint64_t>();
  return j["code"].get<int>();
}

// ---- The node process -----------------------------------------------------------------------

int RunLedgerNode(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s --ledger-node COMETBFT HOME LEDGER_DIR FIXTURE_CACHE ABCI_PORT\n", argv[0]);
    return 2;
  }
  const std::string cometbft = argv[2], home = argv[3], dir = argv[4], cache = argv[5];
  const int abci_port = std::atoi(argv[6]);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts
  ChainFixture fx;
  Status st = LoadOrMakeFixture(cache, 0, &fx);
  if (!st.ok()) {
    std::fprintf(stderr, "ledger-node: fixture: %s\n", st.ToString().c_str());
    return 1;
  }
  std::unique_ptr<ledger::Ledger> ledger;
  st = ledger::Ledger::Open(dir, fx.genesis, FixtureKeys().verifying_key(), ledger::LedgerOptions{}, &ledger);
  if (!st.ok()) {
    std::fprintf(stderr, "ledger-node: open: %s\n", st.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "ledger-node: ledger at height %llu\n", static_cast<unsigned long long>(ledger->height()));
  LedgerApp app(*ledger);
  AbciServerOptions so;
  so.address = "tcp://127.0.0.1:" + std::to_string(abci_port);
  std::unique_ptr<AbciServer> server;
  st = AbciServer::Start(&app, so, &server);
  if (!st.ok()) {
    std::fprintf(stderr, "ledger-node: server: %s\n", st.ToString().c_str());
    return 1;
  }
  ChildProcess node;
  st = StartCometbft(cometbft, home, &node);
  if (!st.ok()) {
    std::fprintf(stderr, "ledger-node: cometbft: %s\n", st.ToString().c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  node.Stop();
  server->Stop();
  return 0;
}

}  // namespace depinfer::consensus::testing
