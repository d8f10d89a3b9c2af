#include "api/node_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/deadline_stream.h"
#include "ledger/codec.h"
#include "shield/bytes.h"

namespace depinfer::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ledger::Json;
using math::bn254::Fr;

struct NodeClient::Impl {
  asio::io_context io;
  std::unique_ptr<tcp::socket> socket;  // null until connected (and after a failure)
  beast::flat_buffer buffer;
};

NodeClient::~NodeClient() = default;

Status NodeClient::Connect(const std::string& url, std::unique_ptr<NodeClient>* out) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find('/') != std::string::npos) {
    return Status::InvalidArgument("node URL must look like http://host:port, got " + url);
  }
  std::unique_ptr<NodeClient> c(new NodeClient());
  c->impl_ = std::make_unique<Impl>();
  c->host_ = rest.substr(0, colon);
  c->port_ = rest.substr(colon + 1);
  *out = std::move(c);
  return Status::Ok();
}

Status NodeClient::Request(const std::string& method, const std::string& target, const std::string& body,
                           const std::string& content_type, int* status, std::string* response) {
  return Exchange(method, target, body, content_type, 0, status, response);
}

Status NodeClient::Exchange(const std::string& method, const std::string& target, const std::string& body,
                            const std::string& content_type, std::uint64_t wait_ms, int* status,
                            std::string* response) {
  // A node that stops answering must not hang the wallet: each exchange has a deadline, longer
  // by whatever the request asks the node to wait.
  const auto deadline = std::chrono::milliseconds(timeout_ms_ + wait_ms);
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    const bool reused = impl_->socket != nullptr;
    if (!reused) {
      tcp::resolver resolver(impl_->io);
      auto results = resolver.resolve(host_, port_, ec);
      if (ec) return Status::Unavailable("cannot resolve " + host_ + ": " + ec.message());
      for (const auto& entry : results) {
        impl_->socket = std::make_unique<tcp::socket>(impl_->io);
        DeadlineStream connecting(*impl_->socket);
        connecting.expires_after(std::chrono::milliseconds(timeout_ms_));
        connecting.connect(entry.endpoint(), ec);
        if (!ec) break;
      }
      if (ec || !impl_->socket) {
        impl_->socket.reset();
        return Status::Unavailable("cannot reach the node at " + host_ + ":" + port_ + " (" +
                                   ec.message() + "); is depinferd running?");
      }
      // A request goes out as header and body writes: without TCP_NODELAY, Nagle's algorithm
      // holds the body until the server's delayed ACK, adding ~40 ms to every request.
      impl_->socket->set_option(tcp::no_delay(true), ec);
      impl_->buffer.clear();
    }
    DeadlineStream stream(*impl_->socket);
    stream.expires_after(deadline);
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_);
    req.keep_alive(true);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (!ec) http::read(stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->socket.reset();
      // A kept-alive connection the node has since closed: once more on a fresh one.
      if (reused && ec != asio::error::timed_out) continue;
      return Status::Unavailable("the node at " + host_ + ":" + port_ + " did not answer" +
                                 (ec == asio::error::timed_out
                                      ? " within " + (deadline.count() % 1000 == 0
                                                          ? std::to_string(deadline.count() / 1000) + " s"
                                                          : std::to_string(deadline.count()) + " ms")
                                      : ": " + ec.message()));
    }
    http::response<http::string_body>& res = parser.get();
    *status = static_cast<int>(res.result_int());
    *response = std::move(res.body());
    if (!res.keep_alive()) impl_->socket.reset();
    return Status::Ok();
  }
  return Status::Unavailable("unreachable");
}

namespace {

Status ParseJson(int status, const std::string& body, Json* out) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("node answered HTTP " + std::to_string(status) + " without JSON");
  }
  if (status >= 400 && j.contains("error") && j["error"].is_object() && !j.contains("status")) {
    return Status::InvalidArgument("node: " + j["error"].value("message", std::string("error")));
  }
  *out = std::move(j);
  return Status::Ok();
}

Status ParseField(const Json& j, Fr* out) {
  if (!j.is_string()) return Status::Corruption("node sent a non-string field element");
  std::string_view s = j.get_ref<const std::string&>();
  if (s.rfind("0x", 0) == 0) s.remove_prefix(2);
  std::vector<std::uint8_t> b;
  if (s.size() != 64 || !shield::HexDecode(s, 32, "field element", &b).ok() ||
      !Fr::FromBytesBE(b, out).ok()) {
    return Status::Corruption("node sent a malformed field element");
  }
  return Status::Ok();
}

void ParseStatus(const Json& j, int http_status, TxStatus* out) {
  out->http_status = http_status;
  out->status = j.value("status", std::string("unknown"));
  out->height = j.value("height", std::uint64_t{0});
  out->applied = j.value("applied", false);
  out->rule = j.contains("rule") && j["rule"].is_string() ? j["rule"].get<std::string>() : "";
  out->detail = j.contains("detail") && j["detail"].is_string() ? j["detail"].get<std::string>() : "";
}

}  // namespace

Status NodeClient::State(NodeState* out) {
  int status;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Request("GET", "/v1/state", "", "", &status, &body));
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseJson(status, body, &j));
  try {
    out->chain_id = j.at("chain_id");
    out->mode = j.at("mode");
    out->state_root = j.at("state_root");
    out->height = j.at("height");
    out->tree_size = j.at("tree_size");
    return ParseField(j.at("merkle_root"), &out->merkle_root);
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("node state: ") + e.what());
  }
}

Status NodeClient::Submit(const ledger::Tx& tx, std::uint64_t wait_ms, TxStatus* out) {
  const auto bytes = ledger::EncodeTx(tx);
  int status;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Exchange("POST", "/v1/tx?wait=" + std::to_string(wait_ms),
                                    std::string(bytes.begin(), bytes.end()),
                                    "application/octet-stream", wait_ms, &status, &body));
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("node answered without JSON");
  if (!j.contains("status")) return ParseJson(status, body, &j);
  ParseStatus(j, status, out);
  return Status::Ok();
}

Status NodeClient::Status_(const ledger::TxId& id, std::uint64_t wait_ms, TxStatus* out) {
  int status;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Exchange("GET", "/v1/tx/" + ledger::Hex(id) + "?wait=" + std::to_string(wait_ms),
                                    "", "", wait_ms, &status, &body));
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseJson(status, body, &j));
  ParseStatus(j, status, out);
  return Status::Ok();
}

Status NodeClient::Outputs(std::uint64_t from, std::size_t limit, std::vector<shield::OutputRecord>* out) {
  int status;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Request("GET", "/v1/outputs?from=" + std::to_string(from) + "&limit=" +
                                   std::to_string(limit), "", "", &status, &body));
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseJson(status, body, &j));
  out->clear();
  try {
    for (const Json& o : j.at("outputs")) {
      shield::OutputRecord r;
      r.position = o.at("position");
      DEPINFER_RETURN_IF_ERROR(ParseField(o.at("commitment"), &r.commitment));
      std::vector<std::uint8_t> ct;
      DEPINFER_RETURN_IF_ERROR(ledger::HexFromJson(o.at("ciphertext"), "ciphertext", 4096, &ct));
      r.ciphertext = std::move(ct);
      out->push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("node outputs: ") + e.what());
  }
  return Status::Ok();
}

Status NodeClient::NullifierSpent(const Fr& nf, bool* spent) {
  int status;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Request("GET", "/v1/nullifier/" + ledger::FieldHex(nf), "", "", &status, &body));
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseJson(status, body, &j));
  if (!j.contains("spent") || !j["spent"].is_boolean()) return Status::Corruption("node nullifier answer");
  *spent = j["spent"];
  return Status::Ok();
}

Status NodeClient::Account(const shield::AccountKey& account, std::uint64_t* nonce,
                           std::uint64_t* native_balance) {
  int status;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Request("GET", "/v1/account/" + ledger::Hex(account), "", "", &status, &body));
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseJson(status, body, &j));
  try {
    *nonce = std::stoull(j.at("nonce").get<std::string>());
    *native_balance = 0;
    for (const Json& b : j.at("balances")) {
      if (b.at("asset") == ledger::FieldHex(Fr::Zero())) *native_balance = std::stoull(b.at("amount").get<std::string>());
    }
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("node account: ") + e.what());
  }
  return Status::Ok();
}

Status NodeClient::Roots(std::vector<Fr>* out) {
  int status;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Request("GET", "/v1/roots", "", "", &status, &body));
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseJson(status, body, &j));
  out->clear();
  for (const Json& r : j.value("roots", Json::array())) {
    Fr x;
    DEPINFER_RETURN_IF_ERROR(ParseField(r, &x));
    out->push_back(x);
  }
  return Status::Ok();
}

}  // namespace depinfer::api
