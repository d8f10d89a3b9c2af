// Scanning: a wallet trial-decrypts every new output of the pool with its viewing key to find
// the notes sent to it. Almost all outputs are someone else's, so the cost per output is one
// X25519 (the shared secret) plus one BLAKE2b (the view tag), and only 1 in 256 foreign outputs
// goes on to an authenticated decryption. The X25519s of 64 outputs at a time go through the
// eight-lane AVX-512 IFMA kernel (shield/x25519_batch.h; libsodium where IFMA is missing), and
// the groups are spread over all cores with OpenMP.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "shield/keys.h"
#include "shield/note_encryption.h"

namespace depinfer::shield {

// One output as the ledger publishes it.
struct ScanItem {
  Fr cm;
  EncryptedNote note;
};

struct FoundNote {
  std::size_t position;  // index into the scanned span
  DecryptedNote note;
};

struct ScanResult {
  std::vector<FoundNote> found;        // our notes, in increasing position
  std::vector<std::size_t> corrupted;  // authenticated under our key but not opening cm
                                       // (or malformed): a misbehaving sender, reported
};

// Trial-decrypts every item with `vk` on all cores. Outputs that are not ours (including
// those with a small-order epk or a wrong-size ciphertext) are skipped.
ScanResult Scan(const ViewingKey& vk, std::span<const ScanItem> items);

// The same on the calling thread only (the reference the parallel version is tested against,
// and the per-core figure of the benchmark).
ScanResult ScanSingleThread(const ViewingKey& vk, std::span<const ScanItem> items);

}  // namespace depinfer::shield
