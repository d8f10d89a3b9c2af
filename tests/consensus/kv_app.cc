#include "kv_app.h"

#include <sodium.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace depinfer::consensus::testing {

namespace {

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool KeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

void PutLen(crypto_generichash_state* st, size_t n) {
  unsigned char le[4];
  for (int i = 0; i < 4; ++i) le[i] = static_cast<unsigned char>(n >> (8 * i));
  crypto_generichash_update(st, le, 4);
}

}  // namespace

KvApp::KvApp(std::string state_path) : state_path_(std::move(state_path)) {
  if (sodium_init() < 0) {
    load_status_ = Status::Unavailable("sodium_init failed");
    return;
  }
  load_status_ = Load();
}

bool KvApp::ValidTx(std::string_view tx) {
  const size_t eq = tx.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq > 64) return false;
  for (size_t i = 0; i < eq; ++i) {
    if (!KeyChar(tx[i])) return false;
  }
  const std::string_view value = tx.substr(eq + 1);
  if (value.size() > 256) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string KvApp::StateHash(const std::map<std::string, std::string>& state) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  for (const auto& [k, v] : state) {
    PutLen(&st, k.size());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(k.data()), k.size());
    PutLen(&st, v.size());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(v.data()), v.size());
  }
  std::string out(32, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), 32);
  return out;
}

// File format (text): "depinfer-kv 1", the height, the app hash in hex, then one "key=value"
// line per entry (valid transactions have no newline).
Status KvApp::Load() {
  if (state_path_.empty() || !std::filesystem::exists(state_path_)) return Status::Ok();
  std::ifstream in(state_path_);
  std::string magic, hash_hex, line;
  int64_t height = 0;
  if (!std::getline(in, magic) || magic != "depinfer-kv 1" || !(in >> height) ||
      !(in >> hash_hex)) {
    return Status::Corruption("bad header in " + state_path_);
  }
  std::getline(in, line);  // end of the hash line
  std::map<std::string, std::string> state;
  while (std::getline(in, line)) {
    if (!ValidTx(line)) return Status::Corruption("bad entry in " + state_path_);
    const size_t eq = line.find('=');
    state[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const std::string hash = height == 0 ? std::string() : StateHash(state);
  if (Hex(hash) != (hash_hex == "-" ? "" : hash_hex)) {
    return Status::Corruption("app hash does not match the state in " + state_path_);
  }
  state_ = std::move(state);
  height_ = height;
  app_hash_ = hash;
  return Status::Ok();
}

Status KvApp::Save() const {
  if (state_path_.empty()) return Status::Ok();
  const std::string tmp = state_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "depinfer-kv 1\n" << height_ << "\n" << (app_hash_.empty() ? "-" : Hex(app_hash_)) << "\n";
    for (const auto& [k, v] : state_) out << k << "=" << v << "\n";
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), state_path_.c_str()) != 0) {
    return Status::IOError("cannot rename " + tmp);
  }
  return Status::Ok();
}

Status KvApp::Info(const abci::RequestInfo&, abci::ResponseInfo* res) {
  std::lock_guard<std::mutex> lock(mu_);
  res->set_data("depinfer-kv");
  res->set_version("1");
  res->set_app_version(1);
  res->set_last_block_height(height_);
  res->set_last_block_app_hash(app_hash_);
  info_height_ = height_;
  ++info_calls_;
  return Status::Ok();
}

Status KvApp::Query(const abci::RequestQuery& req, abci::ResponseQuery* res) {
  std::lock_guard<std::mutex> lock(mu_);
  res->set_key(req.data());
  res->set_height(height_);
  const auto it = state_.find(req.data());
  if (it == state_.end()) {
    res->set_code(1);
    res->set_log("not found");
  } else {
    res->set_value(it->second);
  }
  return Status::Ok();
}

Status KvApp::CheckTxBatch(std::span<const abci::RequestCheckTx> reqs,
                           std::span<abci::ResponseCheckTx> res) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    check_batches_.push_back(reqs.size());
  }
  return AbciApplication::CheckTxBatch(reqs, res);
}

Status KvApp::CheckTx(const abci::RequestCheckTx& req, abci::ResponseCheckTx* res) {
  if (!ValidTx(req.tx())) {
    res->set_code(1);
    res->set_log("malformed transaction: want key=value");
  }
  return Status::Ok();
}

Status KvApp::PrepareProposal(const abci::RequestPrepareProposal& req,
                              abci::ResponsePrepareProposal* res) {
  int64_t total = 0;
  for (const std::string& tx : req.txs()) {
    if (!ValidTx(tx)) continue;
    // Counted as CometBFT counts the block's Data: tag, varint length, bytes.
    int64_t size = 2 + static_cast<int64_t>(tx.size());
    for (size_t v = tx.size(); v >= 0x80; v >>= 7) ++size;
    if (total + size > req.max_tx_bytes()) break;
    total += size;
    res->add_txs(tx);
  }
  return Status::Ok();
}

Status KvApp::ProcessProposal(const abci::RequestProcessProposal& req,
                              abci::ResponseProcessProposal* res) {
  for (const std::string& tx : req.txs()) {
    if (!ValidTx(tx)) {
      res->set_status(abci::ResponseProcessProposal::REJECT);
      return Status::Ok();
    }
  }
  res->set_status(abci::ResponseProcessProposal::ACCEPT);
  return Status::Ok();
}

Status KvApp::FinalizeBlock(const abci::RequestFinalizeBlock& req,
                            abci::ResponseFinalizeBlock* res) {
  std::lock_guard<std::mutex> lock(mu_);
  if (req.height() != height_ + 1) {
    return Status::InvalidArgument("FinalizeBlock at height " + std::to_string(req.height()) +
                                   " after committed height " + std::to_string(height_));
  }
  pending_ = state_;
  for (const std::string& tx : req.txs()) {
    abci::ExecTxResult* r = res->add_tx_results();
    if (!ValidTx(tx)) {
      r->set_code(1);
      r->set_log("malformed transaction");
      continue;
    }
    const size_t eq = tx.find('=');
    pending_[tx.substr(0, eq)] = tx.substr(eq + 1);
  }
  pending_height_ = req.height();
  pending_hash_ = StateHash(pending_);
  res->set_app_hash(pending_hash_);
  return Status::Ok();
}

Status KvApp::Commit(const abci::RequestCommit&, abci::ResponseCommit*) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_height_ != height_ + 1) return Status::InvalidArgument("Commit without FinalizeBlock");
  state_ = std::move(pending_);
  pending_.clear();
  height_ = pending_height_;
  app_hash_ = pending_hash_;
  hashes_[height_] = app_hash_;
  pending_height_ = -1;
  return Save();
}

int64_t KvApp::height() const {
  std::lock_guard<std::mutex> lock(mu_);
  return height_;
}
std::string KvApp::app_hash() const {
  std::lock_guard<std::mutex> lock(mu_);
  return app_hash_;
}
std::map<int64_t, std::string> KvApp::hashes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hashes_;
}
std::string KvApp::Get(const std::string& key, bool* found) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = state_.find(key);
  if (found) *found = it != state_.end();
  return it == state_.end() ? std::string() : it->second;
}
size_t KvApp::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.size();
}
std::vector<size_t> KvApp::check_batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return check_batches_;
}
int64_t KvApp::info_height() const {
  std::lock_guard<std::mutex> lock(mu_);
  return info_height_;
}
int KvApp::info_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return info_calls_;
}

}  // namespace depinfer::consensus::testing
