// The CometBFT mode of Consensus (shared/DESIGN.md section 5, docs/consensus.md): the node is
// CometBFT's ABCI application (LedgerApp behind an AbciServer) and a CometBFT process orders
// the transactions.
//
//   Submit     the stateless checks through the same Admission batching as the embedded mode
//              (proofs verified together, verdicts cached in the ledger's Verifier, so the
//              CheckTx that follows finds them), then broadcast_tx_sync to the local CometBFT
//              RPC from the caller's thread (concurrent submitters, concurrent requests). The
//              CheckTx answer becomes the ledger::Admission: code 0 added, a rule number
//              rejected with that rule, "already in cache" duplicate, "mempool is full" or an
//              unreachable RPC kFull (retry later; verdict.detail says which).
//   WaitFinal  a FinalityBoard woken by LedgerApp's Commit (on_commit).
//
// RpcClient is a small HTTP/1.1 JSON-RPC client (Boost.Beast) with a pool of keep-alive
// connections and one deadline per call, enough for CometBFT's RPC on loopback.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "consensus/consensus.h"
#include "consensus/ledger_app.h"

namespace depinfer::consensus {

class RpcClient {
 public:
  // host: an IPv4 or IPv6 address. `timeout` bounds each call, connecting included.
  RpcClient(std::string host, int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // POST / with {"jsonrpc":"2.0","id":N,"method":method,"params":params}; *reply is the whole
  // JSON-RPC answer (with "result" or "error"). IOError on transport or HTTP failure.
  Status Call(const std::string& method, const nlohmann::json& params, nlohmann::json* reply);
  // GET target ("/status"); *body the HTTP body. IOError on transport failure or a status
  // other than 200 (*body then holds what the server said).
  Status Get(const std::string& target, std::string* body);

 private:
  struct Conn;
  Status Roundtrip(boost::beast::http::request<boost::beast::http::string_body>& req, std::string* body);
  Status Connect(std::unique_ptr<Conn>* out);

  const std::string host_;
  const int port_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;  // keep-alive connections, guarded by mu_
  std::uint64_t next_id_ = 1;
};

std::string Base64Encode(std::string_view bytes);

class CometbftConsensus : public Consensus {
 public:
  struct Options {
    std::string rpc_host = "127.0.0.1";
    int rpc_port = 26657;
    std::chrono::milliseconds rpc_timeout{10000};
  };
  // Sets app->on_commit (call before the app's server starts). `ledger` is the app's ledger.
  CometbftConsensus(ledger::Ledger& ledger, NodeMetrics* metrics, LedgerApp* app, Options options);
  ~CometbftConsensus() override;

  Status Start() override { return Status::Ok(); }
  void Stop() override;
  ledger::Admission Submit(const ledger::Tx& tx) override;
  bool WaitFinal(const ledger::TxId& id, std::chrono::milliseconds timeout,
                 ledger::TxOutcome* out) override {
    return board_.WaitFinal(id, timeout, out);
  }
  const char* mode() const override { return "cometbft"; }

  // broadcast_tx_sync of an encoded transaction, skipping the local stateless checks (the
  // tests use it to send what Submit would refuse).
  ledger::Admission Broadcast(const std::string& bytes);
  RpcClient& rpc() { return rpc_; }

 private:
  ledger::Ledger& ledger_;
  NodeMetrics* metrics_;
  LedgerApp* app_;
  FinalityBoard board_;
  RpcClient rpc_;
  Admission admission_;
};

}  // namespace depinfer::consensus
