#include "snark/r1cs.h"

#include <algorithm>
#include <string>

namespace depinfer::snark {

Fr SparseMatrix::RowDot(std::size_t i, std::span<const Fr> w) const {
  Fr acc;
  for (std::size_t k = row_start[i]; k < row_start[i + 1]; ++k) acc += value[k] * w[column[k]];
  return acc;
}

void SparseMatrix::AppendRow(std::vector<std::pair<std::uint32_t, Fr>> terms) {
  std::stable_sort(terms.begin(), terms.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (std::size_t i = 0; i < terms.size();) {
    Fr sum = terms[i].second;
    std::size_t j = i + 1;
    for (; j < terms.size() && terms[j].first == terms[i].first; ++j) sum += terms[j].second;
    if (!sum.IsZero()) {
      column.push_back(terms[i].first);
      value.push_back(sum);
    }
    i = j;
  }
  row_start.push_back(column.size());
}

Status CheckShape(const R1cs& r1cs) {
  const std::size_t inputs = r1cs.num_public_outputs + r1cs.num_public_inputs + r1cs.num_private_inputs;
  if (r1cs.num_wires == 0 || inputs >= r1cs.num_wires) {
    return Status::InvalidArgument("constraint system needs the constant wire and fewer inputs than wires");
  }
  const char* names[3] = {"A", "B", "C"};
  const SparseMatrix* ms[3] = {&r1cs.a, &r1cs.b, &r1cs.c};
  for (int m = 0; m < 3; ++m) {
    const SparseMatrix& x = *ms[m];
    const std::string what = std::string("constraint matrix ") + names[m];
    if (x.row_start.empty() || x.row_start.front() != 0 || x.row_start.back() != x.column.size() ||
        x.column.size() != x.value.size()) {
      return Status::InvalidArgument(what + " is malformed (row offsets do not match its entries)");
    }
    if (x.rows() != r1cs.a.rows()) {
      return Status::InvalidArgument("constraint matrices A, B and C have different row counts");
    }
    for (std::size_t i = 0; i < x.rows(); ++i) {
      if (x.row_start[i] > x.row_start[i + 1]) {
        return Status::InvalidArgument(what + " is malformed (row offsets decrease)");
      }
      for (std::size_t k = x.row_start[i]; k < x.row_start[i + 1]; ++k) {
        if (x.column[k] >= r1cs.num_wires) {
          return Status::InvalidArgument("constraint " + std::to_string(i) + " names wire " +
                                         std::to_string(x.column[k]) + " of " +
                                         std::to_string(r1cs.num_wires));
        }
        if (k > x.row_start[i] && x.column[k] <= x.column[k - 1]) {
          return Status::InvalidArgument(what + " row " + std::to_string(i) +
                                         " has columns out of order or repeated");
        }
        if (x.value[k].IsZero()) {
          return Status::InvalidArgument(what + " row " + std::to_string(i) + " stores a zero");
        }
      }
    }
  }
  return Status::Ok();
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
