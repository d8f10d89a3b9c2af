#include "api/audit.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/completion_request.h"
#include "api/openai_server.h"

namespace depinfer::api {

using json = nlohmann::json;

namespace {

// The choice a receipt is for: its "choice" field, absent in a receipt of an n = 1 request.
int ReceiptChoice(const json& rc) {
  auto it = rc.find("choice");
  return it != rc.end() && it->is_number_integer() ? it->get<int>() : 0;
}

bool HasReceipt(const json& j) {
  return j.is_object() && j.contains("receipt") && j["receipt"].is_object() &&
         j.contains("output_tokens") && j["output_tokens"].is_array();
}

// The choice object with index `choice` that carries a receipt, or nullptr.
const json* ChoiceWithReceipt(const json& resp, int choice) {
  auto it = resp.find("choices");
  if (it == resp.end() || !it->is_array()) return nullptr;
  for (const json& c : *it) {
    auto idx = c.is_object() ? c.find("index") : c.end();
    if (idx != c.end() && idx->is_number_integer() && idx->get<int>() == choice && HasReceipt(c)) {
      return &c;
    }
  }
  return nullptr;
}

// Where choice `choice`'s receipt and output tokens are: the top level if they are that
// choice's (choice 0 of a whole response, the choice of a stream's chunk; what tools written
// before n read), else inside the choice. *consistent says whether a second copy, inside the
// choice, agrees with the top level's: a response must not show one thing and sign another.
const json* Locate(const json& resp, int choice, bool* consistent) {
  const json* inner = ChoiceWithReceipt(resp, choice);
  *consistent = true;
  if (HasReceipt(resp) && ReceiptChoice(resp["receipt"]) == choice) {
    if (inner != nullptr) {
      *consistent = (*inner)["receipt"] == resp["receipt"] &&
                    (*inner)["output_tokens"] == resp["output_tokens"];
    }
    return &resp;
  }
  return inner;
}

// Replaying the tokens gives the text exactly as the provider's Sequence built it (stop tokens
// and stop sequences included); only the sampler's choices are not trusted here.
std::string ReplayText(const infer::Tokenizer& tok, const std::vector<int32_t>& tokens,
                       const std::vector<std::string>& stop) {
  std::string text;
  for (int32_t t : tokens) {
    const auto& stops = tok.stop_tokens();
    if (std::find(stops.begin(), stops.end(), t) != stops.end()) break;
    text += tok.TokenBytes(t);
  }
  for (const std::string& s : stop) {
    const size_t at = s.empty() ? std::string::npos : text.find(s);
    if (at != std::string::npos) text.resize(at);
  }
  return text;
}

}  // namespace

infer::Result<std::vector<int>> ReceiptChoices(const std::string& response_json) {
  const json resp = json::parse(response_json, nullptr, false);
  if (resp.is_discarded() || !resp.is_object()) {
    return infer::Status::Error("response is not a JSON object");
  }
  std::vector<int> out;
  if (auto it = resp.find("choices"); it != resp.end() && it->is_array()) {
    for (const json& c : *it) {
      if (HasReceipt(c) && c.contains("index") && c["index"].is_number_integer()) {
        out.push_back(c["index"].get<int>());
      }
    }
  }
  if (HasReceipt(resp)) out.push_back(ReceiptChoice(resp["receipt"]));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty()) return infer::Status::Error("response has no receipt or output_tokens");
  return out;
}

infer::Result<AuditOutcome> AuditResponse(const infer::Model& model, const infer::Tokenizer& tok,
                                          const std::string& request_bytes,
                                          const std::string& response_json,
                                          const infer::ForwardOptions& opt, int choice) {
  json resp, body;
  try {
    resp = json::parse(response_json);
    body = json::parse(request_bytes);
  } catch (const json::exception& e) {
    return infer::Status::Error(std::string("cannot parse: ") + e.what());
  }
  if (!resp.is_object()) return infer::Status::Error("response is not a JSON object");
  bool consistent = true;
  const json* holder = Locate(resp, choice, &consistent);
  if (holder == nullptr) {
    return infer::Status::Error("response has no receipt or output_tokens for choice " +
                                std::to_string(choice));
  }
  const json& rc = (*holder)["receipt"];
  AuditOutcome out;
  out.choice = choice;
  std::string why;
  out.signature_ok = VerifyReceipt(rc.dump(), &why);
  if (!out.signature_ok) out.detail += "signature: " + why + "; ";
  out.model_ok = rc.value("model_id", "") == model.id();
  if (!out.model_ok) out.detail += "receipt names another model; ";
  out.request_ok = rc.value("request_hash", "") == Blake2bHex(request_bytes);
  if (!out.request_ok) out.detail += "request bytes do not match the receipt; ";

  std::vector<int32_t> tokens;
  for (const json& t : (*holder)["output_tokens"]) {
    if (!t.is_number_integer()) return infer::Status::Error("output_tokens must be integers");
    tokens.push_back(t.get<int32_t>());
  }
  const std::string object = resp.value("object", "");
  const bool chat = object.rfind("chat.completion", 0) == 0;
  auto base = BuildGenerateRequest(body, chat, model, tok, 1 << 30);
  if (!base.ok()) return infer::Status::Error("request: " + base.status().message());
  if (tokens.empty()) return infer::Status::Error("no output tokens to audit");

  // The choice is re-executed with the seed the request derives for it, never the receipt's;
  // the receipt must name the same choice and seed, and the request must have asked for it.
  const int n = ChoiceCount(body).value();
  const infer::GenerateRequest req = ForChoice(base.value(), choice);
  out.choice_ok = choice >= 0 && choice < n && ReceiptChoice(rc) == choice && rc.contains("seed") &&
                  rc["seed"].is_number_unsigned() && rc["seed"].get<uint64_t>() == req.sampling.seed;
  if (!out.choice_ok) {
    out.detail += "receipt's choice or seed is not choice " + std::to_string(choice) + " of " +
                  std::to_string(n) + " (seed " + std::to_string(req.sampling.seed) + "); ";
  }

  const std::string text = ReplayText(tok, tokens, req.stop);
  out.output_ok = consistent && rc.value("output_tokens_hash", "") == TokensHashHex(tokens) &&
                  rc.value("output_hash", "") == Blake2bHex(text);
  if (!out.output_ok) out.detail += "output does not match the receipt's hashes; ";
  if (!consistent) out.detail += "the choice's receipt or tokens differ from the top level's; ";

  auto rep = infer::Audit(model, req, tokens, opt);
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
