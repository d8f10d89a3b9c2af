#!/usr/bin/env python3
"""Latency of `depinfer provider` over HTTP, as the official `openai` client sees it.

Starts the provider on a free port, then for each client count (default 1 and 8) runs that many
clients at once, each sending `--requests` streamed chat completions one after the other
(temperature 0.8, its own seed per request, `max_tokens` tokens; no stop sequences, so the
server holds no text back). Reports, per client count:
  * time to first token: request sent -> first chunk with text, p50 / p99;
  * per-token latency: the gaps between consecutive chunks with text, p50 / p99 (each chunk
    normally carries one token: the chunks-per-token figure says how often that held);
  * aggregate tokens/s: completion tokens of all clients / wall time of the round.
The figures go to stdout as a table and, with --json FILE, to a file.

Usage: provider_latency.py DEPINFER_BINARY MODELS_DIR [--clients 1,8] [--requests 4]
                           [--max-tokens 128] [--threads 2] [--json FILE]
Needs the `openai` package (scripts/python_venv.sh makes build/release/venv with it)."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

try:
    import openai
except ImportError as e:
    sys.exit(f"error: {e}; run scripts/python_venv.sh and use build/release/venv/bin/python")

PROMPTS = [
    "Write a long story about a dragon who learns to cook.",
    "Explain how a bicycle works, step by step.",
    "Describe a walk through a busy market in the morning.",
    "Tell me about the history of the printing press.",
    "Write a letter to a friend about a trip to the sea.",
    "List ten things to do on a rainy day and say why.",
    "Explain why the sky is blue to a ten-year-old.",
    "Write a short play about two robots who meet in a library.",
]


def percentile(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(q / 100.0 * (len(xs) - 1)))))
    return xs[k]


def one_request(client, model, prompt, seed, max_tokens):
    """Streams one chat completion; returns (ttft, gaps, chunks with text, completion tokens)."""
    t0 = time.perf_counter()
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens,
        temperature=0.8, seed=seed, stream=True)
    times, tokens = [], 0
    for chunk in stream:
        now = time.perf_counter()
        if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
            times.append(now)
        if getattr(chunk, "usage", None):
            tokens = chunk.usage.completion_tokens
    if not times:
        raise RuntimeError("a completion streamed no text")
    gaps = [b - a for a, b in zip(times, times[1:])]
    return times[0] - t0, gaps, len(times), tokens


def run_round(port, model, clients, requests, max_tokens, round_no):
    ttft, gaps, chunks, tokens, errors = [], [], [0], [0], []
    lock = threading.Lock()

    def worker(c):
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused",
                               max_retries=0, timeout=600)
        for r in range(requests):
            try:
                f, g, n, t = one_request(client, model, PROMPTS[(c + r) % len(PROMPTS)],
                                         1000 * round_no + 100 * c + r, max_tokens)
            except Exception as e:  # reported below; the round's figures would be wrong
                with lock:
                    errors.append(repr(e))
                return
            with lock:
                ttft.append(f)
                gaps.extend(g)
                chunks[0] += n
                tokens[0] += t

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} request(s) failed: {errors[0]}")
    return {
        "clients": clients,
        "requests": clients * requests,
        "ttft_p50_ms": 1e3 * statistics.median(ttft),
        "ttft_p99_ms": 1e3 * percentile(ttft, 99),
        "token_p50_ms": 1e3 * statistics.median(gaps),
        "token_p99_ms": 1e3 * percentile(gaps, 99),
        "chunks_per_token": chunks[0] / max(1, tokens[0]),
        "tokens": tokens[0],
        "wall_s": wall,
        "tokens_per_s": tokens[0] / wall,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("models")
    ap.add_argument("--clients", default="1,8")
    ap.add_argument("--requests", type=int, default=4, help="streamed requests per client")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.models, "SmolLM2-135M-Instruct.Q4_1.gguf")):
        sys.exit("error: model missing; run scripts/fetch_model.sh")
    # --port 0: the provider picks a free port and names it in its "serving ... on" line.
    proc = subprocess.Popen([a.binary, "provider", "--models", a.models, "--port", "0",
                             "--threads", str(a.threads), "--max-active", "8", "--max-queue", "64"],
                            stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in proc.stderr:
            m = re.search(r"serving .* on http://[^:]+:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("error: the provider did not start")
        # Keep reading its log so that the pipe never fills.
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused",
                               max_retries=0)
        model = client.models.list().data[0].id
        run_round(port, model, 1, 1, 16, 0)  # warm-up: page in the model, start the threads
        rows = [run_round(port, model, int(c), a.requests, a.max_tokens, i + 1)
                for i, c in enumerate(a.clients.split(","))]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"provider --threads {a.threads}, {a.requests} streamed requests per client, "
          f"max_tokens {a.max_tokens}, temperature 0.8")
    print("| clients | TTFT p50 / p99 ms | per-token p50 / p99 ms | chunks per token | tokens/s (all clients) |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['clients']} | {r['ttft_p50_ms']:.1f} / {r['ttft_p99_ms']:.1f} | "
              f"{r['token_p50_ms']:.1f} / {r['token_p99_ms']:.1f} | {r['chunks_per_token']:.2f} | "
              f"{r['tokens_per_s']:.1f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
