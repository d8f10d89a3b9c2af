// A rank-1 constraint system in the wire order circom and snarkjs use: wire 0 is the constant
// 1, wires 1..num_public are the public inputs (outputs first, as circom numbers them), and the
// rest are private. Constraint k says <A_k, w> * <B_k, w> = <C_k, w>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"
#include "snark/formats/r1cs.h"
#include "snark/r1cs.h"

namespace depinfer::snark::groth16 {

using math::bn254::Fr;

struct Term {
  std::uint32_t wire;
  Fr coeff;
};
using LinearCombination = std::vector<Term>;

struct R1cs {
  std::uint32_t num_wires = 1;   // including the constant wire 0
  std::uint32_t num_public = 0;  // public inputs, wires 1..num_public
  std::vector<LinearCombination> a, b, c;

  std::size_t num_constraints() const { return a.size(); }

  // Structural checks: equal row counts, wire indices in range, num_public < num_wires.
  Status Validate() const;
  // <A_k,w><B_k,w> = <C_k,w> for every k; the message names the first failing constraint.
  Status IsSatisfied(const std::vector<Fr>& witness) const;
};

// The constraint system a circuit built with snark/constraint_system.h produces (same wire
// order).
R1cs FromCircuit(const snark::R1cs& circuit);

// The same circuit as circom's .r1cs (snark/formats/r1cs.h), for snarkjs ceremonies and tools.
// Wires carry no labels from a source file: wire i gets label i.
formats::R1cs ToCircomR1cs(const snark::R1cs& circuit);

// A circom .r1cs as our constraint system (public outputs then public inputs are the public
// wires, as snarkjs counts them). Checks the wire indices (R1cs::Validate).
Status FromCircom(const formats::R1cs& circom, R1cs* out);

// <lc, w>
Fr Evaluate(const LinearCombination& lc, const std::vector<Fr>& w);

}  // namespace depinfer::snark::groth16
