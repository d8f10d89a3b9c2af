// The tokenizer of a GGUF file's tokenizer.* metadata: byte-level BPE (the "gpt2" model: GPT-2,
// Llama 3, SmolLM, StarCoder, ...) or SentencePiece BPE (the "llama" model: Llama 2, TinyLlama,
// Mistral, ...).
//
// Encoding: (1) split out special tokens written literally in the text (user-defined ones
// always, control ones if asked); then for each plain stretch:
//   byte-level BPE: (2) split it with the model's pre-tokenizer; (3) map each piece's bytes to
//   GPT-2's printable byte alphabet; (4) merge adjacent symbols by merge rank, lowest first
//   (leftmost on ties); (5) look each symbol up, falling back to its single bytes.
//   SentencePiece: (2) prefix a space (tokenizer.ggml.add_space_prefix) and write spaces as
//   U+2581; (3) starting from single characters, merge the adjacent pair whose merged text is
//   the vocabulary's highest-scoring token (leftmost on ties) until none is left; (4) a symbol
//   with no token becomes its bytes' <0xXX> tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "infer/gguf.h"
#include "infer/status.h"

namespace depinfer::infer {

struct ChatMessage {
  std::string role;
  std::string content;
};

class Tokenizer {
 public:
  // Reads tokenizer.ggml.{model,pre,tokens,token_type,merges or scores,bos/eos ids} and the
  // chat template. The "gpt2" and "llama" models are supported.
  static Result<Tokenizer> FromGguf(const GgufFile& file);

  // Token ids for `text`. With `parse_special`, literal special-token strings in the text become
  // those tokens; without it they are encoded as ordinary text. `add_bos` prepends BOS if the
  // model asks for it (tokenizer.ggml.add_bos_token).
  std::vector<int32_t> Encode(std::string_view text, bool parse_special, bool add_bos = true) const;

  // The bytes token `id` stands for. Control tokens render as their text only if
  // `render_special`. Bytes of one token may be an incomplete UTF-8 sequence.
  std::string TokenBytes(int32_t id, bool render_special = false) const;
  std::string Decode(const std::vector<int32_t>& ids, bool render_special = false) const;

  // The prompt for `messages` in the model's chat template. ChatML templates (the default system
  // message written in the template is used when none is given) and Llama 3's (llama.cpp's
  // built-in rendering: no default system message) are supported.
  Result<std::string> ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                        bool add_generation_prompt) const;

  // The same prompt as token ids, with the template's own markers as special tokens but the
  // messages' roles and contents encoded as plain text: a user who writes "<|im_end|>" cannot
  // forge a turn. For contents without special-token text this equals
  // Encode(ApplyChatTemplate(...), true).
  Result<std::vector<int32_t>> EncodeChat(const std::vector<ChatMessage>& messages,
                                          bool add_generation_prompt) const;

  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  int n_vocab() const { return static_cast<int>(tokens_.size()); }
  bool IsControl(int32_t id) const;
  // Token ids that end a generation (EOS and the chat template's end-of-turn token).
  const std::vector<int32_t>& stop_tokens() const { return stop_tokens_; }
  const std::string& pre() const { return pre_; }

  // The pre-tokenizer's split of `text` (exposed for tests).
  std::vector<std::string_view> PreTokenize(std::string_view text) const;

 private:
  // The rendered template as (text, is_template_markup) segments.
  Result<std::vector<std::pair<std::string, bool>>> ChatSegments(
      const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  // A stretch of plain text, or one special token (token >= 0).
  struct Fragment {
    std::string text;
    int32_t token = -1;
  };
  void SplitSpecial(std::string_view text, bool parse_special, std::vector<Fragment>* out) const;
  std::vector<int32_t> EncodeFragments(const std::vector<Fragment>& fragments, bool add_bos) const;
  void Bpe(std::string_view piece, std::vector<int32_t>* out) const;
  void SentencePiece(std::string_view text, std::vector<int32_t>* out) const;
  void EncodeText(std::string_view text, std::vector<int32_t>* out) const;

  std::vector<std::string> tokens_;  // in GPT-2's byte alphabet
  std::vector<int32_t> token_type_;
  std::unordered_map<std::string, int32_t> token_id_;
  std::unordered_map<std::string, int32_t> merge_rank_;  // "left right" -> rank
  std::vector<int32_t> specials_;  // control + user-defined, longest text first
  std::vector<int32_t> user_defined_;  // the user-defined ones, in the same order
  std::vector<int32_t> stop_tokens_;
  bool spm_ = false;  // SentencePiece ("llama") rather than byte-level BPE ("gpt2")
  std::vector<float> scores_;  // SentencePiece: each token's merge priority
  bool add_space_prefix_ = true;
  std::string pre_;
  // The pre-tokenizer: GPT-2's pattern, the same after isolating each \p{N}, or Llama 3's.
  enum class PreType { kGpt2, kDigitsThenGpt2, kLlama3 };
  PreType pre_type_ = PreType::kGpt2;
  int32_t bos_ = -1, eos_ = -1;
  bool add_bos_ = false;
  std::string chat_template_;
  std::string byte_to_char_[256];  // byte -> UTF-8 of its GPT-2 code point
  std::unordered_map<uint32_t, uint8_t> char_to_byte_;
};

}  // namespace depinfer::infer
