#!/usr/bin/env bash
# Runs the ffjavascript oracle with a fresh seed, then our cross-check test on its output.
# Exit 77 (skipped) when node or the oracle's node_modules are missing.
set -euo pipefail
test_bin=$1
if ! command -v node >/dev/null || [ ! -d "$DEPINFER_ORACLE_DIR/node_modules/ffjavascript" ]; then
  echo "SKIP: node or tests/oracle/node_modules missing (scripts/test.sh installs them)"
  exit 77
fi
# A different seed per day keeps covering new inputs while staying reproducible: the seed is
# printed, and DEPINFER_SEED replays it.
seed=${DEPINFER_SEED:-$(date -u +%Y%m%d)}
echo "ffjavascript oracle seed $seed"
node "$DEPINFER_ORACLE_DIR/ffjs_vectors.mjs" "$seed" "$DEPINFER_VECTORS"
exec "$test_bin"
