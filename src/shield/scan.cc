// Parallel trial decryption over a batch of outputs (see scan.h).
#include "shield/scan.h"

#include <omp.h>

#include <algorithm>

namespace depinfer::shield {
namespace {

// Tries items [begin, end) and appends what it finds to `out`.
void ScanRange(const ViewingKey& vk, std::span<const ScanItem> items, std::size_t begin,
               std::size_t end, ScanResult* out) {
  for (std::size_t i = begin; i < end; ++i) {
    DecryptedNote d;
    Status st = TryDecryptNote(vk, items[i].cm, items[i].note, &d);
    if (st.ok()) {
      out->found.push_back(FoundNote{i, std::move(d)});
    } else if (st.code() == Status::Code::kCorruption) {
      out->corrupted.push_back(i);
    }
  }
}

}  // namespace

ScanResult ScanSingleThread(const ViewingKey& vk, std::span<const ScanItem> items) {
  ScanResult r;
  ScanRange(vk, items, 0, items.size(), &r);
  return r;
}

ScanResult Scan(const ViewingKey& vk, std::span<const ScanItem> items) {
  const std::size_t n = items.size();
  const int threads = std::max(1, omp_get_max_threads());
  // Chunks small enough to balance the rare expensive (ours) outputs, large enough that the
  // per-chunk bookkeeping is negligible next to ~30 us of X25519 per output.
  const std::size_t chunk = 64;
  const std::size_t chunks = (n + chunk - 1) / chunk;
  std::vector<ScanResult> parts(chunks);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::size_t c = 0; c < chunks; ++c) {
    ScanRange(vk, items, c * chunk, std::min(n, (c + 1) * chunk), &parts[c]);
  }
  ScanResult r;
  for (ScanResult& p : parts) {  // chunks are in order, so positions stay increasing
    for (FoundNote& f : p.found) r.found.push_back(std::move(f));
    r.corrupted.insert(r.corrupted.end(), p.corrupted.begin(), p.corrupted.end());
  }
  return r;
}

}  // namespace depinfer::shield
