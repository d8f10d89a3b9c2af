#!/usr/bin/env python3
"""Blocks of the formats with reference kernels only (Q4_0, Q5_0, Q5_1, the K-quants Q2_K to Q6_K,
IQ4_NL, IQ4_XS, BF16) dequantised by us and by gguf-py (llama.cpp's own Python package), bit for
bit.

gguf-py writes a GGUF holding random tensors of each (random bytes, with finite f16 scales
of a sensible size), then `depinfer-infer-tool dequant` dequantises each and the floats are
compared with gguf.quants.dequantize. Exit 0 on agreement, 1 on a difference, 77 (skip) when
numpy or gguf is missing.
Usage: quant_formats_check.py INFER_TOOL"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import gguf
    from gguf import quants
except ImportError as e:
    print(f"SKIP: {e}")
    sys.exit(77)


def random_blocks(rng, qtype, rows, cols):
    block_elems, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    nblocks = rows * cols // block_elems
    raw = rng.integers(0, 256, size=(nblocks, block_bytes), dtype=np.uint8)
    # f16 scales: random magnitudes between 2^-12 and 2^-2, both signs for d in Q6_K.
    def halves(n, signed):
        v = (2.0 ** rng.uniform(-12, -2, size=n)).astype(np.float16)
        if signed:
            v = np.where(rng.integers(0, 2, size=n) == 1, -v, v).astype(np.float16)
        return v.view(np.uint8).reshape(n, 2)
    T = gguf.GGMLQuantizationType
    if qtype == T.BF16:  # finite values: the top halves of normal floats
        raw = (rng.normal(size=nblocks).astype(np.float32).view(np.uint32) >> 16)
        raw = raw.astype(np.uint16).view(np.uint8).reshape(nblocks, 2)
    elif qtype in (T.Q4_K, T.Q5_K, T.Q5_1):
        raw[:, 0:2] = halves(nblocks, qtype == T.Q5_1)  # d
        raw[:, 2:4] = halves(nblocks, qtype == T.Q5_1)  # dmin, or Q5_1's m
    elif qtype == T.Q2_K:  # d, dmin are the last four bytes
        raw[:, block_bytes - 4:block_bytes - 2] = halves(nblocks, False)
        raw[:, block_bytes - 2:] = halves(nblocks, False)
    elif qtype in (T.Q6_K, T.Q3_K):  # d is the last two bytes
        raw[:, block_bytes - 2:] = halves(nblocks, True)
    else:  # Q4_0, Q5_0, IQ4_NL, IQ4_XS: d first
        raw[:, 0:2] = halves(nblocks, True)
    return raw.reshape(rows, cols // block_elems * block_bytes)


def main():
    tool = sys.argv[1]
    rng = np.random.default_rng(20261126)
    T = gguf.GGMLQuantizationType
    cases = {"q4k": (T.Q4_K, 5, 768), "q6k": (T.Q6_K, 7, 512), "q4_0": (T.Q4_0, 3, 576),
             "q5_0": (T.Q5_0, 4, 576), "q5_1": (T.Q5_1, 2, 640), "q2k": (T.Q2_K, 5, 768),
             "q3k": (T.Q3_K, 6, 512), "q5k": (T.Q5_K, 4, 1024), "iq4nl": (T.IQ4_NL, 3, 576),
             "iq4xs": (T.IQ4_XS, 4, 768), "bf16": (T.BF16, 3, 200)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "kquants.gguf")
        w = gguf.GGUFWriter(path, "llama")
        data = {}
        for name, (qtype, rows, cols) in cases.items():
            data[name] = random_blocks(rng, qtype, rows, cols)
            w.add_tensor(name, data[name], raw_dtype=qtype)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        bad = 0
        for name, (qtype, rows, cols) in cases.items():
            out = os.path.join(tmp, name + ".f32")
            subprocess.run([tool, "dequant", path, name, out], check=True)
            ours = np.fromfile(out, dtype=np.float32).reshape(rows, cols)
            theirs = quants.dequantize(data[name], qtype).astype(np.float32).reshape(rows, cols)
            diff = np.flatnonzero(ours.view(np.uint32) != theirs.view(np.uint32))
            print(f"{name}: {rows}x{cols}, {diff.size} of {ours.size} values differ")
            if diff.size:
                i = diff[0]
                print(f"  first at {i}: ours {ours.flat[i]!r}, gguf-py {theirs.flat[i]!r}")
                bad += 1
    sys.exit(1 if bad else 0)


main()
