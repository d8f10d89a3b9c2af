// snarkjs Groth16 proving keys (.zkey): reader and writer.
//
// Format (snarkjs src/zkey_utils.js writeZKey/readZKey and src/zkey_new.js; binfile container
// with magic "zkey", version 1; integers little-endian):
//   1  header:        protocol u32 (1 = Groth16; 2 = PLONK and 10 = FFLONK are rejected)
//   2  Groth16 header: n8q u32 (32), q (plain LE), n8r u32 (32), r (plain LE), nVars u32,
//                     nPublic u32 (public signals, not counting the constant wire 0),
//                     domainSize u32 (a power of two), then the points alpha1 (G1), beta1 (G1),
//                     beta2 (G2), gamma2 (G2), delta1 (G1), delta2 (G2)
//   3  IC:            nPublic + 1 G1 points
//   4  coefficients:  nCoefs u32, then nCoefs times: matrix u32 (0 = A, 1 = B), constraint u32,
//                     signal u32, value (32 bytes). Only A and B are stored (the prover derives
//                     C's evaluations as A*B), plus one extra A row for each i in
//                     0..nPublic, wire 0 included (constraint nConstraints + i, coefficient 1
//                     on signal i), which keeps the public inputs linearly independent.
//   5  A:             nVars G1 points
//   6  B1:            nVars G1 points
//   7  B2:            nVars G2 points
//   8  C:             nVars - nPublic - 1 G1 points (private signals only)
//   9  H:             domainSize G1 points, snarkjs's "hExps": the odd-indexed entries of the
//                     powers-of-tau Lagrange basis for the doubled domain (the coset form
//                     snarkjs's prover evaluates h on), divided by delta in phase 2
//   10 contributions: the phase-2 transcript: csHash (64 bytes), n u32, then n contributions
//                     (deltaAfter G1, g1_s G1, g1_sx G1, g2_spx G2, transcript 64 bytes,
//                     type u32 (0 = contribution, 1 = beacon), paramsLength u32, params:
//                     byte-tagged in increasing tag order: 1 name (len u8 + UTF-8),
//                     2 numIterationsExp (u8), 3 beacon hash (len u8 + bytes))
//
// Encodings, which are where most readers go wrong:
//   - Point coordinates are in Montgomery form over q: each Fp value a is stored as
//     a*R mod q with R = 2^256, 32 bytes little-endian (ffjavascript's "toRprLEM"). G1 is x, y;
//     G2 is x.c0, x.c1, y.c0, y.c1 (real part first). The point at infinity is all zero bytes.
//   - The primes q and r in section 2 are plain (not Montgomery) little-endian integers.
//   - Section 4 values are a*R^2 mod r with R = 2^256, stored as a plain little-endian integer
//     (zkey_new.js multiplies each r1cs coefficient by R^2 mod r before toRprLE). Read as a
//     Montgomery representation that is a*R, so snarkjs's prover can multiply it by a plain
//     witness value with one Montgomery multiplication and land in Montgomery form.
// Every point is validated (on the curve; G2 in the prime-order subgroup) and every number must
// be canonical (the stored integer below its modulus).
//
// Our own addition, the checksum: the keys we write end with one more section, type 0x44504901
// ("checksum"), holding the BLAKE2b-256 of every byte of the file before its last 32 (the
// checksum section's own type and size included). snarkjs's reader skips section types it does
// not know, so snarkjs proves with our keys unchanged; our reader, when the section is present,
// insists that it is the last one and that the hash matches, so a damaged or truncated key is
// named as such before it is used. Keys from a snarkjs ceremony have no such section and are
// accepted on their other checks alone.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "snark/formats/binfile.h"

namespace depinfer::snark::formats {

struct ZkeyCoef {
  std::uint32_t matrix = 0;      // 0 = A, 1 = B
  std::uint32_t constraint = 0;  // row, < domainSize
  std::uint32_t signal = 0;      // column, < nVars
  Fr value;                      // the plain coefficient (decoded from a*R^2)
  friend bool operator==(const ZkeyCoef&, const ZkeyCoef&) = default;
};

struct ZkeyContribution {
  G1Affine delta_after;  // delta in G1 after this contribution
  G1Affine g1_s, g1_sx;  // the contributor's proof of knowledge
  G2Affine g2_spx;
  std::array<std::uint8_t, 64> transcript{};
  std::uint32_t type = 0;  // 0 = contribution, 1 = beacon
  std::string name;        // parameter 1, empty if absent
  bool has_num_iterations_exp = false;
  std::uint8_t num_iterations_exp = 0;  // parameter 2 (beacons)
  std::vector<std::uint8_t> beacon_hash;  // parameter 3 (beacons)
};

inline constexpr std::uint32_t kZkeyChecksumSection = 0x44504901;

struct Groth16Zkey {
  std::uint32_t n_vars = 0;       // wires, including wire 0
  std::uint32_t n_public = 0;     // public signals, excluding wire 0
  std::uint32_t domain_size = 0;  // power of two
  G1Affine alpha1, beta1, delta1;
  G2Affine beta2, gamma2, delta2;
  std::vector<G1Affine> ic;        // n_public + 1
  std::vector<ZkeyCoef> coeffs;
  std::vector<G1Affine> a, b1;     // n_vars each
  std::vector<G2Affine> b2;        // n_vars
  std::vector<G1Affine> c;         // n_vars - n_public - 1 (the private wires)
  std::vector<G1Affine> h;         // domain_size
  std::array<std::uint8_t, 64> cs_hash{};  // snarkjs's circuit hash
  std::vector<ZkeyContribution> contributions;
};

// Parses a whole Groth16 .zkey. Beyond the per-field checks above: q and r must be BN254's,
// nPublic + 1 <= nVars, domainSize a power of two up to 2^28 (Fr's two-adicity), every
// coefficient's indices in range, the header's points not at infinity, each section exactly the
// size its counts imply, and, when there are contributions, delta1 equal to the last one's
// deltaAfter (as `snarkjs zkey verify` requires).
Status ParseGroth16Zkey(std::span<const std::uint8_t> file, Groth16Zkey* out);

// Reads and parses a file; errors are prefixed with the path.
Status ReadGroth16ZkeyFile(const std::string& path, Groth16Zkey* out);

// Whether a parsed file carried our checksum section (and so was verified against it).
bool ZkeyHasChecksum(std::span<const std::uint8_t> file);

// The file snarkjs would read: sections 1 to 10 in order (coefficients as given), then the
// checksum section. ParseGroth16Zkey(WriteGroth16Zkey(z)) gives z back.
std::vector<std::uint8_t> WriteGroth16Zkey(const Groth16Zkey& z);

}  // namespace depinfer::snark::formats
