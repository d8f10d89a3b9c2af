#!/usr/bin/env bash
# `depinfer zk` end to end on the circom/snarkjs fixtures: prove with snarkjs's key and circom's
# witness, export the key, verify (exit 0), a tampered input (exit 1), a truncated proof (exit 2).
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
set +e
"$bin" zk verify "$tmp/vk.json" "$tmp/public_bad.json" "$tmp/proof.json"; rc_bad=$?
head -c 60 "$tmp/proof.json" > "$tmp/proof_trunc.json"
"$bin" zk verify "$tmp/vk.json" "$tmp/public.json" "$tmp/proof_trunc.json" 2>/dev/null; rc_trunc=$?
"$bin" zk verify "$tmp/vk.json" 2>/dev/null; rc_usage=$?
set -e
[ "$rc_bad" -eq 1 ] || { echo "tampered input: exit $rc_bad, want 1"; exit 1; }
[ "$rc_trunc" -eq 2 ] || { echo "truncated proof: exit $rc_trunc, want 2"; exit 1; }
[ "$rc_usage" -eq 2 ] || { echo "missing arguments: exit $rc_usage, want 2"; exit 1; }
echo "zk cli: all cases behave"
