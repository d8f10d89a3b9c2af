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

// For `depinfer provider ...` (argv[1] == "provider"): re-executes the program once with
// GOMP_SPINCOUNT=3000000 unless GOMP_SPINCOUNT or OMP_WAIT_POLICY is set; otherwise returns.
// Why: libgomp reads that setting when it loads, before main. Its default lets a worker thread
// sleep after a few milliseconds of waiting, and under HTTP load the engine's thread is often
// preempted that long by the connection threads, so every step paid for waking the workers:
// with 8 streaming clients, four interleaved pairs of runs gave 226/249/249/290 tok/s with the
// default and 264/270/262/293 with this setting, with lower time to first token (docs/INFER.md,
// bench/infer/provider_latency.py). An idle provider still sleeps: the spinning stops after
// tens of milliseconds (0.6% of a core measured while idle).
void ReexecForServing(int argc, char** argv);

}  // namespace depinfer::app
