// BLAKE2b in eight 64-bit lanes (see blake2b_x8.h). Compiled with -mavx512f.
//
// The constants (IV, the message schedule SIGMA, the rotation counts, the parameter block's
// first word) are RFC 7693's, sections 2.1, 2.6, 2.7 and 3.2.

#include "infer/blake2b_x8.h"

// GCC 12's AVX-512 headers pass _mm512_undefined_epi32() as the unused merge source, which it
// then reports as uninitialized once inlined (GCC bug 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace depinfer::infer {
namespace {

constexpr uint64_t kIv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

constexpr uint8_t kSigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

constexpr size_t kBlock = 128;

// The mixing function G on eight lanes (RFC 7693 section 3.1).
inline void G(__m512i& a, __m512i& b, __m512i& c, __m512i& d, __m512i x, __m512i y) {
  a = _mm512_add_epi64(_mm512_add_epi64(a, b), x);
  d = _mm512_ror_epi64(_mm512_xor_si512(d, a), 32);
  c = _mm512_add_epi64(c, d);
  b = _mm512_ror_epi64(_mm512_xor_si512(b, c), 24);
  a = _mm512_add_epi64(_mm512_add_epi64(a, b), y);
  d = _mm512_ror_epi64(_mm512_xor_si512(d, a), 16);
  c = _mm512_add_epi64(c, d);
  b = _mm512_ror_epi64(_mm512_xor_si512(b, c), 63);
}

// Eight rows of eight 64-bit words in, eight columns out: col[w] holds word w of every row.
inline void Transpose8x8(const __m512i row[8], __m512i col[8]) {
  __m512i t[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_epi64(row[2 * i], row[2 * i + 1]);      // words 0,2,4,6
    t[2 * i + 1] = _mm512_unpackhi_epi64(row[2 * i], row[2 * i + 1]);  // words 1,3,5,7
  }
  for (int odd = 0; odd < 2; ++odd) {
    // Pairs of rows (0,1) (2,3) (4,5) (6,7) hold words {0,2,4,6} (+odd) in their 128-bit lanes.
    const __m512i u0 = _mm512_shuffle_i64x2(t[odd], t[2 + odd], 0x88);      // w0,w4 of rows 0-3
    const __m512i u1 = _mm512_shuffle_i64x2(t[4 + odd], t[6 + odd], 0x88);  // w0,w4 of rows 4-7
    const __m512i u2 = _mm512_shuffle_i64x2(t[odd], t[2 + odd], 0xDD);      // w2,w6 of rows 0-3
    const __m512i u3 = _mm512_shuffle_i64x2(t[4 + odd], t[6 + odd], 0xDD);  // w2,w6 of rows 4-7
    col[0 + odd] = _mm512_shuffle_i64x2(u0, u1, 0x88);
    col[4 + odd] = _mm512_shuffle_i64x2(u0, u1, 0xDD);
    col[2 + odd] = _mm512_shuffle_i64x2(u2, u3, 0x88);
    col[6 + odd] = _mm512_shuffle_i64x2(u2, u3, 0xDD);
  }
}

// The compression function F (RFC 7693 section 3.2) on one block of each message.
void Compress(__m512i h[8], const unsigned char* const blocks[8], uint64_t t, bool last) {
  __m512i m[16];
  for (int half = 0; half < 2; ++half) {
    __m512i row[8];
    for (int j = 0; j < 8; ++j) row[j] = _mm512_loadu_si512(blocks[j] + 64 * half);
    Transpose8x8(row, m + 8 * half);
  }
  __m512i v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
  __m512i v8 = _mm512_set1_epi64(static_cast<long long>(kIv[0]));
  __m512i v9 = _mm512_set1_epi64(static_cast<long long>(kIv[1]));
  __m512i v10 = _mm512_set1_epi64(static_cast<long long>(kIv[2]));
  __m512i v11 = _mm512_set1_epi64(static_cast<long long>(kIv[3]));
  __m512i v12 = _mm512_set1_epi64(static_cast<long long>(kIv[4] ^ t));  // t < 2^64: high word 0
  __m512i v13 = _mm512_set1_epi64(static_cast<long long>(kIv[5]));
  __m512i v14 = _mm512_set1_epi64(static_cast<long long>(last ? ~kIv[6] : kIv[6]));
  __m512i v15 = _mm512_set1_epi64(static_cast<long long>(kIv[7]));
#pragma GCC unroll 12
  for (int r = 0; r < 12; ++r) {
    const uint8_t* s = kSigma[r % 10];
    G(v0, v4, v8, v12, m[s[0]], m[s[1]]);
    G(v1, v5, v9, v13, m[s[2]], m[s[3]]);
    G(v2, v6, v10, v14, m[s[4]], m[s[5]]);
    G(v3, v7, v11, v15, m[s[6]], m[s[7]]);
    G(v0, v5, v10, v15, m[s[8]], m[s[9]]);
    G(v1, v6, v11, v12, m[s[10]], m[s[11]]);
    G(v2, v7, v8, v13, m[s[12]], m[s[13]]);
    G(v3, v4, v9, v14, m[s[14]], m[s[15]]);
  }
  // h ^= v[0..7] ^ v[8..15], with one three-input XOR (0x96) per word.
  h[0] = _mm512_ternarylogic_epi64(h[0], v0, v8, 0x96);
  h[1] = _mm512_ternarylogic_epi64(h[1], v1, v9, 0x96);
  h[2] = _mm512_ternarylogic_epi64(h[2], v2, v10, 0x96);
  h[3] = _mm512_ternarylogic_epi64(h[3], v3, v11, 0x96);
  h[4] = _mm512_ternarylogic_epi64(h[4], v4, v12, 0x96);
  h[5] = _mm512_ternarylogic_epi64(h[5], v5, v13, 0x96);
  h[6] = _mm512_ternarylogic_epi64(h[6], v6, v14, 0x96);
  h[7] = _mm512_ternarylogic_epi64(h[7], v7, v15, 0x96);
}

}  // namespace

void Blake2bX8(const unsigned char* const msgs[8], size_t len, size_t outlen,
               unsigned char* const out[8]) {
  if (outlen < 1 || outlen > 64) std::abort();  // a caller's bug: BLAKE2b has no such digest
  // Parameter block word 0: digest length, key length 0, fanout 1, depth 1 (sequential mode).
  __m512i h[8];
  for (int i = 0; i < 8; ++i) h[i] = _mm512_set1_epi64(static_cast<long long>(kIv[i]));
  h[0] = _mm512_xor_si512(h[0], _mm512_set1_epi64(static_cast<long long>(0x01010000ULL ^ outlen)));

  // Every block but the last is full; the last (a zero block for an empty message) is padded
  // with zeros and flagged final, its counter the message length.
  const size_t full = len == 0 ? 0 : (len - 1) / kBlock;
  const unsigned char* blocks[8];
  for (size_t b = 0; b < full; ++b) {
    for (int j = 0; j < 8; ++j) blocks[j] = msgs[j] + b * kBlock;
    Compress(h, blocks, (b + 1) * kBlock, false);
  }
  alignas(64) unsigned char tail[8][kBlock];
  std::memset(tail, 0, sizeof(tail));
  const size_t rest = len - full * kBlock;
  for (int j = 0; j < 8; ++j) {
    if (rest > 0) std::memcpy(tail[j], msgs[j] + full * kBlock, rest);
    blocks[j] = tail[j];
  }
  Compress(h, blocks, len, true);

  // Lane j of h[0..7] is message j's state; its digest is the state's first bytes, little-endian.
  alignas(64) uint64_t state[8][8];
  for (int i = 0; i < 8; ++i) _mm512_store_si512(state[i], h[i]);
  for (int j = 0; j < 8; ++j) {
    unsigned char bytes[64];
    for (int i = 0; i < 8; ++i) {
      for (int k = 0; k < 8; ++k) bytes[8 * i + k] = static_cast<unsigned char>(state[i][j] >> (8 * k));
    }
    std::memcpy(out[j], bytes, outlen);
  }
}

}  // namespace depinfer::infer
