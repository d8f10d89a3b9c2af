// The settlement node's HTTP/JSON API (docs/node.md lists every route):
//
//   POST /v1/tx                submit (binary: application/octet-stream, or JSON); ?wait=ms waits
//                              until final. 202 pending / 200 final / 422 rejected with the rule
//   GET  /v1/tx/<id>           status: pending, final (height, applied or rejected + rule), unknown;
//                              ?wait=ms long-polls until it is final
//   GET  /v1/state             height, state root, Merkle root, tree size, chain id, mode
//   GET  /v1/roots             the recent roots proofs may name
//   GET  /v1/nullifier/<0x..>  whether a nullifier is spent
//   GET  /v1/account/<hex>     nonce and balances of a transparent account
//   GET  /v1/outputs?from=&limit=   encrypted outputs for wallets, paged
//   GET  /metrics              Prometheus text; GET /health
//   POST /admin/shutdown       graceful stop (needs the admin token)
//
// Every input is checked before it reaches the ledger: lengths, hex, canonical field elements,
// JSON types and nesting depth; anything else is a 4xx with a JSON error and changes nothing.
#pragma once

#include <functional>

#include "api/http_server.h"
#include "base/metrics.h"
#include "consensus/consensus.h"
#include "ledger/ledger.h"

namespace depinfer::api {

struct NodeApiOptions {
  std::size_t max_outputs_page = 1000;
  std::chrono::milliseconds max_wait{30'000};
  int max_json_depth = 16;
};

// Registers the node's routes on `server`. `shutdown` is called by /admin/shutdown.
void RegisterNodeApi(HttpServer* server, ledger::Ledger* ledger, consensus::Consensus* consensus,
                     MetricsRegistry* metrics, NodeApiOptions options,
                     std::function<void()> shutdown);

// The nesting depth of a JSON text (brackets outside strings); -1 when strings are unclosed.
int JsonDepth(std::string_view text);

}  // namespace depinfer::api
