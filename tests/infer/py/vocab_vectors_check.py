#!/usr/bin/env python3
"""Our tokenizer on real vocabularies against llama.cpp's tokenizer test vectors.

llama.cpp ships vocabulary-only GGUF files of many model families with, for each, the same 47
test strings (models/ggml-vocab-NAME.gguf.inp, separated by "__ggml_vocab_test__" lines) and
the token ids Hugging Face's tokenizers give for them (.out, one line per string). They come
inside llama-cpp-python's source distribution on PyPI; scripts/python_venv.sh unpacks them
into BUILD/llama-vocab. Each string is tokenised as llama.cpp's test does: no BOS, control
tokens not parsed (user-defined ones are).

The families our tokenizer supports must match every string; the others must be refused at
load with a message naming what is unsupported (not crash, not guess).
Exit 0 on success, 1 on a difference, 77 (skip) when the vectors are missing.
Usage: vocab_vectors_check.py INFER_TOOL VOCAB_DIR"""
import os
import subprocess
import sys

SUPPORTED = ["llama-bpe", "gpt-2", "starcoder", "refact", "mpt", "command-r", "llama-spm", "phi-3"]
REFUSED = ["falcon", "deepseek-llm", "qwen2", "bert-bge"]
SEPARATOR = "\n__ggml_vocab_test__\n"


def run(tool, gguf, texts):
    return subprocess.run([tool, "tokenize", gguf, "--plain"],
                          input="\n".join(t.encode().hex() for t in texts) + "\n",
                          capture_output=True, text=True)


def main():
    tool, vocab_dir = sys.argv[1], sys.argv[2]
    if not os.path.isdir(vocab_dir):
        print(f"SKIP: no vocabulary test files in {vocab_dir}; run scripts/python_venv.sh")
        sys.exit(77)
    bad = 0
    for name in SUPPORTED:
        gguf = os.path.join(vocab_dir, f"ggml-vocab-{name}.gguf")
        texts = open(gguf + ".inp", encoding="utf-8").read().split(SEPARATOR)
        want = open(gguf + ".out", encoding="utf-8").read().split("\n")
        texts = texts[:len(want)]
        r = run(tool, gguf, texts)
        if r.returncode != 0:
            print(f"{name}: failed to load: {r.stderr.strip()}")
            bad += 1
            continue
        got = r.stdout.split("\n")
        same = 0
        for text, w, g in zip(texts, want, got):
            if w.split() == g.split():
                same += 1
            else:
                print(f"{name}: {text!r}\n  expected {w.strip()}\n  got      {g.strip()}")
        print(f"{name}: {same}/{len(texts)} identical")
        bad += same != len(texts)
    for name in REFUSED:
        gguf = os.path.join(vocab_dir, f"ggml-vocab-{name}.gguf")
        r = run(tool, gguf, ["Hello world"])
        if r.returncode == 1 and "not supported" in r.stderr:
            print(f"{name}: refused ({r.stderr.strip()})")
        else:
            print(f"{name}: expected a clear refusal, got exit {r.returncode}: {r.stderr.strip()}")
            bad += 1
    sys.exit(1 if bad else 0)


main()
