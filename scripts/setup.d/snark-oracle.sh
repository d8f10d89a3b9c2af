#!/usr/bin/env bash
# npm test oracles of src/snark (circomlibjs, circomlib, circom2), pinned by
# tests/snark/oracle/package-lock.json. Run by scripts/setup.sh from the repository root.
set -euo pipefail
dir=tests/snark/oracle
if [ ! -f $dir/node_modules/.package-lock.json ] ||
   [ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]; then
  echo "setup: installing the snark npm test oracles"
  (cd $dir && npm ci --no-audit --no-fund --loglevel=error)
fi
