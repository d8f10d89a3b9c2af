#include "infer/model.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "infer/detmath.h"
#include "infer/vecmath.h"

namespace depinfer::infer {
namespace {

// --- loading -----------------------------------------------------------------------------------

Result<int> GetInt(const GgufFile& f, const std::string& key, int fallback, bool required) {
  if (f.Find(key) == nullptr) {
    if (required) return Status::Error("metadata " + key + " is missing");
    return fallback;
  }
  Result<uint64_t> v = f.GetUint(key);
  if (!v.ok()) return v.status();
  if (v.value() > (1u << 30)) return Status::Error("metadata " + key + " is out of range");
  return static_cast<int>(v.value());
}

Result<WeightMatrix> GetMatrix(const GgufFile& f, const std::string& name, int64_t cols,
                               int64_t rows) {
  const GgufTensor* t = f.FindTensor(name);
  if (t == nullptr) return Status::Error("tensor " + name + " is missing");
  if (t->dims.size() != 2 || static_cast<int64_t>(t->dims[0]) != cols ||
      static_cast<int64_t>(t->dims[1]) != rows) {
    std::string shape;
    for (uint64_t d : t->dims) {
      if (!shape.empty()) shape.push_back('x');
      shape.append(std::to_string(d));
    }
    return Status::Error("tensor " + name + " has shape " + shape + ", expected " +
                         std::to_string(cols) + "x" + std::to_string(rows));
  }
  if (!MatmulSupports(t->type)) {
    return Status::Error("tensor " + name + " has type " +
                         GetTensorTypeTraits(static_cast<uint32_t>(t->type))->name +
                         ", which this engine does not run (supported: " + SupportedTypesText() +
                         ")");
  }
  return WeightMatrix{t->type, t->data, rows, cols, RowBytes(t->type, cols)};
}

Result<std::vector<float>> GetVector(const GgufFile& f, const std::string& name, int64_t n) {
  const GgufTensor* t = f.FindTensor(name);
  if (t == nullptr) return Status::Error("tensor " + name + " is missing");
  if (t->dims.size() != 1 || static_cast<int64_t>(t->dims[0]) != n) {
    return Status::Error("tensor " + name + " should be a vector of " + std::to_string(n));
  }
  if (t->type != TensorType::kF32 && t->type != TensorType::kF16 && t->type != TensorType::kBF16) {
    return Status::Error("tensor " + name + " should be F32, F16 or BF16");
  }
  std::vector<float> out(n);
  WeightMatrix m{t->type, t->data, 1, n, RowBytes(t->type, n)};
  DequantizeRow(m, 0, out.data());
  return out;
}

#define ASSIGN_OR_RETURN(lhs, expr) \
  do {                              \
    auto _r = (expr);               \
    if (!_r.ok()) return _r.status(); \
    lhs = std::move(_r.value());    \
  } while (0)

// --- forward-pass helpers (all deterministic; see detmath.h and quant.h) ----------------------

using F32Dot = float (*)(const float*, const float*, int);
F32Dot SelectF32Dot(Isa isa) {
#if defined(DEPINFER_HAVE_AVX2_KERNELS)
  if (HasAvx2Twins(isa)) return avx2::DotF32;
#endif
  return ref::DotF32;
}

void RmsNorm(const float* x, const float* w, int n, float eps, F32Dot dot, float* out) {
  const float mean = dot(x, x, n) / static_cast<float>(n);
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int j = 0; j < n; ++j) out[j] = (x[j] * scale) * w[j];
}

// Rotates adjacent pairs (x[2i], x[2i+1]) of each head by the angles in `cs` (cos, sin pairs):
// llama.cpp's "normal" rope mode, which the GGUF converters arrange the Q/K weights for.
//
// The arithmetic runs on separate arrays of even and odd elements. Written on the interleaved
// pairs, GCC 12 recognises a complex multiply and emits vfmaddsub even under -ffp-contract=off,
// which rounds differently and made -O3 disagree with -O2 (the pinned transcripts caught it; the
// InferNoFusedMultiplyAdd test now checks the library's object code for any fused instruction).
void Rope(float* x, int n_heads, int head_dim, int rope_pairs, const float* cs) {
  constexpr int kMaxPairs = 512;
  float c[kMaxPairs], s[kMaxPairs], a[kMaxPairs], b[kMaxPairs], ra[kMaxPairs], rb[kMaxPairs];
  for (int i = 0; i < rope_pairs; ++i) c[i] = cs[2 * i], s[i] = cs[2 * i + 1];
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    for (int i = 0; i < rope_pairs; ++i) a[i] = v[2 * i], b[i] = v[2 * i + 1];
    for (int i = 0; i < rope_pairs; ++i) {
      ra[i] = a[i] * c[i] - b[i] * s[i];
      rb[i] = a[i] * s[i] + b[i] * c[i];
    }
    for (int i = 0; i < rope_pairs; ++i) v[2 * i] = ra[i], v[2 * i + 1] = rb[i];
  }
}

// Activations of T rows in both forms, as the matrix kernels read them.
struct Acts {
  std::vector<ActQ8> q;
  std::vector<ActRow> rows;
  std::vector<ActTailQuad> quads;  // tails of positions 4i..4i+3 side by side (see quant.h)
#if defined(DEPINFER_HAVE_AMX_KERNELS)
  amx::ActTiles tiles;  // with Isa::kAmx and at least kAmxTile positions, for the AMX tiles
#endif
  void Set(const float* x, int T, int n, int threads, Isa isa) {
    q.resize(T);
    rows.resize(T);
    quads.resize(T / 4);
#pragma omp parallel for num_threads(threads) if (T > 1)
    for (int t = 0; t < T; ++t) {
      if (n % kBlock == 0) QuantizeActQ8(x + static_cast<size_t>(t) * n, n, &q[t], isa);
      rows[t] = ActRow{x + static_cast<size_t>(t) * n, &q[t], nullptr};
    }
    if (n % kBlock != 0) return;
    for (int i = 0; i < T / 4; ++i) {
      const ActQ8* four[4] = {&q[4 * i], &q[4 * i + 1], &q[4 * i + 2], &q[4 * i + 3]};
      if (BuildTailQuad(four, n / kBlock, &quads[i])) rows[4 * i].quad = &quads[i];
    }
#if defined(DEPINFER_HAVE_AMX_KERNELS)
    tiles.positions = 0;
    if (isa == Isa::kAmx && T >= kAmxTile) {
      std::vector<const ActQ8*> all(T);
      for (int t = 0; t < T; ++t) all[t] = &q[t];
      tiles.Set(all.data(), T);
    }
#endif
  }
};

#if defined(DEPINFER_HAVE_AMX_KERNELS)
// The AMX tiles (quant.h): rows in tiles of 16 split between the threads, each against every
// position, 1024 positions at a time (their activations stay in the core's cache; each row
// tile is rearranged for the tile unit once per 1024 positions).
bool MatmulAmx(const WeightMatrix& w, const Acts& a, int T, const ForwardOptions& opt,
               float* out) {
  if (opt.isa != Isa::kAmx || !HasPackedTiles(w) || a.tiles.positions < T ||
      a.tiles.n != w.cols) {
    return false;
  }
  const int64_t rows = w.rows;
  const int64_t tiles = (rows + kAmxTile - 1) / kAmxTile;
  constexpr int kPositions = 1024;
#pragma omp parallel num_threads(opt.threads)
  for (int t0 = 0; t0 < T; t0 += kPositions) {
    const int t1 = std::min(T, t0 + kPositions);
#pragma omp for schedule(dynamic, 2) nowait
    for (int64_t i = 0; i < tiles; ++i) {
      const int64_t r = i * kAmxTile;
      const int nr = static_cast<int>(std::min<int64_t>(kAmxTile, rows - r));
      amx::RowTile(w, r, nr, a.tiles, t0, t1, out, rows);
    }
  }
  return true;
}
#endif

// out[t * w.rows + r] = row r of w . activation t. Threads split the rows; each output element
// comes from one kernel computing it by the specification (SelectTileDot: up to kTileRows rows
// x kMaxMulti positions at once, each element with the reference's bits), so the result does
// not depend on the thread count, on T or on how the work is tiled.
//
// Positions go in tiles that stay in cache while the weight rows stream past them (every row
// reads every position of its tile; with all T positions at once, a long prompt's activations
// were re-read from memory for each row).
constexpr int64_t kPrefetchTiles = 1;  // kTileRows = 6 rows ahead
void Matmul(const WeightMatrix& w, const Acts& a, int T, const ForwardOptions& opt, float* out) {
#if defined(DEPINFER_HAVE_AMX_KERNELS)
  if (MatmulAmx(w, a, T, opt, out)) return;
#endif
  const TileDotFn tile = SelectTileDot(w, opt.isa);
  const int64_t rows = w.rows;
  const int64_t row_blocks = (rows + kTileRows - 1) / kTileRows;
  constexpr int kPositions = 16 * kMaxMulti;
#pragma omp parallel num_threads(opt.threads)
  for (int t0 = 0; t0 < T; t0 += kPositions) {
    const int t1 = T - t0 < kPositions ? T : t0 + kPositions;
    // No barrier between tiles: their outputs are disjoint.
#pragma omp for schedule(dynamic, 4) nowait
    for (int64_t rb = 0; rb < row_blocks; ++rb) {
      const int64_t r = rb * kTileRows;
      const int nr = static_cast<int>(std::min<int64_t>(kTileRows, rows - r));
      // The weights kPrefetchTiles tiles ahead, which come from memory when few positions share
      // each row (decoding): the fetch overlaps the arithmetic of the tiles before them. The
      // prefetches are spread over this tile's calls: issued all at once they fill the core's
      // miss buffers and stall it until the first lines arrive.
      const uint8_t* ahead = nullptr;
      size_t pf = 0, pf_bytes = 0, pf_slice = 0;
      if (w.packed != nullptr && rb + kPrefetchTiles < row_blocks) {
        const int64_t pr = r + kPrefetchTiles * kTileRows;
        ahead = w.packed_row(pr);
        pf_bytes = static_cast<size_t>(std::min<int64_t>(kTileRows, rows - pr)) * w.packed_row_bytes;
        const size_t calls = static_cast<size_t>((t1 - t0 + kMaxMulti - 1) / kMaxMulti);
        pf_slice = (pf_bytes / 64 + calls) / calls * 64;
      }
      for (int t = t0; t < t1; t += kMaxMulti) {
        const int m = t1 - t < kMaxMulti ? t1 - t : kMaxMulti;
        for (const size_t end = std::min(pf_bytes, pf + pf_slice); pf < end; pf += 64) {
          __builtin_prefetch(ahead + pf);
        }
        tile(w, r, nr, &a.rows[t], m, out + static_cast<size_t>(t) * rows + r, rows);
      }
    }
  }
}

}  // namespace

KvCache::KvCache(const LlamaConfig& c, int capacity)
    : n_layer_(c.n_layer), kv_dim_(c.kv_dim()), capacity_(capacity),
      k_(static_cast<size_t>(c.n_layer) * capacity * c.kv_dim()),
      v_(static_cast<size_t>(c.n_layer) * capacity * c.kv_dim()) {}

void KvCache::CopyPrefix(const KvCache& from, int n) {
  const size_t row = static_cast<size_t>(kv_dim_) * n;
  for (int l = 0; l < n_layer_; ++l) {
    std::copy_n(from.k_.data() + from.Index(l, 0), row, k_.data() + Index(l, 0));
    std::copy_n(from.v_.data() + from.Index(l, 0), row, v_.data() + Index(l, 0));
  }
  n_past_ = n;
}

Result<std::unique_ptr<Model>> Model::Load(const std::string& path) {
  auto file = GgufFile::Open(path);
  if (!file.ok()) return file.status();
  auto model = FromGguf(std::move(file.value()));
  if (!model.ok()) return Status::Error(path + ": " + model.status().message());
  return model;
}

Result<std::unique_ptr<Model>> Model::FromGguf(std::unique_ptr<GgufFile> file) {
  std::unique_ptr<Model> m(new Model());
  m->file_ = std::move(file);
  DEPINFER_RETURN_IF_ERROR(m->Init());
  return m;
}

Status Model::Init() {
  const GgufFile& f = *file_;
  std::string arch;
  ASSIGN_OR_RETURN(arch, f.GetString("general.architecture"));
  if (arch != "llama") {
    return Status::Error("architecture '" + arch + "' is not supported (only llama)");
  }
  const std::string p = "llama.";
  ASSIGN_OR_RETURN(cfg_.n_embd, GetInt(f, p + "embedding_length", 0, true));
  ASSIGN_OR_RETURN(cfg_.n_layer, GetInt(f, p + "block_count", 0, true));
  ASSIGN_OR_RETURN(cfg_.n_head, GetInt(f, p + "attention.head_count", 0, true));
  ASSIGN_OR_RETURN(cfg_.n_head_kv, GetInt(f, p + "attention.head_count_kv", cfg_.n_head, false));
  ASSIGN_OR_RETURN(cfg_.n_ff, GetInt(f, p + "feed_forward_length", 0, true));
  ASSIGN_OR_RETURN(cfg_.n_ctx_train, GetInt(f, p + "context_length", 2048, false));
  if (cfg_.n_embd <= 0 || cfg_.n_layer <= 0 || cfg_.n_head <= 0 || cfg_.n_head_kv <= 0 ||
      cfg_.n_ff <= 0 || cfg_.n_embd % cfg_.n_head != 0 || cfg_.n_head % cfg_.n_head_kv != 0) {
    return Status::Error("inconsistent llama hyperparameters (embedding, heads, kv heads)");
  }
  cfg_.head_dim = cfg_.n_embd / cfg_.n_head;
  ASSIGN_OR_RETURN(cfg_.rope_dim, GetInt(f, p + "rope.dimension_count", cfg_.head_dim, false));
  if (cfg_.rope_dim % 2 != 0 || cfg_.rope_dim > cfg_.head_dim || cfg_.rope_dim > 1024) {
    return Status::Error("rope.dimension_count " + std::to_string(cfg_.rope_dim) + " is invalid");
  }
  if (f.Find(p + "rope.freq_base")) ASSIGN_OR_RETURN(cfg_.rope_base, f.GetFloat(p + "rope.freq_base"));
  double eps = 1e-5;
  if (f.Find(p + "attention.layer_norm_rms_epsilon")) {
    ASSIGN_OR_RETURN(eps, f.GetFloat(p + "attention.layer_norm_rms_epsilon"));
  }
  cfg_.rms_eps = static_cast<float>(eps);
  if (f.Find(p + "rope.scaling.type")) {
    std::string type;
    ASSIGN_OR_RETURN(type, f.GetString(p + "rope.scaling.type"));
    if (type != "none" && type != "linear") {
      return Status::Error("rope scaling '" + type + "' is not supported (none, linear)");
    }
    if (type == "linear") ASSIGN_OR_RETURN(cfg_.rope_scale, f.GetFloat(p + "rope.scaling.factor"));
  }
  if (!(cfg_.rope_base > 0) || !(cfg_.rope_scale > 0)) {
    return Status::Error("rope parameters must be positive");
  }

  const GgufTensor* embd = f.FindTensor("token_embd.weight");
  if (embd == nullptr || embd->dims.size() != 2) {
    return Status::Error("tensor token_embd.weight is missing or not a matrix");
  }
  cfg_.n_vocab = static_cast<int>(embd->dims[1]);
  const int E = cfg_.n_embd, KV = cfg_.kv_dim(), F = cfg_.n_ff;
  ASSIGN_OR_RETURN(tok_embd_, GetMatrix(f, "token_embd.weight", E, cfg_.n_vocab));
  ASSIGN_OR_RETURN(output_norm_, GetVector(f, "output_norm.weight", E));
  if (f.FindTensor("output.weight") != nullptr) {
    ASSIGN_OR_RETURN(output_, GetMatrix(f, "output.weight", E, cfg_.n_vocab));
  } else {
    output_ = tok_embd_;  // tied embeddings
  }
  layers_.resize(cfg_.n_layer);
  for (int l = 0; l < cfg_.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    LayerWeights& L = layers_[l];
    ASSIGN_OR_RETURN(L.attn_norm, GetVector(f, b + "attn_norm.weight", E));
    ASSIGN_OR_RETURN(L.ffn_norm, GetVector(f, b + "ffn_norm.weight", E));
    ASSIGN_OR_RETURN(L.wq, GetMatrix(f, b + "attn_q.weight", E, E));
    ASSIGN_OR_RETURN(L.wk, GetMatrix(f, b + "attn_k.weight", E, KV));
    ASSIGN_OR_RETURN(L.wv, GetMatrix(f, b + "attn_v.weight", E, KV));
    ASSIGN_OR_RETURN(L.wo, GetMatrix(f, b + "attn_output.weight", E, E));
    ASSIGN_OR_RETURN(L.w_gate, GetMatrix(f, b + "ffn_gate.weight", E, F));
    ASSIGN_OR_RETURN(L.w_up, GetMatrix(f, b + "ffn_up.weight", E, F));
    ASSIGN_OR_RETURN(L.w_down, GetMatrix(f, b + "ffn_down.weight", F, E));
  }
  // Packed copies of the quantised matrices for the AVX2 kernels (same bits, fewer shuffles),
  // after widening Q4_0/Q5_0 matrices to Q8_0 so those kernels apply to them too.
  if (IsaAvailable(Isa::kAvx2)) {
    (void)id();  // hashes the file while its pages are resident (Pack releases them)
    std::vector<WeightMatrix*> all = {&output_};
    for (LayerWeights& L : layers_) {
      for (WeightMatrix* m : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) {
        all.push_back(m);
      }
    }
    // One arena for all packed copies (see PageArena for why).
    std::vector<size_t> at;
    size_t total = 0;
    for (WeightMatrix* m : all) {
      Widen(m);
      at.push_back(total);
      const size_t bytes = PackedRowBytes(m->type, m->cols) * static_cast<size_t>(m->rows);
      total += (bytes + 63) & ~size_t{63};
    }
    packed_ = PageArena(total);
    for (size_t i = 0; i < all.size(); ++i) Pack(all[i], packed_.data() + at[i]);
  }
  // Rotation frequency of pair i: base^(-2i/rope_dim), in double with our own exp/log.
  const double log_base = LogD(cfg_.rope_base);
  rope_freq_.resize(cfg_.rope_dim / 2);
  for (int i = 0; i < cfg_.rope_dim / 2; ++i) {
    rope_freq_[i] = ExpD(-(2.0 * i / cfg_.rope_dim) * log_base);
  }
  // Llama 3.1's frequency scaling comes as a tensor of per-pair divisors (llama.cpp's
  // freq_factors), applied at every position.
  if (f.FindTensor("rope_freqs.weight") != nullptr) {
    std::vector<float> factors;
    ASSIGN_OR_RETURN(factors, GetVector(f, "rope_freqs.weight", cfg_.rope_dim / 2));
    for (int i = 0; i < cfg_.rope_dim / 2; ++i) {
      if (!(factors[i] > 0) || !std::isfinite(factors[i])) {
        return Status::Error("rope_freqs.weight must hold positive finite factors");
      }
      rope_freq_[i] /= static_cast<double>(factors[i]);
    }
  }
  return Status::Ok();
}

void Model::Widen(WeightMatrix* m) {
  if (!WidensToQ8_0(m->type)) return;
  const size_t row_bytes = RowBytes(TensorType::kQ8_0, m->cols);
  widened_.emplace_back(row_bytes * static_cast<size_t>(m->rows));
  std::vector<uint8_t>& buf = widened_.back();
  for (int64_t r = 0; r < m->rows; ++r) WidenRowToQ8_0(m->type, m->row(r), m->cols, buf.data() + r * row_bytes);
  // Every kernel now reads the widened rows; the file's pages go back (a tied token-embedding
  // lookup faults in the ones it touches).
  file_->Release(m->data, m->row_bytes * static_cast<size_t>(m->rows));
  m->type = TensorType::kQ8_0;
  m->data = buf.data();
  m->row_bytes = row_bytes;
}

void Model::Pack(WeightMatrix* m, uint8_t* out) {
  const size_t bytes = PackedRowBytes(m->type, m->cols);
  if (bytes == 0) return;
  for (int64_t r = 0; r < m->rows; ++r) PackRow(m->type, m->row(r), m->cols, out + r * bytes);
  m->packed = out;
  m->packed_row_bytes = bytes;
  // The SIMD kernels read only the packed copy; the file's rows are read again only by the
  // scalar kernels and the token-embedding lookups, which fault in the pages they touch.
  file_->Release(m->data, m->row_bytes * static_cast<size_t>(m->rows));
}

const std::string& Model::id() const {
  if (id_.empty()) id_ = file_->Sha256Hex();
  return id_;
}

Status Model::Forward(const std::vector<SeqBatch>& batch, const ForwardOptions& opt,
                      std::vector<float>* logits) const {
  return Run(batch, opt, logits, 0, nullptr);
}

Status Model::ForwardChunked(const std::vector<SeqBatch>& batch, const ForwardOptions& opt,
                             int chunk, const LogitsSink& sink) const {
  if (chunk < 1) return Status::Error("logits chunk must be at least one row");
  return Run(batch, opt, nullptr, chunk, &sink);
}

Status Model::Run(const std::vector<SeqBatch>& batch, const ForwardOptions& opt,
                  std::vector<float>* logits, int chunk, const LogitsSink* sink) const {
  const LlamaConfig& c = cfg_;
  // Flatten the batch into rows (one per token) and check it before touching any cache.
  struct Row {
    KvCache* cache;
    int pos;
    int32_t token;
    bool logits;
  };
  std::vector<Row> rows;
  std::set<const KvCache*> seen;
  for (const SeqBatch& s : batch) {
    if (s.cache == nullptr || !seen.insert(s.cache).second) {
      return Status::Error("each sequence in a batch needs its own cache");
    }
    if (s.cache->kv_dim_ != c.kv_dim() || s.cache->n_layer_ != c.n_layer) {
      return Status::Error("cache was made for another model");
    }
    if (s.cache->size() + static_cast<int64_t>(s.tokens.size()) > s.cache->capacity()) {
      return Status::Error("sequence longer than its cache (" +
                           std::to_string(s.cache->capacity()) + " positions)");
    }
    for (size_t i = 0; i < s.tokens.size(); ++i) {
      if (s.tokens[i] < 0 || s.tokens[i] >= c.n_vocab) {
        return Status::Error("token id " + std::to_string(s.tokens[i]) + " out of range");
      }
      rows.push_back({s.cache, s.cache->size() + static_cast<int>(i), s.tokens[i],
                      (s.all_logits && i >= s.logits_from) || i + 1 == s.tokens.size()});
    }
  }
  const int T = static_cast<int>(rows.size());
  const int E = c.n_embd, KV = c.kv_dim(), F = c.n_ff, HD = c.head_dim;
  const F32Dot dot32 = SelectF32Dot(opt.isa);

  // Rotation angles per row, shared by every layer and head.
  const int pairs = c.rope_dim / 2;
  std::vector<float> cs(static_cast<size_t>(T) * 2 * pairs);
  for (int t = 0; t < T; ++t) {
    const double p = static_cast<double>(rows[t].pos) / c.rope_scale;
    for (int i = 0; i < pairs; ++i) {
      double s, co;
      SinCosD(p * rope_freq_[i], &s, &co);
      cs[(static_cast<size_t>(t) * pairs + i) * 2] = static_cast<float>(co);
      cs[(static_cast<size_t>(t) * pairs + i) * 2 + 1] = static_cast<float>(s);
    }
  }

  std::vector<float> x(static_cast<size_t>(T) * E), xn(x.size()), q(x.size()), att(x.size()),
      tmp(x.size());
  std::vector<float> k(static_cast<size_t>(T) * KV), v(k.size());
  std::vector<float> gate(static_cast<size_t>(T) * F), up(gate.size());
  Acts acts;
  for (int t = 0; t < T; ++t) DequantizeRow(tok_embd_, rows[t].token, &x[static_cast<size_t>(t) * E]);

  const float kq_scale = 1.0f / std::sqrt(static_cast<float>(HD));
  const int group = c.n_head / c.n_head_kv;
  for (int l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = layers_[l];
#pragma omp parallel for num_threads(opt.threads) if (T > 1)
    for (int t = 0; t < T; ++t) {
      RmsNorm(&x[static_cast<size_t>(t) * E], L.attn_norm.data(), E, c.rms_eps, dot32,
              &xn[static_cast<size_t>(t) * E]);
    }
    acts.Set(xn.data(), T, E, opt.threads, opt.isa);
    Matmul(L.wq, acts, T, opt, q.data());
    Matmul(L.wk, acts, T, opt, k.data());
    Matmul(L.wv, acts, T, opt, v.data());
#pragma omp parallel for num_threads(opt.threads) if (T > 1)
    for (int t = 0; t < T; ++t) {
      const float* cst = &cs[static_cast<size_t>(t) * 2 * pairs];
      Rope(&q[static_cast<size_t>(t) * E], c.n_head, HD, pairs, cst);
      Rope(&k[static_cast<size_t>(t) * KV], c.n_head_kv, HD, pairs, cst);
      std::memcpy(rows[t].cache->k(l, rows[t].pos), &k[static_cast<size_t>(t) * KV], KV * 4);
      std::memcpy(rows[t].cache->v(l, rows[t].pos), &v[static_cast<size_t>(t) * KV], KV * 4);
    }
    // Attention: one (row, head) pair per task, its reductions in position order.
#pragma omp parallel for num_threads(opt.threads) schedule(dynamic, 1)
    for (int th = 0; th < T * c.n_head; ++th) {
      const int t = th / c.n_head, h = th % c.n_head, g = h / group;
      const Row& row = rows[t];
      thread_local std::vector<float> scores;
      scores.resize(row.pos + 1);
      const float* qh = &q[static_cast<size_t>(t) * E + h * HD];
      // Keys are kv_dim apart in the cache. Softmax as SoftmaxF: max, exponentials, a sum in
      // position order, divide.
      const int n_keys = row.pos + 1;
      DotKeys(qh, row.cache->k(l, 0) + g * HD, KV, n_keys, HD, scores.data(), opt.isa);
      float mx = -std::numeric_limits<float>::infinity();
      for (int p = 0; p < n_keys; ++p) {
        scores[p] = scores[p] * kq_scale;
        mx = scores[p] > mx ? scores[p] : mx;
      }
      for (int p = 0; p < n_keys; ++p) scores[p] = scores[p] - mx;
      ExpRow(scores.data(), n_keys, opt.isa);
      float sum = 0.0f;
      for (int p = 0; p < n_keys; ++p) sum = sum + scores[p];
      for (int p = 0; p < n_keys; ++p) scores[p] = scores[p] / sum;
      WeightedSum(scores.data(), row.cache->v(l, 0) + g * HD, KV, n_keys, HD,
                  &att[static_cast<size_t>(t) * E + h * HD], opt.isa);
    }
    acts.Set(att.data(), T, E, opt.threads, opt.isa);
    Matmul(L.wo, acts, T, opt, tmp.data());
    for (size_t j = 0; j < x.size(); ++j) x[j] = x[j] + tmp[j];

#pragma omp parallel for num_threads(opt.threads) if (T > 1)
    for (int t = 0; t < T; ++t) {
      RmsNorm(&x[static_cast<size_t>(t) * E], L.ffn_norm.data(), E, c.rms_eps, dot32,
              &xn[static_cast<size_t>(t) * E]);
    }
    acts.Set(xn.data(), T, E, opt.threads, opt.isa);
    Matmul(L.w_gate, acts, T, opt, gate.data());
    Matmul(L.w_up, acts, T, opt, up.data());
#pragma omp parallel for num_threads(opt.threads) if (T > 1)
    for (int t = 0; t < T; ++t) {
      SiluMulRow(&gate[static_cast<size_t>(t) * F], &up[static_cast<size_t>(t) * F], F, opt.isa);
    }
    acts.Set(gate.data(), T, F, opt.threads, opt.isa);
    Matmul(L.w_down, acts, T, opt, tmp.data());
    for (size_t j = 0; j < x.size(); ++j) x[j] = x[j] + tmp[j];
  }

  // Final norm and output projection, only for rows that want logits.
  std::vector<float> sel;
  int n_out = 0;
  for (int t = 0; t < T; ++t) {
    if (!rows[t].logits) continue;
    sel.resize(static_cast<size_t>(n_out + 1) * E);
    RmsNorm(&x[static_cast<size_t>(t) * E], output_norm_.data(), E, c.rms_eps, dot32,
            &sel[static_cast<size_t>(n_out) * E]);
    ++n_out;
  }
  if (sink == nullptr) {
    acts.Set(sel.data(), n_out, E, opt.threads, opt.isa);
    logits->resize(static_cast<size_t>(n_out) * c.n_vocab);  // every element is written
    Matmul(output_, acts, n_out, opt, logits->data());
  } else {
    std::vector<float> rows_out;
    for (int first = 0; first < n_out; first += chunk) {
      const int count = std::min(chunk, n_out - first);
      acts.Set(&sel[static_cast<size_t>(first) * E], count, E, opt.threads, opt.isa);
      rows_out.resize(static_cast<size_t>(count) * c.n_vocab);
      Matmul(output_, acts, count, opt, rows_out.data());
      (*sink)(first, count, rows_out.data());
    }
  }

  for (const SeqBatch& s : batch) s.cache->n_past_ += static_cast<int>(s.tokens.size());
  return Status::Ok();
}

}  // namespace depinfer::infer
