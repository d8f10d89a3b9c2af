// A client of the node's API (api/node_api.h) for the command line, the devnet and the load
// generator: one keep-alive HTTP connection, typed answers, clear errors when the node is
// unreachable, stops answering (a deadline per request) or answers something unexpected.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/tx.h"
#include "shield/state.h"

namespace depinfer::api {

using math::bn254::Fr;

struct NodeState {
  std::string chain_id, mode, state_root;
  std::uint64_t height = 0, tree_size = 0;
  Fr merkle_root;
};

struct TxStatus {
  std::string status;  // "pending", "final", "rejected", "unknown_or_pending"
  std::uint64_t height = 0;
  bool applied = false;
  std::string rule, detail;
  int http_status = 0;
};

class NodeClient {
 public:
  // url: "http://host:port"
  static Status Connect(const std::string& url, std::unique_ptr<NodeClient>* out);
  ~NodeClient();

  Status State(NodeState* out);
  // Submits the binary encoding; wait_ms > 0 waits until final.
  Status Submit(const ledger::Tx& tx, std::uint64_t wait_ms, TxStatus* out);
  Status Status_(const ledger::TxId& id, std::uint64_t wait_ms, TxStatus* out);
  Status Outputs(std::uint64_t from, std::size_t limit, std::vector<shield::OutputRecord>* out);
  Status NullifierSpent(const Fr& nf, bool* spent);
  Status Account(const shield::AccountKey& account, std::uint64_t* nonce, std::uint64_t* native_balance);
  Status Roots(std::vector<Fr>* out);

  // Every exchange must finish within this (plus the wait a request asks the node for), or
  // the node is reported unavailable. 30 s unless set.
  void set_timeout_ms(std::uint64_t ms) { timeout_ms_ = ms; }

  // Raw request (for tests and tools): status code and body.
  Status Request(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& content_type, int* status, std::string* response);

 private:
  NodeClient() = default;
  Status Exchange(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& content_type, std::uint64_t wait_ms, int* status,
                  std::string* response);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_, port_;
  std::uint64_t timeout_ms_ = 30'000;
};

}  // namespace depinfer::api
