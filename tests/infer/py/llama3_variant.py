#!/usr/bin/env python3
"""The shipped model dressed as a Llama 3 file, to check the two things Llama 3 GGUFs add.

  * tokenizer.ggml.pre = "llama-bpe": Llama 3's pre-tokenizer pattern (the vocabulary and merges
    stay SmolLM2's, which is all a pre-tokenizer check needs);
  * rope_freqs.weight: Llama 3.1's per-pair RoPE frequency divisors, computed with the scaling
    parameters Llama 3.1/3.2 publish (factor 32, low/high frequency factors 1 and 4, original
    context 8192) by the formula of llama.cpp's convert_hf_to_gguf.py.

llama_agreement.py --variant llama3 derives this file with gguf-py (pinned, so the bytes and
their SHA-256 are the same wherever it runs) and compares depinfer and llama.cpp on it.
Usage: llama3_variant.py SRC.gguf DST.gguf"""
import math
import sys

import numpy as np
import gguf


def rope_factors(base, dim, factor=32.0, low=1.0, high=4.0, old_ctx=8192):
    low_wavelen, high_wavelen = old_ctx / low, old_ctx / high
    out = []
    for i in range(0, dim, 2):
        wavelen = 2 * math.pi * base ** (i / dim)
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (old_ctx / wavelen - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def derive(src, dst):
    r = gguf.GGUFReader(src)
    w = gguf.GGUFWriter(dst, arch=r.fields["general.architecture"].contents())
    for f in r.fields.values():
        if f.name == "general.architecture" or f.name.startswith("GGUF."):
            continue
        vtype = f.types[0]
        sub = f.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        value = "llama-bpe" if f.name == "tokenizer.ggml.pre" else f.contents()
        w.add_key_value(f.name, value, vtype, sub_type=sub)
    for t in r.tensors:
        w.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
    w.add_tensor("rope_freqs.weight", rope_factors(r.fields["llama.rope.freq_base"].contents(),
                                                   r.fields["llama.rope.dimension_count"].contents()))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    derive(sys.argv[1], sys.argv[2])
