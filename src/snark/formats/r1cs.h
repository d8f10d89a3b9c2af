// circom's .r1cs constraint files: reader and writer.
//
// Format (iden3/r1csfile, src/r1csfile.js, and circom's r1cs writer; binfile container with magic
// "r1cs", version 1; integers little-endian, field elements 32 bytes little-endian in plain form,
// NOT Montgomery form):
//   section 1, header:       n8 u32 (32), prime (n8 bytes), nWires u32, nPubOut u32, nPubIn u32,
//                            nPrvIn u32, nLabels u64, nConstraints u32
//   section 2, constraints:  nConstraints times A, B, C, each a linear combination
//                            nTerms u32, then nTerms times (wireId u32, coefficient n8 bytes)
//   section 3, wire to label: nWires times label id u64
//   sections 4, 5:           PLONK custom gates (circuits with `pragma custom_templates`);
//                            rejected here, since Groth16 cannot use them.
// Wire 0 is the constant 1; then the public outputs, the public inputs, the private inputs, and
// the internal wires: the order a witness (.wtns) follows.
//
// Each constraint states <A, w> * <B, w> = <C, w> for the witness w.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "snark/formats/binfile.h"

namespace depinfer::snark::formats {

struct R1csTerm {
  std::uint32_t wire = 0;
  Fr coeff;
  friend bool operator==(const R1csTerm&, const R1csTerm&) = default;
};

// A sparse row: the terms in file order (circom writes them sorted by wire; we neither require
// nor change that).
using R1csRow = std::vector<R1csTerm>;

struct R1csConstraint {
  R1csRow a, b, c;
  friend bool operator==(const R1csConstraint&, const R1csConstraint&) = default;
};

struct R1cs {
  // Always BN254's scalar field modulus r after a successful parse (other primes are rejected).
  math::BigInt<4> prime = Fr::kModulus;
  std::uint32_t n_wires = 0;    // including wire 0, the constant 1
  std::uint32_t n_pub_out = 0;  // public outputs
  std::uint32_t n_pub_in = 0;   // public inputs
  std::uint32_t n_prv_in = 0;   // private inputs
  std::uint64_t n_labels = 0;   // signals in the source circuit, before optimisation
  std::vector<R1csConstraint> constraints;
  // wire_to_label[i] is the label (signal id in circom's .sym file) of wire i; n_wires entries.
  std::vector<std::uint64_t> wire_to_label;

  // Public values other than the constant: n_pub_out + n_pub_in (snarkjs's nPublic).
  std::uint32_t n_public() const { return n_pub_out + n_pub_in; }
  friend bool operator==(const R1cs&, const R1cs&) = default;
};

// Parses a whole .r1cs file. Checks the container (binfile.h), the prime (must be BN254's r),
// the counts (1 + outputs + inputs <= wires), every wire id (< nWires), every coefficient
// (canonical, < r), every label (< nLabels), and that each section is exactly consumed.
Status ParseR1cs(std::span<const std::uint8_t> file, R1cs* out);

// Serialises `r1cs` byte for byte as circom 2 does (sections in circom's order: constraints,
// header, wire-to-label map). Fails, writing nothing,
// when the struct is inconsistent (a wire id out of range, a map of the wrong length, counts
// that do not fit in nWires).
Status WriteR1cs(const R1cs& r1cs, std::vector<std::uint8_t>* out);

// Whether `witness` (wire 0 first) satisfies every constraint; on failure *failed (if not
// null) is the index of the first failing constraint. False when the witness has the wrong
// length.
bool R1csIsSatisfied(const R1cs& r1cs, std::span<const Fr> witness, std::size_t* failed = nullptr);

// Reads and parses a file; errors are prefixed with the path.
Status ReadR1csFile(const std::string& path, R1cs* out);
Status WriteR1csFile(const std::string& path, const R1cs& r1cs);

}  // namespace depinfer::snark::formats
