// BLAKE2b (RFC 7693) over eight messages of one length at once, one message per 64-bit lane of
// the AVX-512 registers.
//
// Why: every completion step hashes its whole logits row (196,608 bytes for a 49,152-token
// vocabulary) into the transcript. An audit has all of a completion's rows at once and a decode
// step with several sequences has one row each, so their hashes can share the vector unit. Each
// lane runs the reference's operations on its own message, so every digest equals libsodium's
// crypto_generichash of that message (tests/infer/blake2b_x8_test.cc checks both against each
// other and against RFC 7693's vector).
#pragma once

#include <cstddef>

namespace depinfer::infer {

// Unkeyed BLAKE2b with an `outlen`-byte digest (1..64) of msgs[0..7], each `len` bytes, into
// out[0..7]. Compiled where DEPINFER_HAVE_AVX512_KERNELS is defined, and run only where
// HasAvx512Twins(BestIsa()); LogitsDigests (sampler.h) chooses, and hashes one message at a time
// with libsodium elsewhere.
void Blake2bX8(const unsigned char* const msgs[8], size_t len, size_t outlen,
               unsigned char* const out[8]);

}  // namespace depinfer::infer
