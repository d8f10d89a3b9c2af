// `depinfer provider`: serve the GGUF models of a folder over the OpenAI-compatible API
// (src/api/openai_server.h): chat and text completions, streaming, logprobs, signed receipts,
// Prometheus metrics. Stops cleanly on SIGINT or SIGTERM.
// Exit codes: 0 stopped by a signal, 1 the server could not start, 2 bad usage.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace depinfer::app {

// Adds the `provider` subcommand to `app`; `run` is set to its action when it is chosen.
void AddProviderCommand(CLI::App& app, std::function<int()>* run);

}  // namespace depinfer::app
