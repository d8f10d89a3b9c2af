#!/usr/bin/env bash
# npm test oracles (ffjavascript, circomlibjs, circom2, snarkjs), each folder pinned by its own
# package-lock.json. Installs a folder only when its lock file is newer than what is installed.
# Run by scripts/setup.sh from the repository root.
set -euo pipefail
for dir in tests/oracle tests/snark/oracle tests/snark/formats/oracle; do
  [ -f "$dir/package-lock.json" ] || continue
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: installing the npm test oracles in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
