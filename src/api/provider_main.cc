// depinfer-provider: serve the GGUF models in a directory over the OpenAI API.
// (To become `depinfer provider` when src/app grows subcommands.)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/openai_server.h"

namespace {
depinfer::api::ProviderServer* g_server = nullptr;
void OnSignal(int) {
  if (g_server) g_server->Stop();
}
const char kUsage[] =
    "usage: depinfer-provider --models DIR [--host H] [--port P] [--threads N]\n"
    "         [--max-active N] [--max-queue N] [--max-tokens N] [--max-body BYTES] [--key FILE]\n";
}  // namespace

int main(int argc, char** argv) {
  depinfer::api::ServerOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fputs(kUsage, stderr);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--models") o.models_dir = next();
    else if (a == "--host") o.host = next();
    else if (a == "--port") o.port = std::atoi(next());
    else if (a == "--threads") o.threads = std::atoi(next());
    else if (a == "--max-active") o.max_active = std::atoi(next());
    else if (a == "--max-queue") o.max_queue = std::atoi(next());
    else if (a == "--max-tokens") o.max_tokens = std::atoi(next());
    else if (a == "--max-body") o.max_body = std::strtoull(next(), nullptr, 10);
    else if (a == "--key") o.key_file = next();
    else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); return 0; }
    else { std::fprintf(stderr, "unknown option %s\n%s", a.c_str(), kUsage); return 2; }
  }
  if (o.models_dir.empty()) { std::fputs(kUsage, stderr); return 2; }
  auto server = depinfer::api::ProviderServer::Create(o);
  if (!server.ok()) {
    std::fprintf(stderr, "error: %s\n", server.status().message().c_str());
    return 1;
  }
  g_server = server.value().get();
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::fprintf(stderr, "serving %s on http://%s:%d (provider key %s)\n", o.models_dir.c_str(),
               o.host.c_str(), server.value()->port(), server.value()->public_key_hex().c_str());
  server.value()->Run();
  return 0;
}
