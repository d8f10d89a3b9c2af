#!/usr/bin/env python3
"""The official `openai` Python client against `depinfer provider`.

Starts the provider on a free port, then: lists models, runs a chat completion with and without
streaming, checks that the same seed gives the same text twice, that n = 2 gives two indexed
choices (whole and streamed), and that errors surface as the client's own exception types.
Exit 0 on success, 1 on failure, 77 (skip) when the `openai` package or the model is missing.
Usage: openai_client_test.py DEPINFER_BINARY MODELS_DIR"""
import os
import socket
import subprocess
import sys
import time

try:
    import openai
except ImportError as e:
    print(f"SKIP: {e}")
    sys.exit(77)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    binary, models = sys.argv[1], sys.argv[2]
    if not os.path.exists(os.path.join(models, "SmolLM2-135M-Instruct.Q4_1.gguf")):
        print("SKIP: model missing; run scripts/fetch_model.sh")
        sys.exit(77)
    port = free_port()
    proc = subprocess.Popen([binary, "provider", "--models", models, "--port", str(port), "--max-tokens", "64"],
                            stderr=subprocess.PIPE, text=True)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused",
                               max_retries=0, timeout=120)
        for _ in range(100):
            try:
                models_list = client.models.list()
                break
            except openai.APIConnectionError:
                time.sleep(0.1)
        ids = [m.id for m in models_list.data]
        assert ids == ["SmolLM2-135M-Instruct.Q4_1"], ids
        model = ids[0]

        msgs = [{"role": "user", "content": "Write one sentence about the moon."}]
        a = client.chat.completions.create(model=model, messages=msgs, max_tokens=20, seed=11,
                                           temperature=0.8)
        b = client.chat.completions.create(model=model, messages=msgs, max_tokens=20, seed=11,
                                           temperature=0.8)
        assert a.choices[0].message.content == b.choices[0].message.content
        assert a.usage.completion_tokens > 0
        print("chat:", repr(a.choices[0].message.content))

        stream = client.chat.completions.create(model=model, messages=msgs, max_tokens=20, seed=11,
                                                temperature=0.8, stream=True)
        text = "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices)
        assert text == a.choices[0].message.content, (text, a.choices[0].message.content)

        c = client.completions.create(model=model, prompt="Once upon a time", max_tokens=8,
                                      temperature=0)
        assert isinstance(c.choices[0].text, str)

        # logprobs, read through the client's own types.
        lp = client.chat.completions.create(model=model, messages=msgs, max_tokens=8, temperature=0,
                                            logprobs=True, top_logprobs=2)
        content = lp.choices[0].logprobs.content
        assert content and all(len(t.top_logprobs) == 2 and t.logprob <= 0 for t in content), content
        assert content[0].top_logprobs[0].token == content[0].token
        lc = client.completions.create(model=model, prompt="Once upon a time", max_tokens=4,
                                       temperature=0, logprobs=2)
        assert len(lc.choices[0].logprobs.tokens) == len(lc.choices[0].logprobs.token_logprobs) > 0

        # n = 2: two choices, each with its own index and receipt; choice 0 is the n = 1 answer.
        two = client.chat.completions.create(model=model, messages=msgs, max_tokens=20, seed=11,
                                             temperature=0.8, n=2)
        assert [ch.index for ch in two.choices] == [0, 1], two.choices
        assert two.choices[0].message.content == a.choices[0].message.content
        receipts = [ch.model_extra["receipt"] for ch in two.choices]
        assert [r.get("choice") for r in receipts] == [0, 1] and receipts[0]["seed"] == 11, receipts
        assert receipts[1]["seed"] != 11, receipts
        assert two.usage.completion_tokens == sum(r["tokens_out"] for r in receipts), two.usage
        assert two.usage.prompt_tokens == a.usage.prompt_tokens
        # Streamed, chunks of the two choices interleave; reassembled per index they are the same.
        stream = client.chat.completions.create(model=model, messages=msgs, max_tokens=20, seed=11,
                                                temperature=0.8, n=2, stream=True)
        texts = ["", ""]
        for ch in stream:
            for c in ch.choices:
                texts[c.index] += c.delta.content or ""
        assert texts == [c.message.content for c in two.choices], (texts, two.choices)
        # stream_options include_usage: the client's own last chunk with no choices and the usage.
        stream = client.chat.completions.create(model=model, messages=msgs, max_tokens=20, seed=11,
                                                temperature=0.8, n=2, stream=True,
                                                stream_options={"include_usage": True})
        chunks = list(stream)
        assert chunks[-1].choices == [] and chunks[-1].usage is not None, chunks[-1]
        assert chunks[-1].usage.completion_tokens == two.usage.completion_tokens, chunks[-1].usage
        tc = client.completions.create(model=model, prompt="Once upon a time", max_tokens=8,
                                       temperature=1.0, seed=2, n=2)
        assert [ch.index for ch in tc.choices] == [0, 1], tc.choices
        assert all(isinstance(ch.text, str) for ch in tc.choices), tc.choices
        try:
            client.chat.completions.create(model=model, messages=msgs, max_tokens=4, n=9)
            raise AssertionError("n = 9 accepted")
        except openai.BadRequestError:
            pass

        try:
            client.chat.completions.create(model="no-such-model", messages=msgs)
            raise AssertionError("unknown model accepted")
        except openai.NotFoundError:
            pass
        try:
            client.chat.completions.create(model=model, messages=msgs, max_tokens=100000)
            raise AssertionError("max_tokens over the cap accepted")
        except openai.BadRequestError:
            pass
        print("openai client test: OK")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


main()
