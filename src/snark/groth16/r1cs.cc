#include "snark/groth16/r1cs.h"

namespace depinfer::snark::groth16 {

Fr Evaluate(const LinearCombination& lc, const std::vector<Fr>& w) {
  Fr acc = Fr::Zero();
  for (const Term& t : lc) acc += t.coeff * w[t.wire];
  return acc;
}

R1cs FromCircuit(const snark::R1cs& circuit) {
  R1cs out;
  out.num_wires = static_cast<std::uint32_t>(circuit.num_wires);
  out.num_public = static_cast<std::uint32_t>(circuit.num_public());
  auto rows = [](const snark::SparseMatrix& m, std::vector<LinearCombination>* dst) {
    dst->resize(m.rows());
    for (std::size_t i = 0; i < m.rows(); ++i) {
      for (std::size_t k = m.row_start[i]; k < m.row_start[i + 1]; ++k) {
        (*dst)[i].push_back(Term{m.column[k], m.value[k]});
      }
    }
  };
  rows(circuit.a, &out.a);
  rows(circuit.b, &out.b);
  rows(circuit.c, &out.c);
  return out;
}

formats::R1cs ToCircomR1cs(const snark::R1cs& circuit) {
  formats::R1cs out;
  out.n_wires = static_cast<std::uint32_t>(circuit.num_wires);
  out.n_pub_out = static_cast<std::uint32_t>(circuit.num_public_outputs);
  out.n_pub_in = static_cast<std::uint32_t>(circuit.num_public_inputs);
  out.n_prv_in = static_cast<std::uint32_t>(circuit.num_private_inputs);
  out.n_labels = circuit.num_wires;
  out.wire_to_label.resize(circuit.num_wires);
  for (std::size_t i = 0; i < circuit.num_wires; ++i) out.wire_to_label[i] = i;
  auto row = [](const snark::SparseMatrix& m, std::size_t i) {
    formats::R1csRow r;
    for (std::size_t k = m.row_start[i]; k < m.row_start[i + 1]; ++k) {
      r.push_back(formats::R1csTerm{m.column[k], m.value[k]});
    }
    return r;
  };
  out.constraints.resize(circuit.num_constraints());
  for (std::size_t i = 0; i < circuit.num_constraints(); ++i) {
    out.constraints[i] = {row(circuit.a, i), row(circuit.b, i), row(circuit.c, i)};
  }
  return out;
}

Status FromCircom(const formats::R1cs& circom, R1cs* out) {
  R1cs r;
  r.num_wires = circom.n_wires;
  r.num_public = circom.n_public();
  auto row = [](const formats::R1csRow& terms) {
    LinearCombination lc;
    lc.reserve(terms.size());
    for (const formats::R1csTerm& t : terms) lc.push_back(Term{t.wire, t.coeff});
    return lc;
  };
  const std::size_t m = circom.constraints.size();
  r.a.reserve(m);
  r.b.reserve(m);
  r.c.reserve(m);
  for (const formats::R1csConstraint& k : circom.constraints) {
    r.a.push_back(row(k.a));
    r.b.push_back(row(k.b));
    r.c.push_back(row(k.c));
  }
  DEPINFER_RETURN_IF_ERROR(r.Validate());
  *out = std::move(r);
  return Status::Ok();
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
