#!/usr/bin/env bash
# The test-only Python environment under a build folder: the clients and tools we did not write
# that the tests run (the official openai client, numpy for the llama.cpp agreement check, gguf-py
# for the K-quant cross-check) and llama.cpp's tokenizer test vectors. The packages come as
# wheels and the vectors are unpacked from a source archive without building it, so this is quick. Never used by the product at run time. llama.cpp itself is
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

# llama.cpp's tokenizer test vectors: vocabulary-only GGUF files of several model families, 47
# strings each and the ids Hugging Face's tokenizers give for them. They ship in
# llama-cpp-python's source distribution on PyPI (the version the agreement recording names);
# only the families vocab_vectors_check.py reads are unpacked. Used by tests/infer/py/vocab_vectors_check.py.
vocab="$build/llama-vocab"
if [ ! -f "$vocab/ggml-vocab-llama-bpe.gguf.out" ]; then
  echo "python_venv: fetching llama.cpp's tokenizer test vectors into $vocab"
  tmp=$(mktemp -d)
  if "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
       llama-cpp-python==0.3.36 -d "$tmp"; then
    mkdir -p "$vocab"
    members=()
    for name in llama-bpe gpt-2 starcoder refact mpt command-r llama-spm phi-3 falcon \
                deepseek-llm qwen2 bert-bge; do
      members+=("llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-$name.gguf*")
    done
    tar -xzf "$tmp"/llama_cpp_python-0.3.36.tar.gz -C "$vocab" --strip-components=4 \
      --wildcards "${members[@]}"
  else
    echo "python_venv: WARNING: could not fetch the tokenizer test vectors" >&2
  fi
  rm -rf "$tmp"
fi
