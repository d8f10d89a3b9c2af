#!/usr/bin/env bash
# `depinfer provider` end to end: usage errors (exit 2), a folder whose model is damaged
# (exit 1, the file named), and, when the shipped model is present, a chat completion with
# logprobs over HTTP, `depinfer-audit` on every choice of an n = 2 answer (all choices, then
# --choice 1 alone, then a forged choice 1), and a clean stop on SIGTERM (exit 0).
set -uo pipefail
bin=$1
models=$2
audit=${3:-}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$bin" provider --help | grep -q -- "--models" || fail "--help"
"$bin" provider > /dev/null 2>&1; [ $? -eq 2 ] || fail "missing --models is not a usage error"
"$bin" provider --models "$tmp/none" > /dev/null 2>&1; [ $? -eq 2 ] || fail "missing folder is not a usage error"
mkdir "$tmp/bad"
printf 'GGUF\003\000\000\000' > "$tmp/bad/broken.gguf"
"$bin" provider --models "$tmp/bad" --port 0 > "$tmp/bad.log" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "damaged model: exit $rc"
grep -q "broken.gguf" "$tmp/bad.log" || fail "damaged model not named: $(cat "$tmp/bad.log")"

model="$models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$model" ]; then
  echo "SKIP: $model missing (scripts/fetch_model.sh); usage checks passed"
  exit 0
fi
mkdir "$tmp/m"
ln -s "$model" "$tmp/m/"
"$bin" provider --models "$tmp/m" --port 0 --threads 1 > "$tmp/log" 2>&1 &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "no port in the log: $(cat "$tmp/log")"
python3 - "$port" <<'PY' || fail "chat completion"
import json, sys, urllib.request
body = {"messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 4, "temperature": 0,
        "logprobs": True, "top_logprobs": 2}
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/v1/chat/completions",
                             data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
j = json.load(urllib.request.urlopen(req, timeout=120))
content = j["choices"][0]["logprobs"]["content"]
assert j["choices"][0]["message"]["content"] and content, j
assert all(len(e["top_logprobs"]) == 2 for e in content), content
assert j["receipt"]["signature"], j
PY
if [ -n "$audit" ]; then
  printf '%s' '{"messages":[{"role":"user","content":"Name a bird."}],"max_tokens":8,"seed":4,"n":2}' > "$tmp/req.json"
  python3 - "$port" "$tmp/req.json" > "$tmp/resp.json" <<'PY' || fail "n=2 completion"
import sys, urllib.request
body = open(sys.argv[2], "rb").read()  # the exact bytes the receipts hash
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/v1/chat/completions", data=body,
                             headers={"Content-Type": "application/json"})
sys.stdout.write(urllib.request.urlopen(req, timeout=120).read().decode())
PY
  "$audit" verify "$tmp/resp.json" | grep -q "2 receipt signatures valid" || fail "verify n=2"
  check() { "$audit" check --model "$model" --request "$tmp/req.json" --threads 1 "$@"; }
  out=$(check --response "$tmp/resp.json") || fail "audit of every choice: $out"
  [ "$(grep -c '^choice [01]: MATCH' <<< "$out")" -eq 2 ] || fail "audit output: $out"
  out=$(check --response "$tmp/resp.json" --choice 1) || fail "audit --choice 1: $out"
  grep -q '^choice 1: MATCH' <<< "$out" || fail "audit --choice 1 output: $out"
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); t=j["choices"][1]["output_tokens"]; t[-1]+=1; json.dump(j,open(sys.argv[2],"w"))' \
    "$tmp/resp.json" "$tmp/forged.json"
  check --response "$tmp/forged.json" --choice 1 > "$tmp/out" 2>&1; rc=$?
  [ $rc -eq 1 ] && grep -q '^choice 1: MISMATCH' "$tmp/out" || fail "forged choice 1 (exit $rc): $(cat "$tmp/out")"
  check --response "$tmp/resp.json" --choice 2 > /dev/null 2>&1; rc=$?
  [ $rc -eq 2 ] || fail "choice 2 of 2 is not an error (exit $rc)"
fi
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
[ $rc -eq 0 ] || fail "exit $rc after SIGTERM"
grep -q "stopping" "$tmp/log" || fail "no graceful stop: $(cat "$tmp/log")"
echo "provider CLI: OK"
