// Poseidon against circomlibjs, every width it supports (t = 2..17): all round constants and
// MDS entries, and hashes of fixed and random inputs. oracle/poseidon_vectors.mjs writes the
// vectors to the JSON file named by $DEPINFER_POSEIDON_VECTORS (run_oracle.sh sets it up).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "snark/poseidon.h"

namespace depinfer::snark {
namespace {

using nlohmann::json;

const json& Vectors() {
  static const json v = [] {
    const char* path = std::getenv("DEPINFER_POSEIDON_VECTORS");
    if (path == nullptr) return json();
    std::ifstream f(path);
    return f.good() ? json::parse(f) : json();
  }();
  return v;
}

#define REQUIRE_VECTORS()     \
  if (Vectors().is_null()) GTEST_SKIP() << "set DEPINFER_POSEIDON_VECTORS (run via run_oracle.sh)"

Fr Dec(const json& j) {
  Fr f;
  Status st = Fr::FromDecimal(j.get<std::string>(), &f);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return f;
}

TEST(PoseidonOracle, EveryConstantOfEveryWidth) {
  REQUIRE_VECTORS();
  ASSERT_EQ(Vectors()["params"].size(), kPoseidonMaxWidth - 1);
  for (const json& p : Vectors()["params"]) {
    std::size_t t = p["t"].get<std::size_t>();
    const PoseidonParams& ours = CircomPoseidonParams(t);
    ASSERT_EQ(p["C"].size(), ours.round_constants.size()) << "t=" << t;
    for (std::size_t k = 0; k < ours.round_constants.size(); ++k) {
      ASSERT_EQ(ours.round_constants[k], Dec(p["C"][k])) << "t=" << t << " C[" << k << "]";
    }
    ASSERT_EQ(p["M"].size(), t);
    for (std::size_t i = 0; i < t; ++i) {
      for (std::size_t j = 0; j < t; ++j) {
        ASSERT_EQ(ours.Mds(i, j), Dec(p["M"][i][j])) << "t=" << t << " M[" << i << "][" << j << "]";
      }
    }
  }
}

TEST(PoseidonOracle, HashesOfEveryWidth) {
  REQUIRE_VECTORS();
  std::printf("circomlibjs oracle seed %s\n", Vectors()["seed"].get<std::string>().c_str());
  ASSERT_GE(Vectors()["hashes"].size(), 16u);
  for (const json& h : Vectors()["hashes"]) {
    std::vector<Fr> in;
    for (const json& x : h["inputs"]) in.push_back(Dec(x));
    EXPECT_EQ(Poseidon(in).ToDecimal(), h["out"].get<std::string>()) << h["inputs"].dump();
  }
}

}  // namespace
}  // namespace depinfer::snark
