#include "app/provider_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "api/openai_server.h"
#include "app/stop_signals.h"

namespace depinfer::app {

void AddProviderCommand(CLI::App& app, std::function<int()>* run) {
  auto o = std::make_shared<api::ServerOptions>();
  CLI::App* cmd = app.add_subcommand(
      "provider", "Serve the GGUF models in a folder over the OpenAI-compatible API");
  cmd->add_option("--models", o->models_dir, "Folder of .gguf files (each is served by its file name)")
      ->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--host", o->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0 picks a free one)")
      ->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads per forward step")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--max-active", o->max_active, "Sequences decoded together")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--max-queue", o->max_queue,
                  "Waiting sequences before answering 429 (a request with n choices counts n)")
      ->check(CLI::Range(0, 100000))->capture_default_str();
  cmd->add_option("--max-tokens", o->max_tokens, "Cap on a request's max_tokens")
      ->check(CLI::Range(1, 1 << 20))->capture_default_str();
  cmd->add_option("--max-body", o->max_body, "Largest request body in bytes (413 above)")
      ->check(CLI::Range(1024, 1 << 30))->capture_default_str();
  cmd->add_option("--key", o->key_file,
                  "Ed25519 secret key (hex, 64 bytes) that signs the receipts; default: a fresh key");
  *run = nullptr;
  cmd->callback([o, run] {
    *run = [o] {
      // Signals are taken by this thread (WaitForStopSignal), so block them before the
      // server's threads exist.
      const sigset_t signals = BlockStopSignals();
      auto server = api::ProviderServer::Create(*o);
      if (!server.ok()) {
        std::fprintf(stderr, "error: %s\n", server.status().message().c_str());
        return 1;
      }
      api::ProviderServer& s = *server.value();
      std::fprintf(stderr, "serving %s on http://%s:%d (provider key %s)\n", o->models_dir.c_str(),
                   o->host.c_str(), s.port(), s.public_key_hex().c_str());
      std::thread serving([&s] { s.Run(); });
      const int sig = WaitForStopSignal(signals);
      std::fprintf(stderr, "signal %d, stopping\n", sig);
      s.Stop();
      serving.join();
      return 0;
    };
  });
}

void ReexecForServing(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "provider") != 0) return;
  if (std::getenv("GOMP_SPINCOUNT") != nullptr || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (::setenv("GOMP_SPINCOUNT", "3000000", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Only reached if the exec failed (no /proc): serve with libgomp's defaults.
  ::unsetenv("GOMP_SPINCOUNT");
}

}  // namespace depinfer::app
