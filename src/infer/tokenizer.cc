#include "infer/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <queue>

namespace depinfer::infer {
namespace {

struct CodepointRange {
  uint32_t lo, hi;
};
#include "infer/unicode_ranges.inc"

bool InRanges(const CodepointRange* r, size_t n, uint32_t cp) {
  const CodepointRange* end = r + n;
  const CodepointRange* it =
      std::upper_bound(r, end, cp, [](uint32_t c, const CodepointRange& x) { return c < x.lo; });
  return it != r && cp <= (it - 1)->hi;
}
bool IsLetter(uint32_t cp) {
  return InRanges(kLetterRanges, std::size(kLetterRanges), cp);
}
bool IsNumber(uint32_t cp) {
  return InRanges(kNumberRanges, std::size(kNumberRanges), cp);
}
// The Unicode White_Space property (PropList.txt), which is what \s means in the pre-tokenizer.
bool IsSpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

// A decoded code point and the bytes it came from. Invalid UTF-8 decodes one byte at a time to
// U+FFFD (an "other" character), keeping its byte for the byte-level encoding.
struct Cpt {
  uint32_t cp;
  size_t pos, len;
};

std::vector<Cpt> DecodeUtf8(std::string_view s) {
  std::vector<Cpt> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    size_t len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
    uint32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1f) : len == 3 ? (b0 & 0x0f) : (b0 & 0x07);
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      ok = (b & 0xc0) == 0x80;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok) {
      out.push_back({0xfffd, i, 1});
      ++i;
    } else {
      out.push_back({cp, i, len});
      i += len;
    }
  }
  return out;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// The GPT-2 pattern (OpenAI's encoder.py, as llama.cpp and Hugging Face use it):
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// applied to cps[begin, end), which is treated as the whole text (lookahead stops at `end`).
void SplitGpt2(const std::vector<Cpt>& cps, size_t begin, size_t end,
               std::vector<std::pair<size_t, size_t>>* out) {
  auto at = [&](size_t i) -> uint32_t { return i < end ? cps[i].cp : 0xffffffffu; };
  auto is_other = [&](size_t i) {
    return i < end && !IsSpace(cps[i].cp) && !IsLetter(cps[i].cp) && !IsNumber(cps[i].cp);
  };
  size_t i = begin;
  while (i < end) {
    const uint32_t c = at(i);
    size_t j = i;
    if (c == '\'') {
      const uint32_t c1 = at(i + 1), c2 = at(i + 2);
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        j = i + 2;
      } else if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
        j = i + 3;
      }
    }
    if (j == i) {
      const size_t k = (c == ' ' && i + 1 < end) ? i + 1 : i;  // optional leading space
      if (k < end && IsLetter(cps[k].cp)) {
        j = k;
        while (j < end && IsLetter(cps[j].cp)) ++j;
      } else if (k < end && IsNumber(cps[k].cp)) {
        j = k;
        while (j < end && IsNumber(cps[j].cp)) ++j;
      } else if (is_other(k)) {
        j = k;
        while (is_other(j)) ++j;
      }
    }
    if (j == i) {
      // Whitespace: \s+(?!\S) leaves the last space of a run for the word after it; a lone
      // whitespace character before a word is matched by the final \s+.
      while (j < end && IsSpace(cps[j].cp)) ++j;
      if (j < end && j - i > 1) --j;
      if (j == i) j = i + 1;  // not reachable for valid classes; keeps progress guaranteed
    }
    out->emplace_back(i, j);
    i = j;
  }
}

// Llama 3's pattern (llama.cpp's LLAMA3 pre-tokenizer, "llama-bpe" in GGUF files):
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
// Unlike GPT-2's: a word may take any one non-letter, non-digit, non-newline character before
// it, numbers split into groups of three, punctuation keeps the newlines after it, and a run of
// whitespace ending in newlines is one piece.
void SplitLlama3(const std::vector<Cpt>& cps, size_t begin, size_t end,
                 std::vector<std::pair<size_t, size_t>>* out) {
  auto at = [&](size_t i) -> uint32_t { return i < end ? cps[i].cp : 0xffffffffu; };
  auto letter = [&](size_t i) { return i < end && IsLetter(cps[i].cp); };
  auto number = [&](size_t i) { return i < end && IsNumber(cps[i].cp); };
  auto space = [&](size_t i) { return i < end && IsSpace(cps[i].cp); };
  auto newline = [&](size_t i) { return at(i) == '\r' || at(i) == '\n'; };
  auto other = [&](size_t i) { return i < end && !space(i) && !letter(i) && !number(i); };
  auto lower = [&](size_t i) { const uint32_t c = at(i); return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  size_t i = begin;
  while (i < end) {
    size_t j = i;
    if (at(i) == '\'') {
      const uint32_t c1 = lower(i + 1), c2 = lower(i + 2);
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        j = i + 2;
      } else if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
        j = i + 3;
      }
    }
    if (j == i) {
      const size_t k = (!newline(i) && !letter(i) && !number(i) && letter(i + 1)) ? i + 1 : i;
      if (letter(k)) {
        for (j = k; letter(j);) ++j;
      } else if (number(i)) {
        for (j = i; number(j) && j - i < 3;) ++j;
      } else {
        const size_t p = (at(i) == ' ' && other(i + 1)) ? i + 1 : i;
        if (other(p)) {
          for (j = p; other(j);) ++j;
          while (newline(j)) ++j;
        }
      }
    }
    if (j == i && space(i)) {
      size_t run = i, last_newline = end;
      for (; space(run); ++run) {
        if (newline(run)) last_newline = run;
      }
      if (last_newline != end) {
        j = last_newline + 1;  // \s*[\r\n]+
      } else if (run < end && run - i > 1) {
        j = run - 1;  // \s+(?!\S): the last space stays for the word after the run
      } else {
        j = run;  // to the end of the text, or a lone space before a word (\s+)
      }
    }
    if (j == i) j = i + 1;  // not reachable for valid classes; keeps progress guaranteed
    out->emplace_back(i, j);
    i = j;
  }
}

// The pieces [b, e) of code points as slices of the text they were decoded from.
std::vector<std::string_view> Slices(std::string_view text, const std::vector<Cpt>& cps,
                                     const std::vector<std::pair<size_t, size_t>>& pieces) {
  std::vector<std::string_view> out;
  out.reserve(pieces.size());
  for (auto [b, e] : pieces) {
    const size_t from = cps[b].pos, to = cps[e - 1].pos + cps[e - 1].len;
    out.push_back(text.substr(from, to - from));
  }
  return out;
}

// GPT-2's reversible map from bytes to printable code points (encoder.py, bytes_to_unicode):
// printable Latin-1 bytes map to themselves, the other 68 to 256, 257, ... in byte order.
uint32_t ByteToCodepoint(int b) {
  if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) {
    return static_cast<uint32_t>(b);
  }
  int n = 0;
  for (int k = 0; k < b; ++k) {
    if (!((k >= 0x21 && k <= 0x7e) || (k >= 0xa1 && k <= 0xac) || (k >= 0xae && k <= 0xff))) ++n;
  }
  return 256 + n;
}

constexpr int32_t kTypeNormal = 1, kTypeControl = 3, kTypeUserDefined = 4, kTypeByte = 6;

}  // namespace

Result<Tokenizer> Tokenizer::FromGguf(const GgufFile& f) {
  Tokenizer t;
  auto model = f.GetString("tokenizer.ggml.model");
  if (!model.ok()) return model.status();
  if (model.value() != "gpt2" && model.value() != "llama") {
    return Status::Error("tokenizer model '" + model.value() +
                         "' is not supported (gpt2 byte-level BPE, llama SentencePiece)");
  }
  t.spm_ = model.value() == "llama";
  t.pre_ = f.Find("tokenizer.ggml.pre") ? f.GetString("tokenizer.ggml.pre").value() : "default";
  if (t.spm_) t.pre_ = "default";  // SentencePiece has no pre-tokenizer
  // Pre-tokenizer families, from llama.cpp's llama-vocab.cpp: these split every \p{N} out
  // first and then apply the GPT-2 pattern; the plain GPT-2 family applies only the pattern.
  static const char* const kDigitsThenGpt2[] = {"smollm", "starcoder", "refact", "command-r",
                                                "codeshell", "exaone", "minerva"};
  static const char* const kGpt2[] = {"gpt2", "gpt-2", "mpt", "olmo", "jais", "default"};
  static const char* const kLlama3[] = {"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral"};
  auto in = [&](const auto& names) {
    return std::find(std::begin(names), std::end(names), t.pre_) != std::end(names);
  };
  if (in(kDigitsThenGpt2)) {
    t.pre_type_ = PreType::kDigitsThenGpt2;
  } else if (in(kLlama3)) {
    t.pre_type_ = PreType::kLlama3;
  } else if (!in(kGpt2)) {
    return Status::Error("pre-tokenizer '" + t.pre_ +
                         "' is not supported (the gpt2, smollm/starcoder and llama-bpe families)");
  }

  auto tokens = f.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  t.tokens_ = std::move(tokens.value());
  const size_t n = t.tokens_.size();
  if (auto types = f.GetIntArray("tokenizer.ggml.token_type"); types.ok()) {
    if (types.value().size() != n) return Status::Error("token_type and tokens differ in length");
    t.token_type_.assign(types.value().begin(), types.value().end());
  } else {
    t.token_type_.assign(n, kTypeNormal);
  }
  for (size_t i = 0; i < n; ++i) t.token_id_.emplace(t.tokens_[i], static_cast<int32_t>(i));

  if (t.spm_) {
    auto scores = f.GetFloatArray("tokenizer.ggml.scores");
    if (!scores.ok()) return scores.status();
    if (scores.value().size() != n) return Status::Error("scores and tokens differ in length");
    t.scores_ = std::move(scores.value());
    // A NaN score would break the merge heap's ordering: such a token merges last.
    for (float& x : t.scores_) {
      if (std::isnan(x)) x = -std::numeric_limits<float>::infinity();
    }
    t.add_bos_ = true;  // SentencePiece models start with BOS unless the file says otherwise
  } else {
    auto merges = f.GetStringArray("tokenizer.ggml.merges");
    if (!merges.ok()) return merges.status();
    for (size_t r = 0; r < merges.value().size(); ++r) {
      t.merge_rank_.emplace(merges.value()[r], static_cast<int32_t>(r));
    }
  }
  if (auto v = f.GetBool("tokenizer.ggml.add_space_prefix"); v.ok()) t.add_space_prefix_ = v.value();
  auto get_id = [&](const char* key, int32_t fallback) -> int32_t {
    auto v = f.GetUint(key);
    return v.ok() && v.value() < n ? static_cast<int32_t>(v.value()) : fallback;
  };
  t.bos_ = get_id("tokenizer.ggml.bos_token_id", -1);
  t.eos_ = get_id("tokenizer.ggml.eos_token_id", -1);
  if (auto v = f.GetBool("tokenizer.ggml.add_bos_token"); v.ok()) t.add_bos_ = v.value();
  if (auto v = f.GetString("tokenizer.chat_template"); v.ok()) t.chat_template_ = v.value();

  for (size_t i = 0; i < n; ++i) {
    if (t.token_type_[i] == kTypeControl || t.token_type_[i] == kTypeUserDefined) {
      if (!t.tokens_[i].empty()) t.specials_.push_back(static_cast<int32_t>(i));
    }
  }
  std::stable_sort(t.specials_.begin(), t.specials_.end(), [&](int32_t a, int32_t b) {
    return t.tokens_[a].size() > t.tokens_[b].size();
  });
  for (int32_t id : t.specials_) {
    if (t.token_type_[id] == kTypeUserDefined) t.user_defined_.push_back(id);
  }
  if (t.eos_ >= 0) t.stop_tokens_.push_back(t.eos_);
  // The end-of-turn tokens of the chat templates we render (ChatML, Llama 3), and Llama 3's end
  // of text, when the vocabulary has them.
  for (const char* end : {"<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"}) {
    if (auto it = t.token_id_.find(end); it != t.token_id_.end() && it->second != t.eos_) {
      t.stop_tokens_.push_back(it->second);
    }
  }

  for (int b = 0; b < 256; ++b) {
    const uint32_t cp = ByteToCodepoint(b);
    AppendUtf8(cp, &t.byte_to_char_[b]);
    t.char_to_byte_[cp] = static_cast<uint8_t>(b);
  }
  return t;
}

bool Tokenizer::IsControl(int32_t id) const {
  return id >= 0 && id < n_vocab() && token_type_[id] == kTypeControl;
}

std::vector<std::string_view> Tokenizer::PreTokenize(std::string_view text) const {
  const std::vector<Cpt> cps = DecodeUtf8(text);
  std::vector<std::pair<size_t, size_t>> pieces;
  if (pre_type_ == PreType::kLlama3) {
    SplitLlama3(cps, 0, cps.size(), &pieces);
    return Slices(text, cps, pieces);
  }
  // Stage 1: chunks of the code point array (each number alone for kDigitsThenGpt2).
  std::vector<std::pair<size_t, size_t>> chunks;
  if (pre_type_ == PreType::kDigitsThenGpt2) {
    size_t start = 0;
    for (size_t i = 0; i < cps.size(); ++i) {
      if (IsNumber(cps[i].cp)) {
        if (start < i) chunks.emplace_back(start, i);
        chunks.emplace_back(i, i + 1);
        start = i + 1;
      }
    }
    if (start < cps.size()) chunks.emplace_back(start, cps.size());
  } else if (!cps.empty()) {
    chunks.emplace_back(0, cps.size());
  }
  // Stage 2: the GPT-2 pattern inside each chunk.
  for (auto [b, e] : chunks) SplitGpt2(cps, b, e, &pieces);
  return Slices(text, cps, pieces);
}

// Merges the symbols of one piece. Symbols form a linked list; candidate pairs wait in a heap
// ordered by (rank, position) and are re-checked when popped, since a merge may have consumed
// one of their halves. O(n log n) in the piece length, so long runs (of spaces, say) stay fast.
void Tokenizer::Bpe(std::string_view piece, std::vector<int32_t>* out) const {
  std::string mapped;
  std::vector<size_t> start;  // byte offset of each symbol in `mapped`
  for (unsigned char b : piece) {
    start.push_back(mapped.size());
    mapped += byte_to_char_[b];
  }
  const int n = static_cast<int>(start.size());
  if (auto it = token_id_.find(mapped); it != token_id_.end() && n > 0) {
    out->push_back(it->second);  // the whole piece is a token: the merges would reach it
    return;
  }
  std::vector<size_t> len(n);
  std::vector<int> prev(n), next(n);
  for (int i = 0; i < n; ++i) {
    len[i] = (i + 1 < n ? start[i + 1] : mapped.size()) - start[i];
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Cand {
    int32_t rank;
    int left;
    size_t left_len, right_len;
    bool operator>(const Cand& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> heap;
  std::string key;
  auto push = [&](int l) {
    const int r = next[l];
    if (l < 0 || r < 0) return;
    key.assign(mapped, start[l], len[l]);
    key.push_back(' ');
    key.append(mapped, start[r], len[r]);
    if (auto it = merge_rank_.find(key); it != merge_rank_.end()) {
      heap.push({it->second, l, len[l], len[r]});
    }
  };
  for (int i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    const int r = next[c.left];
    if (len[c.left] != c.left_len || r < 0 || len[r] != c.right_len) continue;  // stale
    len[c.left] += len[r];
    len[r] = 0;
    next[c.left] = next[r];
    if (next[r] >= 0) prev[next[r]] = c.left;
    if (prev[c.left] >= 0) push(prev[c.left]);
    push(c.left);
  }
  for (int i = 0; i >= 0 && i < n; i = next[i]) {
    const std::string sym = mapped.substr(start[i], len[i]);
    if (auto it = token_id_.find(sym); it != token_id_.end()) {
      out->push_back(it->second);
      continue;
    }
    // No token for the merged symbol: fall back to its bytes (one symbol each).
    for (const Cpt& cp : DecodeUtf8(sym)) {
      auto b = token_id_.find(sym.substr(cp.pos, cp.len));
      if (b != token_id_.end()) out->push_back(b->second);
    }
  }
}

void Tokenizer::EncodeText(std::string_view text, std::vector<int32_t>* out) const {
  if (spm_) {
    SentencePiece(text, out);
    return;
  }
  for (std::string_view piece : PreTokenize(text)) Bpe(piece, out);
}

// SentencePiece BPE as llama.cpp runs it (llm_tokenizer_spm): symbols start as UTF-8 characters
// (a stray byte alone); candidate pairs wait in a heap ordered by their merged token's score,
// highest first, leftmost on ties, and are re-checked when popped. Each plain stretch of text
// gets the space prefix (llama.cpp adds it to the first stretch and to each after a special
// token: here every stretch is one of those).
void Tokenizer::SentencePiece(std::string_view text, std::vector<int32_t>* out) const {
  if (text.empty()) return;
  std::string s;
  for (char c : (add_space_prefix_ ? " " : "") + std::string(text)) {
    if (c == ' ') {
      s += "\xe2\x96\x81";  // U+2581, SentencePiece's space
    } else {
      s.push_back(c);
    }
  }
  std::vector<size_t> start, len;
  for (size_t i = 0; i < s.size();) {
    static const uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    const size_t l = std::min<size_t>(kLen[static_cast<uint8_t>(s[i]) >> 4], s.size() - i);
    start.push_back(i);
    len.push_back(l);
    i += l;
  }
  const int n = static_cast<int>(start.size());
  std::vector<int> prev(n), next(n);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Cand {
    float score;
    int left;
    size_t size;
    bool operator<(const Cand& o) const {
      return score != o.score ? score < o.score : left > o.left;
    }
  };
  std::priority_queue<Cand> heap;
  auto push = [&](int l) {
    const int r = l < 0 ? -1 : next[l];
    if (l < 0 || r < 0) return;
    auto it = token_id_.find(std::string(s, start[l], len[l] + len[r]));
    if (it != token_id_.end()) heap.push({scores_[it->second], l, len[l] + len[r]});
  };
  for (int i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    const int r = next[c.left];
    if (len[c.left] == 0 || r < 0 || len[c.left] + len[r] != c.size) continue;  // stale
    len[c.left] += len[r];
    len[r] = 0;
    next[c.left] = next[r];
    if (next[r] >= 0) prev[next[r]] = c.left;
    push(prev[c.left]);
    push(c.left);
  }
  for (int i = 0; i >= 0 && i < n; i = next[i]) {
    const std::string sym = s.substr(start[i], len[i]);
    if (auto it = token_id_.find(sym); it != token_id_.end()) {
      out->push_back(it->second);
      continue;
    }
    for (unsigned char b : sym) {  // byte fallback: <0xXX>, or the byte itself as a token
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      auto it = token_id_.find(name);
      if (it == token_id_.end()) it = token_id_.find(std::string(1, static_cast<char>(b)));
      if (it != token_id_.end()) out->push_back(it->second);
    }
  }
}

void Tokenizer::SplitSpecial(std::string_view text, bool parse_special,
                             std::vector<Fragment>* out) const {
  // User-defined tokens (whitespace runs in some vocabularies, say) are matched in the text
  // always, as llama.cpp does; control tokens only when asked.
  const std::vector<int32_t>& specials = parse_special ? specials_ : user_defined_;
  size_t plain = 0, i = 0;
  while (i < text.size() && !specials.empty()) {
    int32_t hit = -1;
    for (int32_t id : specials) {
      if (text.compare(i, tokens_[id].size(), tokens_[id]) == 0) {
        hit = id;
        break;  // the lists are longest first
      }
    }
    if (hit < 0) {
      ++i;
      continue;
    }
    if (i > plain) out->push_back({std::string(text.substr(plain, i - plain)), -1});
    out->push_back({std::string(), hit});
    i += tokens_[hit].size();
    plain = i;
  }
  if (plain < text.size()) out->push_back({std::string(text.substr(plain)), -1});
}

std::vector<int32_t> Tokenizer::EncodeFragments(const std::vector<Fragment>& fragments,
                                                bool add_bos) const {
  std::vector<int32_t> out;
  if (add_bos && add_bos_ && bos_ >= 0) out.push_back(bos_);
  for (const Fragment& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
    } else {
      EncodeText(f.text, &out);
    }
  }
  return out;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool parse_special,
                                       bool add_bos) const {
  std::vector<Fragment> fragments;
  SplitSpecial(text, parse_special, &fragments);
  return EncodeFragments(fragments, add_bos);
}

std::string Tokenizer::TokenBytes(int32_t id, bool render_special) const {
  if (id < 0 || id >= n_vocab()) return std::string();
  const std::string& s = tokens_[id];
  if (token_type_[id] == kTypeControl) return render_special ? s : std::string();
  if (token_type_[id] == kTypeUserDefined) return s;
  if (spm_) {
    if (token_type_[id] == kTypeByte && s.size() == 6 && s.compare(0, 3, "<0x") == 0) {
      auto hex = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      };
      const int hi = hex(s[3]), lo = hex(s[4]);
      if (hi >= 0 && lo >= 0 && s[5] == '>') return std::string(1, static_cast<char>(hi * 16 + lo));
    }
    std::string out;  // U+2581 back to spaces
    for (size_t i = 0; i < s.size();) {
      if (s.compare(i, 3, "\xe2\x96\x81") == 0) {
        out.push_back(' ');
        i += 3;
      } else {
        out.push_back(s[i++]);
      }
    }
    return out;
  }
  std::string out;
  for (const Cpt& cp : DecodeUtf8(s)) {
    auto it = char_to_byte_.find(cp.cp);
    if (it != char_to_byte_.end()) {
      out.push_back(static_cast<char>(it->second));
    } else {
      out.append(s, cp.pos, cp.len);
    }
  }
  return out;
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids, bool render_special) const {
  std::string out;
  for (int32_t id : ids) out += TokenBytes(id, render_special);
  return out;
}

namespace {
// Llama 3's turns (its template trims each message's content).
std::vector<std::pair<std::string, bool>> Llama3Segments(const std::vector<ChatMessage>& messages,
                                                         bool add_generation_prompt) {
  auto trim = [](const std::string& s) {
    const char* ws = " \t\n\r\f\v";
    const size_t a = s.find_first_not_of(ws);
    return a == std::string::npos ? std::string() : s.substr(a, s.find_last_not_of(ws) + 1 - a);
  };
  std::vector<std::pair<std::string, bool>> out;
  for (const ChatMessage& m : messages) {
    out.emplace_back("<|start_header_id|>", true);
    out.emplace_back(m.role, false);
    out.emplace_back("<|end_header_id|>\n\n", true);
    out.emplace_back(trim(m.content), false);
    out.emplace_back("<|eot_id|>", true);
  }
  if (add_generation_prompt) out.emplace_back("<|start_header_id|>assistant<|end_header_id|>\n\n", true);
  return out;
}


// The [INST] family, told apart and rendered as llama.cpp's built-in templates do (llama-chat.cpp:
// the same substrings of the Jinja template pick the variant):
//   Mistral v7:   [SYSTEM_PROMPT] s[/SYSTEM_PROMPT][INST] u[/INST] a</s>
//   Mistral v1/v3 (official templates): [INST] s\n\nu[/INST] a</s>; v1 with a space before
//                 [INST] and [/INST], v3 with the assistant's text trimmed, v3-tekken with no
//                 space after [INST] and before the assistant's text
//   Llama 2:      [INST] <<SYS>>\ns\n<</SYS>>\n\nu [/INST]a</s>[INST] ..., with variants: no
//                 system block (the system text and a newline instead), <s> before each later
//                 [INST], messages trimmed.
// The generation prompt adds nothing: the model answers after [/INST].
bool IsInstTemplate(const std::string& tmpl) {
  return tmpl.rfind("mistral", 0) == 0 || tmpl.find("[INST]") != std::string::npos;
}

std::vector<std::pair<std::string, bool>> InstSegments(const std::string& tmpl,
                                                       const std::vector<ChatMessage>& messages) {
  auto has = [&](const char* s) { return tmpl.find(s) != std::string::npos; };
  auto trim = [](const std::string& v) {
    const char* ws = " \t\n\r\f\v";
    const size_t a = v.find_first_not_of(ws);
    return a == std::string::npos ? std::string() : v.substr(a, v.find_last_not_of(ws) + 1 - a);
  };
  std::vector<std::pair<std::string, bool>> out;
  if (has("[SYSTEM_PROMPT]")) {  // Mistral v7
    for (const ChatMessage& m : messages) {
      if (m.role == "system") {
        out.emplace_back("[SYSTEM_PROMPT] ", true);
        out.emplace_back(m.content, false);
        out.emplace_back("[/SYSTEM_PROMPT]", true);
      } else if (m.role == "user") {
        out.emplace_back("[INST] ", true);
        out.emplace_back(m.content, false);
        out.emplace_back("[/INST]", true);
      } else {
        out.emplace_back(" ", true);
        out.emplace_back(m.content, false);
        out.emplace_back("</s>", true);
      }
    }
    return out;
  }
  if (has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]")) {  // Mistral v1, v3
    const bool v1 = has(" [INST]"), tekken = !v1 && has("\"[INST]\""), v3 = !v1 && !tekken;
    const std::string lead = v1 ? " " : "", trail = tekken ? "" : " ";
    bool inside = false;
    for (const ChatMessage& m : messages) {
      if (!inside) {
        out.emplace_back(lead + "[INST]" + trail, true);
        inside = true;
      }
      if (m.role == "system") {
        out.emplace_back(m.content, false);
        out.emplace_back("\n\n", true);
      } else if (m.role == "user") {
        out.emplace_back(m.content, false);
        out.emplace_back(lead + "[/INST]", true);
      } else {
        out.emplace_back(trail, true);
        out.emplace_back(v3 ? trim(m.content) : m.content, false);
        out.emplace_back("</s>", true);
        inside = false;
      }
    }
    return out;
  }
  const bool strip = has("content.strip()"), bos_inside = !strip && has("bos_token + '[INST]");
  const bool system_block = strip || bos_inside || has("<<SYS>>");
  out.emplace_back("[INST] ", true);
  bool inside = true;
  for (const ChatMessage& m : messages) {
    const std::string content = strip ? trim(m.content) : m.content;
    if (!inside) {
      out.emplace_back(bos_inside ? "<s>[INST] " : "[INST] ", true);
      inside = true;
    }
    if (m.role == "system") {
      out.emplace_back(system_block ? "<<SYS>>\n" : "", true);
      out.emplace_back(content, false);
      out.emplace_back(system_block ? "\n<</SYS>>\n\n" : "\n", true);
    } else if (m.role == "user") {
      out.emplace_back(content, false);
      out.emplace_back(" [/INST]", true);
    } else {
      out.emplace_back(content, false);
      out.emplace_back("</s>", true);
      inside = false;
    }
  }
  return out;
}
}  // namespace

Result<std::vector<std::pair<std::string, bool>>> Tokenizer::ChatSegments(
    const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  if (chat_template_.find("<|start_header_id|>") != std::string::npos) {
    return Llama3Segments(messages, add_generation_prompt);
  }
  if (chat_template_.find("<|im_start|>") == std::string::npos && IsInstTemplate(chat_template_)) {
    return InstSegments(chat_template_, messages);
  }
  if (chat_template_.find("<|im_start|>") == std::string::npos) {
    return Status::Error("the model's chat template is not one this engine renders (ChatML, "
                         "Llama 3, Llama 2 and Mistral's [INST]); use /v1/completions");
  }
  // A ChatML template may write a default system message for conversations without one
  // (SmolLM2's does); take it from the template text.
  std::string default_system;
  const std::string open = "<|im_start|>system\n";
  if (size_t a = chat_template_.find(open); a != std::string::npos &&
      chat_template_.find("!= 'system'") != std::string::npos) {
    const size_t from = a + open.size();
    const size_t to = chat_template_.find("<|im_end|>", from);
    if (to != std::string::npos) default_system = chat_template_.substr(from, to - from);
  }
  std::vector<std::pair<std::string, bool>> out;
  if (!default_system.empty() && !messages.empty() && messages[0].role != "system") {
    out.emplace_back(open + default_system + "<|im_end|>\n", true);
  }
  for (const ChatMessage& m : messages) {
    out.emplace_back("<|im_start|>", true);
    out.emplace_back(m.role, false);
    out.emplace_back("\n", true);
    out.emplace_back(m.content, false);
    out.emplace_back("<|im_end|>\n", true);
  }
  if (add_generation_prompt) out.emplace_back("<|im_start|>assistant\n", true);
  return out;
}

Result<std::string> Tokenizer::ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                                 bool add_generation_prompt) const {
  auto segs = ChatSegments(messages, add_generation_prompt);
  if (!segs.ok()) return segs.status();
  std::string out;
  for (const auto& [text, markup] : segs.value()) out += text;
  return out;
}

Result<std::vector<int32_t>> Tokenizer::EncodeChat(const std::vector<ChatMessage>& messages,
                                                   bool add_generation_prompt) const {
  auto segs = ChatSegments(messages, add_generation_prompt);
  if (!segs.ok()) return segs.status();
  if (spm_) {
    // SentencePiece prefixes a space to each stretch of plain text, so the template's plain
    // markup and the messages around it are joined into one stretch, as llama.cpp tokenises
    // the rendered prompt whole; only the markup may hold control tokens.
    std::vector<Fragment> fragments;
    for (const auto& [text, markup] : segs.value()) {
      std::vector<Fragment> part;
      SplitSpecial(text, /*parse_special=*/markup, &part);
      for (Fragment& f : part) {
        if (f.token < 0 && !fragments.empty() && fragments.back().token < 0) {
          fragments.back().text += f.text;
        } else {
          fragments.push_back(std::move(f));
        }
      }
    }
    return EncodeFragments(fragments, /*add_bos=*/true);
  }
  std::vector<int32_t> out;
  bool first = true;
  for (const auto& [text, markup] : segs.value()) {
    std::vector<int32_t> ids = Encode(text, /*parse_special=*/markup, /*add_bos=*/first);
    out.insert(out.end(), ids.begin(), ids.end());
    first = false;
  }
  return out;
}

}  // namespace depinfer::infer
