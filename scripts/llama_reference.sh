#!/usr/bin/env bash
# The llama.cpp side of the inference agreement test, for developers (CI only checks against
# the recording): a Python environment with llama-cpp-python (pinned; built from its sdist, about
# five minutes on two cores; --no-cache-dir so that CMAKE_ARGS always apply), then
#   record   write tests/infer/data/llama_cpp_reference{,_llama3}.npz from llama.cpp's own answers
#            (the shipped model, and the same dressed as a Llama 3 file: llama3_variant.py);
#   bench    the side-by-side speed of llama.cpp and depinfer (tests/infer/py/bench_vs_llama.py).
# Usage: scripts/llama_reference.sh record|bench [build-dir]      (default: build/release)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:?usage: scripts/llama_reference.sh record|bench [build-dir]}"
build="${2:-${repo}/build/release}"
venv="${build}/llama-venv"
[[ -x "${venv}/bin/python" ]] || python3 -m venv "${venv}"
if ! "${venv}/bin/python" -c "import llama_cpp, numpy, gguf" 2>/dev/null; then
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
  # The instruction sets named one by one instead of -march=native: on a CPU with AMX, native
  # builds of this version take ggml's AMX path for batches, which crashes here on every
  # llama_decode of two or more tokens (segmentation fault; seen 2026-11-26 on a Sapphire
  # Rapids host). AVX-512 with VNNI is llama.cpp's fastest working path on these machines.
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX_VNNI=ON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON}" \
    "${venv}/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir numpy gguf==0.19.0 llama-cpp-python==0.3.36
fi
"${repo}/scripts/fetch_model.sh"
model="${repo}/models/SmolLM2-135M-Instruct.Q4_1.gguf"
case "${mode}" in
  record)
    "${venv}/bin/python" "${repo}/tests/infer/py/llama_agreement.py" record "${repo}" "${model}"
    "${venv}/bin/python" "${repo}/tests/infer/py/llama_agreement.py" record "${repo}" "${model}" --variant llama3 ;;
  bench) "${venv}/bin/python" "${repo}/tests/infer/py/bench_vs_llama.py" "${build}/bench/infer/bench_infer" "${model}" ;;
  *) echo "usage: scripts/llama_reference.sh record|bench [build-dir]" >&2; exit 2 ;;
esac
