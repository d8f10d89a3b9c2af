// Groth16 setup (a development CRS) and proving over BN254, in snarkjs's conventions so that the
// same prover can later run on keys from a snarkjs ceremony (.zkey import):
//
// - the QAP domain has n = 2^k >= constraints + public inputs + 1 points (the generator is
//   ffjavascript's, see math/ntt.h); for each public wire i (and wire 0) one extra row carries
//   A = wire i, B = C = 0, which keeps the public polynomials independent;
// - the prover never stores C: on the domain <C_k,w> = <A_k,w> <B_k,w> for a satisfying
//   witness;
// - H is handled on the odd coset of the 2n-th roots of unity: t(x) = a(x)b(x) - c(x) has degree
//   below 2n and vanishes on the even ones, so t(tau)/delta = sum_i t(w_2n^(2i+1)) H_i with the
//   key's H_i = [L^(2n)_(2i+1)(tau) / delta]_1. The prover needs no division by Z(x).
//
// Proof: A = alpha + sum_j w_j A_j + r delta, B = beta + sum_j w_j B_j + s delta,
//        C = sum_(private j) w_j C_j + sum_i h_i H_i + s A + r B1 - r s delta.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "snark/r1cs.h"
#include "snark/groth16/verifier.h"

namespace depinfer::snark::groth16 {

// A row of the QAP as a key stores it: the .zkey coefficient section's (wire, value) entries,
// in its order.
struct Term {
  std::uint32_t wire;
  Fr coeff;
};
using LinearCombination = std::vector<Term>;

// <lc, w>. Precondition: every wire < w.size().
Fr Evaluate(const LinearCombination& lc, const std::vector<Fr>& w);

struct ProvingKey {
  std::uint32_t num_wires = 0;
  std::uint32_t num_public = 0;
  int domain_log = 0;
  G1Affine alpha1, beta1, delta1;
  G2Affine beta2, delta2;
  std::vector<G1Affine> a, b1;  // per wire
  std::vector<G2Affine> b2;     // per wire
  std::vector<G1Affine> c;      // per private wire (num_public + 1 ..)
  std::vector<G1Affine> h;      // n points
  std::vector<LinearCombination> a_rows, b_rows;  // the QAP rows, public rows included
  VerifyingKey vk;
};

// Reports progress of long steps: (what, done, total).
using Progress = std::function<void(const char*, std::size_t, std::size_t)>;

// A development CRS. Its secrets (tau, alpha, beta, gamma, delta) come from the OS random
// source, or from `seed` (32 bytes; tests and development keys), and are wiped before
// returning. Secrets from the OS are multiplied into the key in constant time
// (FixedBaseTable::MulConstTime); a seeded setup's are public through the seed and use the
// faster table lookups.
// The circuit must pass snark::CheckShape.
Status Setup(const snark::R1cs& r1cs, ProvingKey* pk, const std::uint8_t* seed = nullptr,
             const Progress& progress = nullptr);

// OK when pk was made for r1cs: the same wire counts and the same QAP rows (terms in any
// order). A key imported from a .zkey is checked this way against the circuit it is for.
Status CheckKeyMatchesCircuit(const ProvingKey& pk, const snark::R1cs& r1cs);

// Proves with fresh randomness r, s from the OS (or from `seed`, tests only). Products with r
// and s are constant time; the witness MSMs are variable time in the witness values, as in
// every Groth16 prover we know of (snarkjs, rapidsnark, gnark): prove on a machine you trust. The witness must
// satisfy the R1CS the key was made for (check with snark::CheckWitness first when unsure: a
// wrong witness gives a proof that does not verify).
// `progress`, when given, hears ("prove", stages done, 7) after each stage (the QAP, the five
// MSMs, the randomisation).
Status Prove(const ProvingKey& pk, const std::vector<Fr>& witness, Proof* proof,
             const std::uint8_t* seed = nullptr, const Progress& progress = nullptr);

}  // namespace depinfer::snark::groth16
