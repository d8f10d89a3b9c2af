// .wtns witness files (circom's witness calculator, `snarkjs wtns calculate`): reader and writer.
//
// Format (snarkjs src/wtns_utils.js; binfile container with magic "wtns", version 2):
//   section 1, header:  n8 u32 (32), prime (n8 bytes, little-endian), nWitness u32
//   section 2, values:  nWitness field elements, n8 bytes each, little-endian, plain form (NOT
//                       Montgomery form)
// The values are the full assignment in wire order (wire 0 = 1, then outputs, public inputs,
// private inputs, internal wires), as the matching .r1cs numbers them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "snark/formats/binfile.h"

namespace depinfer::snark::formats {

// Parses a whole .wtns file: the prime must be BN254's r, section 2 exactly nWitness * 32 bytes,
// every value canonical (< r).
Status ParseWtns(std::span<const std::uint8_t> file, std::vector<Fr>* out);

// Serialises a witness as snarkjs writes it.
Status WriteWtns(std::span<const Fr> witness, std::vector<std::uint8_t>* out);

// Reads and parses a file; errors are prefixed with the path.
Status ReadWtnsFile(const std::string& path, std::vector<Fr>* out);
Status WriteWtnsFile(const std::string& path, std::span<const Fr> witness);

}  // namespace depinfer::snark::formats
