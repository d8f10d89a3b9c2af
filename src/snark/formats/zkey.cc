#include "snark/formats/zkey.h"

#include "math/encoding.h"

#include <sodium.h>

#include <algorithm>
#include <string>

namespace depinfer::snark::formats {
namespace {

enum : std::uint32_t {
  kHeader = 1,
  kGroth16Header = 2,
  kIc = 3,
  kCoeffs = 4,
  kA = 5,
  kB1 = 6,
  kB2 = 7,
  kC = 8,
  kH = 9,
  kContributions = 10,
};

constexpr SectionSpec kSpecs[] = {
    {kHeader, true, "header"},     {kGroth16Header, true, "Groth16 header"},
    {kIc, true, "IC"},             {kCoeffs, true, "coefficients"},
    {kA, true, "A"},               {kB1, true, "B1"},
    {kB2, true, "B2"},             {kC, true, "C"},
    {kH, true, "H"},               {kContributions, true, "contributions"},
    {kZkeyChecksumSection, false, "checksum"},
};

constexpr std::uint32_t kProtocolGroth16 = 1;
constexpr std::uint32_t kMaxLogDomain = 28;  // two-adicity of BN254's r
constexpr std::size_t kCoefBytes = 12 + kFieldBytes;
constexpr std::size_t kChecksumBytes = 32;

Status SizeError(const char* section, std::size_t got, std::uint64_t want, const std::string& why) {
  return Status::Corruption(std::string("zkey ") + section + ": section is " + std::to_string(got) +
                            " bytes, expected " + std::to_string(want) + " (" + why + ")");
}

void ChecksumOf(std::span<const std::uint8_t> bytes, std::uint8_t out[kChecksumBytes]) {
  crypto_generichash(out, kChecksumBytes, bytes.data(), bytes.size(), nullptr, 0);
}

Status CheckChecksum(const BinFile& bf, std::span<const std::uint8_t> file) {
  if (!bf.Has(kZkeyChecksumSection)) return Status::Ok();
  if (bf.order().back() != kZkeyChecksumSection) {
    return Status::Corruption("zkey checksum: the checksum section must be the last one");
  }
  std::span<const std::uint8_t> stored = bf.Section(kZkeyChecksumSection);
  if (stored.size() != kChecksumBytes) {
    return SizeError("checksum", stored.size(), kChecksumBytes, "a BLAKE2b-256 hash");
  }
  std::uint8_t want[kChecksumBytes];
  ChecksumOf(file.first(file.size() - kChecksumBytes), want);
  if (sodium_memcmp(want, stored.data(), kChecksumBytes) != 0) {
    return Status::Corruption("zkey checksum: the file's hash does not match its checksum section "
                              "(the file is damaged; copy or make it again)");
  }
  return Status::Ok();
}


// Decodes `count` fixed-size points. Points are independent, and validation (the G2 subgroup
// check above all) dominates loading a large key, so they are decoded on all cores; the error
// reported is the one at the lowest index, as a sequential reader would report it.
template <class P, Status (SectionReader::*Read)(P*)>
Status ReadPoints(std::span<const std::uint8_t> data, const char* section, std::uint64_t count,
                  std::size_t point_bytes, const std::string& why, std::vector<P>* out) {
  if (data.size() != count * point_bytes) return SizeError(section, data.size(), count * point_bytes, why);
  const std::string context = std::string("zkey ") + section;
  const std::int64_t n = static_cast<std::int64_t>(count);
  std::vector<P> pts(static_cast<std::size_t>(count));
  std::int64_t first_bad = n;
#pragma omp parallel for schedule(dynamic, 256) reduction(min : first_bad)
  for (std::int64_t i = 0; i < n; ++i) {
    const auto at = static_cast<std::size_t>(i) * point_bytes;
    SectionReader r(data.subspan(at, point_bytes), context);
    if (!(r.*Read)(&pts[static_cast<std::size_t>(i)]).ok() && i < first_bad) first_bad = i;
  }
  if (first_bad < n) {
    // Decode the failing point again, sequentially, for its message.
    const auto i = static_cast<std::size_t>(first_bad);
    SectionReader r(data.subspan(i * point_bytes, point_bytes),
                    context + ", point " + std::to_string(i) + " (section offset " +
                        std::to_string(i * point_bytes) + ")");
    P p;
    return (r.*Read)(&p);
  }
  *out = std::move(pts);
  return Status::Ok();
}

// A G2 section: every point decoded and checked on the twist, then the subgroup test in
// batches of eight IFMA lanes, chunks shared among the cores. The error is the lowest index's.
Status ReadG2Points(std::span<const std::uint8_t> data, const char* section, std::uint64_t count,
                    const std::string& why, std::vector<G2Affine>* out) {
  std::vector<G2Affine> pts;
  DEPINFER_RETURN_IF_ERROR(
      (ReadPoints<G2Affine, &SectionReader::G2MontOnCurve>(data, section, count, kG2Bytes, why, &pts)));
  constexpr std::size_t kChunk = 256;
  const std::int64_t chunks = static_cast<std::int64_t>((pts.size() + kChunk - 1) / kChunk);
  std::vector<std::uint8_t> in_g2(pts.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::size_t lo = static_cast<std::size_t>(c) * kChunk;
    const std::size_t hi = std::min(pts.size(), lo + kChunk);
    math::bn254::IsInG2SubgroupBatchVartime(std::span<const G2Affine>(pts).subspan(lo, hi - lo), &in_g2[lo]);
  }
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (in_g2[i] == 0) {
      SectionReader r(data.subspan(i * kG2Bytes, kG2Bytes),
                      std::string("zkey ") + section + ", point " + std::to_string(i) + " (section offset " +
                          std::to_string(i * kG2Bytes) + ")");
      return r.Error(math::bn254::kG2NotInSubgroup);
    }
  }
  *out = std::move(pts);
  return Status::Ok();
}

Status ReadHeaderPoint1(SectionReader& r, const char* name, G1Affine* p) {
  DEPINFER_RETURN_IF_ERROR(r.G1Mont(p).WithContext(name));
  if (p->infinity) return r.Error(std::string(name) + " is the point at infinity");
  return Status::Ok();
}

Status ReadHeaderPoint2(SectionReader& r, const char* name, G2Affine* p) {
  DEPINFER_RETURN_IF_ERROR(r.G2Mont(p).WithContext(name));
  if (p->infinity) return r.Error(std::string(name) + " is the point at infinity");
  return Status::Ok();
}

Status ReadContribution(SectionReader& r, ZkeyContribution* out) {
  ZkeyContribution c;
  DEPINFER_RETURN_IF_ERROR(r.G1Mont(&c.delta_after).WithContext("deltaAfter"));
  DEPINFER_RETURN_IF_ERROR(r.G1Mont(&c.g1_s).WithContext("g1_s"));
  DEPINFER_RETURN_IF_ERROR(r.G1Mont(&c.g1_sx).WithContext("g1_sx"));
  DEPINFER_RETURN_IF_ERROR(r.G2Mont(&c.g2_spx).WithContext("g2_spx"));
  std::span<const std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(r.Bytes(64, &b));
  std::copy(b.begin(), b.end(), c.transcript.begin());
  DEPINFER_RETURN_IF_ERROR(r.U32(&c.type));
  if (c.type > 1) return r.Error("unknown contribution type " + std::to_string(c.type));
  std::uint32_t params_len = 0;
  DEPINFER_RETURN_IF_ERROR(r.U32(&params_len));
  std::span<const std::uint8_t> params;
  DEPINFER_RETURN_IF_ERROR(r.Bytes(params_len, &params));
  // Tagged parameters, tags strictly increasing (zkey_utils.js readContribution).
  std::size_t p = 0;
  int last_tag = 0;
  auto need = [&](std::size_t n) { return params.size() - p >= n; };
  while (p < params.size()) {
    int tag = params[p++];
    if (tag <= last_tag) return r.Error("contribution parameters are not in increasing tag order");
    last_tag = tag;
    if (tag == 1 || tag == 3) {
      if (!need(1)) return r.Error("truncated contribution parameter");
      std::size_t len = params[p++];
      if (!need(len)) return r.Error("truncated contribution parameter");
      if (tag == 1) {
        c.name.assign(reinterpret_cast<const char*>(params.data() + p), len);
      } else {
        c.beacon_hash.assign(params.data() + p, params.data() + p + len);
      }
      p += len;
    } else if (tag == 2) {
      if (!need(1)) return r.Error("truncated contribution parameter");
      c.has_num_iterations_exp = true;
      c.num_iterations_exp = params[p++];
    } else {
      return r.Error("unknown contribution parameter tag " + std::to_string(tag));
    }
  }
  *out = std::move(c);
  return Status::Ok();
}

}  // namespace

Status ParseGroth16Zkey(std::span<const std::uint8_t> file, Groth16Zkey* out) {
  BinFile bf;
  DEPINFER_RETURN_IF_ERROR(BinFile::Parse(file, "zkey", "zkey", 1, kSpecs, &bf));
  // First, so that damage is reported as damage rather than as whatever field it hit.
  DEPINFER_RETURN_IF_ERROR(CheckChecksum(bf, file));
  Groth16Zkey z;

  {
    SectionReader r(bf.Section(kHeader), "zkey header");
    std::uint32_t protocol = 0;
    DEPINFER_RETURN_IF_ERROR(r.U32(&protocol));
    DEPINFER_RETURN_IF_ERROR(r.ExpectEnd());
    if (protocol != kProtocolGroth16) {
      return Status::InvalidArgument("zkey: protocol " + std::to_string(protocol) +
                                     " is not Groth16 (1); PLONK (2) and FFLONK (10) keys are "
                                     "not supported");
    }
  }
  {
    SectionReader r(bf.Section(kGroth16Header), "zkey Groth16 header");
    DEPINFER_RETURN_IF_ERROR(r.Prime(Fp::kModulus, "BN254's base field q"));
    DEPINFER_RETURN_IF_ERROR(r.Prime(Fr::kModulus, "BN254's scalar field r"));
    DEPINFER_RETURN_IF_ERROR(r.U32(&z.n_vars));
    DEPINFER_RETURN_IF_ERROR(r.U32(&z.n_public));
    DEPINFER_RETURN_IF_ERROR(r.U32(&z.domain_size));
    if (std::uint64_t{z.n_public} + 1 > z.n_vars) {
      return r.Error("nPublic + 1 = " + std::to_string(std::uint64_t{z.n_public} + 1) +
                     " exceeds nVars = " + std::to_string(z.n_vars));
    }
    if (z.domain_size == 0 || (z.domain_size & (z.domain_size - 1)) != 0 ||
        z.domain_size > (std::uint32_t{1} << kMaxLogDomain)) {
      return r.Error("domainSize " + std::to_string(z.domain_size) +
                     " is not a power of two up to 2^28");
    }
    DEPINFER_RETURN_IF_ERROR(ReadHeaderPoint1(r, "alpha1", &z.alpha1));
    DEPINFER_RETURN_IF_ERROR(ReadHeaderPoint1(r, "beta1", &z.beta1));
    DEPINFER_RETURN_IF_ERROR(ReadHeaderPoint2(r, "beta2", &z.beta2));
    DEPINFER_RETURN_IF_ERROR(ReadHeaderPoint2(r, "gamma2", &z.gamma2));
    DEPINFER_RETURN_IF_ERROR(ReadHeaderPoint1(r, "delta1", &z.delta1));
    DEPINFER_RETURN_IF_ERROR(ReadHeaderPoint2(r, "delta2", &z.delta2));
    DEPINFER_RETURN_IF_ERROR(r.ExpectEnd());
  }

  const std::uint64_t n_vars = z.n_vars;
  const std::uint64_t n_private = n_vars - z.n_public - 1;
  DEPINFER_RETURN_IF_ERROR((ReadPoints<G1Affine, &SectionReader::G1Mont>(
      bf.Section(kIc), "IC", std::uint64_t{z.n_public} + 1, kG1Bytes, "(nPublic + 1) G1 points", &z.ic)));

  {
    std::span<const std::uint8_t> data = bf.Section(kCoeffs);
    SectionReader r(data, "zkey coefficients");
    std::uint32_t n = 0;
    DEPINFER_RETURN_IF_ERROR(r.U32(&n));
    if (r.remaining() != std::uint64_t{n} * kCoefBytes) {
      return SizeError("coefficients", data.size(), 4 + std::uint64_t{n} * kCoefBytes,
                       "4 + nCoefs * 44");
    }
    z.coeffs.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      ZkeyCoef& k = z.coeffs[i];
      DEPINFER_RETURN_IF_ERROR(r.U32(&k.matrix));
      DEPINFER_RETURN_IF_ERROR(r.U32(&k.constraint));
      DEPINFER_RETURN_IF_ERROR(r.U32(&k.signal));
      std::string where = "coefficient " + std::to_string(i);
      if (k.matrix > 1) return r.Error(where + ": matrix " + std::to_string(k.matrix) + " is not A (0) or B (1)");
      if (k.constraint >= z.domain_size) {
        return r.Error(where + ": constraint " + std::to_string(k.constraint) +
                       " is outside the domain (domainSize = " + std::to_string(z.domain_size) + ")");
      }
      if (k.signal >= z.n_vars) {
        return r.Error(where + ": signal " + std::to_string(k.signal) + " >= nVars = " +
                       std::to_string(z.n_vars));
      }
      DEPINFER_RETURN_IF_ERROR(r.FrZkeyCoef(&k.value).WithContext(where));
    }
  }

  DEPINFER_RETURN_IF_ERROR((ReadPoints<G1Affine, &SectionReader::G1Mont>(
      bf.Section(kA), "A", n_vars, kG1Bytes, "nVars G1 points", &z.a)));
  DEPINFER_RETURN_IF_ERROR((ReadPoints<G1Affine, &SectionReader::G1Mont>(
      bf.Section(kB1), "B1", n_vars, kG1Bytes, "nVars G1 points", &z.b1)));
  DEPINFER_RETURN_IF_ERROR(ReadG2Points(bf.Section(kB2), "B2", n_vars, "nVars G2 points", &z.b2));
  DEPINFER_RETURN_IF_ERROR((ReadPoints<G1Affine, &SectionReader::G1Mont>(
      bf.Section(kC), "C", n_private, kG1Bytes, "(nVars - nPublic - 1) G1 points", &z.c)));
  DEPINFER_RETURN_IF_ERROR((ReadPoints<G1Affine, &SectionReader::G1Mont>(
      bf.Section(kH), "H", z.domain_size, kG1Bytes, "domainSize G1 points", &z.h)));

  {
    SectionReader r(bf.Section(kContributions), "zkey contributions");
    std::span<const std::uint8_t> hash;
    DEPINFER_RETURN_IF_ERROR(r.Bytes(64, &hash));
    std::copy(hash.begin(), hash.end(), z.cs_hash.begin());
    std::uint32_t n = 0;
    DEPINFER_RETURN_IF_ERROR(r.U32(&n));
    // Each contribution takes at least 3 G1 + 1 G2 + 64 + 8 bytes.
    constexpr std::size_t kMinContribution = 3 * kG1Bytes + kG2Bytes + 64 + 8;
    if (n > r.remaining() / kMinContribution) {
      return r.Error("claims " + std::to_string(n) + " contributions but only " +
                     std::to_string(r.remaining()) + " bytes remain");
    }
    z.contributions.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      DEPINFER_RETURN_IF_ERROR(
          ReadContribution(r, &z.contributions[i]).WithContext("contribution " + std::to_string(i)));
    }
    DEPINFER_RETURN_IF_ERROR(r.ExpectEnd());
    if (n > 0 && z.contributions.back().delta_after != z.delta1) {
      return Status::Corruption(
          "zkey: delta1 in the header does not match the last contribution's deltaAfter");
    }
  }
  *out = std::move(z);
  return Status::Ok();
}

bool ZkeyHasChecksum(std::span<const std::uint8_t> file) {
  BinFile bf;
  return BinFile::Parse(file, "zkey", "zkey", 1, kSpecs, &bf).ok() && bf.Has(kZkeyChecksumSection);
}

std::vector<std::uint8_t> WriteGroth16Zkey(const Groth16Zkey& z) {
  BinWriter w("zkey", 1);
  w.Reserve(1024 + z.coeffs.size() * kCoefBytes +
            (z.ic.size() + z.a.size() + z.b1.size() + z.c.size() + z.h.size()) * kG1Bytes +
            z.b2.size() * kG2Bytes);
  w.BeginSection(kHeader);
  w.U32(kProtocolGroth16);
  w.EndSection();

  w.BeginSection(kGroth16Header);
  w.Prime(Fp::kModulus);
  w.Prime(Fr::kModulus);
  w.U32(z.n_vars);
  w.U32(z.n_public);
  w.U32(z.domain_size);
  w.G1Mont(z.alpha1);
  w.G1Mont(z.beta1);
  w.G2Mont(z.beta2);
  w.G2Mont(z.gamma2);
  w.G1Mont(z.delta1);
  w.G2Mont(z.delta2);
  w.EndSection();

  auto g1s = [&w](std::uint32_t type, const std::vector<G1Affine>& pts) {
    w.BeginSection(type);
    for (const G1Affine& p : pts) w.G1Mont(p);
    w.EndSection();
  };
  g1s(kIc, z.ic);

  w.BeginSection(kCoeffs);
  w.U32(static_cast<std::uint32_t>(z.coeffs.size()));
  for (const ZkeyCoef& k : z.coeffs) {
    w.U32(k.matrix);
    w.U32(k.constraint);
    w.U32(k.signal);
    w.FrZkeyCoef(k.value);
  }
  w.EndSection();

  g1s(kA, z.a);
  g1s(kB1, z.b1);
  w.BeginSection(kB2);
  for (const G2Affine& p : z.b2) w.G2Mont(p);
  w.EndSection();
  g1s(kC, z.c);
  g1s(kH, z.h);

  w.BeginSection(kContributions);
  w.Bytes(z.cs_hash);
  w.U32(static_cast<std::uint32_t>(z.contributions.size()));
  for (const ZkeyContribution& c : z.contributions) {
    w.G1Mont(c.delta_after);
    w.G1Mont(c.g1_s);
    w.G1Mont(c.g1_sx);
    w.G2Mont(c.g2_spx);
    w.Bytes(c.transcript);
    w.U32(c.type);
    std::vector<std::uint8_t> params;
    if (!c.name.empty()) {
      params.push_back(1);
      params.push_back(static_cast<std::uint8_t>(std::min<std::size_t>(c.name.size(), 255)));
      params.insert(params.end(), c.name.begin(), c.name.begin() + params.back());
    }
    if (c.has_num_iterations_exp) {
      params.push_back(2);
      params.push_back(c.num_iterations_exp);
    }
    if (!c.beacon_hash.empty()) {
      params.push_back(3);
      params.push_back(static_cast<std::uint8_t>(std::min<std::size_t>(c.beacon_hash.size(), 255)));
      params.insert(params.end(), c.beacon_hash.begin(), c.beacon_hash.begin() + params.back());
    }
    w.U32(static_cast<std::uint32_t>(params.size()));
    w.Bytes(params);
  }
  w.EndSection();

  // The checksum covers everything before it, its own section header included, so the hash is
  // taken after Finish() has patched the section count.
  w.BeginSection(kZkeyChecksumSection);
  const std::uint8_t placeholder[kChecksumBytes] = {};
  w.Bytes(placeholder);
  std::vector<std::uint8_t> file = w.Finish();
  ChecksumOf(std::span<const std::uint8_t>(file).first(file.size() - kChecksumBytes),
             file.data() + file.size() - kChecksumBytes);
  return file;
}

Status ReadGroth16ZkeyFile(const std::string& path, Groth16Zkey* out) {
  std::vector<std::uint8_t> bytes;
  DEPINFER_RETURN_IF_ERROR(ReadFileBytes(path, &bytes));
  return ParseGroth16Zkey(bytes, out).WithContext(path);
}

}  // namespace depinfer::snark::formats
