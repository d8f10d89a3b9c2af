#!/usr/bin/env bash
# The test-only Python environment under a build folder: the oracles and clients we did not
# write (llama-cpp-python as the llama.cpp reference, the official openai client, gguf,
# tokenizers, numpy). Never used by the product at run time.
#   scripts/python_venv.sh build/release
# llama-cpp-python compiles llama.cpp from its sdist (pinned; only the library, no multimodal
# part, tools or tests): several minutes on two cores the first time, then pip's wheel cache
# makes it quick.
set -euo pipefail
build=${1:?usage: scripts/python_venv.sh BUILD_DIR}
venv="$build/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c "import llama_cpp, numpy, gguf, tokenizers, openai" 2>/dev/null; then
  echo "python_venv: installing the test oracles into $venv (llama-cpp-python builds from source)"
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF}" \
    "$venv/bin/pip" install --quiet --disable-pip-version-check numpy gguf tokenizers \
      llama-cpp-python==0.3.36 openai
fi
# Say so if the oracles still cannot be imported: the tests that need them would only be skipped.
if ! "$venv/bin/python" -c "import llama_cpp, numpy, gguf, tokenizers, openai"; then
  echo "python_venv: WARNING: the test oracles do not import from $venv" >&2
fi
