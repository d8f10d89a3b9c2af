#!/usr/bin/env python3
"""Side-by-side speed of depinfer and llama.cpp (llama-cpp-python) on the same GGUF and threads.

Measures, for each engine: prompt processing of a 512-token prompt (tokens/s), generation at
batch 1 (tokens/s over 128 greedy tokens after a short prompt), and 8 streams decoded together
(aggregate tokens/s, each stream at context 64: llama.cpp through its batch API with 8 sequence
ids, ours through bench_infer's DecodeBatch). Runs the engines alternately, `--reps` times, and
reports the best run of each (least disturbed by other load), and each process's peak RSS.
Usage: bench_vs_llama.py TOOL_DIR MODEL [--threads 1 2] [--reps 3]"""
import argparse
import ctypes
import json
import os
import resource
import subprocess
import time

import llama_cpp as L
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


def llama_streams(model_path, threads, streams=8, ctx=64, steps=64):
    """Aggregate greedy decoding tokens/s of `streams` sequences sharing each llama_decode."""
    mp = L.llama_model_default_params()
    model = L.llama_model_load_from_file(model_path.encode(), mp)
    cp = L.llama_context_default_params()
    cp.n_ctx = streams * (ctx + steps + 16)
    cp.n_batch = cp.n_ubatch = 512
    cp.n_seq_max = streams
    cp.n_threads = cp.n_threads_batch = threads
    lctx = L.llama_init_from_model(model, cp)
    n_vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
    batch = L.llama_batch_init(512, 0, streams)

    def run(entries):  # entries: (token, pos, seq, want_logits)
        batch.n_tokens = len(entries)
        for i, (tok, pos, seq, lg) in enumerate(entries):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = tok, pos, 1
            batch.seq_id[i][0], batch.logits[i] = seq, lg
        assert L.llama_decode(lctx, batch) == 0

    def argmax(i):
        ptr = L.llama_get_logits_ith(lctx, i)
        return int(np.argmax(np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float)),
                                                   shape=(n_vocab,))))

    for s in range(streams):  # prompts: context `ctx` each
        run([(100 + s, p, s, p == ctx - 1) for p in range(ctx)])
    nxt = [42 + s for s in range(streams)]
    t0 = time.perf_counter()
    for step in range(steps):
        run([(nxt[s], ctx + step, s, True) for s in range(streams)])
        nxt = [argmax(i) for i in range(streams)]
    rate = streams * steps / (time.perf_counter() - t0)
    L.llama_batch_free(batch)
    L.llama_free(lctx)
    L.llama_model_free(model)
    return rate


OURS_PEAK_KB = [0]


def ours(bench, model, threads):
    """Runs bench_infer's model benchmarks; returns (prompt, generation, 8-stream) tok/s.
    /usr/bin/time reports the run's peak RSS (a forked child's own rusage would include the
    Python parent's pages it started with)."""
    out = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", bench,
                          f"--benchmark_filter=^(DecodeStep|Prompt/last_logits|DecodeBatch)/{threads}/",
                          "--benchmark_format=json", "--benchmark_min_time=1"],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, DEPINFER_BENCH_MODEL=os.path.abspath(model)))
    for line in out.stderr.splitlines():
        if line.startswith("maxrss_kb="):
            OURS_PEAK_KB[0] = max(OURS_PEAK_KB[0], int(line.split("=")[1]))
    res = {b["name"]: b for b in json.loads(out.stdout)["benchmarks"]}
    pp = [v["items_per_second"] for k, v in res.items() if k.startswith("Prompt/")]
    tg = [v["items_per_second"] for k, v in res.items() if k.startswith("DecodeStep/")]
    st = [v["items_per_second"] for k, v in res.items() if k.startswith(f"DecodeBatch/{threads}/8")]
    return max(pp), max(tg), max(st)


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
        best = {"llama_pp": 0, "llama_tg": 0, "llama_8streams": 0, "ours_pp": 0, "ours_tg": 0,
                "ours_8streams": 0}
        for _ in range(a.reps):
            best["llama_pp"] = max(best["llama_pp"], llama_pp(llm, toks))
            best["llama_tg"] = max(best["llama_tg"], llama_tg(llm, toks[:64], 128))
            best["llama_8streams"] = max(best["llama_8streams"], llama_streams(a.model, th))
            pp, tg, st = ours(a.bench, a.model, th)
            best["ours_pp"] = max(best["ours_pp"], pp)
            best["ours_tg"] = max(best["ours_tg"], tg)
            best["ours_8streams"] = max(best["ours_8streams"], st)
        best["threads"] = th
        best["pp_ratio"] = best["ours_pp"] / best["llama_pp"]
        best["tg_ratio"] = best["ours_tg"] / best["llama_tg"]
        best["8streams_ratio"] = best["ours_8streams"] / best["llama_8streams"]
        best["ours_8streams_over_single"] = best["ours_8streams"] / best["ours_tg"]
        best["llama_8streams_over_single"] = best["llama_8streams"] / best["llama_tg"]
        rows.append(best)
        del llm
    print(json.dumps(rows, indent=1))
    # Peak resident memory: this Python process holds llama.cpp (and the interpreter and numpy,
    # some 30 MB); bench_infer's largest run (model, packed weights, 8 caches, a 512-token
    # prompt's activations).
    print(json.dumps({"peak_rss_mb": {
        "llama_cpp_python_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bench_infer": OURS_PEAK_KB[0] / 1024}}))


main()
