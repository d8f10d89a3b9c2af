#include "api/openai_server.h"

#include <sodium.h>

#include <chrono>
#include <cstring>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "api/completion_request.h"
#include "api/engine.h"
#include "api/http_server.h"

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

HttpResponse OpenAiError(int status, const std::string& type, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = JsonText(ErrorBody(message, type));
  return r;
}

// The errors the HTTP server makes itself (unknown route, body over the limit, too many
// connections) in the same shape, typed as OpenAI's clients expect.
HttpResponse ServerError(int status, std::string_view, std::string_view message) {
  const char* type = status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return OpenAiError(status, type, std::string(message));
}

// A completion's text is the model's bytes and can be invalid UTF-8 (max_tokens can cut a
// character, a token can be a lone byte): JsonText shows such bytes as U+FFFD. Receipts hash
// the bytes themselves, which an auditor rebuilds from the output tokens.
HttpResponse JsonResponse(const json& j) {
  HttpResponse r;
  r.body = JsonText(j);
  return r;
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

// One completion request being answered: what every choice's JSON and receipt need.
struct Answer {
  LoadedModel* m = nullptr;
  bool chat = false;
  std::string id, object;
  std::string body;  // the request bytes, which receipts hash
  int64_t created = 0;
  int tokens_in = 0;
  int top_k = -1;  // logprobs asked for, -1 none
  std::vector<std::shared_ptr<Job>> jobs;  // one per choice, index = choice
  std::vector<uint64_t> seeds;             // each choice's effective seed
  bool usage_chunk = false;  // stream_options.include_usage: a last chunk with only the usage
  int n() const { return static_cast<int>(jobs.size()); }
};

// Where a streamed choice stands: bytes of text and logprob entries sent so far.
struct ChoiceStream {
  size_t sent = 0, lp_sent = 0;
  bool first = true, finished = false;
};

json UsageJson(int tokens_in, size_t tokens_out) {
  return {{"prompt_tokens", tokens_in},
          {"completion_tokens", tokens_out},
          {"total_tokens", tokens_in + tokens_out}};
}

}  // namespace

struct ProviderServer::Impl {
  ServerOptions opt;
  std::map<std::string, LoadedModel> models;  // by name (file stem)
  std::unique_ptr<HttpServer> http;
  int port = 0;
  std::mutex run_mu;
  std::condition_variable run_cv;
  bool stopped = false;
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

  // Choice `choice`'s receipt. With n > 1 it also names the choice (its seed is the choice's
  // own, see ChoiceSeed); an n = 1 receipt keeps the fields it had before n existed.
  json Receipt(const Answer& a, int choice, const infer::GenerateResult& r) {
    json rc = {{"provider_key", pk_hex},       {"model_id", a.m->model->id()},
               {"request_hash", Blake2bHex(a.body)}, {"output_hash", Blake2bHex(r.text)},
               {"output_tokens_hash", TokensHashHex(r.tokens)},
               {"transcript", r.transcript},   {"tokens_in", a.tokens_in},
               {"tokens_out", r.tokens.size()}, {"seed", a.seeds[choice]},
               {"request_id", a.id},           {"created", a.created}};
    if (a.n() > 1) rc["choice"] = choice;
    const std::string msg = rc.dump();  // keys sorted: a canonical form to sign
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                         msg.size(), sk);
    rc["signature"] = Hex(sig, sizeof(sig));
    return rc;
  }

  ~Impl() { sodium_memzero(sk, sizeof(sk)); }

  HttpResponse Complete(const HttpRequest& req, bool chat) {
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
    bool stream = false;
    if (auto it = body.find("stream"); it != body.end() && !it->is_null()) {
      if (!it->is_boolean()) throw HttpError(400, "invalid_request_error", "stream must be a boolean");
      stream = it->get<bool>();
    }
    const bool usage_chunk = IncludeUsage(body, stream);
    auto a = Start(m, gr, ChoiceCount(body).value(), chat, req.body);  // n checked by Build...
    a->usage_chunk = usage_chunk;
    return stream ? SendStream(a, gr.stop) : SendWhole(*a);
  }

  // OpenAI's stream_options: an object (or null) allowed only with stream, whose include_usage
  // (a boolean) asks for one more chunk before [DONE], with empty `choices` and the usage.
  static bool IncludeUsage(const json& body, bool stream) {
    auto it = body.find("stream_options");
    if (it == body.end() || it->is_null()) return false;
    if (!it->is_object()) throw HttpError(400, "invalid_request_error", "stream_options must be an object");
    if (!stream) {
      throw HttpError(400, "invalid_request_error", "stream_options is only allowed when stream is true");
    }
    auto u = it->find("include_usage");
    if (u == it->end() || u->is_null()) return false;
    if (!u->is_boolean()) {
      throw HttpError(400, "invalid_request_error", "stream_options.include_usage must be a boolean");
    }
    return u->get<bool>();
  }

  // Queues the request's n choices (each with its own seed) as n sequences of the batch.
  std::shared_ptr<Answer> Start(LoadedModel& m, const infer::GenerateRequest& gr, int n, bool chat,
                                const std::string& body) {
    auto a = std::make_shared<Answer>();
    std::vector<infer::GenerateRequest> choices;
    for (int i = 0; i < n; ++i) {
      choices.push_back(ForChoice(gr, i));
      a->seeds.push_back(choices.back().sampling.seed);
    }
    auto jobs = m.engine->Submit(choices);
    if (!jobs.ok()) {
      if (jobs.status().message() == "busy") {
        throw HttpError(429, "rate_limit_error", "too many requests in flight; retry later");
      }
      throw HttpError(400, "invalid_request_error", jobs.status().message());
    }
    a->m = &m;
    a->chat = chat;
    a->id = RandomId(chat ? "chatcmpl-" : "cmpl-");
    a->object = chat ? "chat.completion" : "text_completion";
    a->body = body;
    a->created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
    a->tokens_in = static_cast<int>(gr.prompt.size());
    a->top_k = gr.logprobs;
    a->jobs = std::move(jobs.value());
    return a;
  }

  HttpResponse SendStream(std::shared_ptr<Answer> a, const std::vector<std::string>& stop) {
    // Text that might still turn into a stop sequence is held back until it cannot.
    size_t hold = 0;
    for (const std::string& s : stop) hold = std::max(hold, s.size());
    hold = hold > 0 ? hold - 1 : 0;
    std::vector<ChoiceStream> streams(a->n());
    HttpResponse res;
    res.content_type = "text/event-stream";
    res.stream = [this, a, hold, streams](const ChunkWriter& sink) mutable {
      if (!Stream(*a, hold, streams, sink)) {
        for (auto& j : a->jobs) j->Cancel();  // the client went away
        return;
      }
      sink("data: [DONE]\n\n");
    };
    return res;
  }

  // A finished choice as it appears in `choices` of a whole response. Every choice carries its
  // own receipt and output tokens (what an auditor re-executes).
  json WholeChoice(const Answer& a, int i, const infer::GenerateResult& r) {
    json choice = {{"index", i}, {"finish_reason", r.finish_reason}, {"logprobs", nullptr}};
    if (a.top_k >= 0) {
      const auto shown = Visible(r.logprobs, r.text.size(), *a.m->tok);
      choice["logprobs"] = LogprobsJson(shown, a.chat, a.top_k, *a.m->tok);
    }
    if (a.chat) {
      choice["message"] = {{"role", "assistant"}, {"content", r.text}};
    } else {
      choice["text"] = r.text;
    }
    choice["output_tokens"] = r.tokens;
    choice["receipt"] = Receipt(a, i, r);
    return choice;
  }

  HttpResponse SendWhole(const Answer& a) {
    std::vector<infer::GenerateResult> results;
    for (auto& j : a.jobs) results.push_back(j->Wait());
    for (auto& j : a.jobs) {
      if (!j->error().empty()) throw std::runtime_error(j->error());
    }
    json choices = json::array();
    size_t tokens_out = 0;
    for (int i = 0; i < a.n(); ++i) {
      choices.push_back(WholeChoice(a, i, results[i]));
      tokens_out += results[i].tokens.size();
    }
    // The top level keeps choice 0's receipt and tokens, where clients written before n look.
    json out = {{"id", a.id},          {"object", a.object},
                {"created", a.created}, {"model", a.m->name},
                {"choices", choices},
                {"usage", UsageJson(a.tokens_in, tokens_out)},
                {"system_fingerprint", "depinfer-" + a.m->model->id().substr(0, 16)},
                {"output_tokens", choices[0]["output_tokens"]},
                {"receipt", choices[0]["receipt"]}};
    return JsonResponse(out);
  }

  // Streams every choice as server-sent events until all have ended (or one failed), chunks of
  // different choices interleaved as their text comes. Text ending inside a UTF-8 character,
  // or within `hold` bytes of the end while a stop sequence could still match, waits. Returns
  // false if the client went away.
  bool Stream(const Answer& a, size_t hold, std::vector<ChoiceStream>& streams,
              const ChunkWriter& sink) {
    auto event = [&](const json& j) { return sink("data: " + JsonText(j) + "\n\n"); };
    const std::shared_ptr<JobSignal> signal = a.jobs[0]->signal();
    int open = a.n();
    size_t tokens_out = 0;
    while (open > 0) {
      const uint64_t seen = signal->version();  // before looking, so no change is missed
      bool wrote = false;
      for (int i = 0; i < a.n(); ++i) {
        ChoiceStream& s = streams[i];
        if (s.finished) continue;
        Job& job = *a.jobs[i];
        bool done = false;
        const std::string so_far = job.WaitText(s.sent, std::chrono::milliseconds(0), &done);
        size_t upto = done ? so_far.size() : (so_far.size() > hold ? so_far.size() - hold : 0);
        upto = Utf8SafePrefix(so_far, std::max(upto, s.sent));
        if (upto > s.sent) {
          json lps = StreamedLogprobs(a, job, s, upto, false);
          const std::string piece = so_far.substr(s.sent, upto - s.sent);
          if (!event(Chunk(a, i, s, piece, nullptr, std::move(lps)))) return false;
          s.sent = upto;
          wrote = true;
        }
        if (!done) continue;
        const infer::GenerateResult r = job.Wait();
        if (!job.error().empty()) {
          for (auto& j : a.jobs) j->Cancel();
          event(ErrorBody(job.error(), "server_error"));
          return true;
        }
        // The chunk that ends the last choice also carries the usage of them all.
        tokens_out += r.tokens.size();
        json last = LastChunk(a, i, s, r);
        if (--open == 0) last["usage"] = UsageJson(a.tokens_in, tokens_out);
        if (!event(last)) return false;
        if (open == 0 && a.usage_chunk) {
          if (!event(json{{"id", a.id}, {"object", a.chat ? "chat.completion.chunk" : a.object},
                          {"created", a.created}, {"model", a.m->name},
                          {"choices", json::array()},
                          {"usage", UsageJson(a.tokens_in, tokens_out)}})) {
            return false;
          }
        }
        s.finished = true;
        wrote = true;
      }
      if (open > 0 && !wrote) signal->WaitPast(seen, std::chrono::milliseconds(200));
    }
    return true;
  }

  // The chunk that ends choice i: its finish reason, the logprobs not sent yet, and its receipt
  // and tokens, in the choice and (as for n = 1, where tools look) at the top level.
  json LastChunk(const Answer& a, int i, ChoiceStream& s, const infer::GenerateResult& r) {
    json lps = StreamedLogprobs(a, *a.jobs[i], s, r.text.size(), true);
    json last = Chunk(a, i, s, "", r.finish_reason, std::move(lps));
    last["choices"][0]["receipt"] = Receipt(a, i, r);
    last["choices"][0]["output_tokens"] = r.tokens;
    last["receipt"] = last["choices"][0]["receipt"];
    last["output_tokens"] = r.tokens;
    return last;
  }

  // One chunk of choice i: `piece` of its text, with the logprobs of the tokens that spell it.
  json Chunk(const Answer& a, int i, ChoiceStream& s, const std::string& piece, const json& finish,
             json logprobs) {
    json choice = {{"index", i}, {"finish_reason", finish}, {"logprobs", std::move(logprobs)}};
    if (a.chat) {
      json delta = {{"content", piece}};
      if (s.first) delta["role"] = "assistant";
      choice["delta"] = delta;
    } else {
      choice["text"] = piece;
    }
    s.first = false;
    return json{{"id", a.id}, {"object", a.chat ? "chat.completion.chunk" : a.object},
                {"created", a.created}, {"model", a.m->name}, {"choices", {choice}}};
  }

  // The logprobs of the tokens whose text is out once `upto` bytes are: every token ending by
  // then (or, at the end, every token that shows at all).
  json StreamedLogprobs(const Answer& a, Job& job, ChoiceStream& s, size_t upto, bool last) {
    if (a.top_k < 0) return nullptr;
    std::vector<infer::TokenLogprob> lps = job.LogprobsFrom(s.lp_sent);
    if (last) {
      lps = Visible(std::move(lps), upto, *a.m->tok);
    } else {
      size_t take = 0;
      while (take < lps.size() && lps[take].text_end <= upto) ++take;
      lps.resize(take);
    }
    s.lp_sent += lps.size();
    return LogprobsJson(lps, a.chat, a.top_k, *a.m->tok);
  }

  HttpResponse Models() {
    json data = json::array();
    for (auto& [n, m] : models) {
      data.push_back({{"id", n}, {"object", "model"}, {"created", 0}, {"owned_by", "depinfer"},
                      {"model_sha256", m.model->id()}});
    }
    return JsonResponse(json{{"object", "list"}, {"data", data}});
  }

  HttpResponse Metrics() {
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
    HttpResponse res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = std::move(out);
    return res;
  }

  // The route table: every endpoint, each wrapped so that errors become OpenAI error JSON.
  void Routes() {
    auto wrap = [](std::function<HttpResponse(const HttpRequest&)> h) -> HttpHandler {
      return [h](const HttpRequest& req) {
        try {
          return h(req);
        } catch (const HttpError& e) {
          return OpenAiError(e.status, e.type, e.what());
        } catch (const std::exception& e) {
          return OpenAiError(500, "server_error", e.what());
        }
      };
    };
    http->Route("GET", "/v1/models", wrap([this](const HttpRequest&) { return Models(); }));
    http->Route("POST", "/v1/chat/completions", wrap([this](const HttpRequest& q) { return Complete(q, true); }));
    http->Route("POST", "/v1/completions", wrap([this](const HttpRequest& q) { return Complete(q, false); }));
    http->Route("GET", "/metrics", wrap([this](const HttpRequest&) { return Metrics(); }));
  }
};

ProviderServer::ProviderServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProviderServer::~ProviderServer() { Stop(); }

infer::Result<std::unique_ptr<ProviderServer>> ProviderServer::Create(const ServerOptions& o) {
  if (sodium_init() < 0) return Status::Error("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>();
  impl->opt = o;
  // The key first: a bad key file fails in milliseconds, before the models load.
  if (!o.key_file.empty()) {
    std::ifstream in(o.key_file);
    if (!in) return Status::Error("cannot read the key file " + o.key_file);
    std::string hex;
    in >> hex;
    size_t len = 0;
    const bool parsed = sodium_hex2bin(impl->sk, sizeof(impl->sk), hex.data(), hex.size(), nullptr,
                                       &len, nullptr) == 0 && len == sizeof(impl->sk);
    sodium_memzero(hex.data(), hex.size());
    if (!parsed) {
      return Status::Error("key file " + o.key_file + " must hold a 64-byte Ed25519 secret key in hex");
    }
    // libsodium's secret key is seed || public key, and signing hashes the stored half: a
    // file whose halves do not match would sign receipts nobody can verify.
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk, impl->sk);
    const bool consistent = sodium_memcmp(sk, impl->sk, sizeof(sk)) == 0;
    sodium_memzero(sk, sizeof(sk));
    if (!consistent) {
      return Status::Error("key file " + o.key_file +
                           ": its second half is not the public key of its first (seed) half");
    }
    std::memcpy(impl->pk, pk, sizeof(pk));
  } else {
    crypto_sign_keypair(impl->pk, impl->sk);
  }
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

  impl->pk_hex = Hex(impl->pk, sizeof(impl->pk));
  HttpServer::Options ho;
  ho.bind = o.host;
  ho.port = static_cast<std::uint16_t>(o.port);
  ho.max_body_bytes = o.max_body;
  ho.error = ServerError;
  if (o.port < 0 || o.port > 65535) return Status::Error("port must be 0-65535");
  impl->http = std::make_unique<HttpServer>(ho);
  impl->Routes();
  if (const depinfer::Status st = impl->http->Start(); !st.ok()) return Status::Error(st.message());
  impl->port = impl->http->port();
  return std::unique_ptr<ProviderServer>(new ProviderServer(std::move(impl)));
}

int ProviderServer::port() const { return impl_->port; }
const std::string& ProviderServer::public_key_hex() const { return impl_->pk_hex; }
void ProviderServer::Run() {
  std::unique_lock<std::mutex> lock(impl_->run_mu);
  impl_->run_cv.wait(lock, [&] { return impl_->stopped; });
}
void ProviderServer::Stop() {
  if (!impl_) return;
  if (impl_->http) impl_->http->Stop();
  std::lock_guard<std::mutex> lock(impl_->run_mu);
  impl_->stopped = true;
  impl_->run_cv.notify_all();
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
