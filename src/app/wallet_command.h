// `depinfer wallet ...` and `depinfer node status`: the wallet against a node's HTTP API.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace depinfer::app {

void AddWalletCommands(CLI::App& app, std::function<int()>* run);

}  // namespace depinfer::app
