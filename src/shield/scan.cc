// Parallel trial decryption over a batch of outputs (see scan.h).
#include "shield/scan.h"

#include <omp.h>

#include <sodium.h>

#include <algorithm>
#include <array>

namespace depinfer::shield {
namespace {

// Tries items [begin, end) (at most kGroup of them) and appends what it finds to `out`. The
// X25519s of the whole range are computed together (ViewingKey::SharedSecrets), which is where
// nearly all the time goes.
constexpr std::size_t kGroup = 64;

void ScanRange(const ViewingKey& vk, std::span<const ScanItem> items, std::size_t begin,
               std::size_t end, ScanResult* out) {
  std::array<X25519Key, kGroup> epks, shared;
  std::array<std::uint8_t, kGroup> ok;
  const std::size_t n = end - begin;
  for (std::size_t k = 0; k < n; ++k) epks[k] = items[begin + k].note.epk;
  vk.SharedSecrets(std::span(epks.data(), n), std::span(shared.data(), n),
                   std::span(ok.data(), n));
  for (std::size_t k = 0; k < n; ++k) {
    if (!ok[k]) continue;  // small-order epk: nobody's note
    const std::size_t i = begin + k;
    DecryptedNote d;
    Status st = TryDecryptNoteWithShared(vk, shared[k], items[i].cm, items[i].note, &d);
    if (st.ok()) {
      out->found.push_back(FoundNote{i, std::move(d)});
    } else if (st.code() == Status::Code::kCorruption) {
      out->corrupted.push_back(i);
    }
  }
  sodium_memzero(shared.data(), sizeof shared);
}

}  // namespace

ScanResult ScanSingleThread(const ViewingKey& vk, std::span<const ScanItem> items) {
  ScanResult r;
  for (std::size_t b = 0; b < items.size(); b += kGroup) {
    ScanRange(vk, items, b, std::min(items.size(), b + kGroup), &r);
  }
  return r;
}

ScanResult Scan(const ViewingKey& vk, std::span<const ScanItem> items) {
  const std::size_t n = items.size();
  const int threads = std::max(1, omp_get_max_threads());
  // Chunks of kGroup outputs: small enough to balance the rare expensive (ours) outputs, large
  // enough that the per-chunk bookkeeping is negligible next to 64 X25519s (eight IFMA passes).
  const std::size_t chunk = kGroup;
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
