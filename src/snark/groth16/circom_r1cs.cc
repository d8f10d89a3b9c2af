#include "snark/groth16/circom_r1cs.h"

#include <utility>
#include <vector>

namespace depinfer::snark::groth16 {

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

Status FromCircom(const formats::R1cs& circom, snark::R1cs* out) {
  snark::R1cs r;
  r.num_wires = circom.n_wires;
  r.num_public_outputs = circom.n_pub_out;
  r.num_public_inputs = circom.n_pub_in;
  r.num_private_inputs = circom.n_prv_in;
  auto append = [](const formats::R1csRow& terms, snark::SparseMatrix* m) {
    std::vector<std::pair<std::uint32_t, Fr>> row;
    row.reserve(terms.size());
    for (const formats::R1csTerm& t : terms) row.emplace_back(t.wire, t.coeff);
    m->AppendRow(std::move(row));
  };
  for (const formats::R1csConstraint& k : circom.constraints) {
    append(k.a, &r.a);
    append(k.b, &r.b);
    append(k.c, &r.c);
  }
  DEPINFER_RETURN_IF_ERROR(CheckShape(r));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace depinfer::snark::groth16
