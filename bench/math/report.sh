#!/usr/bin/env bash
# Prints every figure docs/BENCHMARKS.md quotes for the BN254 core, with the machine it ran on:
#   bench/math/report.sh [build-dir]
# Run it on an otherwise idle machine: these are shared 2-core VMs and other load shows up
# directly in the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
echo "## machine"
echo "- $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
     "$(free -g | awk '/Mem:/ {print $2}') GiB, flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(adx|bmi2|avx2|avx512f|avx512ifma)$' | paste -sd ' ')"
echo "- $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)"
echo
echo "## depinfer core-bench (2 threads)"
"$build/src/app/depinfer" core-bench --repeats 9
echo
echo "## Google Benchmark suite"
"$build/bench/math/math_bench" --benchmark_min_time=0.5 2>/dev/null
echo
echo "## side by side with ffjavascript"
python3 bench/math/side_by_side.py --build "$build"
