// The provider's OpenAI-compatible HTTP server (shared/DESIGN.md section 7):
//   GET  /v1/models
//   POST /v1/chat/completions, POST /v1/completions   (JSON, or server-sent events if "stream")
//   GET  /metrics                                     (Prometheus text)
// Every route is in one table (Routes() in the .cc) and every handler is wrapped: a bad request
// becomes a 400 in OpenAI's error shape, anything unexpected a 500, never a dropped connection.
// Every choice of a completion carries a receipt signed with the provider's Ed25519 key.
#pragma once

#include <memory>
#include <string>

#include "infer/status.h"

namespace depinfer::api {

struct ServerOptions {
  std::string models_dir;
  std::string host = "127.0.0.1";
  int port = 8080;              // 0 picks a free port (see ProviderServer::port)
  int threads = 2;              // engine threads per forward step
  size_t max_body = 1 << 20;    // bytes; larger bodies get 413
  int max_tokens = 1024;        // cap on a request's max_tokens
  int max_active = 8;           // sequences decoded together
  int max_queue = 32;           // waiting sequences before 429 (n choices count n)
  std::string key_file;         // Ed25519 secret key (hex, 64 bytes); empty: a fresh key
};

class ProviderServer {
 public:
  // Loads every *.gguf in options.models_dir and binds the socket.
  static infer::Result<std::unique_ptr<ProviderServer>> Create(const ServerOptions& options);
  ~ProviderServer();

  int port() const;                     // the bound port
  const std::string& public_key_hex() const;
  void Run();                           // serves until Stop()
  void Stop();

  struct Impl;

 private:
  explicit ProviderServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks a receipt's Ed25519 signature (the receipt JSON as returned by the server).
bool VerifyReceipt(const std::string& receipt_json, std::string* why);

}  // namespace depinfer::api
