#include "api/node_api.h"

#include <sodium.h>

#include <charconv>

#include "ledger/codec.h"
#include "shield/check.h"

namespace depinfer::api {

using ledger::Json;
using math::bn254::Fr;

int JsonDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') max_depth = std::max(max_depth, ++depth);
    if (c == '}' || c == ']') --depth;
  }
  return in_string ? -1 : max_depth;
}

namespace {

bool ParseU64(const std::string& s, std::uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// ?name=<u64 ms>, capped; absent: 0.
bool WaitParam(const HttpRequest& req, std::chrono::milliseconds cap, std::chrono::milliseconds* out) {
  auto it = req.query.find("wait");
  if (it == req.query.end()) {
    *out = std::chrono::milliseconds(0);
    return true;
  }
  std::uint64_t ms;
  if (!ParseU64(it->second, &ms)) return false;
  *out = std::min(cap, std::chrono::milliseconds(static_cast<std::int64_t>(std::min<std::uint64_t>(ms, 1u << 30))));
  return true;
}

bool HexBytes(std::string_view hex, std::size_t n, std::uint8_t* out) {
  if (hex.size() != 2 * n) return false;
  std::size_t len = 0;
  const char* end = nullptr;
  return sodium_hex2bin(out, n, hex.data(), hex.size(), nullptr, &len, &end) == 0 && len == n &&
         end == hex.data() + hex.size();
}

Json OutcomeJson(const ledger::TxOutcome& o) {
  Json j;
  j["id"] = ledger::Hex(o.id);
  // Height 0: never in a block; a block made it invalid while it waited in the mempool.
  j["status"] = o.height == 0 ? "dropped" : "final";
  j["height"] = o.height;
  j["index"] = o.index;
  j["applied"] = o.applied();
  if (!o.applied()) {
    j["rule"] = shield::RuleName(o.rule);
    j["detail"] = o.detail;
  }
  return j;
}

HttpResponse Rejected(const ledger::TxId& id, const ledger::Admission& a) {
  Json j;
  j["id"] = ledger::Hex(id);
  j["status"] = "rejected";
  switch (a.code) {
    case ledger::Admission::Code::kDuplicate:
      j["rule"] = "duplicate";
      j["detail"] = "this transaction is already pending";
      break;
    case ledger::Admission::Code::kFull:
      j["rule"] = "mempool-full";
      j["detail"] = a.verdict.detail.empty() ? "the node is overloaded; retry later" : a.verdict.detail;
      break;
    default:
      j["rule"] = shield::RuleName(a.verdict.rule);
      j["detail"] = a.verdict.detail;
  }
  j["error"] = {{"code", j["rule"]}, {"message", j["detail"]}};
  HttpResponse r;
  r.status = a.code == ledger::Admission::Code::kFull ? 503 : (a.code == ledger::Admission::Code::kDuplicate ? 409 : 422);
  r.body = JsonText(j);
  return r;
}

}  // namespace

void RegisterNodeApi(HttpServer* server, ledger::Ledger* ledger, consensus::Consensus* consensus,
                     MetricsRegistry* metrics, NodeApiOptions options,
                     std::function<void()> shutdown) {
  server->Route("POST", "/v1/tx", [=](const HttpRequest& req) -> HttpResponse {
    std::chrono::milliseconds wait;
    if (!WaitParam(req, options.max_wait, &wait)) return JsonError(400, "bad_request", "wait must be milliseconds");
    ledger::Tx tx;
    Status st;
    if (req.content_type.rfind("application/json", 0) == 0) {
      const int depth = JsonDepth(req.body);
      if (depth < 0 || depth > options.max_json_depth) {
        return JsonError(400, "bad_json", "JSON is unterminated or nested deeper than " +
                                              std::to_string(options.max_json_depth));
      }
      st = ledger::TxFromJson(req.body, &tx);
    } else if (req.content_type.empty() || req.content_type == "application/octet-stream") {
      st = ledger::DecodeTx(std::span(reinterpret_cast<const std::uint8_t*>(req.body.data()), req.body.size()), &tx);
    } else {
      return JsonError(415, "unsupported_media_type", "send application/octet-stream or application/json");
    }
    if (!st.ok()) return JsonError(400, "malformed", st.message());
    const ledger::TxId id = tx.Id();
    const ledger::Admission a = consensus->Submit(tx);
    if (!a.added()) return Rejected(id, a);
    ledger::TxOutcome outcome;
    if (wait.count() > 0 && consensus->WaitFinal(id, wait, &outcome)) {
      Json j = OutcomeJson(outcome);
      HttpResponse r = JsonOk(JsonText(j));
      if (!outcome.applied()) r.status = 422;
      return r;
    }
    HttpResponse r = JsonOk(JsonText(Json{{"id", ledger::Hex(id)}, {"status", "pending"}}));
    r.status = 202;
    return r;
  });

  server->Route("GET", "/v1/tx/", [=](const HttpRequest& req) -> HttpResponse {
    ledger::TxId id;
    if (!HexBytes(req.path_rest, id.size(), id.data())) {
      return JsonError(400, "bad_request", "a transaction id is 64 hex digits");
    }
    std::chrono::milliseconds wait;
    if (!WaitParam(req, options.max_wait, &wait)) return JsonError(400, "bad_request", "wait must be milliseconds");
    ledger::TxOutcome outcome;
    // WaitFinal also answers at once for a transaction already final or dropped (wait 0).
    if ((ledger->GetTxOutcome(id, &outcome).ok() && outcome.height <= ledger->height()) ||
        consensus->WaitFinal(id, wait, &outcome)) {
      return JsonOk(JsonText(OutcomeJson(outcome)));
    }
    return JsonOk(JsonText(Json{{"id", ledger::Hex(id)}, {"status", "unknown_or_pending"}}));
  });

  server->Route("GET", "/v1/state", [=](const HttpRequest&) {
    Json j;
    j["chain_id"] = ledger->genesis().chain_id;
    j["mode"] = consensus->mode();
    j["height"] = ledger->height();
    j["state_root"] = ledger::Hex(ledger->state_root());
    j["merkle_root"] = ledger::FieldHex(ledger->merkle_root());
    j["tree_size"] = ledger->tree_size();
    return JsonOk(JsonText(j));
  });

  server->Route("GET", "/v1/roots", [=](const HttpRequest&) {
    Json roots = Json::array();
    for (const Fr& r : ledger->RecentRoots()) roots.push_back(ledger::FieldHex(r));
    return JsonOk(JsonText(Json{{"roots", roots}}));
  });

  server->Route("GET", "/v1/nullifier/", [=](const HttpRequest& req) -> HttpResponse {
    std::string_view hex = req.path_rest;
    if (hex.rfind("0x", 0) == 0) hex.remove_prefix(2);
    std::uint8_t b[32];
    Fr nf;
    if (!HexBytes(hex, 32, b) || !Fr::FromBytesBE(b, &nf).ok()) {
      return JsonError(400, "bad_request", "a nullifier is a canonical field element: 0x + 64 hex digits");
    }
    return JsonOk(JsonText(Json{{"nullifier", ledger::FieldHex(nf)}, {"spent", ledger->IsNullifierSpent(nf)}}));
  });

  server->Route("GET", "/v1/account/", [=](const HttpRequest& req) -> HttpResponse {
    shield::AccountKey key;
    if (!HexBytes(req.path_rest, key.size(), key.data())) {
      return JsonError(400, "bad_request", "an account is an Ed25519 public key: 64 hex digits");
    }
    ledger::AccountInfo info;
    const Status st = ledger->GetAccount(key, &info);
    if (!st.ok()) return JsonError(500, "storage", st.message());
    Json balances = Json::array();
    for (const auto& [asset, amount] : info.balances) {
      balances.push_back({{"asset", ledger::FieldHex(asset)}, {"amount", std::to_string(amount)}});
    }
    return JsonOk(JsonText(Json{{"account", req.path_rest}, {"nonce", std::to_string(info.nonce)}, {"balances", balances}}));
  });

  server->Route("GET", "/v1/outputs", [=](const HttpRequest& req) -> HttpResponse {
    std::uint64_t from = 0, limit = options.max_outputs_page;
    auto f = req.query.find("from");
    auto l = req.query.find("limit");
    if ((f != req.query.end() && !ParseU64(f->second, &from)) ||
        (l != req.query.end() && (!ParseU64(l->second, &limit) || limit == 0))) {
      return JsonError(400, "bad_request", "from and limit are non-negative integers (limit > 0)");
    }
    limit = std::min<std::uint64_t>(limit, options.max_outputs_page);
    std::vector<shield::OutputRecord> outs;
    const Status st = ledger->GetOutputs(from, static_cast<std::size_t>(limit), &outs);
    if (!st.ok()) return JsonError(500, "storage", st.message());
    Json arr = Json::array();
    for (const auto& o : outs) {
      arr.push_back({{"position", o.position}, {"commitment", ledger::FieldHex(o.commitment)},
                     {"ciphertext", ledger::Hex(o.ciphertext)}});
    }
    return JsonOk(JsonText(Json{{"outputs", arr}, {"next", from + outs.size()}, {"tree_size", ledger->tree_size()}}));
  });

  server->Route("GET", "/health", [=](const HttpRequest&) {
    return JsonOk(JsonText(Json{{"ok", true}, {"height", ledger->height()}, {"mode", consensus->mode()}}));
  });

  server->Route("GET", "/metrics", [=](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics->RenderText();
    return r;
  });

  server->Route("POST", "/admin/shutdown", [=](const HttpRequest&) {
    if (shutdown) shutdown();
    return JsonOk("{\"shutting_down\":true}");
  }, /*admin=*/true);
}

}  // namespace depinfer::api
