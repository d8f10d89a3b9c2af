#include "snark/groth16/zkey_import.h"

#include <sodium.h>

#include <string>

#include "math/ntt.h"

namespace depinfer::snark::groth16 {

Status ProvingKeyFromZkey(const formats::Groth16Zkey& z, ProvingKey* out) {
  formats::Groth16Zkey copy = z;
  return ProvingKeyFromZkey(std::move(copy), out);
}

Status ProvingKeyFromZkey(formats::Groth16Zkey&& z, ProvingKey* out) {
  int log_n = 0;
  while ((std::uint64_t{1} << log_n) < z.domain_size) ++log_n;
  if ((std::uint64_t{1} << log_n) != z.domain_size || log_n + 1 > math::bn254::NttDomain::kMaxLogSize) {
    return Status::InvalidArgument("zkey domain size " + std::to_string(z.domain_size) +
                                   " is not a supported power of two");
  }
  if (z.n_public + 1 > z.n_vars || z.a.size() != z.n_vars || z.b1.size() != z.n_vars ||
      z.b2.size() != z.n_vars || z.c.size() != z.n_vars - z.n_public - 1 ||
      z.h.size() != z.domain_size || z.ic.size() != z.n_public + 1) {
    return Status::InvalidArgument("zkey sections disagree with its header counts");
  }
  ProvingKey pk;
  pk.num_wires = z.n_vars;
  pk.num_public = z.n_public;
  pk.domain_log = log_n;
  pk.alpha1 = z.alpha1;
  pk.beta1 = z.beta1;
  pk.delta1 = z.delta1;
  pk.beta2 = z.beta2;
  pk.delta2 = z.delta2;
  pk.a = std::move(z.a);
  pk.b1 = std::move(z.b1);
  pk.b2 = std::move(z.b2);
  pk.c = std::move(z.c);
  pk.h = std::move(z.h);
  // The coefficient section lists A and B entries by row; rows run up to the domain size.
  std::uint32_t rows = 0;
  for (const formats::ZkeyCoef& k : z.coeffs) {
    if (k.matrix > 1 || k.constraint >= z.domain_size || k.signal >= z.n_vars) {
      return Status::InvalidArgument("zkey coefficient out of range");
    }
    rows = std::max(rows, k.constraint + 1);
  }
  pk.a_rows.resize(rows);
  pk.b_rows.resize(rows);
  for (const formats::ZkeyCoef& k : z.coeffs) {
    (k.matrix == 0 ? pk.a_rows : pk.b_rows)[k.constraint].push_back(Term{k.signal, k.value});
  }
  pk.vk.alpha = z.alpha1;
  pk.vk.beta = z.beta2;
  pk.vk.gamma = z.gamma2;
  pk.vk.delta = z.delta2;
  pk.vk.ic = std::move(z.ic);
  DEPINFER_RETURN_IF_ERROR(ValidateVerifyingKey(pk.vk).WithContext("zkey"));
  *out = std::move(pk);
  return Status::Ok();
}

formats::Groth16Zkey ZkeyFromProvingKey(const ProvingKey& pk) {
  formats::Groth16Zkey z;
  z.n_vars = pk.num_wires;
  z.n_public = pk.num_public;
  z.domain_size = std::uint32_t{1} << pk.domain_log;
  z.alpha1 = pk.alpha1;
  z.beta1 = pk.beta1;
  z.beta2 = pk.beta2;
  z.gamma2 = pk.vk.gamma;
  z.delta1 = pk.delta1;
  z.delta2 = pk.delta2;
  z.ic = pk.vk.ic;
  for (std::uint32_t m = 0; m < 2; ++m) {
    const std::vector<LinearCombination>& rows = m == 0 ? pk.a_rows : pk.b_rows;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      for (const Term& t : rows[k]) {
        z.coeffs.push_back({m, static_cast<std::uint32_t>(k), t.wire, t.coeff});
      }
    }
  }
  z.a = pk.a;
  z.b1 = pk.b1;
  z.b2 = pk.b2;
  z.c = pk.c;
  z.h = pk.h;

  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, z.cs_hash.size());
  auto u32 = [&st](std::uint32_t v) {
    std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                         static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
    crypto_generichash_update(&st, b, sizeof b);
  };
  u32(z.n_vars);
  u32(z.n_public);
  u32(z.domain_size);
  for (const formats::ZkeyCoef& k : z.coeffs) {
    u32(k.matrix);
    u32(k.constraint);
    u32(k.signal);
    std::uint8_t v[32];
    formats::StoreLE(k.value.ToInt(), v);
    crypto_generichash_update(&st, v, sizeof v);
  }
  crypto_generichash_final(&st, z.cs_hash.data(), z.cs_hash.size());
  return z;
}

VerifyingKey FromSnarkjs(const formats::SnarkjsVerificationKey& vk) {
  return {vk.alpha1, vk.beta2, vk.gamma2, vk.delta2, vk.ic};
}
formats::SnarkjsVerificationKey ToSnarkjs(const VerifyingKey& vk) {
  return {vk.alpha, vk.beta, vk.gamma, vk.delta, vk.ic};
}
Proof FromSnarkjs(const formats::SnarkjsProof& p) { return {p.a, p.b, p.c}; }
formats::SnarkjsProof ToSnarkjs(const Proof& p) { return {p.a, p.b, p.c}; }

}  // namespace depinfer::snark::groth16
