// A small HTTP/1.1 server on Boost.Beast for the node's JSON API: one route table, limits that
// hold against hostile clients, and JSON error bodies.
//
// Limits: request body size, header size, concurrent connections, a per-client token bucket
// (requests per second), a deadline for reading each request (idle keep-alive time included,
// so a client that trickles bytes is cut off too) and for writing each response or chunk. Routes marked admin need the token given in the
// options ("Authorization: Bearer <token>"); without a configured token they are refused.
// A handler may block (long polls): each connection has its own thread, and the server stops
// accepting new connections beyond max_connections with 503.
//
// Every error is a JSON body with a 4xx or 5xx status, {"error": {"code": "...", "message":
// "..."}} unless Options::error shapes it otherwise (the OpenAI-compatible server does);
// nothing a client sends can crash the server or change state without passing its route's
// checks. A response may be streamed (server-sent events): the handler returns a producer that
// the connection's thread runs after sending the headers; if it throws, the body is left
// unfinished and the connection closed (the server goes on).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace depinfer::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::string body;
  std::string content_type;
  std::string accept;
  std::string client;  // remote address
  // Set by the router: the part of the path after a prefix route ("/v1/tx/" + "abcd").
  std::string path_rest;
};

// Sends one piece of a streamed body; false once the client is gone or too slow to take it
// (the producer should then stop and release what it holds).
using ChunkWriter = std::function<bool(std::string_view)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is what this writes, sent as it comes (chunked transfer encoding; to an
  // HTTP/1.0 client, until the connection closes) and `body` is ignored.
  std::function<void(const ChunkWriter&)> stream;
};

// The JSON text of `j`, never throwing: bytes that are not UTF-8 (a path a client sent, a
// model's partial character) come out as U+FFFD. Every response body goes through this.
std::string JsonText(const nlohmann::json& j);

// {"error": {"code": code, "message": message}} with `status`.
HttpResponse JsonError(int status, std::string_view code, std::string_view message);
HttpResponse JsonOk(std::string body);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  struct Options {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 0;                 // 0: pick a free port (see port())
    std::size_t max_body_bytes = 1 << 20;   // 413 above
    std::size_t max_header_bytes = 16 << 10;
    std::size_t max_connections = 512;      // 503 above
    double rate_per_second = 0;             // per client address; 0 = unlimited
    double rate_burst = 0;
    int read_timeout_ms = 30'000;           // to receive a whole request, idle time included
    int write_timeout_ms = 30'000;          // to send a response, or each chunk of a stream
    std::string admin_token;                // empty: admin routes are refused
    // The body of every error the server makes itself or a handler throws through; JsonError
    // when empty. `code` is a short machine-readable word ("not_found", "too_large").
    std::function<HttpResponse(int status, std::string_view code, std::string_view message)> error;
  };

  explicit HttpServer(Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Exact path ("/v1/state") or prefix ending in '/' ("/v1/tx/"), longest match wins.
  void Route(std::string method, std::string path, HttpHandler handler, bool admin = false);

  Status Start();
  // Stops accepting, closes idle connections and waits for running handlers.
  void Stop();
  std::uint16_t port() const { return port_; }

 private:
  struct Impl;
  struct RouteEntry {
    std::string method, path;
    bool prefix, admin;
    HttpHandler handler;
  };
  HttpResponse Dispatch(HttpRequest& req, const std::string& authorization);
  HttpResponse Error(int status, std::string_view code, std::string_view message) const;
  bool Admit(const std::string& client);

  Options options_;
  std::vector<RouteEntry> routes_;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::mutex rate_mu_;
  struct Bucket {
    double tokens;
    std::int64_t last_ns;
  };
  std::map<std::string, Bucket> buckets_;
};

}  // namespace depinfer::api
