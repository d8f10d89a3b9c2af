#!/usr/bin/env python3
"""Side-by-side timing of our BN254 core and ffjavascript (npm) in one run on this machine.

    python3 bench/math/side_by_side.py [--build build/release]

Runs bench/math/math_bench (Google Benchmark, JSON output) for the operations ffjavascript also
has, then tests/oracle/ffjs_bench.mjs, and prints a Markdown table with both medians and the
ratio (ffjavascript time / ours). Both sides use every core of the machine.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (label, our benchmark name, ffjavascript op, ffjavascript n)
PAIRS = [
    ("pairing", "pairing/single", "pairing", 1),
    ("multi-pairing, 4 pairs", "pairing/multi/4", "multi_pairing_millerloop_product", 4),
    ("G1 MSM 2^10", "msm/g1/1024/real_time", "g1_msm_multiExpAffine", 1024),
    ("G1 MSM 2^12", "msm/g1/4096/real_time", "g1_msm_multiExpAffine", 4096),
    ("G1 MSM 2^16", "msm/g1/65536/real_time", "g1_msm_multiExpAffine", 65536),
    ("NTT 2^16", "ntt/forward_log2/16/real_time", "fr_fft", 65536),
    ("NTT 2^20", "ntt/forward_log2/20/real_time", "fr_fft", 1048576),
]

UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def ours(build):
    exe = os.path.join(ROOT, build, "bench", "math", "math_bench")
    flt = "pairing/single|pairing/multi|msm/g1/(1024|4096|65536)/|ntt/forward"
    out = subprocess.run([exe, f"--benchmark_filter={flt}", "--benchmark_format=json",
                          "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true"],
                         check=True, capture_output=True, text=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            res[b["run_name"]] = b["real_time"] * UNIT_MS[b["time_unit"]]
    return res


def ffjs():
    out = subprocess.run(["node", os.path.join(ROOT, "tests", "oracle", "ffjs_bench.mjs")],
                         check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        o = json.loads(line)
        if "median_ms" in o:
            res[(o["op"], o["n"])] = o["median_ms"]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release", help="build directory holding bench/math/math_bench")
    args = ap.parse_args()
    a = ours(args.build)
    b = ffjs()
    print(f"| operation | Depinfer (ms) | ffjavascript 0.3.1 (ms) | ffjavascript / Depinfer |")
    print(f"| --- | ---: | ---: | ---: |")
    for label, ours_name, op, n in PAIRS:
        x, y = a.get(ours_name), b.get((op, n))
        if x is None or y is None:
            print(f"| {label} | {x} | {y} | n/a |")
            continue
        print(f"| {label} | {x:.3f} | {y:.3f} | {y / x:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
