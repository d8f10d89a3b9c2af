#!/usr/bin/env bash
# `depinfer provider` end to end: usage errors (exit 2), a folder whose model is damaged
# (exit 1, the file named), and, when the shipped model is present, a chat completion with
# logprobs over HTTP and a clean stop on SIGTERM (exit 0).
set -uo pipefail
bin=$1
models=$2
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
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
[ $rc -eq 0 ] || fail "exit $rc after SIGTERM"
grep -q "stopping" "$tmp/log" || fail "no graceful stop: $(cat "$tmp/log")"
echo "provider CLI: OK"
