#include "api/completion_request.h"

#include <sodium.h>

#include <cstring>

namespace depinfer::api {
namespace {

using json = nlohmann::json;
using infer::Status;

// Typed optional fields: absent or null gives the fallback, the wrong type an error.
bool GetNumber(const json& j, const char* key, double fallback, double* out, std::string* err) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    *out = fallback;
    return true;
  }
  if (!it->is_number()) {
    *err = std::string("field '") + key + "' must be a number";
    return false;
  }
  *out = it->get<double>();
  return true;
}

bool GetInteger(const json& j, const char* key, int64_t fallback, int64_t* out, std::string* err) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    *out = fallback;
    return true;
  }
  if (!it->is_number_integer()) {
    *err = std::string("field '") + key + "' must be an integer";
    return false;
  }
  *out = it->get<int64_t>();
  return true;
}

}  // namespace

std::string Blake2bHex(const std::string& s) {
  unsigned char d[32];
  crypto_generichash(d, sizeof(d), reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                     nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
  return hex;
}

std::string TokensHashHex(const std::vector<int32_t>& tokens) {
  std::string bytes;
  for (int32_t t : tokens) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((static_cast<uint32_t>(t) >> (8 * i)) & 0xff));
  }
  return Blake2bHex(bytes);
}

infer::Result<int> ChoiceCount(const json& body) {
  int64_t n = 1;
  std::string err;
  if (!GetInteger(body, "n", 1, &n, &err)) return Status::Error(err);
  if (n < 1 || n > kMaxChoices) {
    return Status::Error("n must be between 1 and " + std::to_string(kMaxChoices));
  }
  return static_cast<int>(n);
}

uint64_t ChoiceSeed(uint64_t seed, int choice) {
  if (choice == 0) return seed;
  static constexpr char kTag[] = "depinfer/choice-seed/v1";
  unsigned char msg[sizeof(kTag) - 1 + 8 + 4];
  std::memcpy(msg, kTag, sizeof(kTag) - 1);
  for (int i = 0; i < 8; ++i) msg[sizeof(kTag) - 1 + i] = static_cast<unsigned char>(seed >> (8 * i));
  const auto c = static_cast<uint32_t>(choice);
  for (int i = 0; i < 4; ++i) msg[sizeof(kTag) - 1 + 8 + i] = static_cast<unsigned char>(c >> (8 * i));
  unsigned char d[32];
  crypto_generichash(d, sizeof(d), msg, sizeof(msg), nullptr, 0);
  uint64_t out = 0;
  for (int i = 7; i >= 0; --i) out = (out << 8) | d[i];
  return out & ~(uint64_t{1} << 63);  // requests' seeds are non-negative int64
}

infer::GenerateRequest ForChoice(infer::GenerateRequest base, int choice) {
  base.sampling.seed = ChoiceSeed(base.sampling.seed, choice);
  return base;
}

namespace {

// A message's content: a string, or OpenAI's array of content parts, of which this text-only
// model takes {"type": "text", "text": ...} parts (joined in order) and refuses the rest.
Status MessageText(const json& content, std::string* out) {
  if (content.is_string()) {
    *out = content.get<std::string>();
    return Status::Ok();
  }
  if (!content.is_array()) return Status::Error("message content must be a string or an array of parts");
  out->clear();
  for (const json& part : content) {
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
      return Status::Error("each content part needs a string type");
    }
    const std::string type = part["type"].get<std::string>();
    if (type != "text") {
      return Status::Error("content parts of type '" + type + "' are not supported (this model reads text only)");
    }
    if (!part.contains("text") || !part["text"].is_string()) {
      return Status::Error("a text content part needs a string text");
    }
    *out += part["text"].get<std::string>();
  }
  return Status::Ok();
}

}  // namespace

infer::Result<infer::GenerateRequest> BuildGenerateRequest(const json& body, bool chat,
                                                           const infer::Model& model,
                                                           const infer::Tokenizer& tok,
                                                           int max_tokens_cap) {
  if (!body.is_object()) return Status::Error("body must be a JSON object");
  std::string text;
  infer::GenerateRequest r;
  if (chat) {
    auto it = body.find("messages");
    if (it == body.end() || !it->is_array() || it->empty()) {
      return Status::Error("messages must be a non-empty array");
    }
    std::vector<infer::ChatMessage> msgs;
    for (const json& msg : *it) {
      if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string() ||
          !msg.contains("content")) {
        return Status::Error("each message needs a string role and content");
      }
      std::string content;
      if (Status st = MessageText(msg["content"], &content); !st.ok()) return st;
      msgs.push_back({msg["role"].get<std::string>(), std::move(content)});
    }
    auto ids = tok.EncodeChat(msgs, true);
    if (!ids.ok()) return ids.status();
    r.prompt = std::move(ids.value());
  } else {
    auto it = body.find("prompt");
    if (it == body.end() || !it->is_string()) return Status::Error("prompt must be a string");
    text = it->get<std::string>();
  }
  // Raw completion prompts are plain text: special-token text in them is not special.
  if (!chat) r.prompt = tok.Encode(text, /*parse_special=*/false);
  if (r.prompt.empty()) return Status::Error("prompt is empty");

  std::string err;
  int64_t max_tokens = 0, seed = 0, top_k = 0;
  double temperature = 1, top_p = 1, min_p = 0, repeat = 1;
  int64_t alt_max = 256;
  if (!GetInteger(body, "max_completion_tokens", 256, &alt_max, &err) ||
      !GetInteger(body, "max_tokens", alt_max, &max_tokens, &err) ||
      !GetInteger(body, "seed", 0, &seed, &err) ||
      !GetInteger(body, "top_k", 0, &top_k, &err) ||
      !GetNumber(body, "temperature", 1.0, &temperature, &err) ||
      !GetNumber(body, "top_p", 1.0, &top_p, &err) ||
      !GetNumber(body, "min_p", 0.0, &min_p, &err) ||
      !GetNumber(body, "repeat_penalty", 1.0, &repeat, &err)) {
    return Status::Error(err);
  }
  if (max_tokens < 1 || max_tokens > max_tokens_cap) {
    return Status::Error("max_tokens must be between 1 and " + std::to_string(max_tokens_cap));
  }
  if (auto n = ChoiceCount(body); !n.ok()) return n.status();
  if (seed < 0) return Status::Error("seed must be a non-negative integer");
  if (temperature < 0 || temperature > 100 || top_p <= 0 || top_p > 1 || min_p < 0 || min_p > 1 ||
      top_k < 0 || top_k > (1 << 20) || repeat <= 0) {
    return Status::Error("sampling parameter out of range");
  }
  // Chat: logprobs (boolean) and top_logprobs (0..20). Completions: logprobs (0..20), the
  // number of alternatives, as in OpenAI's legacy API.
  if (auto it = body.find("logprobs"); it != body.end() && !it->is_null()) {
    if (chat) {
      if (!it->is_boolean()) return Status::Error("field 'logprobs' must be a boolean");
      int64_t top = 0;
      if (!GetInteger(body, "top_logprobs", 0, &top, &err)) return Status::Error(err);
      if (top < 0 || top > infer::kMaxTopLogprobs) {
        return Status::Error("top_logprobs must be between 0 and " + std::to_string(infer::kMaxTopLogprobs));
      }
      if (it->get<bool>()) r.logprobs = static_cast<int>(top);
    } else {
      int64_t k = 0;
      if (!GetInteger(body, "logprobs", 0, &k, &err)) return Status::Error(err);
      if (k < 0 || k > infer::kMaxTopLogprobs) {
        return Status::Error("logprobs must be between 0 and " + std::to_string(infer::kMaxTopLogprobs));
      }
      r.logprobs = static_cast<int>(k);
    }
  }
  if (chat && r.logprobs < 0) {
    if (auto it = body.find("top_logprobs"); it != body.end() && !it->is_null()) {
      return Status::Error("top_logprobs needs logprobs set to true");
    }
  }
  if (static_cast<int64_t>(r.prompt.size()) + max_tokens > model.config().n_ctx_train) {
    return Status::Error("prompt (" + std::to_string(r.prompt.size()) + " tokens) plus max_tokens (" +
                         std::to_string(max_tokens) + ") exceeds the context length " +
                         std::to_string(model.config().n_ctx_train));
  }
  r.max_tokens = static_cast<int>(max_tokens);
  r.sampling.temperature = static_cast<float>(temperature);
  r.sampling.top_p = static_cast<float>(top_p);
  r.sampling.min_p = static_cast<float>(min_p);
  r.sampling.top_k = static_cast<int>(top_k);
  r.sampling.repeat_penalty = static_cast<float>(repeat);
  r.sampling.seed = static_cast<uint64_t>(seed);
  if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    if (it->is_string()) {
      r.stop.push_back(it->get<std::string>());
    } else if (it->is_array() && it->size() <= 4) {
      for (const json& s : *it) {
        if (!s.is_string()) return Status::Error("stop must be strings");
        r.stop.push_back(s.get<std::string>());
      }
    } else {
      return Status::Error("stop must be a string or up to 4 strings");
    }
  }
  return r;
}

}  // namespace depinfer::api
