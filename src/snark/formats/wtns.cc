#include "snark/formats/wtns.h"

#include <string>

namespace depinfer::snark::formats {
namespace {

constexpr std::uint32_t kHeader = 1;
constexpr std::uint32_t kValues = 2;
constexpr SectionSpec kSpecs[] = {
    {kHeader, true, "header"},
    {kValues, true, "values"},
};

}  // namespace

Status ParseWtns(std::span<const std::uint8_t> file, std::vector<Fr>* out) {
  BinFile bf;
  DEPINFER_RETURN_IF_ERROR(BinFile::Parse(file, "wtns", "wtns", 2, kSpecs, &bf));
  SectionReader h(bf.Section(kHeader), "wtns header");
  DEPINFER_RETURN_IF_ERROR(h.Prime(Fr::kModulus, "BN254's scalar field r"));
  std::uint32_t n = 0;
  DEPINFER_RETURN_IF_ERROR(h.U32(&n));
  DEPINFER_RETURN_IF_ERROR(h.ExpectEnd());

  SectionReader v(bf.Section(kValues), "wtns values");
  if (v.remaining() != std::uint64_t{n} * kFieldBytes) {
    return Status::Corruption("wtns values: section is " + std::to_string(v.remaining()) +
                              " bytes, expected 32 * nWitness = " +
                              std::to_string(std::uint64_t{n} * kFieldBytes));
  }
  std::vector<Fr> values(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    DEPINFER_RETURN_IF_ERROR(v.FrPlain(&values[i]).WithContext("witness " + std::to_string(i)));
  }
  *out = std::move(values);
  return Status::Ok();
}

Status WriteWtns(std::span<const Fr> witness, std::vector<std::uint8_t>* out) {
  if (witness.size() > UINT32_MAX) return Status::InvalidArgument("wtns: more than 2^32 - 1 values");
  BinWriter w("wtns", 2);
  w.BeginSection(kHeader);
  w.Prime(Fr::kModulus);
  w.U32(static_cast<std::uint32_t>(witness.size()));
  w.EndSection();
  w.BeginSection(kValues);
  for (const Fr& x : witness) w.FrPlain(x);
  w.EndSection();
  *out = w.Finish();
  return Status::Ok();
}

Status ReadWtnsFile(const std::string& path, std::vector<Fr>* out) {
  std::vector<std::uint8_t> bytes;
  DEPINFER_RETURN_IF_ERROR(ReadFileBytes(path, &bytes));
  return ParseWtns(bytes, out).WithContext(path);
}

Status WriteWtnsFile(const std::string& path, std::span<const Fr> witness) {
  std::vector<std::uint8_t> bytes;
  DEPINFER_RETURN_IF_ERROR(WriteWtns(witness, &bytes));
  return WriteFileBytes(path, bytes);
}

}  // namespace depinfer::snark::formats
