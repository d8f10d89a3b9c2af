#!/usr/bin/env python3
"""Writes tests/infer/data/tokenizer_golden.tsv: token ids for a corpus of strings, computed by
Hugging Face `tokenizers` (an independent implementation) configured from the GGUF's own vocab
and merges with SmolLM2's pre-tokenizer (individual digits, then GPT-2 byte-level regex) and its
special tokens. The C++ tokenizer test must reproduce every entry.
One line per case: the text's UTF-8 bytes in hex, a tab, the ids separated by spaces.
Usage: make_tokenizer_golden.py MODEL.gguf OUT.tsv"""
import sys

from gguf import GGUFReader
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers


def field(r, name):
    f = r.fields[name]
    return [bytes(f.parts[i]).decode("utf-8") for i in f.data]


def ints(r, name):
    f = r.fields[name]
    return [int(f.parts[i][0]) for i in f.data]


def corpus():
    out = [
        "", " ", "  ", "\n", "\n\n", "\t", " \n ", "Hello", "Hello world", " Hello world",
        "Hello  world", "Hello   world  ", "hello\nworld", "hello \n world", "hello\n\n\nworld",
        "What is the capital of France?", "The quick brown fox jumps over the lazy dog.",
        "I'm here, you're there, he's gone; we'll see, they've left, I'd go.",
        "I'M LOUD 'S 'T", "don't", "'s", "''", "' s",
        "1", "12", "123", "1234567890", "3.14159", "1,000,000", "v1.2.3", "2026-11-25T18:00Z",
        "a1b2c3", " 42 ", "x=10+20*30", "٣٤٥ ٦", "Ⅻ roman", "½ ¾ ²",
        "café", "naïve résumé", "Größe", "Ελληνικά", "Русский текст", "中文文本测试", "日本語のテキスト",
        "한국어 텍스트", "עברית", "العربية", "हिन्दी", "ไทย", "🙂", "🙂🙃 emoji 👍🏽", "👨‍👩‍👧",
        "\u00a0nbsp", "zero\u200bwidth", "line\u2028sep", "tab\tsep\tvalues", "\r\n", "a\r\nb",
        "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
        "#include <stdio.h>\nint main() { printf(\"hi\\n\"); }", "SELECT * FROM t WHERE id = 7;",
        "<html><body class=\"x\">Hi</body></html>", "{\"key\": [1, 2, {\"a\": null}]}",
        "$ ls -la | grep foo > out.txt 2>&1", "http://example.com/path?q=1&r=2#frag",
        "email@example.com", "C++ and C# and F#", "@user #tag", "!!!", "???", "...", "---",
        "***bold***", "__init__", "snake_case_name", "camelCaseName", "PascalCase", "ALLCAPS",
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
        "<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
        "<|endoftext|>", "text<|endoftext|>more", "<|im_end|><|im_start|>", "<|im_start", "<repo_name>x",
        "<file_sep>", "a<|im_end|>b", "   leading", "trailing   ", "mixed \t\n whitespace \n\t ",
        "          ten spaces", "x" * 50, "ab" * 40, " " * 33 + "end", "\n" * 7, "a\u3000b",
    ]
    words = ["the", "of", "and", "tokenizer", "llama", "quantised", "déterminisme", "naïveté",
             "Zürich", "東京", "москва", "42", "3.5", "don't", "it's", "(x)", "[y]", "{z}", "a_b",
             "--flag", "\t", "\n", "  ", "🙂", "ß", "İstanbul", "ǅ", "ﬁ", "Ⅷ", "٣"]
    import random
    rng = random.Random(20261125)
    while len(out) < 260:
        n = rng.randint(1, 12)
        s = ""
        for _ in range(n):
            s += rng.choice(words) + rng.choice([" ", "", "  ", "\n", ", ", ". "])
        out.append(s)
    return out


def main():
    r = GGUFReader(sys.argv[1])
    tokens = field(r, "tokenizer.ggml.tokens")
    types = ints(r, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ", 1)) for m in field(r, "tokenizer.ggml.merges")]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False)
                            for i, t in enumerate(types) if t in (3, 4)])
    cases = corpus()
    with open(sys.argv[2], "w") as f:
        for s in cases:
            ids = tok.encode(s, add_special_tokens=False).ids
            f.write(s.encode("utf-8").hex() + "\t" + " ".join(map(str, ids)) + "\n")
    print(f"{len(cases)} cases")


main()
