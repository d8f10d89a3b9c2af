// `depinfer devnet`: a one-node development network in seconds (embedded consensus, local
// storage, a development CRS, a funded development account), and with --demo a private payment
// from one wallet to another end to end.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace depinfer::app {

void AddDevnetCommand(CLI::App& app, std::function<int()>* run);

}  // namespace depinfer::app
