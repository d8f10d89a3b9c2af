// Cross-check against ffjavascript (npm; a library we did not write). tests/oracle/
// ffjs_vectors.mjs draws random inputs, computes the results with ffjavascript and writes them
// to the JSON file named by $DEPINFER_VECTORS; every result must come out of our code identical
// (compared as canonical decimal strings, i.e. byte for byte).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "math/msm.h"
#include "math/pairing.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using nlohmann::json;

const json& Vectors() {
  static const json v = [] {
    const char* path = std::getenv("DEPINFER_VECTORS");
    if (path == nullptr) return json();
    std::ifstream f(path);
    return f.good() ? json::parse(f) : json();
  }();
  return v;
}

#define REQUIRE_VECTORS()                                                              \
  if (Vectors().is_null()) GTEST_SKIP() << "set DEPINFER_VECTORS (run via run_crosscheck.sh)"

template <class F>
F Dec(const json& j) {
  F f;
  Status st = F::FromDecimal(j.get<std::string>(), &f);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return f;
}
Fp2 DecFp2(const json& j) { return {Dec<Fp>(j[0]), Dec<Fp>(j[1])}; }
json Enc(const Fp2& x) { return json::array({x.c0.ToDecimal(), x.c1.ToDecimal()}); }
Fp12 DecFp12(const json& j) {
  Fp2 c[6];
  for (int i = 0; i < 6; ++i) c[i] = {Dec<Fp>(j[2 * i]), Dec<Fp>(j[2 * i + 1])};
  return {{c[0], c[1], c[2]}, {c[3], c[4], c[5]}};
}
json Enc(const Fp12& f) {
  json out = json::array();
  for (const Fp6* s : {&f.c0, &f.c1})
    for (const Fp2* x : {&s->c0, &s->c1, &s->c2}) {
      out.push_back(x->c0.ToDecimal());
      out.push_back(x->c1.ToDecimal());
    }
  return out;
}
G1Affine DecG1(const json& j) {
  if (j[0] == "0" && j[1] == "0") return G1Affine::Infinity();
  return G1Affine::FromXY(Dec<Fp>(j[0]), Dec<Fp>(j[1]));
}
json Enc(const G1Affine& p) {
  if (p.infinity) return json::array({"0", "0"});
  return json::array({p.x.ToDecimal(), p.y.ToDecimal()});
}
G2Affine DecG2(const json& j) {
  Fp2 x = DecFp2(j[0]), y = DecFp2(j[1]);
  if (x.IsZero() && y.IsZero()) return G2Affine::Infinity();
  return G2Affine::FromXY(x, y);
}
json Enc(const G2Affine& p) {
  if (p.infinity) return json::array({json::array({"0", "0"}), json::array({"0", "0"})});
  return json::array({Enc(p.x), Enc(p.y)});
}
BigInt<4> DecScalar(const json& j) {
  BigInt<4> k;
  EXPECT_TRUE(k.FromDecimal(j.get<std::string>()));
  return k;
}

template <class F>
void CheckField(const char* key) {
  for (const auto& c : Vectors()[key]) {
    F a = Dec<F>(c["a"]), b = Dec<F>(c["b"]);
    EXPECT_EQ((a + b).ToDecimal(), c["add"]);
    EXPECT_EQ((a - b).ToDecimal(), c["sub"]);
    EXPECT_EQ((a * b).ToDecimal(), c["mul"]);
    EXPECT_EQ(a.Square().ToDecimal(), c["sqr"]);
    EXPECT_EQ((-a).ToDecimal(), c["neg"]);
    if (c.contains("inv") && !c["inv"].is_null()) {
      EXPECT_EQ(a.Inverse().ToDecimal(), c["inv"]);
      EXPECT_EQ(a.InverseVartime().ToDecimal(), c["inv"]);
    }
  }
}

TEST(CrossCheckFfjavascript, Fp) {
  REQUIRE_VECTORS();
  ASSERT_GE(Vectors()["fp"].size(), 64u);
  CheckField<Fp>("fp");
}
TEST(CrossCheckFfjavascript, Fr) {
  REQUIRE_VECTORS();
  ASSERT_GE(Vectors()["fr"].size(), 64u);
  CheckField<Fr>("fr");
}

TEST(CrossCheckFfjavascript, Fp2AndFp12) {
  REQUIRE_VECTORS();
  for (const auto& c : Vectors()["fp2"]) {
    Fp2 a = DecFp2(c["a"]), b = DecFp2(c["b"]);
    EXPECT_EQ(Enc(a * b), c["mul"]);
    EXPECT_EQ(Enc(a.Square()), c["sqr"]);
    EXPECT_EQ(Enc(a.Inverse()), c["inv"]);
  }
  for (const auto& c : Vectors()["fp12"]) {
    Fp12 a = DecFp12(c["a"]), b = DecFp12(c["b"]);
    EXPECT_EQ(Enc(a * b), c["mul"]);
    EXPECT_EQ(Enc(a.Square()), c["sqr"]);
    EXPECT_EQ(Enc(a.Inverse()), c["inv"]);
  }
}

TEST(CrossCheckFfjavascript, G1AddAndMul) {
  REQUIRE_VECTORS();
  for (const auto& c : Vectors()["g1_add"]) {
    G1 p = G1::FromAffine(DecG1(c["p"])), q = G1::FromAffine(DecG1(c["q"]));
    EXPECT_EQ(Enc((p + q).ToAffine()), c["out"]);
  }
  for (const auto& c : Vectors()["g1_mul"]) {
    G1 p = G1::FromAffine(DecG1(c["p"]));
    BigInt<4> k = DecScalar(c["k"]);
    EXPECT_EQ(Enc(p.ScalarMulVartime(k).ToAffine()), c["out"]) << c["k"];
    EXPECT_EQ(Enc(p.ScalarMulConstTime(k).ToAffine()), c["out"]) << c["k"];
  }
}

TEST(CrossCheckFfjavascript, G2AddAndMul) {
  REQUIRE_VECTORS();
  for (const auto& c : Vectors()["g2_add"]) {
    G2 p = G2::FromAffine(DecG2(c["p"])), q = G2::FromAffine(DecG2(c["q"]));
    EXPECT_EQ(Enc((p + q).ToAffine()), c["out"]);
  }
  for (const auto& c : Vectors()["g2_mul"]) {
    G2 p = G2::FromAffine(DecG2(c["p"]));
    BigInt<4> k = DecScalar(c["k"]);
    EXPECT_EQ(Enc(p.ScalarMulVartime(k).ToAffine()), c["out"]) << c["k"];
    EXPECT_EQ(Enc(p.ScalarMulConstTime(k).ToAffine()), c["out"]) << c["k"];
  }
}

// ffjavascript's pairing() is e^m for the fixed m = 2x(6x^2 + 3x + 1) (its Fuentes-Castaneda
// final exponentiation); "out_exact" is its exact (p^12-1)/r exponentiation. Ours must equal
// out_exact, and out_exact^m must equal out.
TEST(CrossCheckFfjavascript, Pairing) {
  REQUIRE_VECTORS();
  ASSERT_FALSE(Vectors()["pairing"].empty());
  for (const auto& c : Vectors()["pairing"]) {
    Fp12 e = Pairing(DecG1(c["p"]), DecG2(c["q"]));
    EXPECT_EQ(Enc(e), c["out_exact"]);
    Fp12 em = ToFfjavascriptPairing(e);
    EXPECT_EQ(Enc(em), c["out"]);
  }
}

TEST(CrossCheckFfjavascript, Msm) {
  REQUIRE_VECTORS();
  for (const auto& c : Vectors()["msm_g1"]) {
    std::vector<G1Affine> pts;
    std::vector<Fr> ks;
    for (const auto& p : c["points"]) pts.push_back(DecG1(p));
    for (const auto& k : c["scalars"]) ks.push_back(Fr::FromIntReduceVartime(DecScalar(k)));
    G1 out;
    ASSERT_TRUE(MsmG1(pts, ks, &out).ok());
    EXPECT_EQ(Enc(out.ToAffine()), c["out"]) << "n = " << pts.size();
  }
  for (const auto& c : Vectors()["msm_g2"]) {
    std::vector<G2Affine> pts;
    std::vector<Fr> ks;
    for (const auto& p : c["points"]) pts.push_back(DecG2(p));
    for (const auto& k : c["scalars"]) ks.push_back(Fr::FromIntReduceVartime(DecScalar(k)));
    G2 out;
    ASSERT_TRUE(MsmG2(pts, ks, &out).ok());
    EXPECT_EQ(Enc(out.ToAffine()), c["out"]) << "n = " << pts.size();
  }
}

}  // namespace
}  // namespace depinfer::math::bn254
