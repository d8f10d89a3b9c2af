#!/usr/bin/env bash
# Installs what is missing, builds in Release and runs the main job: a one-node development
# network (embedded consensus) showing a private payment from one wallet to another end to end
# (deposit, shielded transfer, the recipient's wallet finds it), then the BN254 core's speed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
rm -rf build/devnet
build/release/src/app/depinfer devnet --demo --dir build/devnet --port 0
exec build/release/src/app/depinfer core-bench --repeats 3
