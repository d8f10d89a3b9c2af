#!/usr/bin/env bash
# The llama.cpp side of the inference agreement test, for developers (CI only checks against
# the recording): a Python environment with llama-cpp-python (pinned; built from its sdist, about
# five minutes on two cores the first time, then pip's wheel cache makes it quick), then
#   record   write tests/infer/data/llama_cpp_reference.npz from llama.cpp's own answers;
#   bench    the side-by-side speed of llama.cpp and depinfer (tests/infer/py/bench_vs_llama.py).
# Usage: scripts/llama_reference.sh record|bench [build-dir]      (default: build/release)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:?usage: scripts/llama_reference.sh record|bench [build-dir]}"
build="${2:-${repo}/build/release}"
venv="${build}/llama-venv"
[[ -x "${venv}/bin/python" ]] || python3 -m venv "${venv}"
if ! "${venv}/bin/python" -c "import llama_cpp, numpy" 2>/dev/null; then
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF}" \
    "${venv}/bin/pip" install --quiet --disable-pip-version-check numpy llama-cpp-python==0.3.36
fi
"${repo}/scripts/fetch_model.sh"
model="${repo}/models/SmolLM2-135M-Instruct.Q4_1.gguf"
case "${mode}" in
  record) "${venv}/bin/python" "${repo}/tests/infer/py/llama_agreement.py" record "${repo}" "${model}" ;;
  bench) "${venv}/bin/python" "${repo}/tests/infer/py/bench_vs_llama.py" "${build}/bench/infer/bench_infer" "${model}" ;;
  *) echo "usage: scripts/llama_reference.sh record|bench [build-dir]" >&2; exit 2 ;;
esac
