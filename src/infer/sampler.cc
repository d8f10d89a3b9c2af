#include "infer/sampler.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "infer/blake2b_x8.h"
#include "infer/detmath.h"
#include "infer/vecmath.h"

namespace depinfer::infer {
namespace {

void PutLe32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void PutLe64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

void HashFloats(const float* x, int n, unsigned char out[32]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  static_assert(sizeof(float) == 4);
  // x86 and aarch64 are little-endian: the in-memory bytes are the IEEE bits, LE.
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(x), 4 * static_cast<size_t>(n));
  crypto_generichash_final(&st, out, 32);
}

struct Cand {
  int32_t id;
  float logit;
};

}  // namespace

double UniformForStep(uint64_t seed, uint64_t step) {
  if (sodium_init() < 0) return 0.0;
  static const char kDomain[] = "depinfer.sampler.v1";
  unsigned char seed_le[8], key[crypto_stream_chacha20_KEYBYTES];
  PutLe64(seed_le, seed);
  crypto_generichash(key, sizeof(key), seed_le, sizeof(seed_le),
                     reinterpret_cast<const unsigned char*>(kDomain), sizeof(kDomain) - 1);
  unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
  unsigned char zeros[8] = {0}, block[8];
  crypto_stream_chacha20_xor_ic(block, zeros, sizeof(zeros), nonce, step, key);
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(block[i]) << (8 * i);
  return static_cast<double>(r >> 11) * 0x1p-53;
}

namespace {

// Orders `c` (all candidates, or the top-k ones) by (logit desc, id asc) far enough for the walks
// of SampleToken, which usually read only the first few. Candidates are taken in tiers by their
// distance below the best (after temperature): every candidate of a tier ranks before every
// candidate of a later one (the scaled logit is monotone in the logit), so a sorted prefix of the
// first tiers is a prefix of the full order. A later tier is added only when a walk reads past
// the earlier ones. On the shipped model at temperature 0.8 the tiers hold about 17, 300, 23,000
// and 49,000 candidates; a single window of width 20 held 44,000 and made the sort the
// sampler's largest cost.
constexpr float kTierWidth[] = {4.0f, 8.0f, 16.0f};  // then everything
constexpr int kTiers = sizeof(kTierWidth) / sizeof(kTierWidth[0]) + 1;

// A candidate as the rank order sorts it: its sort key beside its index in `c`, so that
// comparisons read contiguous memory instead of going through the index.
struct Ranked {
  float logit;
  int32_t id;
  uint32_t pos;  // index into the candidate list
};
// The total order every stage of the sampler reads: higher logit first, lower id on ties
// (for Cand and Ranked alike).
template <typename C>
inline bool RanksBefore(const C& a, const C& b) {
  return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
}

// The rank order of n candidates, materialised as far as it is read: at(i) is the index in `c`
// of the i-th best. Within the tiers taken so far it sorts a prefix, doubling on demand:
// partial_sort of the unsorted rest is exact because every sorted element ranks above every
// unsorted one. (Selecting with nth_element and then sorting was 40% slower here.) Any prefix
// read is the same as a full sort's.
class RankOrder {
 public:
  // `scaled` are the candidates' logits after temperature and `mx` their maximum; `ranked` is
  // scratch space.
  RankOrder(std::vector<Ranked>& ranked, const std::vector<Cand>& c, const float* scaled, float mx)
      : r_(ranked), c_(c), scaled_(scaled), mx_(mx) {
    r_.resize(c_.size() + 1);  // AddTier writes one past the last kept candidate
    AddTier();
  }

  uint32_t at(size_t i) {
    while (i >= taken_ && tier_ < kTiers) AddTier();
    if (i >= sorted_) {
      const size_t m = std::min(taken_, std::max<size_t>(2 * (i + 1), 32));
      std::partial_sort(r_.begin() + sorted_, r_.begin() + m, r_.begin() + taken_,
                        RanksBefore<Ranked>);
      sorted_ = m;
    }
    return r_[i].pos;
  }

 private:
  // Appends the next tier's candidates, filtered without branches: each candidate is written,
  // and kept by advancing.
  void AddTier() {
    const float lo = tier_ + 1 < kTiers ? mx_ - kTierWidth[tier_] : -std::numeric_limits<float>::infinity();
    const float hi = tier_ > 0 ? mx_ - kTierWidth[tier_ - 1] : std::numeric_limits<float>::infinity();
    size_t k = taken_;
    for (size_t j = 0; j < c_.size(); ++j) {
      r_[k] = {c_[j].logit, c_[j].id, static_cast<uint32_t>(j)};
      const float s = scaled_[j];
      // The last tier takes everything the others did not (NaN included, which no bound
      // admits).
      k += ((s >= lo || tier_ + 1 == kTiers) && !(s >= hi)) ? 1 : 0;
    }
    taken_ = k;
    ++tier_;
  }

  std::vector<Ranked>& r_;
  const std::vector<Cand>& c_;
  const float* scaled_;
  float mx_;
  int tier_ = 0;
  size_t taken_ = 0;   // candidates in the tiers added so far
  size_t sorted_ = 0;  // length of the sorted prefix
};

// Buffers of SampleToken, kept per thread: the vocabulary-sized vectors it needs at every step
// would otherwise be fresh allocations, each page faulted in again.
struct SamplerScratch {
  std::vector<Cand> c;
  std::vector<float> scaled, prob;
  std::vector<Ranked> ranked;
};

}  // namespace

int32_t SampleToken(const float* logits, int n_vocab, const std::vector<int32_t>& history,
                    uint64_t step, const SamplingParams& p) {
  thread_local SamplerScratch scratch;
  std::vector<Cand>& c = scratch.c;
  c.resize(n_vocab);
  for (int i = 0; i < n_vocab; ++i) c[i] = {i, logits[i]};

  // Repetition penalty on each distinct recent token (llama.cpp's rule: shrink toward zero).
  if (p.repeat_penalty != 1.0f && p.repeat_last_n > 0) {
    std::unordered_set<int32_t> seen;
    const size_t from = history.size() > static_cast<size_t>(p.repeat_last_n)
                            ? history.size() - p.repeat_last_n : 0;
    for (size_t i = from; i < history.size(); ++i) {
      const int32_t t = history[i];
      if (t < 0 || t >= n_vocab || !seen.insert(t).second) continue;
      c[t].logit = c[t].logit > 0 ? c[t].logit / p.repeat_penalty : c[t].logit * p.repeat_penalty;
    }
  }

  auto better = RanksBefore<Cand>;  // every later stage reads this order
  if (p.temperature <= 0.0f) return std::min_element(c.begin(), c.end(), better)->id;

  // Top-k keeps the k best; the survivors stay in id order for the normalising sum.
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < c.size()) {
    std::nth_element(c.begin(), c.begin() + p.top_k, c.end(), better);
    c.resize(p.top_k);
    std::sort(c.begin(), c.end(), [](const Cand& a, const Cand& b) { return a.id < b.id; });
  }

  // Probabilities: softmax of logit / temperature, normalised by a sum in id order (so the
  // values do not depend on how much of the sorted order we build below).
  const size_t n = c.size();
  std::vector<float>& scaled = scratch.scaled;
  std::vector<float>& prob = scratch.prob;
  scaled.resize(n);
  prob.resize(n);
  for (size_t i = 0; i < n; ++i) scaled[i] = c[i].logit / p.temperature;
  // (Which zero the maximum is does not matter: it is only subtracted and compared with.)
  const float mx = MaxRow(scaled.data(), static_cast<int>(n), BestIsa());
  for (size_t i = 0; i < n; ++i) prob[i] = scaled[i] - mx;
  ExpRow(prob.data(), static_cast<int>(n), BestIsa());  // ExpF's bits on every ISA
  float z = 0.0f;
  for (size_t i = 0; i < n; ++i) z = z + prob[i];
  for (size_t i = 0; i < n; ++i) prob[i] = prob[i] / z;

  // Candidates in rank order, sorted only as far as the walks below read (see RankOrder).
  RankOrder order(scratch.ranked, c, scaled.data(), mx);

  // Top-p: the shortest prefix whose cumulative probability reaches top_p.
  size_t keep = n;
  if (p.top_p < 1.0f) {
    float cum = 0.0f;
    size_t k = 0;
    while (k < n) {
      cum = cum + prob[order.at(k++)];
      if (cum >= p.top_p) break;
    }
    keep = k;
  }
  // Min-p: drop candidates below min_p times the best one.
  if (p.min_p > 0.0f) {
    const float floor = p.min_p * prob[order.at(0)];
    size_t k = 1;
    while (k < keep && prob[order.at(k)] >= floor) ++k;
    keep = k;
  }

  // Draw: u * (kept mass) picks the candidate where the cumulative mass in rank order passes
  // it. The kept mass is summed in id order when nothing was cut (no sort needed for it).
  double total = 0.0;
  if (keep == n) {
    for (size_t i = 0; i < n; ++i) total += prob[i];
  } else {
    for (size_t i = 0; i < keep; ++i) total += prob[order.at(i)];
  }
  const double target = UniformForStep(p.seed, step) * total;
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += prob[order.at(i)];
    if (target < cum) return c[order.at(i)].id;
  }
  return c[order.at(keep - 1)].id;
}

Transcript::Transcript(const std::string& model_id, const std::vector<int32_t>& prompt) {
  static const char kDomain[] = "depinfer.transcript.v1";
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kDomain), sizeof(kDomain));
  unsigned char len[8];
  PutLe64(len, model_id.size());
  crypto_generichash_update(&st, len, 8);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(model_id.data()),
                            model_id.size());
  PutLe64(len, prompt.size());
  crypto_generichash_update(&st, len, 8);
  for (int32_t t : prompt) {
    unsigned char b[4];
    PutLe32(b, static_cast<uint32_t>(t));
    crypto_generichash_update(&st, b, 4);
  }
  crypto_generichash_final(&st, h_, 32);
}

void Transcript::AddStep(int32_t token, const float* logits, int n_vocab) {
  unsigned char digest[32];
  HashFloats(logits, n_vocab, digest);
  AddStepDigest(token, digest);
}

void Transcript::AddStepDigest(int32_t token, const unsigned char logits_digest[32]) {
  unsigned char buf[32 + 4 + 32];
  std::memcpy(buf, h_, 32);
  PutLe32(buf + 32, static_cast<uint32_t>(token));
  std::memcpy(buf + 36, logits_digest, 32);
  crypto_generichash(h_, 32, buf, sizeof(buf), nullptr, 0);
  ++steps_;
}

void LogitsDigest(const float* logits, int n, unsigned char out[32]) { HashFloats(logits, n, out); }

void LogitsDigests(const float* const* rows, int count, int n, unsigned char (*out)[32], Isa isa) {
  int i = 0;
#ifdef DEPINFER_HAVE_AVX512_KERNELS
  if (HasAvx512Twins(isa)) {
    // Groups of eight; a short last group repeats its last row in the spare lanes. A single row
    // left over goes to libsodium, which hashes one row in about half the lanes' time.
    for (; count - i > 1; i += 8) {
      const unsigned char* msgs[8];
      unsigned char spare[32];
      unsigned char* dst[8];
      for (int j = 0; j < 8; ++j) {
        const int r = std::min(i + j, count - 1);
        msgs[j] = reinterpret_cast<const unsigned char*>(rows[r]);
        dst[j] = i + j < count ? out[i + j] : spare;
      }
      Blake2bX8(msgs, 4 * static_cast<size_t>(n), 32, dst);
    }
  }
#else
  (void)isa;
#endif
  for (; i < count; ++i) HashFloats(rows[i], n, out[i]);
}

std::string Transcript::Hex() const {
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), h_, 32);
  return hex;
}

std::string LogitsDigestHex(const float* logits, int n) {
  unsigned char d[32];
  HashFloats(logits, n, d);
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), d, 32);
  return hex;
}

}  // namespace depinfer::infer
