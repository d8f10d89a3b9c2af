// The provider server end to end over HTTP, on the real model (skipped when it is absent).
#include "api/openai_server.h"

#include "api/audit.h"
#include "api/completion_request.h"
#include "api/engine.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "infer/generate.h"

namespace depinfer::api {
namespace {

using json = nlohmann::json;

struct HttpReply {
  int status = 0;
  std::string body;
};

// One request on a fresh connection; nullopt if the server is unreachable or does not answer
// within two minutes. Chunked (streamed) bodies come back whole.
std::optional<HttpReply> Request(int port, boost::beast::http::verb verb, const std::string& target,
                                 const std::string& body = "") {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(120));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)), ec);
  if (ec) return std::nullopt;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (verb == http::verb::post) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  std::optional<HttpReply> out;
  http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
    if (wec) return;
    auto buf = std::make_shared<beast::flat_buffer>();
    auto res = std::make_shared<http::response_parser<http::string_body>>();
    res->body_limit(64 << 20);
    http::async_read(stream, *buf, *res, [&, buf, res](beast::error_code rec, std::size_t) {
      if (!rec) out = HttpReply{static_cast<int>(res->get().result_int()), res->get().body()};
    });
  });
  io.run();
  return out;
}

class Provider : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(std::string(DEPINFER_MODEL_DIR) +
                                 "/SmolLM2-135M-Instruct.Q4_1.gguf")) {
      return;
    }
    ServerOptions o;
    o.models_dir = DEPINFER_MODEL_DIR;
    o.port = 0;
    o.max_body = 64 << 10;
    o.max_tokens = 64;
    o.threads = 1;  // results do not depend on it; one thread is robust on a busy machine
    auto s = ProviderServer::Create(o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = s.value().release();
    thread_ = new std::thread([] { server_->Run(); });
    // Wait until the server accepts connections.
    for (int i = 0; i < 100; ++i) {
      if (Get("/v1/models")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  static void TearDownTestSuite() {
    if (server_ == nullptr) return;
    server_->Stop();
    thread_->join();
    delete thread_;
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << "model not found; run scripts/fetch_model.sh";
  }
  static std::optional<HttpReply> Post(const std::string& path, const std::string& body) {
    return Request(server_->port(), boost::beast::http::verb::post, path, body);
  }
  static std::optional<HttpReply> Get(const std::string& path) {
    return Request(server_->port(), boost::beast::http::verb::get, path);
  }
  static json Chat(const std::string& content, uint64_t seed, int max_tokens = 16) {
    json req = {{"model", "SmolLM2-135M-Instruct.Q4_1"},
                {"messages", {{{"role", "user"}, {"content", content}}}},
                {"max_tokens", max_tokens}, {"temperature", 0.8}, {"top_p", 0.95},
                {"seed", seed}};
    auto r = Post("/v1/chat/completions", req.dump());
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body);
  }
  static ProviderServer* server_;
  static std::thread* thread_;
};
ProviderServer* Provider::server_ = nullptr;
std::thread* Provider::thread_ = nullptr;

TEST_F(Provider, ListsModels) {
  auto r = Get("/v1/models");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json j = json::parse(r->body);
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "SmolLM2-135M-Instruct.Q4_1");
  EXPECT_EQ(j["data"][0]["model_sha256"],
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53");
}

TEST_F(Provider, ChatCompletionCarriesUsageAndASignedReceipt) {
  const json j = Chat("Name a colour.", 5);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  const int out = j["usage"]["completion_tokens"];
  EXPECT_GT(out, 0);
  EXPECT_EQ(j["usage"]["total_tokens"], j["usage"]["prompt_tokens"].get<int>() + out);
  const json& rc = j["receipt"];
  EXPECT_EQ(rc["provider_key"], server_->public_key_hex());
  EXPECT_EQ(rc["tokens_out"], out);
  std::string why;
  EXPECT_TRUE(VerifyReceipt(rc.dump(), &why)) << why;
  json forged = rc;
  forged["tokens_out"] = out + 1;
  EXPECT_FALSE(VerifyReceipt(forged.dump(), &why));
}

TEST_F(Provider, SameSeedSameTextAndAuditableTranscript) {
  const json a = Chat("Write one line about rain.", 77), b = Chat("Write one line about rain.", 77);
  EXPECT_EQ(a["choices"][0]["message"]["content"], b["choices"][0]["message"]["content"]);
  EXPECT_EQ(a["receipt"]["transcript"], b["receipt"]["transcript"]);
  const json c = Chat("Write one line about rain.", 78);
  EXPECT_NE(a["receipt"]["transcript"], c["receipt"]["transcript"]);
}

// Concurrent requests share decode steps, yet each gets the transcript it gets alone.
TEST_F(Provider, ConcurrentRequestsEqualSoloRuns) {
  std::vector<json> solo;
  for (int i = 0; i < 4; ++i) solo.push_back(Chat("Count to " + std::to_string(i + 3), i, 12 + i));
  std::vector<std::future<json>> futs;
  for (int i = 0; i < 4; ++i) {
    futs.push_back(std::async(std::launch::async,
                              [i] { return Chat("Count to " + std::to_string(i + 3), i, 12 + i); }));
  }
  for (int i = 0; i < 4; ++i) {
    const json j = futs[i].get();
    EXPECT_EQ(j["receipt"]["transcript"], solo[i]["receipt"]["transcript"]) << i;
  }
}

TEST_F(Provider, StreamingMatchesTheNonStreamedText) {
  json req = {{"messages", {{{"role", "user"}, {"content", "Name two fruits."}}}},
              {"max_tokens", 16}, {"temperature", 0.8}, {"seed", 9}};
  const json whole = json::parse(Post("/v1/chat/completions", req.dump())->body);
  req["stream"] = true;
  auto r = Post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  std::string text, last;
  size_t pos = 0;
  bool done = false;
  json final_chunk;
  while ((pos = r->body.find("data: ", pos)) != std::string::npos) {
    const size_t end = r->body.find("\n\n", pos);
    const std::string data = r->body.substr(pos + 6, end - pos - 6);
    pos = end;
    if (data == "[DONE]") {
      done = true;
      break;
    }
    const json chunk = json::parse(data);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    text += chunk["choices"][0]["delta"].value("content", "");
    final_chunk = chunk;
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(text, whole["choices"][0]["message"]["content"]);
  EXPECT_EQ(final_chunk["receipt"]["transcript"], whole["receipt"]["transcript"]);
  EXPECT_FALSE(final_chunk["choices"][0]["finish_reason"].is_null());
}

TEST_F(Provider, TextCompletions) {
  auto r = Post("/v1/completions",
                R"({"prompt":"The capital of France is","max_tokens":5,"temperature":0})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_TRUE(j["choices"][0]["text"].is_string());
}

// logprobs / top_logprobs: one entry per output token whose bytes spell the text, the chosen
// token among the alternatives (greedy: the most likely), probabilities that sum to at most 1,
// and the same figures streamed chunk by chunk as in one response.
TEST_F(Provider, LogprobsChatCompletionsAndStreaming) {
  json req = {{"messages", {{{"role", "user"}, {"content", "Name two fruits."}}}},
              {"max_tokens", 12}, {"temperature", 0}, {"logprobs", true}, {"top_logprobs", 3}};
  auto r = Post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json whole = json::parse(r->body);
  const json& content = whole["choices"][0]["logprobs"]["content"];
  ASSERT_TRUE(content.is_array());
  ASSERT_FALSE(content.empty());
  std::string spelled;
  for (const json& e : content) {
    for (const json& b : e["bytes"]) spelled.push_back(static_cast<char>(b.get<int>()));
    ASSERT_EQ(e["top_logprobs"].size(), 3u);
    EXPECT_LE(e["logprob"].get<double>(), 0.0);
    // Greedy: the chosen token is the most likely one, with the same log-probability.
    EXPECT_EQ(e["top_logprobs"][0]["token"], e["token"]);
    EXPECT_DOUBLE_EQ(e["top_logprobs"][0]["logprob"].get<double>(), e["logprob"].get<double>());
    double mass = 0;
    for (const json& t : e["top_logprobs"]) mass += std::exp(t["logprob"].get<double>());
    EXPECT_LE(mass, 1.0 + 1e-9);
    EXPECT_GE(e["top_logprobs"][0]["logprob"].get<double>(), e["top_logprobs"][1]["logprob"].get<double>());
  }
  const std::string text = whole["choices"][0]["message"]["content"];
  EXPECT_EQ(spelled.substr(0, text.size()), text);

  req["stream"] = true;
  r = Post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json streamed = json::array();
  size_t pos = 0;
  while ((pos = r->body.find("data: ", pos)) != std::string::npos) {
    const size_t end = r->body.find("\n\n", pos);
    const std::string data = r->body.substr(pos + 6, end - pos - 6);
    pos = end;
    if (data == "[DONE]") break;
    const json chunk = json::parse(data);
    const json& lp = chunk["choices"][0]["logprobs"];
    ASSERT_TRUE(lp.is_object()) << data;
    for (const json& e : lp["content"]) streamed.push_back(e);
  }
  EXPECT_EQ(streamed, content);

  // Without logprobs the field is null.
  req.erase("stream");
  req.erase("top_logprobs");
  req["logprobs"] = false;
  EXPECT_TRUE(json::parse(Post("/v1/chat/completions", req.dump())->body)["choices"][0]["logprobs"].is_null());
}

TEST_F(Provider, LogprobsTextCompletions) {
  auto r = Post("/v1/completions",
                R"({"prompt":"The capital of France is","max_tokens":5,"temperature":0,"logprobs":2})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  const json& lp = j["choices"][0]["logprobs"];
  const size_t n = lp["tokens"].size();
  ASSERT_GT(n, 0u);
  ASSERT_EQ(lp["token_logprobs"].size(), n);
  ASSERT_EQ(lp["top_logprobs"].size(), n);
  ASSERT_EQ(lp["text_offset"].size(), n);
  EXPECT_EQ(lp["text_offset"][0], 0);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(lp["top_logprobs"][i].size(), 2u);
    EXPECT_LE(lp["token_logprobs"][i].get<double>(), 0.0);
  }
}

// max_tokens can end a completion inside a UTF-8 character (here the first of the emoji's
// bytes); the answer is still a 200 whose JSON shows the stray bytes as U+FFFD, and its
// receipt, over the bytes themselves, passes the audit.
TEST_F(Provider, ACompletionCutInsideACharacterIsServed) {
  auto model = infer::Model::Load(std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf");
  ASSERT_TRUE(model.ok());
  auto tok = infer::Tokenizer::FromGguf(model.value()->file());
  ASSERT_TRUE(tok.ok());
  for (const bool stream : {false, true}) {
    const std::string request = json{{"prompt", "Reply with only this emoji: \xF0\x9F\x8E\x89\xF0\x9F\x8E\x89"},
                                     {"max_tokens", 1}, {"temperature", 0}, {"stream", stream}}.dump();
    auto r = Post("/v1/completions", request);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    if (stream) {
      EXPECT_NE(r->body.find("data: [DONE]"), std::string::npos);
      continue;
    }
    const json j = json::parse(r->body);  // valid JSON, valid UTF-8
    EXPECT_EQ(j["choices"][0]["output_tokens"].size(), 1u);
    auto out = AuditResponse(*model.value(), tok.value(), request, r->body, infer::ForwardOptions());
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_TRUE(out.value().ok()) << out.value().detail;
  }
}

// OpenAI's content parts: text parts are read in order, as if the message were their text.
TEST_F(Provider, TextContentPartsReadAsTheirText) {
  auto ask = [](const json& content) {
    json req = {{"messages", {{{"role", "user"}, {"content", content}}}}, {"max_tokens", 6},
                {"temperature", 0.8}, {"seed", 3}};
    auto r = Post("/v1/chat/completions", req.dump());
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return r ? json::parse(r->body)["choices"][0]["output_tokens"] : json();
  };
  const json parts = json::array({{{"type", "text"}, {"text", "Name a "}}, {{"type", "text"}, {"text", "colour."}}});
  EXPECT_EQ(ask(parts), ask("Name a colour."));
}

TEST_F(Provider, BadInputGetsOpenAiErrors) {
  auto expect = [](const std::optional<HttpReply>& r, int status, const char* what) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << what << ": " << r->body;
    const json j = json::parse(r->body);
    EXPECT_TRUE(j["error"]["message"].is_string()) << what;
    EXPECT_TRUE(j["error"]["type"].is_string()) << what;
  };
  expect(Post("/v1/chat/completions", "{not json"), 400, "malformed JSON");
  expect(Post("/v1/chat/completions", R"({"messages":"hi"})"), 400, "messages not an array");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":"9"})"),
         400, "wrong type");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":4,"n":0})"),
         400, "n=0");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":4,"n":9})"),
         400, "n=9");
  expect(Post("/v1/completions", R"({"prompt":"x","max_tokens":4,"n":9})"), 400, "completions n=9");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":4,"n":"2"})"),
         400, "n not an integer");
  const std::string n9 = Post("/v1/completions", R"({"prompt":"x","max_tokens":4,"n":9})")->body;
  EXPECT_NE(n9.find("n must be between 1 and 8"), std::string::npos) << n9;
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21})"),
         400, "top_logprobs over 20");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":2})"),
         400, "top_logprobs without logprobs");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"logprobs":3})"),
         400, "chat logprobs not a boolean");
  expect(Post("/v1/completions", R"({"prompt":"x","logprobs":true})"), 400, "completions logprobs not an integer");
  expect(Post("/v1/chat/completions", R"({"model":"gpt-9","messages":[{"role":"user","content":"x"}]})"),
         404, "unknown model");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":100000})"),
         400, "max_tokens over the cap");
  std::string words;
  for (int i = 0; i < 3000; ++i) words += "tok" + std::to_string(i) + " ";
  expect(Post("/v1/completions", json{{"prompt", words}, {"max_tokens", 60}}.dump()), 400,
         "prompt over the context");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}})"),
         400, "stream_options without stream");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":true})"),
         400, "stream_options not an object");
  expect(Post("/v1/completions", R"({"prompt":"x","stream":true,"stream_options":{"include_usage":1}})"),
         400, "include_usage not a boolean");
  expect(Post("/v1/chat/completions", std::string(100 << 10, ' ')), 413, "oversized body");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})"),
         400, "an image part");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":[{"type":"text"}]}]})"),
         400, "a text part without text");
  expect(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":7}]})"), 400, "content a number");
  expect(Get("/v1/nothing"), 404, "unknown route");
  expect(Get("/v1/%FF%FE"), 404, "unknown route that is not UTF-8");  // used to end the process
  auto alive = Get("/v1/models");
  ASSERT_TRUE(alive);
  EXPECT_EQ(alive->status, 200);
}

// An auditor with the request bytes and the response re-executes the completion in one pass and
// finds it identical; any change to the answer is caught.
TEST_F(Provider, AuditReExecutesTheServedCompletion) {
  auto model = infer::Model::Load(std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf");
  ASSERT_TRUE(model.ok());
  auto tok = infer::Tokenizer::FromGguf(model.value()->file());
  ASSERT_TRUE(tok.ok());
  const std::string request = json{{"messages", {{{"role", "user"}, {"content", "Tell me a joke."}}}},
                                   {"max_tokens", 24}, {"temperature", 0.9}, {"top_k", 40},
                                   {"seed", 1234}, {"stop", "\n\n"}}.dump();
  auto r = Post("/v1/chat/completions", request);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto out = AuditResponse(*model.value(), tok.value(), request, r->body, infer::ForwardOptions());
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out.value().ok()) << out.value().detail;
  EXPECT_GT(out.value().steps, 0);

  json forged = json::parse(r->body);
  forged["output_tokens"][1] = forged["output_tokens"][1].get<int>() + 1;
  auto bad = AuditResponse(*model.value(), tok.value(), request, forged.dump(), infer::ForwardOptions());
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad.value().ok());
  EXPECT_FALSE(bad.value().output_ok);
  EXPECT_EQ(bad.value().first_mismatch, 1);

  // Another request than the one the receipt was made for is caught too.
  std::string other = request;
  other[other.find("1234")] = '5';
  auto wrong = AuditResponse(*model.value(), tok.value(), other, r->body, infer::ForwardOptions());
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong.value().request_ok);
}

// --- n: several choices per request ---------------------------------------------------------

// The server-sent events of a streamed response, in order; *done says whether `[DONE]` ended them.
std::vector<json> Events(const std::string& body, bool* done) {
  std::vector<json> out;
  *done = false;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    const std::string data = body.substr(pos + 6, end - pos - 6);
    pos = end;
    if (*done) {
      ADD_FAILURE() << "event after [DONE]: " << data;
      break;
    }
    if (data == "[DONE]") {
      *done = true;
      continue;
    }
    out.push_back(json::parse(data));
  }
  return out;
}

// stream_options.include_usage (OpenAI's form): one more chunk before [DONE] with no choices
// and the usage of all of them; the choices' chunks are the same text as without it.
TEST_F(Provider, StreamOptionsIncludeUsageAddsAUsageChunk) {
  json req = {{"messages", {{{"role", "user"}, {"content", "Name two fruits."}}}},
              {"max_tokens", 8}, {"temperature", 0.8}, {"seed", 9}, {"n", 2}, {"stream", true}};
  // Per choice text, the usage, and how many chunks had no choices.
  auto run = [&](const json& options, std::string text[2], json* usage, int* bare) {
    if (!options.is_null()) req["stream_options"] = options;
    bool done = false;
    const std::vector<json> events = Events(Post("/v1/chat/completions", req.dump())->body, &done);
    EXPECT_TRUE(done);
    *bare = 0;
    for (const json& e : events) {
      if (e.contains("usage")) *usage = e["usage"];
      if (e["choices"].empty()) {
        ++*bare;
        continue;
      }
      text[e["choices"][0]["index"].get<int>()] += e["choices"][0]["delta"].value("content", "");
    }
    return events;
  };
  std::string plain[2], with[2], off[2];
  json plain_usage, with_usage, off_usage;
  int bare = 0;
  run(nullptr, plain, &plain_usage, &bare);
  EXPECT_EQ(bare, 0);
  const std::vector<json> events = run({{"include_usage", true}}, with, &with_usage, &bare);
  EXPECT_EQ(bare, 1);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["object"], "chat.completion.chunk");
  EXPECT_TRUE(events.back()["choices"].is_array() && events.back()["choices"].empty());
  EXPECT_EQ(events.back()["usage"], plain_usage);
  EXPECT_EQ(with[0], plain[0]);
  EXPECT_EQ(with[1], plain[1]);
  run({{"include_usage", false}}, off, &off_usage, &bare);
  EXPECT_EQ(bare, 0);
  EXPECT_EQ(off_usage, plain_usage);
}

// The choice seeds are pinned (values from Python's hashlib.blake2b, following the documented
// derivation): receipts and audits made today must stay checkable.
// The receipt key from a file: used when well formed, refused (before serving) when it is not
// hex, the wrong length, missing, or its halves do not belong together.
TEST(ProviderKey, KeyFileIsCheckedBeforeServing) {
  if (!std::filesystem::exists(std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf")) {
    GTEST_SKIP() << "model not found; run scripts/fetch_model.sh";
  }
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  const unsigned char seed[crypto_sign_SEEDBYTES] = {9, 8, 7};
  crypto_sign_seed_keypair(pk, sk, seed);
  auto hex = [](const unsigned char* p, size_t n) {
    std::string out(2 * n + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), p, n);
    out.pop_back();
    return out;
  };
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("depinfer_key_" + std::to_string(getpid()))).string();
  auto create = [&](const std::string& contents) {
    { std::ofstream(path) << contents << "\n"; }
    ServerOptions o;
    o.models_dir = DEPINFER_MODEL_DIR;
    o.port = 0;
    o.key_file = path;
    return ProviderServer::Create(o);
  };
  auto good = create(hex(sk, sizeof sk));
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good.value()->public_key_hex(), hex(pk, sizeof pk));
  good.value().reset();
  unsigned char swapped[sizeof sk];
  std::memcpy(swapped, sk, sizeof sk);
  swapped[40] ^= 1;  // the public half no longer matches the seed
  EXPECT_FALSE(create(hex(swapped, sizeof swapped)).ok());
  EXPECT_FALSE(create(hex(sk, 32)).ok());
  EXPECT_FALSE(create(std::string(128, 'z')).ok());
  std::filesystem::remove(path);
  ServerOptions missing;
  missing.models_dir = DEPINFER_MODEL_DIR;
  missing.port = 0;
  missing.key_file = path + ".absent";
  EXPECT_FALSE(ProviderServer::Create(missing).ok());
}

TEST(ChoiceSeeds, ChoiceZeroIsTheRequestSeedAndTheOthersArePinned) {
  EXPECT_EQ(ChoiceSeed(1234, 0), 1234u);
  EXPECT_EQ(ChoiceSeed(0, 0), 0u);
  EXPECT_EQ(ChoiceSeed(1234, 1), 6620080764692014224u);
  EXPECT_EQ(ChoiceSeed(0, 7), 5123391568284669994u);
  std::set<uint64_t> seen;
  for (uint64_t seed : {0ull, 1ull, 1234ull, (1ull << 63) - 1}) {
    for (int i = 0; i < kMaxChoices; ++i) {
      const uint64_t s = ChoiceSeed(seed, i);
      EXPECT_LT(s, 1ull << 63) << "not a valid request seed";
      if (i > 0) seen.insert(s);
    }
  }
  EXPECT_EQ(seen.size(), 4u * (kMaxChoices - 1));
}

json NChat(int n, uint64_t seed, int max_tokens = 16) {
  return {{"messages", {{{"role", "user"}, {"content", "Write one line about the sea."}}}},
          {"max_tokens", max_tokens}, {"temperature", 0.9}, {"top_p", 0.95}, {"seed", seed}, {"n", n}};
}

// n = 3: three choices with indices 0..2, each with its own finish reason and signed receipt
// (naming its choice and seed), usage summed over the choices with the prompt counted once; and
// each choice is exactly the n = 1 request with that choice's seed.
TEST_F(Provider, ChoicesAreTheSoloRequestsWithDerivedSeeds) {
  const json req = NChat(3, 21);
  auto r = Post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_EQ(j["choices"].size(), 3u);
  EXPECT_EQ(j["receipt"], j["choices"][0]["receipt"]);
  EXPECT_EQ(j["output_tokens"], j["choices"][0]["output_tokens"]);
  int tokens_out = 0;
  std::set<std::string> transcripts;
  for (int i = 0; i < 3; ++i) {
    const json& c = j["choices"][i];
    EXPECT_EQ(c["index"], i);
    EXPECT_TRUE(c["finish_reason"] == "stop" || c["finish_reason"] == "length") << c;
    EXPECT_EQ(c["message"]["role"], "assistant");
    const json& rc = c["receipt"];
    std::string why;
    EXPECT_TRUE(VerifyReceipt(rc.dump(), &why)) << why;
    EXPECT_EQ(rc["choice"], i);
    EXPECT_EQ(rc["seed"], ChoiceSeed(21, i));
    EXPECT_EQ(rc["tokens_out"], c["output_tokens"].size());
    tokens_out += rc["tokens_out"].get<int>();
    transcripts.insert(rc["transcript"]);

    json solo = req;
    solo["n"] = 1;
    solo["seed"] = ChoiceSeed(21, i);
    const json s = json::parse(Post("/v1/chat/completions", solo.dump())->body);
    EXPECT_EQ(s["choices"][0]["message"]["content"], c["message"]["content"]) << i;
    EXPECT_EQ(s["receipt"]["transcript"], rc["transcript"]) << i;
    EXPECT_EQ(s["output_tokens"], c["output_tokens"]) << i;
    EXPECT_EQ(s["usage"]["prompt_tokens"], j["usage"]["prompt_tokens"]);
  }
  EXPECT_EQ(transcripts.size(), 3u) << "sampled choices should differ";
  EXPECT_EQ(j["usage"]["completion_tokens"], tokens_out);
  EXPECT_EQ(j["usage"]["total_tokens"], j["usage"]["prompt_tokens"].get<int>() + tokens_out);

  // n = 1 is the request without n: same transcript, and a receipt without a choice field.
  json one = req;
  one.erase("n");
  const json o = json::parse(Post("/v1/chat/completions", one.dump())->body);
  EXPECT_EQ(o["receipt"]["transcript"], j["choices"][0]["receipt"]["transcript"]);
  EXPECT_FALSE(o["receipt"].contains("choice"));
  EXPECT_EQ(o["receipt"]["seed"], 21);
}

// Streamed, the chunks of two choices carry their index; reassembled per index they are the
// whole response: text, finish reason, receipt. One [DONE]; usage once, on the last chunk.
TEST_F(Provider, StreamedChoicesReassembleToTheWholeResponse) {
  json req = NChat(2, 5, 20);
  req["stop"] = "sea";  // exercises the held-back text of each choice
  const json whole = json::parse(Post("/v1/chat/completions", req.dump())->body);
  ASSERT_EQ(whole["choices"].size(), 2u) << whole;
  req["stream"] = true;
  auto r = Post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  bool done = false;
  const std::vector<json> events = Events(r->body, &done);
  EXPECT_TRUE(done);
  std::string text[2];
  json finish[2], receipt[2];
  int chunks[2] = {0, 0}, usages = 0;
  for (const json& e : events) {
    ASSERT_EQ(e["object"], "chat.completion.chunk") << e;
    ASSERT_EQ(e["choices"].size(), 1u);
    const int i = e["choices"][0]["index"];
    ASSERT_TRUE(i == 0 || i == 1) << e;
    EXPECT_TRUE(finish[i].is_null()) << "chunk after choice " << i << " finished";
    EXPECT_EQ(e["choices"][0]["delta"].contains("role"), chunks[i]++ == 0) << e;
    text[i] += e["choices"][0]["delta"].value("content", "");
    finish[i] = e["choices"][0]["finish_reason"];
    if (!finish[i].is_null()) {
      receipt[i] = e["choices"][0]["receipt"];
      EXPECT_EQ(e["receipt"], receipt[i]);
      EXPECT_EQ(e["output_tokens"], whole["choices"][i]["output_tokens"]);
    }
    if (e.contains("usage")) {
      ++usages;
      EXPECT_EQ(&e, &events.back()) << "usage before the last chunk";
      EXPECT_EQ(e["usage"], whole["usage"]);
    }
  }
  EXPECT_EQ(usages, 1);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(text[i], whole["choices"][i]["message"]["content"]) << i;
    EXPECT_EQ(finish[i], whole["choices"][i]["finish_reason"]) << i;
    EXPECT_EQ(receipt[i]["transcript"], whole["choices"][i]["receipt"]["transcript"]) << i;
    EXPECT_EQ(receipt[i]["choice"], i);
    std::string why;
    EXPECT_TRUE(VerifyReceipt(receipt[i].dump(), &why)) << why;
  }
}

// /v1/completions with n = 2 and logprobs: each choice has its own text and logprobs, streamed
// per index the same as whole.
TEST_F(Provider, TextCompletionChoicesWithLogprobs) {
  json req = {{"prompt", "A short poem about autumn:"}, {"max_tokens", 10}, {"temperature", 1.0},
              {"seed", 3}, {"n", 2}, {"logprobs", 2}};
  auto r = Post("/v1/completions", req.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json whole = json::parse(r->body);
  ASSERT_EQ(whole["choices"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const json& c = whole["choices"][i];
    EXPECT_EQ(c["index"], i);
    EXPECT_TRUE(c["text"].is_string());
    EXPECT_FALSE(c["logprobs"]["tokens"].empty());
    EXPECT_EQ(c["receipt"]["seed"], ChoiceSeed(3, i));
  }
  req["stream"] = true;
  r = Post("/v1/completions", req.dump());
  ASSERT_TRUE(r);
  bool done = false;
  std::string text[2];
  json tokens[2] = {json::array(), json::array()};
  for (const json& e : Events(r->body, &done)) {
    const int i = e["choices"][0]["index"];
    text[i] += e["choices"][0]["text"].get<std::string>();
    for (const json& t : e["choices"][0]["logprobs"]["tokens"]) tokens[i].push_back(t);
  }
  EXPECT_TRUE(done);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(text[i], whole["choices"][i]["text"]) << i;
    EXPECT_EQ(tokens[i], whole["choices"][i]["logprobs"]["tokens"]) << i;
  }
}

// Every choice is audited on its own, with its own seed; a receipt moved to another choice, or
// another choice's tokens, are caught.
TEST_F(Provider, AuditChecksEveryChoice) {
  auto model = infer::Model::Load(std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf");
  ASSERT_TRUE(model.ok());
  auto tok = infer::Tokenizer::FromGguf(model.value()->file());
  ASSERT_TRUE(tok.ok());
  auto audit = [&](const std::string& request, const std::string& response, int choice) {
    return AuditResponse(*model.value(), tok.value(), request, response, infer::ForwardOptions(), choice);
  };
  const std::string request = NChat(3, 99, 20).dump();
  auto r = Post("/v1/chat/completions", request);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto choices = ReceiptChoices(r->body);
  ASSERT_TRUE(choices.ok());
  EXPECT_EQ(choices.value(), (std::vector<int>{0, 1, 2}));
  for (int c = 0; c < 3; ++c) {
    auto out = audit(request, r->body, c);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_TRUE(out.value().ok()) << c << ": " << out.value().detail;
    EXPECT_EQ(out.value().choice, c);
  }
  EXPECT_FALSE(audit(request, r->body, 3).ok()) << "there is no choice 3";

  // Choice 1's receipt and tokens presented as choice 2's.
  json swapped = json::parse(r->body);
  swapped["choices"][2]["receipt"] = swapped["choices"][1]["receipt"];
  swapped["choices"][2]["output_tokens"] = swapped["choices"][1]["output_tokens"];
  auto moved = audit(request, swapped.dump(), 2);
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(moved.value().choice_ok);
  EXPECT_FALSE(moved.value().ok());

  // Choice 2's tokens changed after signing.
  json forged = json::parse(r->body);
  forged["choices"][2]["output_tokens"][0] = forged["choices"][2]["output_tokens"][0].get<int>() + 1;
  auto bad = audit(request, forged.dump(), 2);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad.value().output_ok);
  EXPECT_EQ(bad.value().first_mismatch, 0);

  // A streamed choice's last chunk is auditable on its own too.
  json sreq = json::parse(request);
  sreq["stream"] = true;
  const std::string stream_request = sreq.dump();
  auto s = Post("/v1/chat/completions", stream_request);
  ASSERT_TRUE(s);
  bool done = false;
  int audited = 0;
  for (const json& e : Events(s->body, &done)) {
    if (!e.contains("receipt")) continue;
    const int c = e["choices"][0]["index"];
    auto out = audit(stream_request, e.dump(), c);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_TRUE(out.value().ok()) << c << ": " << out.value().detail;
    ++audited;
  }
  EXPECT_EQ(audited, 3);
}

// The n sequences of a request count against the queue like n requests: all of them are
// queued or none, and a request the queue could never hold is refused for good (400, not 429).
TEST_F(Provider, ChoicesCountAgainstTheQueue) {
  auto model = infer::Model::Load(std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf");
  ASSERT_TRUE(model.ok());
  auto tok = infer::Tokenizer::FromGguf(model.value()->file());
  ASSERT_TRUE(tok.ok());
  Engine engine(*model.value(), tok.value(), EngineOptions{1, /*max_active=*/1, /*max_queue=*/2});
  infer::GenerateRequest g;
  g.prompt = tok.value().Encode("1, 2, 3, 4, 5, 6, 7, 8,", false);
  g.max_tokens = 200;
  g.sampling.temperature = 0;

  auto too_many = engine.Submit({g, g, g});
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message(), "busy");

  auto first = engine.Submit({g, g});  // one runs, one waits
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 500 && engine.stats().active != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(engine.stats().active, 1u);
  auto two = engine.Submit({g, g});  // 1 waiting + 2 > 2
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().message(), "busy");
  auto one = engine.Submit({g});  // 1 waiting + 1 fits
  ASSERT_TRUE(one.ok());
  for (auto& j : first.value()) j->Cancel();
  one.value()[0]->Cancel();
  EXPECT_EQ(engine.stats().rejected, 1u);
}

// The choices of one request run their common prompt through the model once: the others copy
// the first choice's cache of it. Each choice still equals its solo run, whether the choices run
// together (max_active 8) or one after the other (max_active 1: a choice may start after the
// first has ended and been let go, and then runs the prompt itself).
TEST_F(Provider, ChoicesProcessTheirPromptOnce) {
  auto model = infer::Model::Load(std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf");
  ASSERT_TRUE(model.ok());
  auto tok = infer::Tokenizer::FromGguf(model.value()->file());
  ASSERT_TRUE(tok.ok());
  infer::GenerateRequest g;
  g.prompt = tok.value().Encode("Once upon a time, in a village by the sea, there lived", false);
  g.max_tokens = 12;
  g.sampling.temperature = 0.9f;
  g.sampling.seed = 7;
  std::vector<infer::GenerateRequest> choices;
  for (int i = 0; i < 3; ++i) choices.push_back(ForChoice(g, i));
  std::vector<infer::GenerateResult> solo;
  for (const auto& c : choices) {
    auto r = infer::Generate(*model.value(), tok.value(), c, infer::ForwardOptions{1});
    ASSERT_TRUE(r.ok());
    solo.push_back(r.value());
  }
  for (int max_active : {8, 1}) {
    Engine engine(*model.value(), tok.value(), EngineOptions{1, max_active, 8});
    auto jobs = engine.Submit(choices);
    ASSERT_TRUE(jobs.ok()) << jobs.status().message();
    for (size_t i = 0; i < choices.size(); ++i) {
      const infer::GenerateResult r = jobs.value()[i]->Wait();
      EXPECT_EQ(jobs.value()[i]->error(), "") << "max_active " << max_active << " choice " << i;
      EXPECT_EQ(r.tokens, solo[i].tokens) << "max_active " << max_active << " choice " << i;
      EXPECT_EQ(r.transcript, solo[i].transcript) << "max_active " << max_active << " choice " << i;
    }
    if (max_active == 8) {
      EXPECT_EQ(engine.stats().prompt_tokens_processed, g.prompt.size());
    }
    EXPECT_LE(engine.stats().prompt_tokens_processed, 3 * g.prompt.size());
  }
  // The first choice ends and is let go before the others start: they run the prompt themselves.
  Engine engine(*model.value(), tok.value(), EngineOptions{1, 1, 8});
  auto jobs = engine.Submit(choices);
  ASSERT_TRUE(jobs.ok());
  std::shared_ptr<Job> first = jobs.value()[0];
  jobs.value()[0].reset();
  EXPECT_EQ(first->Wait().tokens, solo[0].tokens);
  first.reset();
  for (size_t i = 1; i < choices.size(); ++i) {
    const infer::GenerateResult r = jobs.value()[i]->Wait();
    EXPECT_EQ(jobs.value()[i]->error(), "");
    EXPECT_EQ(r.transcript, solo[i].transcript) << "choice " << i;
  }
}

TEST_F(Provider, MetricsInPrometheusFormat) {
  Chat("hi", 1, 2);
  auto r = Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("depinfer_tokens_generated_total{model=\"SmolLM2-135M-Instruct.Q4_1\"}"),
            std::string::npos);
  EXPECT_NE(r->body.find("# TYPE depinfer_queue_depth gauge"), std::string::npos);
}

}  // namespace
}  // namespace depinfer::api
