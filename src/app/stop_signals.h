// Graceful stops for the long-running commands (depinferd, devnet, provider).
#pragma once

#include <csignal>

namespace depinfer::app {

// SIGINT and SIGTERM, blocked in the calling thread and so in every thread it starts afterwards:
// call before any thread exists, then take them with WaitForStopSignal (no handler runs).
sigset_t BlockStopSignals();
// Waits for one of them; returns its number.
int WaitForStopSignal(const sigset_t& signals);

}  // namespace depinfer::app
