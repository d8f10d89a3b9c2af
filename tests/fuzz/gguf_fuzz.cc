// libFuzzer target for the inference engine's readers of hostile model files: the GGUF
// container (src/infer/gguf.cc) and the tokenizer built from its metadata (tokenizer.cc: byte-
// level BPE and SentencePiece, special and user-defined tokens, chat templates). A file must be
// refused with a Status or give a tokenizer that encodes, decodes and renders without crashing
// or tripping a sanitizer.
//
// The first input byte chooses what the rest is: 0, the file itself; 1 and 2, patches to a
// small valid file with a byte-level BPE (1) or SentencePiece (2) vocabulary, three bytes each
// (a 16-bit offset into the file, then a byte XORed into it), so most inputs reach the deep
// checks instead of failing at the magic number.
//   build/fuzz/tests/fuzz/gguf_fuzz -max_total_time=60
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "../infer/gguf_builder.h"
#include "infer/gguf.h"
#include "infer/tokenizer.h"

using namespace depinfer::infer;

namespace {

std::string BaseFile(bool spm) {
  testing::GgufBuilder b;
  b.KvString("general.architecture", "llama");
  b.KvString("tokenizer.ggml.model", spm ? "llama" : "gpt2");
  b.KvString("tokenizer.ggml.pre", "llama-bpe");
  const std::string sp = spm ? "\u2581" : "\u0120";  // the vocabulary's space
  b.KvStringArray("tokenizer.ggml.tokens",
                  {"<unk>", "<s>", "</s>", "<|eot_id|>", "<0x41>", "a", "b", sp, sp + "a", "ab",
                   sp + "ab", "  ", "\u010a", "1", "12"});
  b.KvI32Array("tokenizer.ggml.token_type", {2, 3, 3, 3, 6, 1, 1, 1, 1, 1, 1, 4, 1, 1, 1});
  if (spm) {
    b.KvF32Array("tokenizer.ggml.scores", {0, 0, 0, 0, 0, -1, -2, -3, -4, -5, -6, 0, -7, -8, -9});
  } else {
    b.KvStringArray("tokenizer.ggml.merges", {"a b", sp + " a", sp + "a b", "1 2"});
  }
  b.KvU32("tokenizer.ggml.bos_token_id", 1);
  b.KvU32("tokenizer.ggml.eos_token_id", 2);
  b.KvBool("tokenizer.ggml.add_bos_token", true);
  b.KvString("tokenizer.chat_template", spm ? "<|im_start|>" : "<|start_header_id|>");
  b.Tensor("t", {32}, 0, std::vector<uint8_t>(128, 0x3f));
  return b.Build();
}

void Exercise(const Tokenizer& t) {
  const std::string_view texts[] = {"", "ab ab  a1234 \n\n x", "<s>a</s><|eot_id|>b", "\xff\xfe\xc3",
                                    "caf\xc3\xa9 \xe6\x9d\xb1 'S 's"};
  for (std::string_view text : texts) {
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = t.Encode(text, special);
      for (int32_t id : ids) {
        if (id < 0 || id >= t.n_vocab()) std::abort();  // every id must be a vocabulary entry
      }
      (void)t.Decode(ids, special);
    }
  }
  std::vector<int32_t> all;
  for (int32_t id = -2; id < t.n_vocab() + 2; ++id) all.push_back(id);
  (void)t.Decode(all, true);
  (void)t.EncodeChat({{"system", "s"}, {"user", " <|eot_id|> a "}}, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string file;
  if (data[0] % 3 == 0) {
    file.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    static const std::string bases[2] = {BaseFile(false), BaseFile(true)};
    file = bases[data[0] % 3 - 1];
    for (size_t i = 1; i + 3 <= size; i += 3) {
      const size_t at = (static_cast<size_t>(data[i]) << 8 | data[i + 1]) % file.size();
      file[at] = static_cast<char>(file[at] ^ data[i + 2]);
    }
  }
  auto f = GgufFile::FromBytes(file);
  if (!f.ok()) return 0;
  auto t = Tokenizer::FromGguf(*f.value());
  if (t.ok()) Exercise(t.value());
  return 0;
}
