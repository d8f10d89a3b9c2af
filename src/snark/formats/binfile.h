// The iden3 "binfile" container that circom's .r1cs, the witness calculator's .wtns and snarkjs's
// .zkey (and .ptau) files share, with bounds-checked readers and a writer.
//
// Layout (iden3/binfileutils, src/binfileutils.js; all integers little-endian):
//   magic       4 bytes ("r1cs", "wtns", "zkey")
//   version     u32
//   nSections   u32
//   nSections times:  type u32, size u64, then `size` bytes of section data
//
// The iden3 reader accepts sections in any order and reports a duplicate only when a section is
// read. We are stricter, because every byte is untrusted: the sections must tile the rest of the
// file exactly (no trailing bytes), every type must be one the format knows, none may appear
// twice, and every required one must be present. Each section is then read through a
// SectionReader, which fails cleanly on a read past its end and lets the caller insist that the
// whole section was consumed.
//
// Numbers in these files come in three encodings, all 32 bytes little-endian for BN254:
//   plain       the canonical integer (r1cs coefficients, wtns values, the primes in headers)
//   Montgomery  a*R mod p with R = 2^256 (snarkjs's "LEM": point coordinates in .zkey, over q)
//   zkey coef   a*R^2 mod r (.zkey section 4; see zkey.h)
// Every decoder here insists on canonical input: the stored integer must be below its modulus.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::snark::formats {

using math::bn254::Fp;
using math::bn254::Fp2;
using math::bn254::Fr;
using math::bn254::G1Affine;
using math::bn254::G2Affine;

// BN254 field elements are 32 bytes in every iden3 file ("n8" in the headers).
inline constexpr std::uint32_t kFieldBytes = 32;
inline constexpr std::size_t kG1Bytes = 2 * kFieldBytes;  // x, y (Montgomery, zkey)
inline constexpr std::size_t kG2Bytes = 4 * kFieldBytes;  // x.c0, x.c1, y.c0, y.c1 (zkey)
// No iden3 format has more than a dozen section types; a larger count is corruption, and the
// bound keeps the section table small whatever the file says.
inline constexpr std::uint32_t kMaxSections = 64;

struct SectionSpec {
  std::uint32_t type;
  bool required;
  const char* name;  // for error messages ("header", "constraints", ...)
};

// A container whose header and section table have been checked.
class BinFile {
 public:
  // Parses `file`, which must outlive the BinFile (sections are views into it). `kind` names the
  // format in messages ("r1cs"); `magic` is its four-byte tag and `version` the only version
  // accepted. `specs` lists every section type the format allows.
  static Status Parse(std::span<const std::uint8_t> file, std::string_view kind,
                      std::string_view magic, std::uint32_t version,
                      std::span<const SectionSpec> specs, BinFile* out);

  bool Has(std::uint32_t type) const;
  // The data of section `type`; empty if absent.
  std::span<const std::uint8_t> Section(std::uint32_t type) const;
  // Section types in file order.
  const std::vector<std::uint32_t>& order() const { return order_; }

 private:
  struct Entry {
    std::uint32_t type;
    std::span<const std::uint8_t> data;
  };
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> order_;
};

// Bounds-checked little-endian reads over one section. Every failure names the section and the
// offset, e.g. "r1cs constraints: truncated: needs 32 bytes at offset 108, 4 left".
class SectionReader {
 public:
  SectionReader(std::span<const std::uint8_t> data, std::string context)
      : data_(data), context_(std::move(context)) {}

  Status U32(std::uint32_t* v);
  Status U64(std::uint64_t* v);
  Status Bytes(std::size_t n, std::span<const std::uint8_t>* out);
  // Reads `n8` (u32, must be 32) and a prime that must equal `modulus` (plain form).
  Status Prime(const math::BigInt<4>& modulus, const char* expected_name);
  // A canonical element of Fr in plain form.
  Status FrPlain(Fr* out);
  // A canonical element in snarkjs's zkey coefficient form a*R^2 mod r (see zkey.h).
  Status FrZkeyCoef(Fr* out);
  // Points in snarkjs's Montgomery form (all-zero bytes: the point at infinity), validated: on
  // the curve, and G2 in the prime-order subgroup.
  Status G1Mont(G1Affine* out);
  Status G2Mont(G2Affine* out);
  // G2Mont without the subgroup test, for callers that run it on many points at once
  // (math::bn254::IsInG2SubgroupBatchVartime).
  Status G2MontOnCurve(G2Affine* out);

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  // Fails unless every byte of the section has been read.
  Status ExpectEnd() const;
  // A Corruption status with this reader's context and offset.
  Status Error(const std::string& what) const;

 private:
  Status FpMont(Fp* out);
  Status G2MontImpl(G2Affine* out, bool subgroup_check);
  std::span<const std::uint8_t> data_;
  std::string context_;
  std::size_t pos_ = 0;
};

// Builds a container. Sections are written in the order they are begun; the count in the file
// header is patched when Finish() is called.
class BinWriter {
 public:
  BinWriter(std::string_view magic, std::uint32_t version);
  void BeginSection(std::uint32_t type);
  void EndSection();
  void U32(std::uint32_t v);
  void U64(std::uint64_t v);
  void Bytes(std::span<const std::uint8_t> b);
  void FrPlain(const Fr& v);
  void Prime(const math::BigInt<4>& modulus);  // n8 = 32, then the prime
  // The inverses of SectionReader's readers of the same names.
  void FrZkeyCoef(const Fr& v);
  void G1Mont(const G1Affine& p);
  void G2Mont(const G2Affine& p);
  // Bytes written so far (the whole file once Finish() has patched the section count).
  std::size_t size() const { return out_.size(); }
  void Reserve(std::size_t bytes) { out_.reserve(bytes); }
  std::vector<std::uint8_t> Finish();

 private:
  std::vector<std::uint8_t> out_;
  std::size_t section_size_at_ = 0;
  bool in_section_ = false;
  std::uint32_t n_sections_ = 0;
};

// 32 little-endian bytes <-> BigInt<4>.
math::BigInt<4> LoadLE(const std::uint8_t* p);
void StoreLE(const math::BigInt<4>& v, std::uint8_t* p);

// Reads a whole file into memory, refusing files larger than max_bytes.
Status ReadFileBytes(const std::string& path, std::vector<std::uint8_t>* out,
                     std::uint64_t max_bytes = std::uint64_t{1} << 34);
Status WriteFileBytes(const std::string& path, std::span<const std::uint8_t> data);

}  // namespace depinfer::snark::formats
