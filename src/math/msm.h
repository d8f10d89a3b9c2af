// Multi-scalar multiplication: sum_i k_i * P_i over G1 or G2.
//
// Pippenger's bucket method with signed-digit windows (each c-bit window digit is taken in
// [-2^(c-1), 2^(c-1)], halving the buckets, since negating a point is free). The window width
// comes from a cost model over the number of points and the widest scalar; the windows run in
// parallel on all cores (OpenMP). Real witnesses are full of 0 and 1 and small values, so
// scalars 0 are skipped, scalars 1 are summed directly without entering the buckets, and the
// number of windows follows the widest remaining scalar rather than the field size.
// See Bernstein, Doumen, Lange, Oosterwijk, "Faster batch forgery identification" (INDOCRYPT
// 2012) for the bucket method and its signed variant.
//
// Variable time: MSM inputs in this project are public (proving keys, public inputs) or
// blinded by fresh randomness before they reach it.
#pragma once

#include <span>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::math::bn254 {

// *out = sum_i scalars[i] * points[i]. Fails (and leaves *out alone) if the lengths differ.
Status MsmG1(std::span<const G1Affine> points, std::span<const Fr> scalars, G1* out);
Status MsmG2(std::span<const G2Affine> points, std::span<const Fr> scalars, G2* out);

// The same with the bucket accumulator chosen: kAuto is what the two above use (the AVX-512 IFMA
// one where built, unless DEPINFER_MSM_SCALAR=1 is set), kPortable the plain reference one.
// For tests and benchmarks comparing the two in one process.
enum class MsmPath { kAuto, kPortable };
Status MsmG1(std::span<const G1Affine> points, std::span<const Fr> scalars, G1* out, MsmPath path);
Status MsmG2(std::span<const G2Affine> points, std::span<const Fr> scalars, G2* out, MsmPath path);

// The window width the cost model of the default path picks for n points with scalars of `bits` bits (exposed for
// tests and benchmarks).
int MsmWindowBits(std::size_t n, std::size_t bits);

}  // namespace depinfer::math::bn254
