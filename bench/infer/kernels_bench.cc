// Matrix-vector kernels per format and ISA, and the whole model's decode and prompt steps.
//   build-infer/bench/infer/bench_infer --benchmark_filter=Matvec
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include "infer/model.h"
#include "infer/quant.h"
#include "infer/sampler.h"

namespace depinfer::infer {
namespace {

// A rows x cols matrix of random blocks in `type` (Q4_1 or Q8_0) and one activation vector.
struct MatvecFixture {
  std::vector<uint8_t> bytes;
  WeightMatrix w;
  std::vector<float> x;
  ActQ8 q;
  MatvecFixture(TensorType type, int rows, int cols) {
    std::mt19937 rng(1);
    bytes.resize(RowBytes(type, cols) * rows);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    const size_t bb = type == TensorType::kQ4_1 ? sizeof(BlockQ4_1) : sizeof(BlockQ8_0);
    for (size_t off = 0; off < bytes.size(); off += bb) {  // sane f16 scales
      const uint16_t d = Fp32ToFp16(0.01f), m = Fp32ToFp16(-0.05f);
      std::memcpy(&bytes[off], &d, 2);
      if (type == TensorType::kQ4_1) std::memcpy(&bytes[off + 2], &m, 2);
    }
    w = WeightMatrix{type, bytes.data(), rows, cols, RowBytes(type, cols)};
    std::normal_distribution<float> g;
    x.resize(cols);
    for (float& v : x) v = g(rng);
    QuantizeActQ8(x.data(), cols, &q);
  }
  // Adds the packed copy of the rows that the tile kernels read.
  void Pack() {
    const size_t prb = PackedRowBytes(w.type, w.cols);
    packed.resize(prb * static_cast<size_t>(w.rows));
    for (int64_t r = 0; r < w.rows; ++r) PackRow(w.type, w.row(r), w.cols, packed.data() + r * prb);
    w.packed = packed.data();
    w.packed_row_bytes = prb;
  }
  std::vector<uint8_t> packed;
};

// The per-row dot kernels (DotRow's SelectDot): what the forward pass runs on the scalar path
// and for formats without a packed layout. With AVX2 or AVX-512, Q4_1 and Q8_0 matrices go
// through the packed tiles instead (`Tiles` below), so these rows are not the decode speed.
void Matvec(benchmark::State& state, TensorType type, Isa isa) {
  if (!IsaAvailable(isa)) {
    state.SkipWithError("ISA not available");
    return;
  }
  const int rows = static_cast<int>(state.range(0)), cols = static_cast<int>(state.range(1));
  MatvecFixture f(type, rows, cols);
  const DotFn dot = SelectDot(type, isa);
  const ActRow a{f.x.data(), &f.q};
  std::vector<float> y(rows);
  for (auto _ : state) {
    for (int r = 0; r < rows; ++r) y[r] = dot(f.w.row(r), a, cols);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t{rows} * cols);
  state.SetBytesProcessed(state.iterations() * int64_t(f.bytes.size()));
}

BENCHMARK_CAPTURE(Matvec, Q4_1_scalar, TensorType::kQ4_1, Isa::kScalar)->Args({1536, 576});
BENCHMARK_CAPTURE(Matvec, Q4_1_avx2, TensorType::kQ4_1, Isa::kAvx2)
    ->Args({1536, 576})->Args({576, 1536});
BENCHMARK_CAPTURE(Matvec, Q8_0_scalar, TensorType::kQ8_0, Isa::kScalar)->Args({4096, 576});
BENCHMARK_CAPTURE(Matvec, Q8_0_avx2, TensorType::kQ8_0, Isa::kAvx2)->Args({49152, 576});

// The matrix-product path of the forward pass: packed tiles of kTileRows rows x up to
// kMaxMulti positions, range(2) positions in all (as Matmul walks them, one thread).
// items/s counts multiply-accumulates.
void Tiles(benchmark::State& state, TensorType type, Isa isa) {
  if (!IsaAvailable(isa)) {
    state.SkipWithError("this kernel set is not available here");
    return;
  }
  const int rows = static_cast<int>(state.range(0)), cols = static_cast<int>(state.range(1));
  const int positions = static_cast<int>(state.range(2));
  MatvecFixture f(type, rows, cols);
  f.Pack();
  std::vector<ActRow> acts(positions, ActRow{f.x.data(), &f.q});
  // As Matmul gets them: the tails of each four positions side by side where rows end in a
  // group of one or two blocks.
  ActTailQuad quad;
  const ActQ8* four[4] = {&f.q, &f.q, &f.q, &f.q};
  if (BuildTailQuad(four, cols / kBlock, &quad)) {
    for (int t = 0; t + 4 <= positions; t += 4) acts[t].quad = &quad;
  }
  const TileDotFn tile = SelectTileDot(f.w, isa);
  std::vector<float> y(static_cast<size_t>(rows) * positions);
  for (auto _ : state) {
    for (int r = 0; r < rows; r += kTileRows) {
      const int nr = std::min(kTileRows, rows - r);
      for (int t = 0; t < positions; t += kMaxMulti) {
        tile(f.w, r, nr, &acts[t], std::min(kMaxMulti, positions - t), &y[t * rows + r], rows);
      }
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t{rows} * cols * positions);
}
#define DEPINFER_TILES(isa_name, isa)                                                        \
  BENCHMARK_CAPTURE(Tiles, Q4_1_##isa_name, TensorType::kQ4_1, isa)                           \
      ->Args({1536, 576, 1})->Args({1536, 576, 8})->Args({1536, 576, 64})->Args({1536, 512, 64}) \
      ->Args({1536, 768, 64})                                                                   \
      ->Args({576, 1536, 1})->Args({576, 1536, 64});                                            \
  BENCHMARK_CAPTURE(Tiles, Q8_0_##isa_name, TensorType::kQ8_0, isa)                           \
      ->Args({49152, 576, 1})->Args({4096, 576, 64})
DEPINFER_TILES(avx2, Isa::kAvx2);
DEPINFER_TILES(avx512, Isa::kAvx512);

#if defined(DEPINFER_HAVE_AMX_KERNELS)
// The AMX tiles over range(2) positions (as Matmul walks them with Isa::kAmx, one thread), for
// comparison with Tiles/*_avx512 of the same shape. items/s counts multiply-accumulates.
void AmxTiles(benchmark::State& state, TensorType type) {
  if (!IsaAvailable(Isa::kAmx)) {
    state.SkipWithError("no AMX on this CPU or kernel");
    return;
  }
  const int rows = static_cast<int>(state.range(0)), cols = static_cast<int>(state.range(1));
  const int positions = static_cast<int>(state.range(2));
  MatvecFixture f(type, rows, cols);
  f.Pack();
  std::vector<const ActQ8*> acts(positions, &f.q);
  amx::ActTiles tiles;
  tiles.Set(acts.data(), positions);
  std::vector<float> y(static_cast<size_t>(rows) * positions);
  for (auto _ : state) {
    for (int r = 0; r < rows; r += kAmxTile) {
      amx::RowTile(f.w, r, std::min(kAmxTile, rows - r), tiles, 0, positions, y.data(), rows);
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t{rows} * cols * positions);
}
BENCHMARK_CAPTURE(AmxTiles, Q4_1, TensorType::kQ4_1)
    ->Args({1536, 576, 64})->Args({576, 1536, 64})->Args({1536, 576, 256});
BENCHMARK_CAPTURE(AmxTiles, Q8_0, TensorType::kQ8_0)->Args({4096, 576, 64});
#endif

// The shipped model, or the file DEPINFER_BENCH_MODEL names (bench_vs_llama.py runs both engines
// on the same file that way), loaded once for all benchmarks (so the process's peak RSS is one
// model's).
const Model* RealModel() {
  static const std::unique_ptr<Model> model = []() -> std::unique_ptr<Model> {
    const char* chosen = std::getenv("DEPINFER_BENCH_MODEL");
    const std::string path = chosen != nullptr && *chosen != '\0'
                                 ? std::string(chosen)
                                 : std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) return nullptr;
    auto m = Model::Load(path);
    return m.ok() ? std::move(m.value()) : nullptr;
  }();
  return model.get();
}

// One decode step (batch 1) at position range(1) of the context, range(0) threads.
void DecodeStep(benchmark::State& state) {
  const Model* model = RealModel();
  if (!model) {
    state.SkipWithError("model missing: run scripts/fetch_model.sh");
    return;
  }
  ForwardOptions opt;
  opt.threads = static_cast<int>(state.range(0));
  const int ctx = static_cast<int>(state.range(1));
  KvCache cache(model->config(), ctx + 1);
  std::vector<float> logits;
  std::vector<int32_t> prompt(ctx, 100);
  (void)model->Forward({SeqBatch{&cache, prompt, false}}, opt, &logits);
  for (auto _ : state) {
    cache.Truncate(ctx);
    (void)model->Forward({SeqBatch{&cache, {42}, false}}, opt, &logits);
  }
  state.SetItemsProcessed(state.iterations());  // tokens
}
BENCHMARK(DecodeStep)->Args({1, 64})->Args({2, 64})->Unit(benchmark::kMillisecond);

// One decode step for range(1) sequences together (each at context 64), range(0) threads.
// items/s counts generated tokens across all streams.
void DecodeBatch(benchmark::State& state) {
  const Model* model = RealModel();
  if (!model) {
    state.SkipWithError("model missing: run scripts/fetch_model.sh");
    return;
  }
  ForwardOptions opt;
  opt.threads = static_cast<int>(state.range(0));
  const int streams = static_cast<int>(state.range(1)), ctx = 64;
  std::vector<std::unique_ptr<KvCache>> caches;
  std::vector<float> logits;
  for (int s = 0; s < streams; ++s) {
    caches.push_back(std::make_unique<KvCache>(model->config(), ctx + 1));
    std::vector<int32_t> prompt(ctx, 100 + s);
    (void)model->Forward({SeqBatch{caches.back().get(), prompt, false}}, opt, &logits);
  }
  std::vector<SeqBatch> batch;
  for (int s = 0; s < streams; ++s) batch.push_back({caches[s].get(), {42 + s}, false});
  for (auto _ : state) {
    for (auto& c : caches) c->Truncate(ctx);
    (void)model->Forward(batch, opt, &logits);
  }
  state.SetItemsProcessed(state.iterations() * streams);
}
BENCHMARK(DecodeBatch)
    ->Args({1, 1})->Args({1, 8})->Args({2, 1})->Args({2, 8})->Unit(benchmark::kMillisecond);

// Prompt processing of range(1) tokens with range(0) threads and the kernels of `isa`; with
// `all_logits` the logits of every position, as the teacher-forced audit needs them.
void Prompt(benchmark::State& state, bool all_logits, Isa isa) {
  const Model* model = RealModel();
  if (!model) {
    state.SkipWithError("model missing: run scripts/fetch_model.sh");
    return;
  }
  if (!IsaAvailable(isa)) {
    state.SkipWithError("ISA not available on this CPU");
    return;
  }
  ForwardOptions opt;
  opt.isa = isa;
  opt.threads = static_cast<int>(state.range(0));
  const int n = static_cast<int>(state.range(1));
  KvCache cache(model->config(), n);
  std::vector<float> logits;
  std::vector<int32_t> prompt(n);
  for (int i = 0; i < n; ++i) prompt[i] = (i * 131) % 40000 + 20;
  for (auto _ : state) {
    cache.Clear();
    (void)model->Forward({SeqBatch{&cache, prompt, all_logits}}, opt, &logits);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
// With the best kernels the CPU has (AMX where there is AMX), and with the AVX-512 tiles for
// comparison in the same run.
#define DEPINFER_PROMPT(suffix, isa)                                                         \
  BENCHMARK_CAPTURE(Prompt, last_logits##suffix, false, isa)                                 \
      ->Args({1, 512})->Args({2, 512})->Unit(benchmark::kMillisecond);                       \
  BENCHMARK_CAPTURE(Prompt, all_logits##suffix, true, isa)                                   \
      ->Args({1, 300})->Args({2, 300})->Unit(benchmark::kMillisecond)
DEPINFER_PROMPT(, BestIsa());
DEPINFER_PROMPT(_avx512, Isa::kAvx512);

// The per-step checks of an audit: the sampler's choice (temperature 0.8, nothing else on: the
// audit_ratio settings) and the logits digest, on the shipped model's logits after a short
// prompt (a model's logits, not random ones, decide how far the sampler has to sort).
// Empty (and the benchmark marked skipped) when the model is missing.
std::vector<float> VocabLogits(benchmark::State& state) {
  const Model* model = RealModel();
  if (!model) {
    state.SkipWithError("model missing: run scripts/fetch_model.sh");
    return {};
  }
  KvCache cache(model->config(), 16);
  std::vector<float> logits;
  (void)model->Forward({SeqBatch{&cache, {1, 9690, 314, 253, 2913, 30}, false}}, ForwardOptions(),
                       &logits);
  return logits;
}
void SampleStep(benchmark::State& state) {
  const std::vector<float> l = VocabLogits(state);
  if (l.empty()) return;
  const std::vector<int32_t> history(300, 7);
  SamplingParams p;
  p.temperature = 0.8f;
  p.seed = 3;
  uint64_t step = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(SampleToken(l.data(), static_cast<int>(l.size()), history, step++, p));
  }
}
BENCHMARK(SampleStep)->Unit(benchmark::kMicrosecond);
void DigestStep(benchmark::State& state) {
  const std::vector<float> l = VocabLogits(state);
  if (l.empty()) return;
  unsigned char d[32];
  for (auto _ : state) {
    LogitsDigest(l.data(), static_cast<int>(l.size()), d);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(l.size() * sizeof(float)));
}
BENCHMARK(DigestStep)->Unit(benchmark::kMicrosecond);
// Eight rows at once (an audit's or a batched decode step's digests): the time is for all
// eight, items/s counts rows.
void DigestStepX8(benchmark::State& state) {
  const std::vector<float> l = VocabLogits(state);
  if (l.empty()) return;
  std::vector<std::vector<float>> rows(8, l);
  std::vector<const float*> ptrs;
  for (int i = 0; i < 8; ++i) {
    rows[i][i] += 1.0f;  // eight different rows
    ptrs.push_back(rows[i].data());
  }
  unsigned char d[8][32];
  for (auto _ : state) {
    LogitsDigests(ptrs.data(), 8, static_cast<int>(l.size()), d);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations() * 8);
  state.SetBytesProcessed(state.iterations() * 8 * static_cast<int64_t>(l.size() * sizeof(float)));
}
BENCHMARK(DigestStepX8)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace depinfer::infer

BENCHMARK_MAIN();
