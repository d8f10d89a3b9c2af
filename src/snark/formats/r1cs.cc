#include "snark/formats/r1cs.h"

#include <string>

namespace depinfer::snark::formats {
namespace {

constexpr std::uint32_t kHeader = 1;
constexpr std::uint32_t kConstraints = 2;
constexpr std::uint32_t kWireToLabel = 3;
constexpr std::uint32_t kCustomGatesList = 4;
constexpr std::uint32_t kCustomGatesUses = 5;

constexpr SectionSpec kSpecs[] = {
    {kHeader, true, "header"},
    {kConstraints, true, "constraints"},
    {kWireToLabel, true, "wire-to-label map"},
    {kCustomGatesList, false, "custom gates list"},
    {kCustomGatesUses, false, "custom gates uses"},
};

// The smallest encoding of one term: wire id and coefficient.
constexpr std::size_t kTermBytes = 4 + kFieldBytes;

Status ReadRow(SectionReader& r, std::uint32_t n_wires, R1csRow* row) {
  std::uint32_t n_terms = 0;
  DEPINFER_RETURN_IF_ERROR(r.U32(&n_terms));
  // Bound the allocation by what the section can hold before trusting the count.
  if (n_terms > r.remaining() / kTermBytes) {
    return r.Error("linear combination claims " + std::to_string(n_terms) + " terms but only " +
                   std::to_string(r.remaining()) + " bytes remain");
  }
  R1csRow terms(n_terms);
  for (auto& t : terms) {
    DEPINFER_RETURN_IF_ERROR(r.U32(&t.wire));
    if (t.wire >= n_wires) {
      return r.Error("wire id " + std::to_string(t.wire) + " is out of range (nWires = " +
                     std::to_string(n_wires) + ")");
    }
    DEPINFER_RETURN_IF_ERROR(r.FrPlain(&t.coeff));
  }
  *row = std::move(terms);
  return Status::Ok();
}

Status CheckCounts(std::uint32_t n_wires, std::uint32_t n_pub_out, std::uint32_t n_pub_in,
                   std::uint32_t n_prv_in) {
  std::uint64_t needed = 1 + std::uint64_t{n_pub_out} + n_pub_in + n_prv_in;
  if (needed > n_wires) {
    return Status::Corruption("1 + outputs + public inputs + private inputs = " +
                              std::to_string(needed) + " exceeds nWires = " +
                              std::to_string(n_wires));
  }
  return Status::Ok();
}

void WriteRow(BinWriter& w, const R1csRow& row) {
  w.U32(static_cast<std::uint32_t>(row.size()));
  for (const auto& t : row) {
    w.U32(t.wire);
    w.FrPlain(t.coeff);
  }
}

Fr Eval(const R1csRow& row, std::span<const Fr> w) {
  Fr acc;
  for (const auto& t : row) acc += t.coeff * w[t.wire];
  return acc;
}

}  // namespace

Status ParseR1cs(std::span<const std::uint8_t> file, R1cs* out) {
  BinFile bf;
  DEPINFER_RETURN_IF_ERROR(BinFile::Parse(file, "r1cs", "r1cs", 1, kSpecs, &bf));
  if (bf.Has(kCustomGatesList) || bf.Has(kCustomGatesUses)) {
    return Status::InvalidArgument(
        "r1cs: the file uses PLONK custom gates (sections 4/5), which Groth16 cannot prove");
  }
  R1cs r1cs;

  SectionReader h(bf.Section(kHeader), "r1cs header");
  DEPINFER_RETURN_IF_ERROR(h.Prime(Fr::kModulus, "BN254's scalar field r"));
  std::uint32_t n_constraints = 0;
  DEPINFER_RETURN_IF_ERROR(h.U32(&r1cs.n_wires));
  DEPINFER_RETURN_IF_ERROR(h.U32(&r1cs.n_pub_out));
  DEPINFER_RETURN_IF_ERROR(h.U32(&r1cs.n_pub_in));
  DEPINFER_RETURN_IF_ERROR(h.U32(&r1cs.n_prv_in));
  DEPINFER_RETURN_IF_ERROR(h.U64(&r1cs.n_labels));
  DEPINFER_RETURN_IF_ERROR(h.U32(&n_constraints));
  DEPINFER_RETURN_IF_ERROR(h.ExpectEnd());
  DEPINFER_RETURN_IF_ERROR(
      CheckCounts(r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in).WithContext("r1cs header"));

  SectionReader c(bf.Section(kConstraints), "r1cs constraints");
  // Each constraint takes at least three term counts.
  if (n_constraints > c.remaining() / 12) {
    return Status::Corruption("r1cs constraints: the header claims " + std::to_string(n_constraints) +
                              " constraints but the section has only " +
                              std::to_string(c.remaining()) + " bytes");
  }
  r1cs.constraints.resize(n_constraints);
  for (std::uint32_t i = 0; i < n_constraints; ++i) {
    auto& k = r1cs.constraints[i];
    Status st = ReadRow(c, r1cs.n_wires, &k.a);
    if (st.ok()) st = ReadRow(c, r1cs.n_wires, &k.b);
    if (st.ok()) st = ReadRow(c, r1cs.n_wires, &k.c);
    if (!st.ok()) return st.WithContext("constraint " + std::to_string(i));
  }
  DEPINFER_RETURN_IF_ERROR(c.ExpectEnd());

  SectionReader m(bf.Section(kWireToLabel), "r1cs wire-to-label map");
  if (m.remaining() != std::uint64_t{r1cs.n_wires} * 8) {
    return Status::Corruption("r1cs wire-to-label map: section is " + std::to_string(m.remaining()) +
                              " bytes, expected 8 * nWires = " +
                              std::to_string(std::uint64_t{r1cs.n_wires} * 8));
  }
  r1cs.wire_to_label.resize(r1cs.n_wires);
  for (auto& label : r1cs.wire_to_label) {
    DEPINFER_RETURN_IF_ERROR(m.U64(&label));
    if (label >= r1cs.n_labels) {
      return m.Error("label " + std::to_string(label) + " is out of range (nLabels = " +
                     std::to_string(r1cs.n_labels) + ")");
    }
  }
  *out = std::move(r1cs);
  return Status::Ok();
}

Status WriteR1cs(const R1cs& r1cs, std::vector<std::uint8_t>* out) {
  if (!(r1cs.prime == Fr::kModulus)) {
    return Status::InvalidArgument("r1cs: only BN254's scalar field r can be written");
  }
  DEPINFER_RETURN_IF_ERROR(
      CheckCounts(r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in).WithContext("r1cs"));
  if (r1cs.constraints.size() > UINT32_MAX) {
    return Status::InvalidArgument("r1cs: more than 2^32 - 1 constraints");
  }
  if (r1cs.wire_to_label.size() != r1cs.n_wires) {
    return Status::InvalidArgument("r1cs: the wire-to-label map has " +
                                   std::to_string(r1cs.wire_to_label.size()) +
                                   " entries, expected nWires = " + std::to_string(r1cs.n_wires));
  }
  for (std::uint64_t label : r1cs.wire_to_label) {
    if (label >= r1cs.n_labels) {
      return Status::InvalidArgument("r1cs: label " + std::to_string(label) +
                                     " is out of range (nLabels = " +
                                     std::to_string(r1cs.n_labels) + ")");
    }
  }
  for (std::size_t i = 0; i < r1cs.constraints.size(); ++i) {
    for (const R1csRow* row : {&r1cs.constraints[i].a, &r1cs.constraints[i].b, &r1cs.constraints[i].c}) {
      if (row->size() > UINT32_MAX) return Status::InvalidArgument("r1cs: a row is too long");
      for (const auto& t : *row) {
        if (t.wire >= r1cs.n_wires) {
          return Status::InvalidArgument("r1cs: constraint " + std::to_string(i) + " uses wire " +
                                         std::to_string(t.wire) + " >= nWires = " +
                                         std::to_string(r1cs.n_wires));
        }
      }
    }
  }

  BinWriter w("r1cs", 1);
  // circom's order: constraints, header, map (readers look sections up by type).
  w.BeginSection(kConstraints);
  for (const auto& k : r1cs.constraints) {
    WriteRow(w, k.a);
    WriteRow(w, k.b);
    WriteRow(w, k.c);
  }
  w.EndSection();
  w.BeginSection(kHeader);
  w.Prime(Fr::kModulus);
  w.U32(r1cs.n_wires);
  w.U32(r1cs.n_pub_out);
  w.U32(r1cs.n_pub_in);
  w.U32(r1cs.n_prv_in);
  w.U64(r1cs.n_labels);
  w.U32(static_cast<std::uint32_t>(r1cs.constraints.size()));
  w.EndSection();
  w.BeginSection(kWireToLabel);
  for (std::uint64_t label : r1cs.wire_to_label) w.U64(label);
  w.EndSection();
  *out = w.Finish();
  return Status::Ok();
}

bool R1csIsSatisfied(const R1cs& r1cs, std::span<const Fr> witness, std::size_t* failed) {
  if (witness.size() != r1cs.n_wires) {
    if (failed) *failed = 0;
    return false;
  }
  for (std::size_t i = 0; i < r1cs.constraints.size(); ++i) {
    const auto& k = r1cs.constraints[i];
    if (Eval(k.a, witness) * Eval(k.b, witness) != Eval(k.c, witness)) {
      if (failed) *failed = i;
      return false;
    }
  }
  return true;
}

Status ReadR1csFile(const std::string& path, R1cs* out) {
  std::vector<std::uint8_t> bytes;
  DEPINFER_RETURN_IF_ERROR(ReadFileBytes(path, &bytes));
  return ParseR1cs(bytes, out).WithContext(path);
}

Status WriteR1csFile(const std::string& path, const R1cs& r1cs) {
  std::vector<std::uint8_t> bytes;
  DEPINFER_RETURN_IF_ERROR(WriteR1cs(r1cs, &bytes));
  return WriteFileBytes(path, bytes);
}

}  // namespace depinfer::snark::formats
