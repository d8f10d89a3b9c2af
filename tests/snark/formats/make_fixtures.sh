#!/usr/bin/env bash
# Regenerates the fixtures in data/ with the real tools (circom's WASM build and snarkjs, pinned in
# oracle/package.json). Not run by the tests: they read the committed files, so node is not needed
# at test time. `zkey contribute` mixes the OS random source into its fixed entropy, so a rerun
# gives a different (equally valid) key, proof and expected JSON; the tests read the expected
# values from the JSON exports, so they pass either way.
#
#   tests/snark/formats/make_fixtures.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
oracle="$here/oracle"
data="$here/data"
[ -d "$oracle/node_modules" ] || (cd "$oracle" && npm ci --no-audit --no-fund)
circom="$oracle/node_modules/.bin/circom2"
snarkjs="$oracle/node_modules/.bin/snarkjs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# Compile: constraints (.r1cs) and the witness generator (.wasm).
"$circom" "$data/formats.circom" --r1cs --wasm -o "$work"
"$snarkjs" wtns calculate formats_js/formats.wasm "$data/input.json" formats.wtns
# A circuit with a PLONK custom gate (r1cs sections 4 and 5), for the rejection test.
"$circom" "$data/custom_gates.circom" --r1cs -o "$work"

# Phase 1: a tiny powers of tau (2^8), one contribution, prepared for phase 2.
"$snarkjs" powersoftau new bn128 8 pot_0000.ptau
"$snarkjs" powersoftau contribute pot_0000.ptau pot_0001.ptau --name="depinfer fixtures" \
  -e="depinfer fixed entropy phase 1"
"$snarkjs" powersoftau prepare phase2 pot_0001.ptau pot_final.ptau

# Phase 2: setup, one contribution with a name, one beacon (so the contributions section holds
# both kinds of entries).
"$snarkjs" groth16 setup formats.r1cs pot_final.ptau formats_0000.zkey
"$snarkjs" zkey contribute formats_0000.zkey formats_0001.zkey --name="depinfer fixtures" \
  -e="depinfer fixed entropy phase 2"
"$snarkjs" zkey beacon formats_0001.zkey formats.zkey \
  0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 10 -n="depinfer beacon"
"$snarkjs" zkey verify formats.r1cs pot_final.ptau formats.zkey
"$snarkjs" zkey export verificationkey formats.zkey verification_key.json

# A proof, checked by snarkjs itself.
"$snarkjs" groth16 prove formats.zkey formats.wtns proof.json public.json
"$snarkjs" groth16 verify verification_key.json public.json proof.json

# What snarkjs reads out of each binary file, for the tests to compare with.
"$snarkjs" r1cs info formats.r1cs | sed 's/\x1b\[[0-9;]*m//g' > r1cs_info.txt  # without colours
"$snarkjs" r1cs export json formats.r1cs formats.r1cs.json
"$snarkjs" wtns export json formats.wtns formats.wtns.json
"$snarkjs" zkey export json formats.zkey formats.zkey.json

cp custom_gates.r1cs formats.r1cs formats.wtns formats.zkey verification_key.json proof.json public.json \
  r1cs_info.txt formats.r1cs.json formats.wtns.json formats.zkey.json "$data/"
ls -l "$data"
