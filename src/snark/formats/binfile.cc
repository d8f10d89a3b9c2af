#include "snark/formats/binfile.h"

#include <cstdio>
#include <cstring>
#include <memory>

#include "math/encoding.h"

namespace depinfer::snark::formats {

using math::BigInt;

BigInt<4> LoadLE(const std::uint8_t* p) {
  BigInt<4> v;
  for (std::size_t i = 0; i < 4; ++i) {
    math::u64 limb = 0;
    for (std::size_t j = 0; j < 8; ++j) limb |= static_cast<math::u64>(p[8 * i + j]) << (8 * j);
    v.limb[i] = limb;
  }
  return v;
}

void StoreLE(const BigInt<4>& v, std::uint8_t* p) {
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 8; ++j) p[8 * i + j] = static_cast<std::uint8_t>(v.limb[i] >> (8 * j));
  }
}

namespace {

std::uint32_t Le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::uint64_t Le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(Le32(p)) | static_cast<std::uint64_t>(Le32(p + 4)) << 32;
}

std::string Printable(std::span<const std::uint8_t> b) {
  std::string s;
  for (std::uint8_t c : b) {
    if (c >= 0x20 && c < 0x7f) {
      s.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      s += "\\x";
      s.push_back(kHex[c >> 4]);
      s.push_back(kHex[c & 15]);
    }
  }
  return s;
}

}  // namespace

Status BinFile::Parse(std::span<const std::uint8_t> file, std::string_view kind,
                      std::string_view magic, std::uint32_t version,
                      std::span<const SectionSpec> specs, BinFile* out) {
  const std::string k(kind);
  if (file.size() < 12) {
    return Status::Corruption(k + ": truncated: " + std::to_string(file.size()) +
                              " bytes, shorter than the 12-byte file header");
  }
  if (std::memcmp(file.data(), magic.data(), 4) != 0) {
    return Status::Corruption(k + ": wrong magic \"" + Printable(file.first(4)) + "\", expected \"" +
                              std::string(magic) + "\"");
  }
  std::uint32_t got_version = Le32(file.data() + 4);
  if (got_version != version) {
    return Status::InvalidArgument(k + ": unsupported version " + std::to_string(got_version) +
                                   ", expected " + std::to_string(version));
  }
  std::uint32_t n_sections = Le32(file.data() + 8);
  if (n_sections > kMaxSections) {
    return Status::Corruption(k + ": implausible section count " + std::to_string(n_sections));
  }
  BinFile f;
  std::size_t pos = 12;
  for (std::uint32_t i = 0; i < n_sections; ++i) {
    if (file.size() - pos < 12) {
      return Status::Corruption(k + ": truncated: section header " + std::to_string(i) + " of " +
                                std::to_string(n_sections) + " at offset " + std::to_string(pos) +
                                " needs 12 bytes, " + std::to_string(file.size() - pos) + " left");
    }
    std::uint32_t type = Le32(file.data() + pos);
    std::uint64_t size = Le64(file.data() + pos + 4);
    pos += 12;
    const SectionSpec* spec = nullptr;
    for (const auto& s : specs) {
      if (s.type == type) spec = &s;
    }
    if (spec == nullptr) {
      return Status::Corruption(k + ": unknown section type " + std::to_string(type) +
                                " at offset " + std::to_string(pos - 12));
    }
    if (f.Has(type)) {
      return Status::Corruption(k + ": duplicate section " + std::to_string(type) + " (" +
                                spec->name + ")");
    }
    if (size > file.size() - pos) {
      return Status::Corruption(k + ": section " + std::to_string(type) + " (" + spec->name +
                                ") claims " + std::to_string(size) + " bytes at offset " +
                                std::to_string(pos) + " but only " +
                                std::to_string(file.size() - pos) + " remain in the file");
    }
    f.entries_.push_back({type, file.subspan(pos, static_cast<std::size_t>(size))});
    f.order_.push_back(type);
    pos += static_cast<std::size_t>(size);
  }
  if (pos != file.size()) {
    return Status::Corruption(k + ": " + std::to_string(file.size() - pos) +
                              " trailing bytes after the last section (section sizes do not add "
                              "up to the file size)");
  }
  for (const auto& s : specs) {
    if (s.required && !f.Has(s.type)) {
      return Status::Corruption(k + ": missing section " + std::to_string(s.type) + " (" + s.name +
                                ")");
    }
  }
  *out = std::move(f);
  return Status::Ok();
}

bool BinFile::Has(std::uint32_t type) const {
  for (const auto& e : entries_) {
    if (e.type == type) return true;
  }
  return false;
}

std::span<const std::uint8_t> BinFile::Section(std::uint32_t type) const {
  for (const auto& e : entries_) {
    if (e.type == type) return e.data;
  }
  return {};
}

// --- SectionReader ------------------------------------------------------------------------

Status SectionReader::Error(const std::string& what) const {
  return Status::Corruption(context_ + ": " + what + " (at offset " + std::to_string(pos_) + ")");
}

Status SectionReader::Bytes(std::size_t n, std::span<const std::uint8_t>* out) {
  if (n > remaining()) {
    return Status::Corruption(context_ + ": truncated: needs " + std::to_string(n) +
                              " bytes at offset " + std::to_string(pos_) + ", " +
                              std::to_string(remaining()) + " left");
  }
  *out = data_.subspan(pos_, n);
  pos_ += n;
  return Status::Ok();
}

Status SectionReader::U32(std::uint32_t* v) {
  std::span<const std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(Bytes(4, &b));
  *v = Le32(b.data());
  return Status::Ok();
}

Status SectionReader::U64(std::uint64_t* v) {
  std::span<const std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(Bytes(8, &b));
  *v = Le64(b.data());
  return Status::Ok();
}

Status SectionReader::Prime(const BigInt<4>& modulus, const char* expected_name) {
  std::uint32_t n8 = 0;
  DEPINFER_RETURN_IF_ERROR(U32(&n8));
  if (n8 != kFieldBytes) {
    return Status::InvalidArgument(context_ + ": field element size is " + std::to_string(n8) +
                                   " bytes; only " + expected_name + " (32 bytes) is supported");
  }
  std::span<const std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(Bytes(kFieldBytes, &b));
  BigInt<4> p = LoadLE(b.data());
  if (!(p == modulus)) {
    return Status::InvalidArgument(context_ + ": the file's prime " + p.ToDecimal() + " is not " +
                                   expected_name + " (" + modulus.ToDecimal() +
                                   "); another curve's files are not supported");
  }
  return Status::Ok();
}

Status SectionReader::FrPlain(Fr* out) {
  std::size_t at = pos_;
  std::span<const std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(Bytes(kFieldBytes, &b));
  BigInt<4> v = LoadLE(b.data());
  if (!(v < Fr::kModulus)) {
    pos_ = at;
    return Error("field element is not canonical (not below r)");
  }
  *out = Fr::FromCanonical(v);
  return Status::Ok();
}

Status SectionReader::FrZkeyCoef(Fr* out) {
  std::size_t at = pos_;
  std::span<const std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(Bytes(kFieldBytes, &b));
  BigInt<4> s = LoadLE(b.data());
  if (!(s < Fr::kModulus)) {
    pos_ = at;
    return Error("coefficient is not canonical (not below r)");
  }
  // s = a*R^2 mod r. Read as a Montgomery representation, s stands for s/R = a*R; that
  // element's canonical integer, read as a Montgomery representation again, stands for a.
  *out = Fr::FromMontgomery(Fr::FromMontgomery(s).ToInt());
  return Status::Ok();
}

Status SectionReader::FpMont(Fp* out) {
  std::size_t at = pos_;
  std::span<const std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(Bytes(kFieldBytes, &b));
  BigInt<4> m = LoadLE(b.data());
  if (!(m < Fp::kModulus)) {
    pos_ = at;
    return Error("coordinate is not canonical (Montgomery form not below q)");
  }
  *out = Fp::FromMontgomery(m);
  return Status::Ok();
}

Status SectionReader::G1Mont(G1Affine* out) {
  std::size_t at = pos_;
  if (remaining() < kG1Bytes) {
    std::span<const std::uint8_t> b;
    return Bytes(kG1Bytes, &b);
  }
  Fp x, y;
  DEPINFER_RETURN_IF_ERROR(FpMont(&x));
  DEPINFER_RETURN_IF_ERROR(FpMont(&y));
  // snarkjs writes the point at infinity as all zeros ((0, 0) is not on y^2 = x^3 + 3).
  G1Affine p = (x.IsZero() && y.IsZero()) ? G1Affine::Infinity() : G1Affine::FromXY(x, y);
  Status st = math::bn254::ValidateG1(p);
  if (!st.ok()) {
    pos_ = at;
    return Error(st.message());
  }
  *out = p;
  return Status::Ok();
}

Status SectionReader::G2Mont(G2Affine* out) { return G2MontImpl(out, true); }
Status SectionReader::G2MontOnCurve(G2Affine* out) { return G2MontImpl(out, false); }

Status SectionReader::G2MontImpl(G2Affine* out, bool subgroup_check) {
  std::size_t at = pos_;
  if (remaining() < kG2Bytes) {
    std::span<const std::uint8_t> b;
    return Bytes(kG2Bytes, &b);
  }
  // Fp2 elements are c0 (real) then c1 (imaginary), each in Montgomery form.
  Fp2 x, y;
  DEPINFER_RETURN_IF_ERROR(FpMont(&x.c0));
  DEPINFER_RETURN_IF_ERROR(FpMont(&x.c1));
  DEPINFER_RETURN_IF_ERROR(FpMont(&y.c0));
  DEPINFER_RETURN_IF_ERROR(FpMont(&y.c1));
  G2Affine p = (x.IsZero() && y.IsZero()) ? G2Affine::Infinity() : G2Affine::FromXY(x, y);
  Status st = subgroup_check ? math::bn254::ValidateG2(p) : math::bn254::ValidateG2OnCurve(p);
  if (!st.ok()) {
    pos_ = at;
    return Error(st.message());
  }
  *out = p;
  return Status::Ok();
}

Status SectionReader::ExpectEnd() const {
  if (remaining() != 0) {
    return Status::Corruption(context_ + ": section size does not add up: " +
                              std::to_string(remaining()) + " unread bytes at offset " +
                              std::to_string(pos_) + " of " + std::to_string(data_.size()));
  }
  return Status::Ok();
}

// --- BinWriter ----------------------------------------------------------------------------

BinWriter::BinWriter(std::string_view magic, std::uint32_t version) {
  // Byte by byte: GCC 12's -Wstringop-overflow misfires on a range insert into an empty vector.
  out_.reserve(64);
  for (std::size_t i = 0; i < 4; ++i) out_.push_back(i < magic.size() ? static_cast<std::uint8_t>(magic[i]) : 0);
  U32(version);
  U32(0);  // section count, patched by Finish()
}

void BinWriter::BeginSection(std::uint32_t type) {
  U32(type);
  section_size_at_ = out_.size();
  U64(0);
  in_section_ = true;
  ++n_sections_;
}

void BinWriter::EndSection() {
  std::uint64_t size = out_.size() - section_size_at_ - 8;
  for (std::size_t j = 0; j < 8; ++j) {
    out_[section_size_at_ + j] = static_cast<std::uint8_t>(size >> (8 * j));
  }
  in_section_ = false;
}

void BinWriter::U32(std::uint32_t v) {
  for (int j = 0; j < 4; ++j) out_.push_back(static_cast<std::uint8_t>(v >> (8 * j)));
}

void BinWriter::U64(std::uint64_t v) {
  for (int j = 0; j < 8; ++j) out_.push_back(static_cast<std::uint8_t>(v >> (8 * j)));
}

void BinWriter::Bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

void BinWriter::FrPlain(const Fr& v) {
  std::uint8_t b[kFieldBytes];
  StoreLE(v.ToInt(), b);
  Bytes(b);
}

void BinWriter::Prime(const BigInt<4>& modulus) {
  U32(kFieldBytes);
  std::uint8_t b[kFieldBytes];
  StoreLE(modulus, b);
  Bytes(b);
}

void BinWriter::FrZkeyCoef(const Fr& v) {
  // a*R^2 mod r: the Montgomery form of the integer a*R (see SectionReader::FrZkeyCoef).
  std::uint8_t b[kFieldBytes];
  StoreLE(Fr::FromCanonical(v.montgomery()).montgomery(), b);
  Bytes(b);
}

void BinWriter::G1Mont(const G1Affine& p) {
  std::uint8_t b[kG1Bytes] = {};
  if (!p.infinity) {
    StoreLE(p.x.montgomery(), b);
    StoreLE(p.y.montgomery(), b + kFieldBytes);
  }
  Bytes(b);
}

void BinWriter::G2Mont(const G2Affine& p) {
  std::uint8_t b[kG2Bytes] = {};
  if (!p.infinity) {
    StoreLE(p.x.c0.montgomery(), b);
    StoreLE(p.x.c1.montgomery(), b + kFieldBytes);
    StoreLE(p.y.c0.montgomery(), b + 2 * kFieldBytes);
    StoreLE(p.y.c1.montgomery(), b + 3 * kFieldBytes);
  }
  Bytes(b);
}

std::vector<std::uint8_t> BinWriter::Finish() {
  if (in_section_) EndSection();
  for (std::size_t j = 0; j < 4; ++j) out_[8 + j] = static_cast<std::uint8_t>(n_sections_ >> (8 * j));
  return std::move(out_);
}

// --- files --------------------------------------------------------------------------------

Status ReadFileBytes(const std::string& path, std::vector<std::uint8_t>* out, std::uint64_t max_bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return Status::IOError(path + ": cannot open for reading");
  std::vector<std::uint8_t> data;
  std::uint8_t buf[1 << 16];
  for (;;) {
    std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
    if (n == 0) break;
    if (data.size() + n > max_bytes) {
      return Status::InvalidArgument(path + ": larger than the limit of " +
                                     std::to_string(max_bytes) + " bytes");
    }
    data.insert(data.end(), buf, buf + n);
  }
  if (std::ferror(f.get())) return Status::IOError(path + ": read error");
  *out = std::move(data);
  return Status::Ok();
}

Status WriteFileBytes(const std::string& path, std::span<const std::uint8_t> data) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) return Status::IOError(path + ": cannot open for writing");
  if (std::fwrite(data.data(), 1, data.size(), f.get()) != data.size()) {
    return Status::IOError(path + ": write error");
  }
  if (std::fclose(f.release()) != 0) return Status::IOError(path + ": write error on close");
  return Status::Ok();
}

}  // namespace depinfer::snark::formats
