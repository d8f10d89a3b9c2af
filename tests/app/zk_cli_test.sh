#!/usr/bin/env bash
# `depinfer zk` end to end on the circom/snarkjs fixtures: prove with snarkjs's key and circom's
# witness, export the key, verify (exit 0), a tampered input (exit 1), a truncated proof (exit 2);
# our own setup of the circuit, proving with its key, and a damaged key refused by its checksum.
set -euo pipefail
bin=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" zk verify "$data/verification_key.json" "$data/public.json" "$data/proof.json"
"$bin" zk info "$data/formats.r1cs" | grep -q "constraints:     3"
"$bin" zk prove "$data/formats.zkey" "$data/formats.wtns" "$tmp/proof.json" "$tmp/public.json"
"$bin" zk export-vk "$data/formats.zkey" "$tmp/vk.json"
"$bin" zk verify "$tmp/vk.json" "$tmp/public.json" "$tmp/proof.json"
python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); v[0] = str(int(v[0]) + 1); json.dump(v, open(sys.argv[2], "w"))' \
  "$tmp/public.json" "$tmp/public_bad.json"
# Our setup of the same circuit: a checksummed .zkey that proves, and the key it names.
"$bin" zk setup "$data/formats.r1cs" "$tmp/our.zkey" --vk "$tmp/our_vk.json" | grep -q "3 constraints"
[ ! -e "$tmp/our.zkey.tmp" ] || { echo "setup left its temporary file"; exit 1; }
"$bin" zk info "$tmp/our.zkey" | grep -q "BLAKE2b-256, verified"
"$bin" zk info "$data/formats.zkey" | grep -q "checksum:        none"
"$bin" zk prove "$tmp/our.zkey" "$data/formats.wtns" "$tmp/our_proof.json" "$tmp/our_public.json"
"$bin" zk verify "$tmp/our_vk.json" "$tmp/our_public.json" "$tmp/our_proof.json"
"$bin" zk export-vk "$tmp/our.zkey" "$tmp/our_vk2.json"
cmp "$tmp/our_vk.json" "$tmp/our_vk2.json"
# Two setups from the same seed give the same file; different secrets otherwise.
seed=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
"$bin" zk setup "$data/formats.r1cs" "$tmp/s1.zkey" --insecure-seed $seed | grep -q INSECURE
"$bin" zk setup "$data/formats.r1cs" "$tmp/s2.zkey" --insecure-seed $seed > /dev/null
cmp "$tmp/s1.zkey" "$tmp/s2.zkey"
! cmp -s "$tmp/our.zkey" "$tmp/s1.zkey"
# One flipped byte in the middle of the key.
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1; open(sys.argv[2], "wb").write(b)' \
  "$tmp/our.zkey" "$tmp/damaged.zkey"
set +e
"$bin" zk prove "$tmp/damaged.zkey" "$data/formats.wtns" "$tmp/p.json" "$tmp/q.json" 2> "$tmp/damaged.err"; rc_damaged=$?
"$bin" zk setup "$data/formats.r1cs" "$tmp/x.zkey" --insecure-seed 12 2>/dev/null; rc_seed=$?
"$bin" zk verify "$tmp/vk.json" "$tmp/public_bad.json" "$tmp/proof.json"; rc_bad=$?
head -c 60 "$tmp/proof.json" > "$tmp/proof_trunc.json"
"$bin" zk verify "$tmp/vk.json" "$tmp/public.json" "$tmp/proof_trunc.json" 2>/dev/null; rc_trunc=$?
"$bin" zk verify "$tmp/vk.json" 2>/dev/null; rc_usage=$?
set -e
[ "$rc_damaged" -eq 2 ] && grep -q "checksum" "$tmp/damaged.err" || { echo "damaged key: exit $rc_damaged, $(cat "$tmp/damaged.err")"; exit 1; }
[ "$rc_seed" -eq 2 ] || { echo "bad seed: exit $rc_seed, want 2"; exit 1; }
[ "$rc_bad" -eq 1 ] || { echo "tampered input: exit $rc_bad, want 1"; exit 1; }
[ "$rc_trunc" -eq 2 ] || { echo "truncated proof: exit $rc_trunc, want 2"; exit 1; }
[ "$rc_usage" -eq 2 ] || { echo "missing arguments: exit $rc_usage, want 2"; exit 1; }
echo "zk cli: all cases behave"
