#!/usr/bin/env bash
# The test-only Python environment under a build folder: the clients and tools we did not write
# that the tests run (the official openai client, numpy for the llama.cpp agreement check, gguf-py
# for the K-quant cross-check). All
# come as wheels, so this is quick. Never used by the product at run time. llama.cpp itself is
# not built here: its answers are recorded (scripts/llama_reference.sh record).
#   scripts/python_venv.sh build/release
set -euo pipefail
build=${1:?usage: scripts/python_venv.sh BUILD_DIR}
venv="$build/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c "import numpy, openai, gguf" 2>/dev/null; then
  echo "python_venv: installing the test clients into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy openai gguf==0.19.0
fi
# Say so if they still cannot be imported: the tests that need them would only be skipped.
if ! "$venv/bin/python" -c "import numpy, openai, gguf"; then
  echo "python_venv: WARNING: the test clients do not import from $venv" >&2
fi
