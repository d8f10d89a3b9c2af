#!/usr/bin/env bash
# The test-only Python environment under a build folder: the oracles and clients we did not
# write (llama-cpp-python as the llama.cpp reference, the official openai client, gguf,
# tokenizers, numpy). Never used by the product at run time.
#   scripts/python_venv.sh build/release
# llama-cpp-python compiles llama.cpp from its sdist: about ten minutes on two cores the first
# time, then pip's wheel cache makes it quick.
set -euo pipefail
build=${1:?usage: scripts/python_venv.sh BUILD_DIR}
venv="$build/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c "import llama_cpp, numpy, gguf, tokenizers, openai" 2>/dev/null; then
  echo "python_venv: installing the test oracles into $venv (llama-cpp-python builds from source)"
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    "$venv/bin/pip" install --quiet --disable-pip-version-check numpy gguf tokenizers llama-cpp-python openai
fi
