// Bech32m (BIP-350): the text encoding of our addresses and viewing keys.
//
// Why bech32m: one case, no look-alike characters (no 1, b, i, o in the data), and a BCH checksum
// that detects any 4 substitutions and, unlike plain bech32 (BIP-173), is not fooled by inserting
// or deleting 'q' before a final 'p'. A mistyped address is rejected instead of sending value
// to a key nobody holds.
//
// Differences from BIP-173/350 as used by Bitcoin, on purpose:
//   * No 90-character limit. Our address payload is 64 bytes (103 data characters), so we set
//     our own limit of kBech32mMaxLength = 1023 characters, as Zcash does for unified addresses
//     (ZIP-316). BIP-173's guarantee (any 4 substitutions caught) is only claimed up to 89
//     characters; at any length a single substitution is always caught (the generator has a
//     nonzero constant term, so it divides no single-error polynomial), and other mistypes
//     slip through with probability about 2^-30. bech32m_test checks every substitution.
//   * The human-readable part stays within 1..83 printable ASCII characters, as in BIP-173.
//   * Only the bech32m constant (0x2bc830a3) is accepted; a string with a valid plain bech32
//     checksum is rejected with a message that says so.
//
// Encoders write lowercase. Decoders accept all-lowercase or all-uppercase (never mixed) and
// return the human-readable part in lowercase. Decoders leave their outputs untouched on error.
// Viewing-key strings (secrets) go through the same code, so the character decoding and the
// checksum use masks instead of branches or table look-ups indexed by the characters: a valid
// string's decoding time depends on its length only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace depinfer::shield {

inline constexpr std::size_t kBech32mMaxLength = 1023;  // ours, not BIP-173's 90
inline constexpr std::size_t kBech32mMaxHrpLength = 83;

// Regroups a bit string from `from_bits`-bit values to `to_bits`-bit values (BIP-173
// convertbits). With pad, a final partial group is zero-padded (encoding); without pad, the
// input must end with fewer than `from_bits` leftover bits that are all zero (decoding),
// otherwise it returns false. Also false if an input value does not fit in from_bits.
bool ConvertBits(std::span<const std::uint8_t> in, int from_bits, int to_bits, bool pad,
                 std::vector<std::uint8_t>* out);

// hrp + "1" + data characters + 6 checksum characters, over 5-bit values (each < 32).
// Precondition: hrp valid (1..83 characters in 33..126, no uppercase), total length within
// kBech32mMaxLength. Returns "" if a precondition fails.
std::string Bech32mEncodeGroups(std::string_view hrp, std::span<const std::uint8_t> groups);

// Decodes to the hrp (lowercased) and the 5-bit data values, checksum removed.
// `max_length` lets callers apply a stricter limit (BIP-350's own is 90).
Status Bech32mDecodeGroups(std::string_view s, std::string* hrp,
                           std::vector<std::uint8_t>* groups,
                           std::size_t max_length = kBech32mMaxLength);

// Byte-payload forms: the payload is regrouped 8 -> 5 bits with zero padding, and back with
// the padding checked (at most 4 zero bits).
std::string Bech32mEncode(std::string_view hrp, std::span<const std::uint8_t> payload);
Status Bech32mDecode(std::string_view s, std::string* hrp, std::vector<std::uint8_t>* payload,
                     std::size_t max_length = kBech32mMaxLength);

}  // namespace depinfer::shield
