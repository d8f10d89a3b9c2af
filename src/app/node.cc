#include "app/node.h"

// cpptoml (Debian's libcpptoml-dev) trips GCC 12's -Wmaybe-uninitialized inside its own
// option<T> when inlined at -O2 with the sanitizers; the warning is in the library's header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <cpptoml.h>
#pragma GCC diagnostic pop

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/node_api.h"
#include "snark/formats/snarkjs_json.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer::app {

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig;
}

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  *out = s.str();
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::IOError("cannot write " + tmp);
    f << data;
    f.flush();
    if (!f) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot move " + tmp + " to " + path + ": " + ec.message());
  return Status::Ok();
}

Status LoadVerifyingKey(const std::string& path, snark::groth16::VerifyingKey* out) {
  std::string text;
  DEPINFER_RETURN_IF_ERROR(ReadFile(path, &text));
  snark::formats::SnarkjsVerificationKey vk;
  DEPINFER_RETURN_IF_ERROR(snark::formats::ParseVerificationKeyJson(text, &vk).WithContext(path));
  *out = snark::groth16::FromSnarkjs(vk);
  return Status::Ok();
}

// ---- config --------------------------------------------------------------------------------

Status NodeConfig::Load(const std::string& path, NodeConfig* out) {
  std::shared_ptr<cpptoml::table> root;
  try {
    root = cpptoml::parse_file(path);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
  NodeConfig c;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  auto rel = [&](const std::string& p) {
    return std::filesystem::path(p).is_absolute() || dir.empty() ? p : (std::filesystem::path(dir) / p).string();
  };
  for (const auto& [section, value] : *root) {
    if (!value->is_table()) return Status::InvalidArgument(path + ": unexpected top-level key " + section);
    const auto t = value->as_table();
    for (const auto& [key, v] : *t) {
      const std::string k = section + "." + key;
      auto str = [&](std::string* dst) -> Status {
        auto s = t->get_as<std::string>(key);
        if (!s) return Status::InvalidArgument(path + ": " + k + " must be a string");
        *dst = *s;
        return Status::Ok();
      };
      auto num = [&](auto* dst, std::int64_t lo, std::int64_t hi) -> Status {
        auto n = t->get_as<std::int64_t>(key);
        if (!n || *n < lo || *n > hi) {
          return Status::InvalidArgument(path + ": " + k + " must be an integer in [" +
                                         std::to_string(lo) + ", " + std::to_string(hi) + "]");
        }
        *dst = static_cast<std::remove_pointer_t<decltype(dst)>>(*n);
        return Status::Ok();
      };
      Status st;
      if (k == "node.data_dir") st = str(&c.data_dir);
      else if (k == "node.genesis") st = str(&c.genesis);
      else if (k == "node.verifying_key") st = str(&c.verifying_key);
      else if (k == "node.mode") st = str(&c.mode);
      else if (k == "node.sync_writes") {
        auto b = t->get_as<bool>(key);
        if (!b) st = Status::InvalidArgument(path + ": node.sync_writes must be true or false");
        else c.sync_writes = *b;
      }
      else if (k == "api.bind") st = str(&c.api_bind);
      else if (k == "api.port") st = num(&c.api_port, 0, 65535);
      else if (k == "api.admin_token") st = str(&c.admin_token);
      else if (k == "api.max_body_bytes") st = num(&c.max_body_bytes, 1024, 64 << 20);
      else if (k == "api.rate_per_second") {
        auto n = t->get_as<double>(key);
        if (!n || *n < 0) st = Status::InvalidArgument(path + ": api.rate_per_second must be a number >= 0");
        else c.rate_per_second = *n;
      }
      else if (k == "embedded.max_block_txs") st = num(&c.max_block_txs, 1, 100000);
      else if (k == "embedded.max_block_delay_us") st = num(&c.max_block_delay_us, 100, 10'000'000);
      else st = Status::InvalidArgument(path + ": unknown setting " + k);
      DEPINFER_RETURN_IF_ERROR(st);
    }
  }
  if (c.mode != "embedded") {
    return Status::InvalidArgument(path + ": node.mode \"" + c.mode +
                                   "\" is not served by depinferd's embedded runner; use \"embedded\" "
                                   "(CometBFT validators: see docs/consensus.md)");
  }
  c.data_dir = rel(c.data_dir);
  c.genesis = rel(c.genesis);
  c.verifying_key = rel(c.verifying_key);
  *out = c;
  return Status::Ok();
}

std::string NodeConfig::ToToml() const {
  std::ostringstream s;
  s << "# depinferd configuration (relative paths are relative to this file)\n"
    << "[node]\n"
    << "data_dir = \"" << data_dir << "\"          # RocksDB state\n"
    << "genesis = \"" << genesis << "\"\n"
    << "verifying_key = \"" << verifying_key << "\"   # snarkjs JSON of the join-split key\n"
    << "mode = \"" << mode << "\"                  # one node orders its own blocks\n"
    << "sync_writes = " << (sync_writes ? "true" : "false") << "              # fsync every block\n\n"
    << "[api]\n"
    << "bind = \"" << api_bind << "\"\n"
    << "port = " << api_port << "\n"
    << "admin_token = \"" << admin_token << "\"       # empty: admin endpoints refused\n"
    << "max_body_bytes = " << max_body_bytes << "\n"
    << "rate_per_second = " << rate_per_second << "          # per client; 0 = unlimited\n\n"
    << "[embedded]\n"
    << "max_block_txs = " << max_block_txs << "\n"
    << "max_block_delay_us = " << max_block_delay_us << "\n";
  return s.str();
}

// ---- node ----------------------------------------------------------------------------------

Status Node::Start(const NodeConfig& config, std::unique_ptr<Node>* out) {
  std::unique_ptr<Node> n(new Node());
  n->config_ = config;
  ledger::Genesis genesis;
  DEPINFER_RETURN_IF_ERROR(ledger::LoadGenesisFile(config.genesis, &genesis));
  DEPINFER_RETURN_IF_ERROR(LoadVerifyingKey(config.verifying_key, &n->vk_));
  ledger::LedgerOptions lo;
  lo.sync = config.sync_writes;
  DEPINFER_RETURN_IF_ERROR(ledger::Ledger::Open(config.data_dir, genesis, n->vk_, lo, &n->ledger_));
  n->node_metrics_ = std::make_unique<consensus::NodeMetrics>(&n->metrics_);
  n->node_metrics_->height->Set(static_cast<double>(n->ledger_->height()));
  consensus::EmbeddedConsensus::Options eo;
  eo.max_block_txs = config.max_block_txs;
  eo.max_block_delay = std::chrono::microseconds(config.max_block_delay_us);
  n->consensus_ = std::make_unique<consensus::EmbeddedConsensus>(*n->ledger_, n->node_metrics_.get(), eo);
  api::HttpServer::Options so;
  so.bind = config.api_bind;
  so.port = static_cast<std::uint16_t>(config.api_port);
  so.admin_token = config.admin_token;
  so.max_body_bytes = config.max_body_bytes;
  so.rate_per_second = config.rate_per_second;
  so.rate_burst = config.rate_per_second * 2;
  n->server_ = std::make_unique<api::HttpServer>(so);
  Node* self = n.get();
  api::RegisterNodeApi(n->server_.get(), n->ledger_.get(), n->consensus_.get(), &n->metrics_, {},
                       [self] { self->RequestStop(); });
  DEPINFER_RETURN_IF_ERROR(n->consensus_->Start());
  DEPINFER_RETURN_IF_ERROR(n->server_->Start());
  *out = std::move(n);
  return Status::Ok();
}

void Node::RequestStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_requested_ = true;
  cv_.notify_all();
}

void Node::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stop_requested_; });
}

void Node::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stop_requested_ = true;
    cv_.notify_all();
  }
  if (server_) server_->Stop();
  if (consensus_) consensus_->Stop();
  ledger_.reset();
}

Node::~Node() { Stop(); }

}  // namespace depinfer::app
