// snarkjs's Groth16 JSON files: verification_key.json, proof.json and public.json.
//
// Shapes (what `snarkjs zkey export verificationkey` and `snarkjs groth16 prove` write, snarkjs
// src/zkey_export_verificationkey.js and src/groth16_prove.js; numbers are decimal strings):
//   G1 point: ["x", "y", "1"]; the point at infinity is ["0", "1", "0"]
//   G2 point: [["x.c0", "x.c1"], ["y.c0", "y.c1"], ["1", "0"]]: real part FIRST (ffjavascript's
//             F2 toObject order), the reverse of the Ethereum precompile / Solidity verifier
//             order; the point at infinity is [["0", "0"], ["1", "0"], ["0", "0"]]
//   verification_key.json: {"protocol": "groth16", "curve": "bn128", "nPublic": n,
//             "vk_alpha_1": G1, "vk_beta_2": G2, "vk_gamma_2": G2, "vk_delta_2": G2,
//             "vk_alphabeta_12": e(alpha, beta) as [[[c0, c1] x 3] x 2] (Fp12 = Fp6 + Fp6 w,
//             Fp6 = Fp2 + Fp2 v + Fp2 v^2), "IC": [G1 x (n + 1)]}
//   proof.json: {"pi_a": G1, "pi_b": G2, "pi_c": G1, "protocol": "groth16", "curve": "bn128"}
//   public.json: ["v1", "v2", ...] (elements of Fr)
//
// Parsing is strict: every member present with its JSON type, every number a canonical decimal
// string (no sign, spaces or leading zeros, below its modulus), the projective third coordinate
// exactly "1" (or the infinity form above), points on the curve and G2 points in the subgroup,
// IC of length nPublic + 1. vk_alphabeta_12 must equal the pairing snarkjs computes (a fixed
// power of the standard reduced pairing: ffjavascript's final exponentiation raises to an extra
// 2x(6x^2 + 3x + 1)), so a key whose alpha, beta and alphabeta disagree is rejected. Members we
// do not know are ignored (snarkjs may add some); writers emit exactly the members above, plus
// one of ours in verification keys:
//   "depinfer_checksum": "blake2b-256:<64 hex digits>", the BLAKE2b-256 of the key's points in
//             the Ethereum encoding (VerificationKeyChecksum below), which the parser checks
//             when present (snarkjs ignores it), so an edited or damaged key is named as such.
#pragma once

#include <array>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::snark::formats {

struct SnarkjsVerificationKey {
  math::bn254::G1Affine alpha1;
  math::bn254::G2Affine beta2, gamma2, delta2;
  std::vector<math::bn254::G1Affine> ic;  // nPublic + 1
  std::size_t n_public() const { return ic.empty() ? 0 : ic.size() - 1; }
};

struct SnarkjsProof {
  math::bn254::G1Affine a;
  math::bn254::G2Affine b;
  math::bn254::G1Affine c;
};

// Inputs larger than this are rejected before parsing (a verification key for a million public
// inputs is about 170 MB; ours are far smaller).
inline constexpr std::size_t kMaxJsonBytes = std::size_t{256} << 20;

Status ParseVerificationKeyJson(std::string_view text, SnarkjsVerificationKey* out);
Status ParseProofJson(std::string_view text, SnarkjsProof* out);
Status ParsePublicJson(std::string_view text, std::vector<math::bn254::Fr>* out);

// Writers produce the same layout as snarkjs (one-space indentation), vk_alphabeta_12 computed
// from alpha and beta.
std::string WriteVerificationKeyJson(const SnarkjsVerificationKey& vk);
// BLAKE2b-256 over the tag "depinfer groth16 vk v1", nPublic (u32 big-endian), then alpha1,
// beta2, gamma2, delta2 and every IC point in the Ethereum precompile encoding.
std::array<std::uint8_t, 32> VerificationKeyChecksum(const SnarkjsVerificationKey& vk);
std::string WriteProofJson(const SnarkjsProof& proof);
std::string WritePublicJson(std::span<const math::bn254::Fr> inputs);

// e(alpha, beta) as snarkjs reports it in vk_alphabeta_12: the reduced pairing raised to
// 2x(6x^2 + 3x + 1), x the BN parameter.
math::bn254::Fp12 SnarkjsAlphaBeta(const math::bn254::G1Affine& alpha, const math::bn254::G2Affine& beta);

}  // namespace depinfer::snark::formats
