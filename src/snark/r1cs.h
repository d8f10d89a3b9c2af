// R1cs: a finished rank-1 constraint system as sparse matrices over wire indices, the form a
// Groth16 prover, a .r1cs writer or an importer works with.
//
// Constraint i holds when (A_i . w) * (B_i . w) = (C_i . w) for the witness vector w in
// circom's wire order: w[0] = 1, w[1 .. num_public] the public wires (outputs, then inputs),
// then the private inputs, then the internal wires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::snark {

using math::bn254::Fr;

// Compressed sparse rows: row i's entries are [row_start[i], row_start[i + 1]) of column
// and value, columns strictly ascending within a row, no zero values.
struct SparseMatrix {
  std::vector<std::size_t> row_start{0};
  std::vector<std::uint32_t> column;
  std::vector<Fr> value;

  std::size_t rows() const { return row_start.size() - 1; }
  std::size_t nonzeros() const { return column.size(); }
  // Row i times w. Precondition: every column < w.size().
  Fr RowDot(std::size_t i, std::span<const Fr> w) const;
  // Appends a row given as (column, value) terms in any order: terms on one column are added
  // together and zero values dropped, so the row is in the canonical form above.
  void AppendRow(std::vector<std::pair<std::uint32_t, Fr>> terms);
};

struct R1cs {
  std::size_t num_wires = 1;           // the constant 1 included
  std::size_t num_public_outputs = 0;  // wires 1 .. num_public_outputs
  std::size_t num_public_inputs = 0;   // the next num_public_inputs wires
  std::size_t num_private_inputs = 0;  // then these; the rest are internal
  SparseMatrix a, b, c;

  std::size_t num_constraints() const { return a.rows(); }
  std::size_t num_public() const { return num_public_outputs + num_public_inputs; }
};

// OK when the matrices are well formed: as many rows each, row_start consistent with the
// entries, columns strictly ascending within a row and below num_wires, no zero values, and
// the public and private input counts within num_wires. What comes from a file is checked
// with this before anything uses it.
Status CheckShape(const R1cs& r1cs);

// OK when w has num_wires entries, w[0] = 1 and every constraint holds; otherwise an error
// naming the first failing constraint (also written to *first_failure when given).
Status CheckWitness(const R1cs& r1cs, std::span<const Fr> w, std::size_t* first_failure = nullptr);

}  // namespace depinfer::snark
