// `depinfer zk`: Groth16 tools that interoperate with circom and snarkjs.
//   zk info FILE                     constraints and inputs of a .r1cs or .zkey
//   zk setup R1CS PK.out VK.json     a development CRS for a circom .r1cs (never for production:
//                                    a production key comes from a snarkjs ceremony)
//   zk prove ZKEY WTNS PROOF PUBLIC  prove with a snarkjs key and a circom witness (rapidsnark's
//                                    interface), writing snarkjs JSON
//   zk verify VK PUBLIC PROOF        exit code 0 only when the proof is valid
//   zk export-vk ZKEY VK             the verifying key of a snarkjs key as snarkjs JSON
// Exit codes: 0 success, 1 the proof does not verify (verify) or the operation failed, 2 bad
// usage or malformed input.
#pragma once

#include <CLI/CLI.hpp>

namespace depinfer::app {

// Adds the `zk` subcommand tree to `app`; `run` is set to the action chosen on parse.
void AddZkCommands(CLI::App& app, std::function<int()>* run);

}  // namespace depinfer::app
