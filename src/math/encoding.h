// Byte encodings of BN254 points. Every decoder treats its input as hostile: exact lengths,
// canonical coordinates (< p), points on the curve, G2 points in the order-r subgroup; on any
// failure it returns a Status that says what was wrong and leaves *out untouched.
//
// Ethereum precompile form (EIP-196/197): G1 is x || y (64 bytes), G2 is
// x.c1 || x.c0 || y.c1 || y.c0 (128 bytes, the imaginary part first), big-endian, and the point
// at infinity is all zeros.
//
// Compressed form (ours; the flag convention matches gnark and arkworks in spirit): the
// x coordinate alone, big-endian (G1 32 bytes; G2 64 bytes as x.c1 || x.c0), with the two top
// bits of the first byte as flags, free because p < 2^254:
//   bit 7: the point at infinity (every other bit zero)
//   bit 6: y is the "lexicographically largest" of the two roots (for Fp2, compare c1 first,
//          then c0 when c1 is zero)
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::math::bn254 {

inline constexpr std::size_t kG1EthBytes = 64;
inline constexpr std::size_t kG2EthBytes = 128;
inline constexpr std::size_t kG1CompressedBytes = 32;
inline constexpr std::size_t kG2CompressedBytes = 64;

std::array<std::uint8_t, kG1EthBytes> EncodeG1Eth(const G1Affine& p);
std::array<std::uint8_t, kG2EthBytes> EncodeG2Eth(const G2Affine& p);
Status DecodeG1Eth(std::span<const std::uint8_t> in, G1Affine* out);
// Includes the G2 subgroup check.
Status DecodeG2Eth(std::span<const std::uint8_t> in, G2Affine* out);
// Checks only that the point is on the twist: for callers that run the subgroup test later on
// many points at once (IsInG2SubgroupBatchVartime), and must not use the point before.
Status DecodeG2EthOnCurve(std::span<const std::uint8_t> in, G2Affine* out);

std::array<std::uint8_t, kG1CompressedBytes> EncodeG1Compressed(const G1Affine& p);
std::array<std::uint8_t, kG2CompressedBytes> EncodeG2Compressed(const G2Affine& p);
Status DecodeG1Compressed(std::span<const std::uint8_t> in, G1Affine* out);
Status DecodeG2Compressed(std::span<const std::uint8_t> in, G2Affine* out);

// Validation shared by every decoder and by callers that build points from other encodings
// (snarkjs JSON): on the curve, and for G2 in the subgroup.
Status ValidateG1(const G1Affine& p);
Status ValidateG2(const G2Affine& p);
// The curve equation only (the subgroup test left to a batched caller).
Status ValidateG2OnCurve(const G2Affine& p);
// The message ValidateG2 gives a point on the twist outside G2.
inline constexpr const char* kG2NotInSubgroup = "G2 point is on the twist but not in the prime-order subgroup";

}  // namespace depinfer::math::bn254
