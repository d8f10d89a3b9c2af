#!/usr/bin/env python3
"""Side-by-side speed of depinfer and llama.cpp (llama-cpp-python) on the same GGUF and threads.

Measures, for each engine: prompt processing of a 512-token prompt (tokens/s) and generation at
batch 1 (tokens/s over 128 greedy tokens after a short prompt). Runs the engines alternately,
`--reps` times, and reports the best run of each (least disturbed by other load).
Usage: bench_vs_llama.py TOOL_DIR MODEL [--threads 1 2] [--reps 3]"""
import argparse
import json
import subprocess
import time

import numpy as np
from llama_cpp import Llama

TEXT = ("The lighthouse keeper woke before dawn, as he had every morning for thirty years. "
        "He climbed the spiral stairs, counting the steps out of habit, and checked the lamp. ")


def llama_pp(llm, toks):
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(toks)
    return len(toks) / (time.perf_counter() - t0)


def llama_tg(llm, prompt, n):
    llm.reset()
    llm.eval(prompt)
    t = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    t0 = time.perf_counter()
    for _ in range(n):
        llm.eval([t])
        t = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    return n / (time.perf_counter() - t0)


def ours(bench, model, threads):
    """Runs bench_infer's model benchmarks; returns (prompt tok/s, generation tok/s)."""
    out = subprocess.run([bench, f"--benchmark_filter=^(DecodeStep|Prompt)/{threads}/",
                          "--benchmark_format=json", "--benchmark_min_time=1"],
                         capture_output=True, text=True, check=True)
    res = {b["name"]: b for b in json.loads(out.stdout)["benchmarks"]}
    pp = [v["items_per_second"] for k, v in res.items() if k.startswith("Prompt/")]
    tg = [v["items_per_second"] for k, v in res.items() if k.startswith("DecodeStep/")]
    return max(pp), max(tg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    rows = []
    for th in a.threads:
        llm = Llama(model_path=a.model, n_ctx=1024, n_threads=th, n_threads_batch=th,
                    n_batch=512, logits_all=False, verbose=False)
        toks = llm.tokenize((TEXT * 40).encode(), add_bos=False)[:512]
        best = {"llama_pp": 0, "llama_tg": 0, "ours_pp": 0, "ours_tg": 0}
        for _ in range(a.reps):
            best["llama_pp"] = max(best["llama_pp"], llama_pp(llm, toks))
            best["llama_tg"] = max(best["llama_tg"], llama_tg(llm, toks[:64], 128))
            pp, tg = ours(a.bench, a.model, th)
            best["ours_pp"] = max(best["ours_pp"], pp)
            best["ours_tg"] = max(best["ours_tg"], tg)
        best["threads"] = th
        best["pp_ratio"] = best["ours_pp"] / best["llama_pp"]
        best["tg_ratio"] = best["ours_tg"] / best["llama_tg"]
        rows.append(best)
        del llm
    print(json.dumps(rows, indent=1))


main()
