#!/usr/bin/env bash
# Writes a seed corpus for fuzz_formats into DIR: every fixture in data/, prefixed with the byte
# that selects its parser (0 r1cs, 1 wtns, 2 zkey, 3 verification key, 4 proof, 5 public inputs).
#   tests/snark/formats/make_fuzz_seeds.sh build/fuzz/corpus/formats
set -euo pipefail
out="${1:?usage: make_fuzz_seeds.sh DIR}"
data="$(cd "$(dirname "$0")" && pwd)/data"
mkdir -p "$out"
i=0
for f in formats.r1cs formats.wtns formats.zkey verification_key.json proof.json public.json; do
  { printf "\\x$(printf %02x "$i")"; cat "$data/$f"; } > "$out/seed_$f"
  i=$((i + 1))
done
