#!/usr/bin/env bash
# Sets up the test-only Python environment under the build folder (numpy, gguf, tokenizers,
# llama-cpp-python built from PyPI: slow on 2 cores, cached afterwards) and runs the llama.cpp
# agreement test and the side-by-side benchmark.
# Usage: scripts/agreement_infer.sh [build-dir]      (default: build-infer)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${repo}/build-infer}"
venv="${build}/venv"
if [[ ! -x "${venv}/bin/python" ]]; then
  python3 -m venv "${venv}"
fi
if ! "${venv}/bin/python" -c "import llama_cpp, numpy, gguf, tokenizers, openai" 2>/dev/null; then
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" nice -n 10 \
    "${venv}/bin/pip" install --quiet numpy gguf tokenizers llama-cpp-python openai
fi
"${repo}/scripts/fetch_model.sh"
cd "${build}"
ctest --output-on-failure -R "InferLlamaCppAgreement|ApiOpenAiClient"
