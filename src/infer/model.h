// The llama architecture over a GGUF file: weights stay quantised in the mapping.
//
// Every position is computed the same way whether it arrives alone (decoding) or with others
// (prompt processing, several sequences in one batch): each output element of every step is a
// fixed sequence of the deterministic kernels in quant.h / detmath.h, and threads split only the
// set of output elements, never one element's reduction. So logits depend on the model, the
// tokens and their positions, not on batch composition, thread count or ISA.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "infer/gguf.h"
#include "infer/page_arena.h"
#include "infer/quant.h"
#include "infer/status.h"

namespace depinfer::infer {

struct LlamaConfig {
  int n_vocab = 0;
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  int n_ff = 0;
  int n_ctx_train = 0;
  int rope_dim = 0;          // leading dimensions of each head that are rotated
  double rope_base = 10000;  // llama.rope.freq_base
  double rope_scale = 1;     // linear position scaling (llama.rope.scaling.factor)
  float rms_eps = 1e-5f;
  int kv_dim() const { return n_head_kv * head_dim; }
};

struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;
  WeightMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
};

// Keys and values of one sequence, for every layer and position up to `capacity`.
class KvCache {
 public:
  KvCache(const LlamaConfig& c, int capacity);
  int capacity() const { return capacity_; }
  int size() const { return n_past_; }  // positions filled
  void Clear() { n_past_ = 0; }
  // Drops positions >= n (to rewind a sequence).
  void Truncate(int n) { n_past_ = n < n_past_ ? n : n_past_; }
  // Makes this cache hold `from`'s first n positions (the same model's; n <= both capacities):
  // what processing those tokens here would have written, to the bit (the forward pass is batch
  // invariant), without the work.
  void CopyPrefix(const KvCache& from, int n);

  float* k(int layer, int pos) { return k_.data() + Index(layer, pos); }
  float* v(int layer, int pos) { return v_.data() + Index(layer, pos); }

 private:
  friend class Model;
  size_t Index(int layer, int pos) const {
    return (static_cast<size_t>(layer) * capacity_ + pos) * kv_dim_;
  }
  int n_layer_, kv_dim_, capacity_;
  int n_past_ = 0;
  std::vector<float> k_, v_;
};

// One sequence's share of a batch: its cache and the tokens to append at positions
// cache->size() onwards. If `all_logits`, logits are produced for every token from index
// `logits_from` of `tokens` on (the teacher-forced audit needs none for the prompt's first
// tokens), else only for the last one.
struct SeqBatch {
  KvCache* cache = nullptr;
  std::vector<int32_t> tokens;
  bool all_logits = false;
  size_t logits_from = 0;
};

struct ForwardOptions {
  int threads = 1;
  Isa isa = BestIsa();
};

class Model {
 public:
  // Loads a llama-architecture GGUF. Fails with a clear message for another architecture, a
  // missing tensor, a shape that disagrees with the metadata or an unsupported tensor type.
  static Result<std::unique_ptr<Model>> Load(const std::string& path);
  static Result<std::unique_ptr<Model>> FromGguf(std::unique_ptr<GgufFile> file);

  const LlamaConfig& config() const { return cfg_; }
  const GgufFile& file() const { return *file_; }
  // SHA-256 of the model file, hex (computed on first use).
  const std::string& id() const;

  // Runs the batch; appends each sequence's tokens to its cache. Logits (n_vocab floats per
  // produced row) go to `logits` in batch order: for each sequence, all its tokens or its last.
  // Fails (changing nothing) if a token is out of range or a cache would overflow.
  Status Forward(const std::vector<SeqBatch>& batch, const ForwardOptions& opt,
                 std::vector<float>* logits) const;

  // The same pass, with the logits handed to `sink` in chunks of at most `chunk` rows as the
  // output projection computes them: sink(first row, rows, their logits), the rows in Forward's
  // order. A long teacher-forced pass then holds one chunk of logits (n_vocab floats a row:
  // 192 KiB for the shipped model), not all of them. The bits are Forward's.
  using LogitsSink = std::function<void(int first, int count, const float* logits)>;
  Status ForwardChunked(const std::vector<SeqBatch>& batch, const ForwardOptions& opt, int chunk,
                        const LogitsSink& sink) const;

 private:
  Model() = default;
  Status Init();
  // Forward's body: the logits go to `logits`, or in chunks to `sink` when it is set.
  Status Run(const std::vector<SeqBatch>& batch, const ForwardOptions& opt,
             std::vector<float>* logits, int chunk, const LogitsSink* sink) const;
  void Widen(WeightMatrix* m);  // Q4_0/Q5_0/IQ4_NL to Q8_0 (WidenRowToQ8_0), for the SIMD kernels
  void Pack(WeightMatrix* m, uint8_t* out);  // a packed copy of m's full block groups, at out

  std::unique_ptr<GgufFile> file_;
  LlamaConfig cfg_;
  WeightMatrix tok_embd_, output_;
  std::vector<float> output_norm_;
  std::vector<LayerWeights> layers_;
  std::vector<double> rope_freq_;  // per rotated pair
  std::list<std::vector<uint8_t>> widened_;  // widened weight copies (stable addresses)
  PageArena packed_;  // the packed copies, all together on (transparent) huge pages
  mutable std::string id_;
};

}  // namespace depinfer::infer
