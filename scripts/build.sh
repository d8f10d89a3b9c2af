#!/usr/bin/env bash
# Configures and builds one flavour of the tree:
#   scripts/build.sh release   Release, -Werror        -> build/release
#   scripts/build.sh asan      ASan + UBSan, -Werror   -> build/asan
#   scripts/build.sh fuzz      clang + libFuzzer       -> build/fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=${DEPINFER_JOBS:-$(nproc)}
case "$flavour" in
  release)
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEPINFER_WERROR=ON >/dev/null ;;
  asan)
    # -O1 (the sanitizers' own recommendation) with line tables only (-g1): enough for their
    # stack traces, and about 40% less compile time than -O2 -g.
    cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEPINFER_WERROR=ON \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
      -DDEPINFER_SANITIZE=ON -DDEPINFER_BENCH=OFF -DDEPINFER_COMETBFT_TESTS=OFF >/dev/null ;;
  fuzz)
    CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DDEPINFER_FUZZ=ON -DDEPINFER_BENCH=OFF >/dev/null
    # Only the fuzz targets (and what they link) are built with clang.
    exec cmake --build build/fuzz -j "$jobs" --target decode_fuzz fuzz_formats gguf_fuzz ;;
  *) echo "usage: scripts/build.sh release|asan|fuzz" >&2; exit 2 ;;
esac
cmake --build "build/$flavour" -j "$jobs"
