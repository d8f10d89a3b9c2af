#!/usr/bin/env bash
# Runs a circomlibjs/circom2 oracle script, then the test binary that reads its output.
#   run_oracle.sh <script.mjs> <out.json> <env var naming out.json> <test binary>
# The seed changes daily (reproducible: it is printed, and DEPINFER_SEED replays it).
# Exit 77 (skipped) when node or tests/snark/oracle/node_modules are missing
# (scripts/setup.sh installs them: `npm ci` in tests/snark/oracle).
set -euo pipefail
script=$1 out=$2 var=$3 test_bin=$4
oracle_dir=$(cd "$(dirname "$0")/oracle" && pwd)
if ! command -v node >/dev/null || [ ! -d "$oracle_dir/node_modules/circomlibjs" ]; then
  echo "SKIP: node or tests/snark/oracle/node_modules missing (scripts/setup.sh installs them)"
  exit 77
fi
seed=${DEPINFER_SEED:-$(date -u +%Y%m%d)}
node "$oracle_dir/$script" "$seed" "$out"
export "$var=$out"
exec "$test_bin"
