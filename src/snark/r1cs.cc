#include "snark/r1cs.h"

#include <string>

namespace depinfer::snark {

Fr SparseMatrix::RowDot(std::size_t i, std::span<const Fr> w) const {
  Fr acc;
  for (std::size_t k = row_start[i]; k < row_start[i + 1]; ++k) acc += value[k] * w[column[k]];
  return acc;
}

Status CheckWitness(const R1cs& r1cs, std::span<const Fr> w, std::size_t* first_failure) {
  if (w.size() != r1cs.num_wires) {
    return Status::InvalidArgument("witness has " + std::to_string(w.size()) +
                                   " values, the constraint system " +
                                   std::to_string(r1cs.num_wires) + " wires");
  }
  if (!w[0].IsOne()) return Status::InvalidArgument("witness value 0 must be 1");
  for (std::size_t i = 0; i < r1cs.num_constraints(); ++i) {
    if (r1cs.a.RowDot(i, w) * r1cs.b.RowDot(i, w) != r1cs.c.RowDot(i, w)) {
      if (first_failure != nullptr) *first_failure = i;
      return Status::InvalidArgument("constraint " + std::to_string(i) + " is not satisfied");
    }
  }
  return Status::Ok();
}

}  // namespace depinfer::snark
