// Internal to the shield layer: libsodium must be initialised before use. sodium_init() also
// picks the fastest X25519 and BLAKE2b code for this CPU, which note scanning depends on.
#pragma once

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace depinfer::shield::internal {

inline void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "libsodium failed to initialise\n");
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

}  // namespace depinfer::shield::internal
