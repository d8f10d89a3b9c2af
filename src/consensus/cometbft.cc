#include "consensus/cometbft.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace depinfer::consensus {

using json = nlohmann::json;

std::string Base64Encode(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(std::uint8_t(in[i])) << 16) |
                            (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += k[v & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = std::uint32_t(std::uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// ---- RpcClient ------------------------------------------------------------------------------

RpcClient::RpcClient(std::string host, int port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

RpcClient::~RpcClient() {
  for (int fd : idle_) ::close(fd);
}

int RpcClient::Connect(Status* err) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = Status::IOError(std::string("socket: ") + std::strerror(errno));
    return -1;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port_));
  if (::inet_pton(AF_INET, host_.c_str(), &sa.sin_addr) != 1) {
    ::close(fd);
    *err = Status::InvalidArgument("rpc host must be an IPv4 address: " + host_);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    *err = Status::IOError("connect " + host_ + ":" + std::to_string(port_) + ": " +
                           std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads more into *buf; false on EOF, error or timeout.
bool ReadMore(int fd, std::string* buf) {
  char tmp[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf->append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Status RpcClient::Once(int fd, const std::string& request, std::string* body, bool* keep) {
  if (!SendAll(fd, request)) return Status::IOError("rpc: send failed");
  std::string buf;
  std::size_t header_end;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > (1u << 20) || !ReadMore(fd, &buf)) return Status::IOError("rpc: no response");
  }
  const std::string head = Lower(buf.substr(0, header_end));
  if (head.rfind("http/1.1 ", 0) != 0 && head.rfind("http/1.0 ", 0) != 0) {
    return Status::IOError("rpc: not an HTTP response");
  }
  const int status = std::atoi(head.c_str() + 9);
  *keep = head.find("\r\nconnection: close") == std::string::npos &&
          head.rfind("http/1.0", 0) != 0;
  std::string rest = buf.substr(header_end + 4);
  body->clear();
  const std::size_t cl = head.find("\r\ncontent-length:");
  if (cl != std::string::npos) {
    const std::size_t len = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
    if (len > (256u << 20)) return Status::IOError("rpc: body too large");
    while (rest.size() < len) {
      if (!ReadMore(fd, &rest)) return Status::IOError("rpc: truncated body");
    }
    *body = rest.substr(0, len);
  } else if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    std::size_t pos = 0;
    for (;;) {
      std::size_t eol;
      while ((eol = rest.find("\r\n", pos)) == std::string::npos) {
        if (!ReadMore(fd, &rest)) return Status::IOError("rpc: truncated chunk");
      }
      const std::size_t n = std::strtoull(rest.c_str() + pos, nullptr, 16);
      pos = eol + 2;
      while (rest.size() < pos + n + 2) {
        if (!ReadMore(fd, &rest)) return Status::IOError("rpc: truncated chunk");
      }
      if (n == 0) break;
      body->append(rest, pos, n);
      pos += n + 2;
      if (body->size() > (256u << 20)) return Status::IOError("rpc: body too large");
    }
  } else {
    // Until the peer closes.
    while (ReadMore(fd, &rest)) {
    }
    *body = rest;
    *keep = false;
  }
  if (status != 200) {
    return Status::IOError("rpc: HTTP " + std::to_string(status) + ": " + body->substr(0, 200));
  }
  return Status::Ok();
}

Status RpcClient::Roundtrip(const std::string& request, std::string* body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = -1;
    bool reused = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        fd = idle_.back();
        idle_.pop_back();
        reused = true;
      }
    }
    Status err;
    if (fd < 0 && (fd = Connect(&err)) < 0) return err;
    bool keep = false;
    const Status st = Once(fd, request, body, &keep);
    if (st.ok() || st.message().rfind("rpc: HTTP ", 0) == 0) {
      if (keep) {
        std::lock_guard<std::mutex> lock(mu_);
        if (idle_.size() < 64) {
          idle_.push_back(fd);
          fd = -1;
        }
      }
      if (fd >= 0) ::close(fd);
      return st;
    }
    ::close(fd);
    if (!reused) return st;  // a fresh connection failed: do not retry
  }
  return Status::IOError("rpc: failed");
}

Status RpcClient::Call(const std::string& method, const json& params, json* reply) {
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
  }
  const std::string payload =
      json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
  std::string req = "POST / HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(payload.size()) + "\r\nConnection: keep-alive\r\n\r\n";
  req += payload;
  std::string body;
  DEPINFER_RETURN_IF_ERROR(Roundtrip(req, &body));
  *reply = json::parse(body, nullptr, false);
  if (reply->is_discarded() || !reply->is_object()) {
    return Status::IOError("rpc: " + method + ": not JSON: " + body.substr(0, 200));
  }
  return Status::Ok();
}

Status RpcClient::Get(const std::string& target, std::string* body) {
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + host_ + ":" +
                          std::to_string(port_) + "\r\nConnection: keep-alive\r\n\r\n";
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
