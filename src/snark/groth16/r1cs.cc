#include "snark/groth16/r1cs.h"

namespace depinfer::snark::groth16 {

Fr Evaluate(const LinearCombination& lc, const std::vector<Fr>& w) {
  Fr acc = Fr::Zero();
  for (const Term& t : lc) acc += t.coeff * w[t.wire];
  return acc;
}

Status R1cs::Validate() const {
  if (num_wires == 0 || num_public >= num_wires) {
    return Status::InvalidArgument("R1CS needs the constant wire and fewer public inputs than wires");
  }
  if (a.size() != b.size() || a.size() != c.size()) {
    return Status::InvalidArgument("R1CS matrices A, B and C have different row counts");
  }
  for (const auto* m : {&a, &b, &c}) {
    for (std::size_t k = 0; k < m->size(); ++k) {
      for (const Term& t : (*m)[k]) {
        if (t.wire >= num_wires) {
          return Status::InvalidArgument("R1CS constraint " + std::to_string(k) + " names wire " +
                                         std::to_string(t.wire) + " of " + std::to_string(num_wires));
        }
      }
    }
  }
  return Status::Ok();
}

Status R1cs::IsSatisfied(const std::vector<Fr>& w) const {
  if (w.size() != num_wires) {
    return Status::InvalidArgument("witness has " + std::to_string(w.size()) + " values, the R1CS " +
                                   std::to_string(num_wires) + " wires");
  }
  if (!w[0].IsOne()) return Status::InvalidArgument("witness wire 0 must be 1");
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (Evaluate(a[k], w) * Evaluate(b[k], w) != Evaluate(c[k], w)) {
      return Status::InvalidArgument("constraint " + std::to_string(k) + " is not satisfied");
    }
  }
  return Status::Ok();
}

}  // namespace depinfer::snark::groth16
