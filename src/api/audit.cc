#include "api/audit.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/completion_request.h"
#include "api/openai_server.h"

namespace depinfer::api {

using json = nlohmann::json;

infer::Result<AuditOutcome> AuditResponse(const infer::Model& model, const infer::Tokenizer& tok,
                                          const std::string& request_bytes,
                                          const std::string& response_json,
                                          const infer::ForwardOptions& opt) {
  json resp, body;
  try {
    resp = json::parse(response_json);
    body = json::parse(request_bytes);
  } catch (const json::exception& e) {
    return infer::Status::Error(std::string("cannot parse: ") + e.what());
  }
  if (!resp.contains("receipt") || !resp["receipt"].is_object() ||
      !resp.contains("output_tokens") || !resp["output_tokens"].is_array()) {
    return infer::Status::Error("response has no receipt or output_tokens");
  }
  const json& rc = resp["receipt"];
  AuditOutcome out;
  std::string why;
  out.signature_ok = VerifyReceipt(rc.dump(), &why);
  if (!out.signature_ok) out.detail += "signature: " + why + "; ";
  out.model_ok = rc.value("model_id", "") == model.id();
  if (!out.model_ok) out.detail += "receipt names another model; ";
  out.request_ok = rc.value("request_hash", "") == Blake2bHex(request_bytes);
  if (!out.request_ok) out.detail += "request bytes do not match the receipt; ";

  std::vector<int32_t> tokens;
  for (const json& t : resp["output_tokens"]) {
    if (!t.is_number_integer()) return infer::Status::Error("output_tokens must be integers");
    tokens.push_back(t.get<int32_t>());
  }
  const std::string object = resp.value("object", "");
  const bool chat = object.rfind("chat.completion", 0) == 0;
  auto req = BuildGenerateRequest(body, chat, model, tok, 1 << 30);
  if (!req.ok()) return infer::Status::Error("request: " + req.status().message());
  if (tokens.empty()) return infer::Status::Error("no output tokens to audit");

  // Replaying the tokens through a Sequence gives the text exactly as the provider built it
  // (stop tokens and stop sequences included); only the sampler's choices are not trusted here.
  std::string text;
  for (int32_t t : tokens) {
    const auto& stops = tok.stop_tokens();
    if (std::find(stops.begin(), stops.end(), t) != stops.end()) break;
    text += tok.TokenBytes(t);
  }
  for (const std::string& s : req.value().stop) {
    const size_t at = s.empty() ? std::string::npos : text.find(s);
    if (at != std::string::npos) text.resize(at);
  }
  out.output_ok = rc.value("output_tokens_hash", "") == TokensHashHex(tokens) &&
                  rc.value("output_hash", "") == Blake2bHex(text);
  if (!out.output_ok) out.detail += "output does not match the receipt's hashes; ";

  auto rep = infer::Audit(model, req.value(), tokens, opt);
  if (!rep.ok()) return rep.status();
  out.steps = rep.value().steps;
  out.first_mismatch = rep.value().first_mismatch;
  out.transcript_ok = rep.value().transcript == rc.value("transcript", "");
  if (!out.transcript_ok) out.detail += "transcript differs; ";
  if (out.first_mismatch >= 0) {
    out.detail += "step " + std::to_string(out.first_mismatch) + " is not what the sampler picks; ";
  }
  return out;
}

}  // namespace depinfer::api
