// snarkjs JSON: verification_key.json, proof.json and public.json made by snarkjs are parsed,
// agree with the .zkey and .wtns, re-encode byte for byte, and the snarkjs proof passes the
// Groth16 pairing check computed with our math layer. Then the malformed variants.
#include "snark/formats/snarkjs_json.h"

#include <gtest/gtest.h>

#include <functional>

#include "formats_test_util.h"
#include "math/pairing.h"
#include "snark/formats/wtns.h"
#include "snark/formats/zkey.h"

namespace depinfer::snark::formats {
namespace {

using namespace testing;
using math::bn254::G1;
using nlohmann::json;

SnarkjsVerificationKey Vk() {
  SnarkjsVerificationKey vk;
  Status st = ParseVerificationKeyJson(LoadText("verification_key.json"), &vk);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return vk;
}
SnarkjsProof Proof() {
  SnarkjsProof p;
  Status st = ParseProofJson(LoadText("proof.json"), &p);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return p;
}
std::vector<Fr> Public() {
  std::vector<Fr> v;
  Status st = ParsePublicJson(LoadText("public.json"), &v);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return v;
}

// The Groth16 check e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta), vk_x = IC0 + sum x_i IC_i.
bool Groth16Verifies(const SnarkjsVerificationKey& vk, const SnarkjsProof& p, const std::vector<Fr>& pub) {
  if (pub.size() != vk.n_public()) return false;
  G1 acc = G1::FromAffine(vk.ic[0]);
  for (std::size_t i = 0; i < pub.size(); ++i) acc = acc + G1::FromAffine(vk.ic[i + 1]).ScalarMulVartime(pub[i].ToInt());
  G1Affine ps[4] = {-p.a, vk.alpha1, acc.ToAffine(), p.c};
  G2Affine qs[4] = {p.b, vk.beta2, vk.gamma2, vk.delta2};
  return math::bn254::PairingProductIsOne(ps, qs);
}

TEST(SnarkjsJson, VerificationKeyAgreesWithZkey) {
  SnarkjsVerificationKey vk = Vk();
  Groth16Zkey z;
  ASSERT_TRUE(ParseGroth16Zkey(LoadBytes("formats.zkey"), &z).ok());
  EXPECT_EQ(vk.n_public(), z.n_public);
  EXPECT_EQ(vk.alpha1, z.alpha1);
  EXPECT_EQ(vk.beta2, z.beta2);
  EXPECT_EQ(vk.gamma2, z.gamma2);
  EXPECT_EQ(vk.delta2, z.delta2);
  EXPECT_EQ(vk.ic, z.ic);
}

TEST(SnarkjsJson, PublicInputsAreTheWitnessPublicWires) {
  std::vector<Fr> w;
  ASSERT_TRUE(ParseWtns(LoadBytes("formats.wtns"), &w).ok());
  std::vector<Fr> pub = Public();
  ASSERT_EQ(pub.size(), 3u);
  for (std::size_t i = 0; i < pub.size(); ++i) EXPECT_EQ(pub[i], w[i + 1]) << i;
}

TEST(SnarkjsJson, SnarkjsProofPassesTheGroth16Check) {
  SnarkjsVerificationKey vk = Vk();
  SnarkjsProof p = Proof();
  std::vector<Fr> pub = Public();
  EXPECT_TRUE(Groth16Verifies(vk, p, pub));
  auto tampered = pub;
  tampered[0] += Fr::One();
  EXPECT_FALSE(Groth16Verifies(vk, p, tampered));
  SnarkjsProof q = p;
  q.c = -q.c;
  EXPECT_FALSE(Groth16Verifies(vk, q, pub));
}

// The key gains one member of ours at the end, the checksum; everything before it is snarkjs's.
TEST(SnarkjsJson, WritersReproduceSnarkjsByteForByte) {
  std::string want = LoadText("verification_key.json");
  const std::array<std::uint8_t, 32> sum = VerificationKeyChecksum(Vk());
  std::string hex;
  for (std::uint8_t b : sum) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
  ASSERT_EQ(want.substr(want.size() - 2), "\n}");
  want.insert(want.size() - 2, std::string(",\n \"depinfer_checksum\": \"blake2b-256:") + hex + "\"");
  EXPECT_EQ(WriteVerificationKeyJson(Vk()), want);
  EXPECT_EQ(WriteProofJson(Proof()), LoadText("proof.json"));
  std::vector<Fr> pub = Public();
  EXPECT_EQ(WritePublicJson(pub), LoadText("public.json"));
}

TEST(SnarkjsJson, VerificationKeyChecksum) {
  const std::string ours = WriteVerificationKeyJson(Vk());
  SnarkjsVerificationKey vk;
  ASSERT_TRUE(ParseVerificationKeyJson(ours, &vk).ok());
  // snarkjs's own file has no checksum and is accepted on its other checks.
  ASSERT_TRUE(ParseVerificationKeyJson(LoadText("verification_key.json"), &vk).ok());
  // An IC point swapped for another valid point: still a well-formed key, caught by the sum.
  nlohmann::json j = nlohmann::json::parse(ours);
  std::swap(j["IC"][1], j["IC"][2]);
  EXPECT_ERROR_CONTAINS(ParseVerificationKeyJson(j.dump(), &vk), "edited or damaged");
  j = nlohmann::json::parse(ours);
  j["depinfer_checksum"] = "blake2b-256:00";
  EXPECT_ERROR_CONTAINS(ParseVerificationKeyJson(j.dump(), &vk), "64 hex digits");
  j["depinfer_checksum"] = 7;
  EXPECT_ERROR_CONTAINS(ParseVerificationKeyJson(j.dump(), &vk), "must be a string");
}

TEST(SnarkjsJson, RoundTripsAndInfinity) {
  SnarkjsProof p = Proof();
  p.a = G1Affine::Infinity();
  p.b = G2Affine::Infinity();
  std::string text = WriteProofJson(p);
  EXPECT_NE(text.find("\"0\",\n  \"1\",\n  \"0\""), std::string::npos) << text;
  SnarkjsProof back;
  ASSERT_TRUE(ParseProofJson(text, &back).ok());
  EXPECT_TRUE(back.a.infinity);
  EXPECT_TRUE(back.b.infinity);
  EXPECT_EQ(back.c, p.c);
  std::vector<Fr> none;
  EXPECT_EQ(WritePublicJson(none), "[]");
  ASSERT_TRUE(ParsePublicJson("[]", &none).ok());
  EXPECT_TRUE(none.empty());
  SnarkjsVerificationKey vk = Vk();
  SnarkjsVerificationKey vk2;
  ASSERT_TRUE(ParseVerificationKeyJson(WriteVerificationKeyJson(vk), &vk2).ok());
  EXPECT_EQ(vk2.ic, vk.ic);
}

TEST(SnarkjsJson, AlphaBetaIsSnarkjsPairing) {
  json j = LoadJson("verification_key.json");
  SnarkjsVerificationKey vk = Vk();
  math::bn254::Fp12 e = SnarkjsAlphaBeta(vk.alpha1, vk.beta2);
  const math::bn254::Fp6* halves[2] = {&e.c0, &e.c1};
  for (int h = 0; h < 2; ++h) {
    const Fp2* c[3] = {&halves[h]->c0, &halves[h]->c1, &halves[h]->c2};
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(c[k]->c0.ToDecimal(), j["vk_alphabeta_12"][h][k][0].get<std::string>());
      EXPECT_EQ(c[k]->c1.ToDecimal(), j["vk_alphabeta_12"][h][k][1].get<std::string>());
    }
  }
}

// --- malformed input ------------------------------------------------------------------------

template <class T, class F>
Status Mutated(const std::string& file, F mutate, Status (*parse)(std::string_view, T*)) {
  json j = LoadJson(file);
  mutate(j);
  T out{};
  return parse(j.dump(), &out);
}

Status MutVk(const std::function<void(json&)>& f) {
  return Mutated<SnarkjsVerificationKey>("verification_key.json", f, &ParseVerificationKeyJson);
}
Status MutProof(const std::function<void(json&)>& f) {
  return Mutated<SnarkjsProof>("proof.json", f, &ParseProofJson);
}

TEST(SnarkjsJsonMalformed, Text) {
  SnarkjsProof p = Proof();
  SnarkjsProof before = p;
  EXPECT_ERROR_CONTAINS(ParseProofJson("{", &p), "not valid JSON");
  EXPECT_ERROR_CONTAINS(ParseProofJson("", &p), "not valid JSON");
  EXPECT_ERROR_CONTAINS(ParseProofJson("[]", &p), "must be a JSON object");
  EXPECT_ERROR_CONTAINS(ParseProofJson(std::string(1000, '['), &p), "not valid JSON");
  EXPECT_ERROR_CONTAINS(ParseProofJson("{\"pi_a\": \"\xff\"}", &p), "not valid JSON");
  EXPECT_EQ(p.a, before.a);  // untouched
  std::string text = LoadText("proof.json");
  for (std::size_t n = 0; n < text.size(); n += 7) {
    EXPECT_FALSE(ParseProofJson(text.substr(0, n), &p).ok()) << n;
  }
  std::vector<Fr> v;
  EXPECT_ERROR_CONTAINS(ParsePublicJson("{}", &v), "must be a JSON array");
  EXPECT_ERROR_CONTAINS(ParsePublicJson("[1]", &v), "must be a decimal string");
  EXPECT_ERROR_CONTAINS(ParsePublicJson("[\"01\"]", &v), "leading zeros");
  EXPECT_ERROR_CONTAINS(ParsePublicJson("[\"-1\"]", &v), "decimal string");
  EXPECT_ERROR_CONTAINS(ParsePublicJson("[\" 1\"]", &v), "decimal string");
  EXPECT_ERROR_CONTAINS(ParsePublicJson("[\"0x10\"]", &v), "decimal string");
  EXPECT_ERROR_CONTAINS(ParsePublicJson("[\"1\", \"" + Fr::kModulus.ToDecimal() + "\"]", &v), "[1]");
  EXPECT_ERROR_CONTAINS(ParsePublicJson("[\"" + Fr::kModulus.ToDecimal() + "\"]", &v), "not canonical");
  EXPECT_TRUE(v.empty());
}

TEST(SnarkjsJsonMalformed, ProofMembers) {
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j.erase("pi_a"); }), "missing member \"pi_a\"");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j.erase("pi_c"); }), "missing member \"pi_c\"");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["protocol"] = "plonk"; }), "groth16");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["curve"] = "bls12381"; }), "bn128");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["curve"] = 1; }), "bn128");
  EXPECT_TRUE(MutProof([](json& j) { j.erase("protocol"); j.erase("curve"); }).ok());
  EXPECT_TRUE(MutProof([](json& j) { j["extra"] = 1; }).ok());
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_a"] = "1"; }), "pi_a: must be an array");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_a"].push_back("1"); }), "must have 3 elements");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_a"][0] = 5; }), "pi_a[0]: must be a decimal string");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_a"][2] = "2"; }), "third coordinate");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_a"][2] = 1; }), "third coordinate");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_a"][2] = "0"; }), "point at infinity");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { std::string padded = "0";
    padded.append(j["pi_a"][0].get<std::string>());  // (not operator+: GCC 12 bug 105329)
    j["pi_a"][0] = padded; }), "leading zeros");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_a"][1] = "1"; }), "not on the curve");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_c"][1] = Fp::kModulus.ToDecimal(); }), "not canonical");
  // pi_a's y + q is the same point mod q, but not canonical.
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) {
    math::BigInt<4> y;
    ASSERT_TRUE(y.FromDecimal(j["pi_a"][1].get<std::string>()));
    math::BigInt<4>::Add(y, y, Fp::kModulus);
    j["pi_a"][1] = y.ToDecimal();
  }), "not canonical");
}

TEST(SnarkjsJsonMalformed, ProofG2) {
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_b"][0] = "1"; }), "pi_b[0]: must be an array");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_b"][2] = json::array({"1", "1"}); }), "third coordinate");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_b"][2] = json::array({"0", "0"}); }), "point at infinity");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_b"][2] = "1"; }), "pi_b[2]: must be an array");
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) { j["pi_b"][1][0] = "7"; }), "not on the twist");
  // The Ethereum / Solidity order ([c1, c0]) is not snarkjs's: the swapped point is off the twist.
  EXPECT_ERROR_CONTAINS(MutProof([](json& j) {
    for (int k = 0; k < 2; ++k) std::swap(j["pi_b"][k][0], j["pi_b"][k][1]);
  }), "not on the twist");
  G2Affine bad = TwistPointOutsideG2();
  EXPECT_ERROR_CONTAINS(MutProof([&](json& j) {
    j["pi_b"][0] = json::array({bad.x.c0.ToDecimal(), bad.x.c1.ToDecimal()});
    j["pi_b"][1] = json::array({bad.y.c0.ToDecimal(), bad.y.c1.ToDecimal()});
  }), "not in the prime-order subgroup");
}

TEST(SnarkjsJsonMalformed, VerificationKey) {
  EXPECT_TRUE(MutVk([](json&) {}).ok());
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j.erase("protocol"); }), "missing member \"protocol\"");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["protocol"] = "fflonk"; }), "groth16");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["curve"] = "bls12381"; }), "bn128");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j.erase("nPublic"); }), "missing member \"nPublic\"");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["nPublic"] = -1; }), "non-negative integer");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["nPublic"] = 3.5; }), "non-negative integer");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["nPublic"] = "3"; }), "non-negative integer");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["nPublic"] = 2; }), "expected nPublic + 1 = 2 + 1");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["nPublic"] = ~std::uint64_t{0}; }), "IC");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["nPublic"] = ~std::uint64_t{0}; j["IC"] = json::array(); }), "IC: has 0 points");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["IC"].erase(3); }), "expected nPublic + 1");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["IC"] = json::object(); }), "IC: must be an array");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["IC"][2][0] = "3"; }), "IC[2]: G1 point is not on the curve");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j.erase("vk_delta_2"); }), "missing member \"vk_delta_2\"");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["vk_gamma_2"][0][1] = "1"; }), "vk_gamma_2: G2 point is not on the twist");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["vk_alpha_1"][0] = "1"; }), "vk_alpha_1");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j.erase("vk_alphabeta_12"); }), "missing member \"vk_alphabeta_12\"");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["vk_alphabeta_12"][1][2][0] = "5"; }), "does not equal e(vk_alpha_1, vk_beta_2)");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["vk_alphabeta_12"][1].erase(2); }), "vk_alphabeta_12[1]: must have 3 elements");
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["vk_alphabeta_12"][0][0][0] = Fp::kModulus.ToDecimal(); }), "not canonical");
  // Another valid key's alpha with this key's alphabeta: the pairing check catches it.
  EXPECT_ERROR_CONTAINS(MutVk([](json& j) { j["vk_alpha_1"] = j["IC"][0]; }), "does not equal");
  G2Affine bad = TwistPointOutsideG2();
  EXPECT_ERROR_CONTAINS(MutVk([&](json& j) {
    j["vk_delta_2"][0] = json::array({bad.x.c0.ToDecimal(), bad.x.c1.ToDecimal()});
    j["vk_delta_2"][1] = json::array({bad.y.c0.ToDecimal(), bad.y.c1.ToDecimal()});
  }), "vk_delta_2: G2 point is on the twist but not in the prime-order subgroup");
}

}  // namespace
}  // namespace depinfer::snark::formats
