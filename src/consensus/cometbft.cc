#include "consensus/cometbft.h"

#include <sodium.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/deadline_stream.h"

namespace depinfer::consensus {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

std::string Base64Encode(std::string_view in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()),
                    in.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

// ---- RpcClient ------------------------------------------------------------------------------

struct RpcClient::Conn {
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
};

RpcClient::RpcClient(std::string host, int port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

RpcClient::~RpcClient() = default;

Status RpcClient::Connect(std::unique_ptr<Conn>* out) {
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host_, ec);
  if (ec) return Status::InvalidArgument("rpc host must be an IP address: " + host_);
  auto c = std::make_unique<Conn>();
  DeadlineStream stream(c->socket);
  stream.expires_after(timeout_);
  stream.connect(tcp::endpoint(address, static_cast<std::uint16_t>(port_)), ec);
  if (ec) return Status::IOError("connect " + host_ + ":" + std::to_string(port_) + ": " + ec.message());
  c->socket.set_option(tcp::no_delay(true), ec);
  *out = std::move(c);
  return Status::Ok();
}

Status RpcClient::Roundtrip(http::request<http::string_body>& req, std::string* body) {
  req.set(http::field::host, host_ + ":" + std::to_string(port_));
  req.keep_alive(true);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Conn> c;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    const bool reused = c != nullptr;
    if (!reused) DEPINFER_RETURN_IF_ERROR(Connect(&c));
    // One deadline for the whole exchange.
    DeadlineStream stream(c->socket);
    stream.expires_after(timeout_);
    beast::error_code ec;
    http::write(stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    if (!ec) http::read(stream, c->buffer, parser, ec);
    if (ec) {
      // A kept-alive connection the server has since closed: once more on a fresh one.
      if (reused && ec != asio::error::timed_out) continue;
      return Status::IOError("rpc: " + ec.message());
    }
    http::response<http::string_body>& res = parser.get();
    *body = std::move(res.body());
    if (res.keep_alive()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_.size() < 64) idle_.push_back(std::move(c));
    }
    if (res.result_int() != 200) {
      return Status::IOError("rpc: HTTP " + std::to_string(res.result_int()) + ": " + body->substr(0, 200));
    }
    return Status::Ok();
  }
  return Status::IOError("rpc: failed");
}

Status RpcClient::Call(const std::string& method, const json& params, json* reply) {
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
  }
  http::request<http::string_body> req{http::verb::post, "/", 11};
  req.set(http::field::content_type, "application/json");
  req.body() = json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Roundtrip(req, &body));
  *reply = json::parse(body, nullptr, false);
  if (reply->is_discarded() || !reply->is_object()) {
    return Status::IOError("rpc: " + method + ": not JSON: " + body.substr(0, 200));
  }
  return Status::Ok();
}

Status RpcClient::Get(const std::string& target, std::string* body) {
  http::request<http::string_body> req{http::verb::get, target, 11};
  return Roundtrip(req, body);
}

// ---- CometbftConsensus ----------------------------------------------------------------------

CometbftConsensus::CometbftConsensus(ledger::Ledger& ledger, NodeMetrics* metrics, LedgerApp* app,
                                     Options options)
    : ledger_(ledger),
      metrics_(metrics),
      app_(app),
      board_(ledger, metrics),
      rpc_(options.rpc_host, options.rpc_port, options.rpc_timeout),
      // The batch's stateless verdicts are all Admission is used for here: the broadcast runs
      // in the submitter's thread (Submit), so many go to CometBFT at once.
      admission_(ledger, metrics, [](const ledger::Tx&) { return ledger::Admission{}; }) {
  app_->on_dropped = [this](std::span<const ledger::Dropped> dropped) { board_.Dropped(dropped); };
  app_->on_commit = [this](const ledger::BlockResult& block) {
    board_.Committed(block);
    if (metrics_) {
      metrics_->blocks->Add();
      metrics_->applied->Add(block.info.applied_count);
      metrics_->block_txs->Observe(static_cast<double>(block.outcomes.size()));
      metrics_->height->Set(static_cast<double>(block.info.height));
    }
  };
}

CometbftConsensus::~CometbftConsensus() { Stop(); }

void CometbftConsensus::Stop() {
  admission_.Stop();
  board_.Shutdown();
}

ledger::Admission CometbftConsensus::Submit(const ledger::Tx& tx) {
  ledger::Admission a = admission_.Submit(tx);
  if (!a.added()) return a;
  board_.Submitted(tx.Id());
  const std::vector<std::uint8_t> bytes = ledger::EncodeTx(tx);
  return Broadcast(std::string(bytes.begin(), bytes.end()));
}

ledger::Admission CometbftConsensus::Broadcast(const std::string& bytes) {
  ledger::Admission a;
  json reply;
  const Status st = rpc_.Call("broadcast_tx_sync", json{{"tx", Base64Encode(bytes)}}, &reply);
  if (!st.ok()) {
    a.code = ledger::Admission::Code::kFull;
    a.verdict.detail = "cometbft rpc: " + st.message();
    return a;
  }
  if (reply.contains("error")) {
    const json& e = reply["error"];
    const std::string data =
        e.is_object() && e.contains("data") && e["data"].is_string() ? e["data"].get<std::string>() : "";
    a.code = data.find("already exists in cache") != std::string::npos
                 ? ledger::Admission::Code::kDuplicate
                 : ledger::Admission::Code::kFull;
    a.verdict.detail = "cometbft: " + reply["error"].dump();
    return a;
  }
  const json& r = reply["result"];
  const std::uint32_t code =
      r.is_object() && r.contains("code") && r["code"].is_number() ? r["code"].get<std::uint32_t>() : 0;
  if (code == 0) return a;
  if (code == LedgerApp::kCodeDuplicate) {
    a.code = ledger::Admission::Code::kDuplicate;
  } else if (code == LedgerApp::kCodeFull) {
    a.code = ledger::Admission::Code::kFull;
  } else {
    a.code = ledger::Admission::Code::kRejected;
    a.verdict.rule = code <= static_cast<std::uint32_t>(shield::Rule::kBalanceOverflow)
                         ? static_cast<shield::Rule>(code)
                         : shield::Rule::kMalformed;
  }
  if (r.contains("log") && r["log"].is_string()) a.verdict.detail = r["log"].get<std::string>();
  if (metrics_) metrics_->rejected->Add();
  return a;
}

}  // namespace depinfer::consensus
