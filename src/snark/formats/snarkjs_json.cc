#include "snark/formats/snarkjs_json.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "math/encoding.h"
#include "math/pairing.h"

namespace depinfer::snark::formats {

using math::BigInt;
using math::u64;
using math::bn254::Fp;
using math::bn254::Fp12;
using math::bn254::Fp2;
using math::bn254::Fp6;
using math::bn254::Fr;
using math::bn254::G1Affine;
using math::bn254::G2Affine;
// Insertion-ordered objects, so the writers reproduce snarkjs's member order.
using Json = nlohmann::ordered_json;

namespace {

Status Bad(const std::string& path, const std::string& what) {
  return Status::InvalidArgument(path + ": " + what);
}

Status ParseText(std::string_view text, const char* file, Json* out) {
  if (text.size() > kMaxJsonBytes) {
    return Status::InvalidArgument(std::string(file) + ": larger than " +
                                   std::to_string(kMaxJsonBytes) + " bytes");
  }
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument(std::string(file) + ": not valid JSON");
  *out = std::move(j);
  return Status::Ok();
}

Status Member(const Json& obj, const char* key, const std::string& path, const Json** out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Bad(path, std::string("missing member \"") + key + "\"");
  *out = &*it;
  return Status::Ok();
}

Status ExpectString(const Json& obj, const char* key, const char* want, const std::string& path,
                    bool required) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    return required ? Bad(path, std::string("missing member \"") + key + "\"") : Status::Ok();
  }
  if (!it->is_string() || it->get_ref<const std::string&>() != want) {
    return Bad(path + "." + key, std::string("must be the string \"") + want + "\"");
  }
  return Status::Ok();
}

Status Array(const Json& j, std::size_t n, const std::string& path) {
  if (!j.is_array()) return Bad(path, "must be an array");
  if (j.size() != n) {
    return Bad(path, "must have " + std::to_string(n) + " elements, has " + std::to_string(j.size()));
  }
  return Status::Ok();
}

template <class F>
Status Decimal(const Json& j, const std::string& path, F* out) {
  if (!j.is_string()) return Bad(path, "must be a decimal string");
  return F::FromDecimal(j.get_ref<const std::string&>(), out).WithContext(path);
}

bool IsText(const Json& j, const char* s) { return j.is_string() && j.get_ref<const std::string&>() == s; }

Status ParseFp2(const Json& j, const std::string& path, Fp2* out) {
  DEPINFER_RETURN_IF_ERROR(Array(j, 2, path));
  Fp2 v;
  DEPINFER_RETURN_IF_ERROR(Decimal(j[0], path + "[0]", &v.c0));
  DEPINFER_RETURN_IF_ERROR(Decimal(j[1], path + "[1]", &v.c1));
  *out = v;
  return Status::Ok();
}

Status ParseG1(const Json& j, const std::string& path, G1Affine* out) {
  DEPINFER_RETURN_IF_ERROR(Array(j, 3, path));
  G1Affine p;
  if (IsText(j[2], "0")) {
    if (!IsText(j[0], "0") || !IsText(j[1], "1")) {
      return Bad(path, "a point with third coordinate \"0\" must be the point at infinity [\"0\", \"1\", \"0\"]");
    }
    p = G1Affine::Infinity();
  } else {
    if (!IsText(j[2], "1")) return Bad(path + "[2]", "third coordinate must be \"1\" (affine) or \"0\" (infinity)");
    Fp x, y;
    DEPINFER_RETURN_IF_ERROR(Decimal(j[0], path + "[0]", &x));
    DEPINFER_RETURN_IF_ERROR(Decimal(j[1], path + "[1]", &y));
    p = G1Affine::FromXY(x, y);
  }
  DEPINFER_RETURN_IF_ERROR(math::bn254::ValidateG1(p).WithContext(path));
  *out = p;
  return Status::Ok();
}

Status ParseG2(const Json& j, const std::string& path, G2Affine* out) {
  DEPINFER_RETURN_IF_ERROR(Array(j, 3, path));
  DEPINFER_RETURN_IF_ERROR(Array(j[2], 2, path + "[2]"));
  G2Affine p;
  if (IsText(j[2][0], "0") && IsText(j[2][1], "0")) {
    bool canonical_infinity = j[0].is_array() && j[0].size() == 2 && IsText(j[0][0], "0") &&
                              IsText(j[0][1], "0") && j[1].is_array() && j[1].size() == 2 &&
                              IsText(j[1][0], "1") && IsText(j[1][1], "0");
    if (!canonical_infinity) {
      return Bad(path, "a point with third coordinate [\"0\", \"0\"] must be the point at infinity "
                       "[[\"0\", \"0\"], [\"1\", \"0\"], [\"0\", \"0\"]]");
    }
    p = G2Affine::Infinity();
  } else {
    if (!IsText(j[2][0], "1") || !IsText(j[2][1], "0")) {
      return Bad(path + "[2]", "third coordinate must be [\"1\", \"0\"] (affine) or [\"0\", \"0\"] (infinity)");
    }
    Fp2 x, y;
    DEPINFER_RETURN_IF_ERROR(ParseFp2(j[0], path + "[0]", &x));
    DEPINFER_RETURN_IF_ERROR(ParseFp2(j[1], path + "[1]", &y));
    p = G2Affine::FromXY(x, y);
  }
  DEPINFER_RETURN_IF_ERROR(math::bn254::ValidateG2(p).WithContext(path));
  *out = p;
  return Status::Ok();
}

Status ParseFp12(const Json& j, const std::string& path, Fp12* out) {
  DEPINFER_RETURN_IF_ERROR(Array(j, 2, path));
  Fp6 halves[2];
  for (std::size_t h = 0; h < 2; ++h) {
    std::string ph = path + "[" + std::to_string(h) + "]";
    DEPINFER_RETURN_IF_ERROR(Array(j[h], 3, ph));
    DEPINFER_RETURN_IF_ERROR(ParseFp2(j[h][0], ph + "[0]", &halves[h].c0));
    DEPINFER_RETURN_IF_ERROR(ParseFp2(j[h][1], ph + "[1]", &halves[h].c1));
    DEPINFER_RETURN_IF_ERROR(ParseFp2(j[h][2], ph + "[2]", &halves[h].c2));
  }
  out->c0 = halves[0];
  out->c1 = halves[1];
  return Status::Ok();
}

Json Dec(const Fp& x) { return x.ToDecimal(); }
Json FromFp2(const Fp2& x) { return Json::array({Dec(x.c0), Dec(x.c1)}); }

Json FromG1(const G1Affine& p) {
  if (p.infinity) return Json::array({"0", "1", "0"});
  return Json::array({Dec(p.x), Dec(p.y), "1"});
}

Json FromG2(const G2Affine& p) {
  if (p.infinity) {
    return Json::array({Json::array({"0", "0"}), Json::array({"1", "0"}), Json::array({"0", "0"})});
  }
  return Json::array({FromFp2(p.x), FromFp2(p.y), Json::array({"1", "0"})});
}

Json FromFp12(const Fp12& f) {
  Json out = Json::array();
  for (const Fp6* h : {&f.c0, &f.c1}) out.push_back(Json::array({FromFp2(h->c0), FromFp2(h->c1), FromFp2(h->c2)}));
  return out;
}

// snarkjs writes JSON.stringify(value, null, 1) with no trailing newline.
std::string Dump(const Json& j) { return j.dump(1); }

}  // namespace

Fp12 SnarkjsAlphaBeta(const G1Affine& alpha, const G2Affine& beta) {
  return math::bn254::ToFfjavascriptPairing(math::bn254::Pairing(alpha, beta));
}

Status ParseVerificationKeyJson(std::string_view text, SnarkjsVerificationKey* out) {
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseText(text, "verification key", &j));
  const std::string root = "verification key";
  if (!j.is_object()) return Bad(root, "must be a JSON object");
  DEPINFER_RETURN_IF_ERROR(ExpectString(j, "protocol", "groth16", root, true));
  DEPINFER_RETURN_IF_ERROR(ExpectString(j, "curve", "bn128", root, true));
  const Json* m = nullptr;
  DEPINFER_RETURN_IF_ERROR(Member(j, "nPublic", root, &m));
  if (!m->is_number_unsigned()) return Bad(root + ".nPublic", "must be a non-negative integer");
  const std::uint64_t n_public = m->get<std::uint64_t>();

  SnarkjsVerificationKey vk;
  DEPINFER_RETURN_IF_ERROR(Member(j, "vk_alpha_1", root, &m));
  DEPINFER_RETURN_IF_ERROR(ParseG1(*m, "vk_alpha_1", &vk.alpha1));
  DEPINFER_RETURN_IF_ERROR(Member(j, "vk_beta_2", root, &m));
  DEPINFER_RETURN_IF_ERROR(ParseG2(*m, "vk_beta_2", &vk.beta2));
  DEPINFER_RETURN_IF_ERROR(Member(j, "vk_gamma_2", root, &m));
  DEPINFER_RETURN_IF_ERROR(ParseG2(*m, "vk_gamma_2", &vk.gamma2));
  DEPINFER_RETURN_IF_ERROR(Member(j, "vk_delta_2", root, &m));
  DEPINFER_RETURN_IF_ERROR(ParseG2(*m, "vk_delta_2", &vk.delta2));
  DEPINFER_RETURN_IF_ERROR(Member(j, "IC", root, &m));
  if (!m->is_array()) return Bad("IC", "must be an array");
  // (Compared as size - 1 so that nPublic = 2^64 - 1 cannot wrap around to an empty IC.)
  if (m->empty() || m->size() - 1 != n_public) {
    return Bad("IC", "has " + std::to_string(m->size()) + " points, expected nPublic + 1 = " +
                         std::to_string(n_public) + " + 1");
  }
  vk.ic.resize(m->size());
  for (std::size_t i = 0; i < vk.ic.size(); ++i) {
    DEPINFER_RETURN_IF_ERROR(ParseG1((*m)[i], "IC[" + std::to_string(i) + "]", &vk.ic[i]));
  }
  if (auto it = j.find("depinfer_checksum"); it != j.end()) {
    static constexpr std::string_view kPrefix = "blake2b-256:";
    const std::array<std::uint8_t, 32> want = VerificationKeyChecksum(vk);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, want.data(), want.size());
    if (!it->is_string()) return Bad("depinfer_checksum", "must be a string");
    const std::string& got = it->get_ref<const std::string&>();
    if (got.size() != kPrefix.size() + 64 || got.compare(0, kPrefix.size(), kPrefix) != 0) {
      return Bad("depinfer_checksum", "must be \"blake2b-256:\" and 64 hex digits");
    }
    if (got.compare(kPrefix.size(), 64, hex) != 0) {
      return Bad("depinfer_checksum", "does not match the key's points (the file was edited or damaged)");
    }
  }
  DEPINFER_RETURN_IF_ERROR(Member(j, "vk_alphabeta_12", root, &m));
  Fp12 alphabeta;
  DEPINFER_RETURN_IF_ERROR(ParseFp12(*m, "vk_alphabeta_12", &alphabeta));
  if (!(alphabeta == SnarkjsAlphaBeta(vk.alpha1, vk.beta2))) {
    return Bad("vk_alphabeta_12", "does not equal e(vk_alpha_1, vk_beta_2)");
  }
  *out = std::move(vk);
  return Status::Ok();
}

Status ParseProofJson(std::string_view text, SnarkjsProof* out) {
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseText(text, "proof", &j));
  const std::string root = "proof";
  if (!j.is_object()) return Bad(root, "must be a JSON object");
  // snarkjs and rapidsnark write both; accept a proof without them, never with other values.
  DEPINFER_RETURN_IF_ERROR(ExpectString(j, "protocol", "groth16", root, false));
  DEPINFER_RETURN_IF_ERROR(ExpectString(j, "curve", "bn128", root, false));
  SnarkjsProof p;
  const Json* m = nullptr;
  DEPINFER_RETURN_IF_ERROR(Member(j, "pi_a", root, &m));
  DEPINFER_RETURN_IF_ERROR(ParseG1(*m, "pi_a", &p.a));
  DEPINFER_RETURN_IF_ERROR(Member(j, "pi_b", root, &m));
  DEPINFER_RETURN_IF_ERROR(ParseG2(*m, "pi_b", &p.b));
  DEPINFER_RETURN_IF_ERROR(Member(j, "pi_c", root, &m));
  DEPINFER_RETURN_IF_ERROR(ParseG1(*m, "pi_c", &p.c));
  *out = p;
  return Status::Ok();
}

Status ParsePublicJson(std::string_view text, std::vector<Fr>* out) {
  Json j;
  DEPINFER_RETURN_IF_ERROR(ParseText(text, "public inputs", &j));
  if (!j.is_array()) return Bad("public inputs", "must be a JSON array of decimal strings");
  std::vector<Fr> v(j.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    DEPINFER_RETURN_IF_ERROR(Decimal(j[i], "public inputs[" + std::to_string(i) + "]", &v[i]));
  }
  *out = std::move(v);
  return Status::Ok();
}

std::string WriteVerificationKeyJson(const SnarkjsVerificationKey& vk) {
  Json j = Json::object();
  j["protocol"] = "groth16";
  j["curve"] = "bn128";
  j["nPublic"] = vk.n_public();
  j["vk_alpha_1"] = FromG1(vk.alpha1);
  j["vk_beta_2"] = FromG2(vk.beta2);
  j["vk_gamma_2"] = FromG2(vk.gamma2);
  j["vk_delta_2"] = FromG2(vk.delta2);
  j["vk_alphabeta_12"] = FromFp12(SnarkjsAlphaBeta(vk.alpha1, vk.beta2));
  Json ic = Json::array();
  for (const auto& p : vk.ic) ic.push_back(FromG1(p));
  j["IC"] = std::move(ic);
  const std::array<std::uint8_t, 32> sum = VerificationKeyChecksum(vk);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, sum.data(), sum.size());
  j["depinfer_checksum"] = std::string("blake2b-256:") + hex;
  return Dump(j);
}

std::array<std::uint8_t, 32> VerificationKeyChecksum(const SnarkjsVerificationKey& vk) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  static constexpr std::string_view kTag = "depinfer groth16 vk v1";
  crypto_generichash_update(&st, reinterpret_cast<const std::uint8_t*>(kTag.data()), kTag.size());
  const std::uint32_t n = static_cast<std::uint32_t>(vk.n_public());
  const std::uint8_t nb[4] = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                              static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  crypto_generichash_update(&st, nb, sizeof nb);
  auto g1 = [&st](const math::bn254::G1Affine& p) {
    const auto b = math::bn254::EncodeG1Eth(p);
    crypto_generichash_update(&st, b.data(), b.size());
  };
  auto g2 = [&st](const math::bn254::G2Affine& p) {
    const auto b = math::bn254::EncodeG2Eth(p);
    crypto_generichash_update(&st, b.data(), b.size());
  };
  g1(vk.alpha1);
  g2(vk.beta2);
  g2(vk.gamma2);
  g2(vk.delta2);
  for (const auto& p : vk.ic) g1(p);
  std::array<std::uint8_t, 32> out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

std::string WriteProofJson(const SnarkjsProof& proof) {
  Json j = Json::object();
  j["pi_a"] = FromG1(proof.a);
  j["pi_b"] = FromG2(proof.b);
  j["pi_c"] = FromG1(proof.c);
  j["protocol"] = "groth16";
  j["curve"] = "bn128";
  return Dump(j);
}

std::string WritePublicJson(std::span<const Fr> inputs) {
  Json j = Json::array();
  for (const Fr& x : inputs) j.push_back(x.ToDecimal());
  return Dump(j);
}

}  // namespace depinfer::snark::formats
