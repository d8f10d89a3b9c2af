// X25519 of one secret scalar with many points at once: the inner loop of note scanning, where
// a wallet multiplies every output's ephemeral key by its one view secret.
//
// libsodium computes one X25519 in about 36 us on the development VM, which caps scanning near
// 27,000 outputs per second per core. Here eight Montgomery ladders (RFC 7748, section 5) run
// side by side in the 64-bit lanes of AVX-512 registers, multiplying field elements with the
// IFMA instructions (vpmadd52luq / vpmadd52huq: 52 x 52 -> 104-bit products, low or high half
// added to an accumulator).
//
// Field representation: GF(2^255 - 19) in radix 2^51, five limbs per element, limbs kept below
// 2^52 between operations (one bit of headroom over the radix, which IFMA's 52-bit inputs allow).
// A 52 x 52 product at weight 2^(51k) splits into lo (weight 2^(51k)) and hi, whose weight
// 2^(51k + 52) is 2 * 2^(51(k+1)): the high halves are doubled into the next column. Columns
// 5..9 fold into 0..4 times 19 (2^255 = 19 mod p), then one carry pass brings limbs below 2^52.
//
// The ladder is written once, as a template over a "lane backend": `IfmaBackend` (eight lanes
// in __m512i) and `ScalarBackend` (one lane in a uint64_t, IFMA emulated with 128-bit products).
// The scalar instance is the plain reference twin; tests require both to equal libsodium's
// crypto_scalarmult bit for bit on random, edge-case and non-canonical inputs.
//
// Constant time: the ladder always runs 255 steps; the conditional swaps use masks derived from
// the scalar bits without branches; the inversion is a fixed addition chain. Only the final
// "is the result zero" (small-order input, a public fact) is turned into a branch by callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "shield/keys.h"

namespace depinfer::shield {

// True when this build and CPU use the 8-lane IFMA kernel (otherwise X25519Batch falls back to
// libsodium, one point at a time).
bool X25519BatchUsesIfma();

// out[i] = X25519(scalar, points[i]) for every i (scalar clamped as RFC 7748 says). ok[i] is 0
// when the result is all zeros (points[i] has small order; libsodium returns -1 there), else 1.
// Preconditions: out and ok have points.size() entries.
void X25519Batch(const X25519Key& scalar, std::span<const X25519Key> points,
                 std::span<X25519Key> out, std::span<std::uint8_t> ok);

// The plain reference twin: the same ladder on one lane with portable 64-bit code.
void X25519BatchReference(const X25519Key& scalar, std::span<const X25519Key> points,
                          std::span<X25519Key> out, std::span<std::uint8_t> ok);

}  // namespace depinfer::shield
