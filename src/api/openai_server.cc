#include "api/openai_server.h"

#include <httplib.h>
#include <sodium.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "api/completion_request.h"
#include "api/engine.h"

namespace depinfer::api {
namespace {

using json = nlohmann::json;
using infer::Status;

// A client error: the handler wrapper turns it into an OpenAI-shaped error response.
struct HttpError : std::runtime_error {
  HttpError(int http_status, std::string error_type, const std::string& message)
      : std::runtime_error(message), status(http_status), type(std::move(error_type)) {}
  int status;
  std::string type;
};

json ErrorBody(const std::string& message, const std::string& type) {
  return {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
}

void SendError(httplib::Response& res, int status, const std::string& type,
               const std::string& message) {
  res.status = status;
  res.set_content(ErrorBody(message, type).dump(), "application/json");
}

std::string Hex(const unsigned char* p, size_t n) {
  std::string out(2 * n + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.resize(2 * n);
  return out;
}

std::string RandomId(const char* prefix) {
  unsigned char r[12];
  randombytes_buf(r, sizeof(r));
  return prefix + Hex(r, sizeof(r));
}

// Length of the longest prefix of `s` that ends on a UTF-8 character boundary.
size_t Utf8SafePrefix(const std::string& s, size_t n) {
  size_t i = n;
  int back = 0;
  while (i > 0 && back < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xc0) == 0x80) --i, ++back;
  if (i == 0) return n;
  const auto lead = static_cast<unsigned char>(s[i - 1]);
  const size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return (n - (i - 1) >= need) ? n : i - 1;
}

// `s` with every byte that is not part of a well-formed UTF-8 character replaced by U+FFFD (a
// token's bytes can end inside a character; JSON strings must be valid UTF-8).
std::string Utf8Lossy(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t need = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = need > 0 && i + need <= s.size();
    for (size_t k = 1; ok && k < need; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok) {
      out.append(s, i, need);
      i += need;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

json ByteList(const std::string& b) {
  json a = json::array();
  for (unsigned char c : b) a.push_back(static_cast<int>(c));
  return a;
}

// OpenAI's logprobs object for `lps`: chat's {"content": [...]} or the legacy completions'
// {"tokens", "token_logprobs", "top_logprobs", "text_offset"}.
json LogprobsJson(const std::vector<infer::TokenLogprob>& lps, bool chat, int top_k,
                  const infer::Tokenizer& tok) {
  if (chat) {
    json content = json::array();
    for (const infer::TokenLogprob& lp : lps) {
      const std::string b = tok.TokenBytes(lp.token);
      json top = json::array();
      for (const auto& [id, v] : lp.top) {
        const std::string tb = tok.TokenBytes(id);
        top.push_back({{"token", Utf8Lossy(tb)}, {"logprob", v}, {"bytes", ByteList(tb)}});
      }
      content.push_back({{"token", Utf8Lossy(b)}, {"logprob", lp.logprob}, {"bytes", ByteList(b)},
                         {"top_logprobs", top}});
    }
    return {{"content", content}, {"refusal", nullptr}};
  }
  json tokens = json::array(), values = json::array(), tops = json::array(), offsets = json::array();
  for (const infer::TokenLogprob& lp : lps) {
    const std::string b = tok.TokenBytes(lp.token);
    tokens.push_back(Utf8Lossy(b));
    values.push_back(lp.logprob);
    offsets.push_back(lp.text_end - b.size());
    json top = json::object();
    for (const auto& [id, v] : lp.top) top[Utf8Lossy(tok.TokenBytes(id))] = v;
    tops.push_back(top);
  }
  return {{"tokens", tokens},
          {"token_logprobs", values},
          {"top_logprobs", top_k > 0 ? tops : json(nullptr)},
          {"text_offset", offsets}};
}

// The entries whose text shows in a completion of `visible` bytes (a stop sequence can cut the
// last tokens' text off).
std::vector<infer::TokenLogprob> Visible(std::vector<infer::TokenLogprob> lps, size_t visible,
                                         const infer::Tokenizer& tok) {
  size_t keep = 0;
  while (keep < lps.size() && lps[keep].text_end - tok.TokenBytes(lps[keep].token).size() < visible) ++keep;
  lps.resize(keep);
  return lps;
}

struct LoadedModel {
  std::string name;
  std::unique_ptr<infer::Model> model;
  std::unique_ptr<infer::Tokenizer> tok;
  std::unique_ptr<Engine> engine;
};

}  // namespace

struct ProviderServer::Impl {
  ServerOptions opt;
  std::map<std::string, LoadedModel> models;  // by name (file stem)
  httplib::Server http;
  int port = 0;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  std::string pk_hex;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  LoadedModel& FindModel(const json& body) {
    std::string name;
    if (auto it = body.find("model"); it != body.end() && !it->is_null()) {
      if (!it->is_string()) throw HttpError(400, "invalid_request_error", "model must be a string");
      name = it->get<std::string>();
    }
    if (name.empty() && models.size() == 1) return models.begin()->second;
    for (auto& [n, m] : models) {
      if (n == name || m.model->id() == name) return m;
    }
    throw HttpError(404, "invalid_request_error", "model '" + name + "' does not exist");
  }

  json Receipt(const LoadedModel& m, const std::string& body, const infer::GenerateResult& r,
               int tokens_in, uint64_t seed, const std::string& id, int64_t created) {
    json rc = {{"provider_key", pk_hex},       {"model_id", m.model->id()},
               {"request_hash", Blake2bHex(body)}, {"output_hash", Blake2bHex(r.text)},
               {"output_tokens_hash", TokensHashHex(r.tokens)},
               {"transcript", r.transcript},   {"tokens_in", tokens_in},
               {"tokens_out", r.tokens.size()}, {"seed", seed},
               {"request_id", id},             {"created", created}};
    const std::string msg = rc.dump();  // keys sorted: a canonical form to sign
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                         msg.size(), sk);
    rc["signature"] = Hex(sig, sizeof(sig));
    return rc;
  }

  void Complete(const httplib::Request& req, httplib::Response& res, bool chat) {
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::exception& e) {
      throw HttpError(400, "invalid_request_error", std::string("malformed JSON: ") + e.what());
    }
    if (!body.is_object()) throw HttpError(400, "invalid_request_error", "body must be an object");
    LoadedModel& m = FindModel(body);
    auto built = BuildGenerateRequest(body, chat, *m.model, *m.tok, opt.max_tokens);
    if (!built.ok()) throw HttpError(400, "invalid_request_error", built.status().message());
    const infer::GenerateRequest& gr = built.value();
    auto job = m.engine->Submit(gr);
    if (!job.ok()) {
      if (job.status().message() == "busy") {
        throw HttpError(429, "rate_limit_error", "too many requests in flight; retry later");
      }
      throw HttpError(400, "invalid_request_error", job.status().message());
    }
    const std::string id = RandomId(chat ? "chatcmpl-" : "cmpl-");
    const int64_t created = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string object = chat ? "chat.completion" : "text_completion";
    const int tokens_in = static_cast<int>(gr.prompt.size());
    const uint64_t seed = gr.sampling.seed;

    bool stream = false;
    if (auto it = body.find("stream"); it != body.end() && !it->is_null()) {
      if (!it->is_boolean()) throw HttpError(400, "invalid_request_error", "stream must be a boolean");
      stream = it->get<bool>();
    }
    if (!stream) {
      infer::GenerateResult r = job.value()->Wait();
      if (!job.value()->error().empty()) throw std::runtime_error(job.value()->error());
      json choice = {{"index", 0}, {"finish_reason", r.finish_reason}, {"logprobs", nullptr}};
      if (gr.logprobs >= 0) {
        choice["logprobs"] = LogprobsJson(Visible(r.logprobs, r.text.size(), *m.tok), chat, gr.logprobs, *m.tok);
      }
      if (chat) {
        choice["message"] = {{"role", "assistant"}, {"content", r.text}};
      } else {
        choice["text"] = r.text;
      }
      json out = {{"id", id},          {"object", object},
                  {"created", created}, {"model", m.name},
                  {"choices", {choice}},
                  {"usage", {{"prompt_tokens", tokens_in},
                             {"completion_tokens", r.tokens.size()},
                             {"total_tokens", tokens_in + r.tokens.size()}}},
                  {"system_fingerprint", "depinfer-" + m.model->id().substr(0, 16)},
                  {"output_tokens", r.tokens},
                  {"receipt", Receipt(m, req.body, r, tokens_in, seed, id, created)}};
      res.set_content(out.dump(), "application/json");
      return;
    }

    // Streaming: one server-sent event per piece of new text. Text that might still turn into a
    // stop sequence, or that ends inside a UTF-8 character, is held back until it cannot.
    size_t hold = 0;
    for (const std::string& s : gr.stop) hold = std::max(hold, s.size());
    hold = hold > 0 ? hold - 1 : 0;
    auto shared_job = job.value();
    const std::string name = m.name;
    LoadedModel* mp = &m;
    const std::string body_copy = req.body;
    const int top_k = gr.logprobs;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, shared_job, chat, id, created, object, name, mp, hold, body_copy, tokens_in, seed,
         top_k, sent = size_t{0}, lp_sent = size_t{0},
         first = true](size_t, httplib::DataSink& sink) mutable {
          auto event = [&](const json& j) {
            const std::string s = "data: " + j.dump() + "\n\n";
            return sink.write(s.data(), s.size());
          };
          // The logprobs of the tokens whose text is out once `upto` bytes are: every token
          // ending by then (or, at the end, every token that shows at all).
          auto logprobs_upto = [&](size_t upto, bool last) -> json {
            if (top_k < 0) return nullptr;
            std::vector<infer::TokenLogprob> lps = shared_job->LogprobsFrom(lp_sent);
            if (last) {
              lps = Visible(std::move(lps), upto, *mp->tok);
            } else {
              size_t take = 0;
              while (take < lps.size() && lps[take].text_end <= upto) ++take;
              lps.resize(take);
            }
            lp_sent += lps.size();
            return LogprobsJson(lps, chat, top_k, *mp->tok);
          };
          auto chunk = [&](const std::string& piece, const json& finish, json logprobs) {
            json choice = {{"index", 0}, {"finish_reason", finish}, {"logprobs", std::move(logprobs)}};
            if (chat) {
              json delta = {{"content", piece}};
              if (first) delta["role"] = "assistant";
              choice["delta"] = delta;
            } else {
              choice["text"] = piece;
            }
            first = false;
            return json{{"id", id}, {"object", chat ? "chat.completion.chunk" : object},
                        {"created", created}, {"model", name}, {"choices", {choice}}};
          };
          bool done = false;
          while (!done) {
            const std::string so_far =
                shared_job->WaitText(sent, std::chrono::milliseconds(200), &done);
            size_t upto = done ? so_far.size() : (so_far.size() > hold ? so_far.size() - hold : 0);
            upto = Utf8SafePrefix(so_far, std::max(upto, sent));
            if (upto > sent) {
              if (!event(chunk(so_far.substr(sent, upto - sent), nullptr, logprobs_upto(upto, false)))) {
                shared_job->Cancel();  // the client went away
                return false;
              }
              sent = upto;
            }
          }
          const infer::GenerateResult r = shared_job->Wait();
          if (!shared_job->error().empty()) {
            event(ErrorBody(shared_job->error(), "server_error"));
          } else {
            json last = chunk("", r.finish_reason, logprobs_upto(r.text.size(), true));
            last["usage"] = {{"prompt_tokens", tokens_in},
                             {"completion_tokens", r.tokens.size()},
                             {"total_tokens", tokens_in + r.tokens.size()}};
            last["receipt"] = Receipt(*mp, body_copy, r, tokens_in, seed, id, created);
            last["output_tokens"] = r.tokens;
            event(last);
          }
          const std::string end = "data: [DONE]\n\n";
          sink.write(end.data(), end.size());
          sink.done();
          return true;
        });
  }

  void Models(const httplib::Request&, httplib::Response& res) {
    json data = json::array();
    for (auto& [n, m] : models) {
      data.push_back({{"id", n}, {"object", "model"}, {"created", 0}, {"owned_by", "depinfer"},
                      {"model_sha256", m.model->id()}});
    }
    res.set_content(json{{"object", "list"}, {"data", data}}.dump(), "application/json");
  }

  void Metrics(const httplib::Request&, httplib::Response& res) {
    std::string out;
    auto line = [&](const std::string& name, const std::string& labels, double v) {
      out += name + labels + " " + std::to_string(v) + "\n";
    };
    out += "# TYPE depinfer_requests_total counter\n# TYPE depinfer_tokens_generated_total counter\n"
           "# TYPE depinfer_prompt_tokens_total counter\n# TYPE depinfer_rejected_total counter\n"
           "# TYPE depinfer_queue_depth gauge\n# TYPE depinfer_active_sequences gauge\n"
           "# TYPE depinfer_time_to_first_token_seconds summary\n"
           "# TYPE depinfer_tokens_per_second gauge\n";
    const double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (auto& [n, m] : models) {
      const EngineStats s = m.engine->stats();
      const std::string l = "{model=\"" + n + "\"}";
      line("depinfer_requests_total", l, static_cast<double>(s.requests));
      line("depinfer_tokens_generated_total", l, static_cast<double>(s.tokens_out));
      line("depinfer_prompt_tokens_total", l, static_cast<double>(s.tokens_in));
      line("depinfer_rejected_total", l, static_cast<double>(s.rejected));
      line("depinfer_queue_depth", l, static_cast<double>(s.queued));
      line("depinfer_active_sequences", l, static_cast<double>(s.active));
      line("depinfer_time_to_first_token_seconds_sum", l, s.ttft_sum);
      line("depinfer_time_to_first_token_seconds_count", l, static_cast<double>(s.ttft_count));
      line("depinfer_tokens_per_second", l, up > 0 ? static_cast<double>(s.tokens_out) / up : 0);
    }
    res.set_content(out, "text/plain; version=0.0.4");
  }

  // The route table: every endpoint, each wrapped so that errors become OpenAI error JSON.
  void Routes() {
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
    auto wrap = [](Handler h) {
      return [h](const httplib::Request& req, httplib::Response& res) {
        try {
          h(req, res);
        } catch (const HttpError& e) {
          SendError(res, e.status, e.type, e.what());
        } catch (const std::exception& e) {
          SendError(res, 500, "server_error", e.what());
        }
      };
    };
    http.Get("/v1/models", wrap([this](auto& q, auto& s) { Models(q, s); }));
    http.Post("/v1/chat/completions", wrap([this](auto& q, auto& s) { Complete(q, s, true); }));
    http.Post("/v1/completions", wrap([this](auto& q, auto& s) { Complete(q, s, false); }));
    http.Get("/metrics", wrap([this](auto& q, auto& s) { Metrics(q, s); }));
    // Errors httplib raises itself (unknown route, body over the limit) get the same shape.
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      const std::string msg = res.status == 404   ? "no such route"
                              : res.status == 413 ? "request body too large"
                                                  : "request failed";
      SendError(res, res.status, "invalid_request_error", msg);
    });
    http.set_payload_max_length(opt.max_body);
    // Enough handler threads for every request the engine may hold, plus headroom.
    const int pool = opt.max_active + opt.max_queue + 4;
    http.new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
  }
};

ProviderServer::ProviderServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProviderServer::~ProviderServer() { Stop(); }

infer::Result<std::unique_ptr<ProviderServer>> ProviderServer::Create(const ServerOptions& o) {
  if (sodium_init() < 0) return Status::Error("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>();
  impl->opt = o;
  std::error_code ec;
  if (!std::filesystem::is_directory(o.models_dir, ec)) {
    return Status::Error("models directory " + o.models_dir + " does not exist");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(o.models_dir)) {
    if (e.path().extension() == ".gguf") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    auto model = infer::Model::Load(path.string());
    if (!model.ok()) return model.status();
    auto tok = infer::Tokenizer::FromGguf(model.value()->file());
    if (!tok.ok()) return Status::Error(path.string() + ": " + tok.status().message());
    LoadedModel m;
    m.name = path.stem().string();
    m.model = std::move(model.value());
    m.tok = std::make_unique<infer::Tokenizer>(std::move(tok.value()));
    (void)m.model->id();  // hash the file now, not during the first request
    m.engine = std::make_unique<Engine>(*m.model, *m.tok,
                                        EngineOptions{o.threads, o.max_active, o.max_queue});
    impl->models.emplace(m.name, std::move(m));
  }
  if (impl->models.empty()) return Status::Error("no .gguf models in " + o.models_dir);

  if (!o.key_file.empty()) {
    std::ifstream in(o.key_file);
    std::string hex;
    in >> hex;
    size_t len = 0;
    if (sodium_hex2bin(impl->sk, sizeof(impl->sk), hex.data(), hex.size(), nullptr, &len,
                       nullptr) != 0 || len != sizeof(impl->sk)) {
      return Status::Error("key file " + o.key_file + " must hold a 64-byte Ed25519 secret key in hex");
    }
    crypto_sign_ed25519_sk_to_pk(impl->pk, impl->sk);
  } else {
    crypto_sign_keypair(impl->pk, impl->sk);
  }
  impl->pk_hex = Hex(impl->pk, sizeof(impl->pk));
  impl->Routes();
  if (o.port == 0) {
    impl->port = impl->http.bind_to_any_port(o.host.c_str());
  } else {
    impl->port = impl->http.bind_to_port(o.host.c_str(), o.port) ? o.port : -1;
  }
  if (impl->port <= 0) {
    return Status::Error("cannot listen on " + o.host + ":" + std::to_string(o.port));
  }
  return std::unique_ptr<ProviderServer>(new ProviderServer(std::move(impl)));
}

int ProviderServer::port() const { return impl_->port; }
const std::string& ProviderServer::public_key_hex() const { return impl_->pk_hex; }
void ProviderServer::Run() { impl_->http.listen_after_bind(); }
void ProviderServer::Stop() {
  if (impl_) impl_->http.stop();
}

bool VerifyReceipt(const std::string& receipt_json, std::string* why) {
  json rc;
  try {
    rc = json::parse(receipt_json);
  } catch (const json::exception& e) {
    *why = std::string("not JSON: ") + e.what();
    return false;
  }
  if (!rc.is_object() || !rc.contains("signature") || !rc.contains("provider_key") ||
      !rc["signature"].is_string() || !rc["provider_key"].is_string()) {
    *why = "receipt lacks signature or provider_key";
    return false;
  }
  unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
  const std::string sh = rc["signature"], ph = rc["provider_key"];
  size_t n1 = 0, n2 = 0;
  if (sodium_hex2bin(sig, sizeof(sig), sh.data(), sh.size(), nullptr, &n1, nullptr) != 0 ||
      n1 != sizeof(sig) ||
      sodium_hex2bin(pk, sizeof(pk), ph.data(), ph.size(), nullptr, &n2, nullptr) != 0 ||
      n2 != sizeof(pk)) {
    *why = "signature or key is not valid hex of the right length";
    return false;
  }
  rc.erase("signature");
  const std::string msg = rc.dump();
  if (crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(msg.data()),
                                  msg.size(), pk) != 0) {
    *why = "signature does not match";
    return false;
  }
  return true;
}

}  // namespace depinfer::api
