// Live interop with snarkjs (needs node and tests/snark/formats/oracle/node_modules; exits 77,
// "skipped", without them):
//   1. our .r1cs and .wtns writers produce a circuit and witness that snarkjs checks
//      (`wtns check`), sets up (`groth16 setup` on a fresh 2^4 powers of tau, then a phase-2
//      contribution), proves and verifies;
//   2. we read back the .zkey snarkjs made for our circuit (its coefficients are our matrices),
//      and its vk/proof/public JSON (the proof passes the pairing check in our math layer);
//   3. snarkjs verifies the same vk/proof/public after a round trip through our JSON writers.
// This is the path a production CRS takes: our circuit out to a snarkjs ceremony, the key back.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <tuple>

#include "formats_test_util.h"
#include "math/pairing.h"
#include "snark/formats/r1cs.h"
#include "snark/formats/snarkjs_json.h"
#include "snark/formats/wtns.h"
#include "snark/formats/zkey.h"

namespace depinfer::snark::formats {
namespace {

using math::bn254::G1;

std::string Snarkjs() {
  const char* s = std::getenv("DEPINFER_SNARKJS");
  return s ? s : "";
}

// Runs a snarkjs command quietly; its output goes to dir/log.txt, which is printed on failure.
bool RunSnarkjs(const std::string& dir, const std::string& args) {
  std::string cmd = "cd '" + dir + "' && '" + Snarkjs() + "' " + args + " >> log.txt 2>&1";
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream log(dir + "/log.txt");
    std::stringstream ss;
    ss << log.rdbuf();
    ADD_FAILURE() << "snarkjs " << args << " failed (" << rc << "):\n" << ss.str();
  }
  return rc == 0;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// wires: 0 = 1, 1 = out (public output), 2 = x (public input), 3 = y (private), 4 = t, 5 = s
//   y * y = t,   t * x = out,   (y + 1) * 1 = s + 0*x
R1cs OurCircuit() {
  R1cs r;
  r.n_wires = 6;
  r.n_pub_out = 1;
  r.n_pub_in = 1;
  r.n_prv_in = 1;
  r.n_labels = 6;
  r.wire_to_label = {0, 1, 2, 3, 4, 5};
  Fr one = Fr::One();
  r.constraints.push_back({{{3, one}}, {{3, one}}, {{4, one}}});
  r.constraints.push_back({{{4, one}}, {{2, one}}, {{1, one}}});
  r.constraints.push_back({{{0, one}, {3, one}}, {{0, one}}, {{5, one}, {2, Fr::Zero()}}});
  return r;
}

std::vector<Fr> OurWitness() {
  // x = 5, y = 3: t = 9, out = 45, s = 4.
  return {Fr::One(), Fr::FromU64(45), Fr::FromU64(5), Fr::FromU64(3), Fr::FromU64(9), Fr::FromU64(4)};
}

class SnarkjsInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/depinfer_snarkjs_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!HasFailure()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  std::string dir_;
};

TEST_F(SnarkjsInterop, OurCircuitThroughASnarkjsCeremonyAndBack) {
  R1cs r = OurCircuit();
  std::vector<Fr> w = OurWitness();
  ASSERT_TRUE(R1csIsSatisfied(r, w));
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(WriteR1cs(r, &bytes).ok());
  ASSERT_TRUE(WriteFileBytes(dir_ + "/ours.r1cs", bytes).ok());
  ASSERT_TRUE(WriteWtns(w, &bytes).ok());
  ASSERT_TRUE(WriteFileBytes(dir_ + "/ours.wtns", bytes).ok());

  ASSERT_TRUE(RunSnarkjs(dir_, "r1cs info ours.r1cs"));
  ASSERT_TRUE(RunSnarkjs(dir_, "wtns check ours.r1cs ours.wtns"));
  ASSERT_TRUE(RunSnarkjs(dir_, "powersoftau new bn128 4 pot0.ptau"));
  // A phase-1 contribution is needed: a fresh powers of tau has tau = alpha = beta = 1, and the
  // key made from it accepts any public input (this test's last check caught exactly that).
  ASSERT_TRUE(RunSnarkjs(dir_, "powersoftau contribute pot0.ptau pot1.ptau --name=interop -e=interop"));
  ASSERT_TRUE(RunSnarkjs(dir_, "powersoftau prepare phase2 pot1.ptau pot.ptau"));
  ASSERT_TRUE(RunSnarkjs(dir_, "groth16 setup ours.r1cs pot.ptau ours0.zkey"));
  ASSERT_TRUE(RunSnarkjs(dir_, "zkey contribute ours0.zkey ours.zkey --name=interop -e=interop"));
  ASSERT_TRUE(RunSnarkjs(dir_, "zkey export verificationkey ours.zkey vk.json"));
  ASSERT_TRUE(RunSnarkjs(dir_, "groth16 prove ours.zkey ours.wtns proof.json public.json"));
  ASSERT_TRUE(RunSnarkjs(dir_, "groth16 verify vk.json public.json proof.json"));

  // The key straight out of `groth16 setup`: no contributions yet, delta = the generators.
  Groth16Zkey z0;
  Status st0 = ReadGroth16ZkeyFile(dir_ + "/ours0.zkey", &z0);
  ASSERT_TRUE(st0.ok()) << st0.ToString();
  EXPECT_TRUE(z0.contributions.empty());
  EXPECT_EQ(z0.delta1, math::bn254::G1Generator());
  EXPECT_EQ(z0.delta2, math::bn254::G2Generator());

  // The key snarkjs made for our circuit.
  ASSERT_TRUE(ReadFileBytes(dir_ + "/ours.zkey", &bytes).ok());
  Groth16Zkey z;
  Status st = ParseGroth16Zkey(bytes, &z);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(z.n_vars, 6u);
  EXPECT_EQ(z.n_public, 2u);
  EXPECT_EQ(z.domain_size, 8u);
  ASSERT_EQ(z.contributions.size(), 1u);
  EXPECT_EQ(z.contributions[0].name, "interop");
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, Fr> want, got;
  for (std::uint32_t i = 0; i < r.constraints.size(); ++i) {
    for (const auto& t : r.constraints[i].a) want[{0, i, t.wire}] = t.coeff;
    for (const auto& t : r.constraints[i].b) want[{1, i, t.wire}] = t.coeff;
  }
  for (std::uint32_t s = 0; s <= r.n_public(); ++s) want[{0, 3 + s, s}] = Fr::One();
  for (const auto& c : z.coeffs) got[{c.matrix, c.constraint, c.signal}] = c.value;
  EXPECT_EQ(got, want);

  // Its JSON, and the proof checked with our pairing.
  SnarkjsVerificationKey vk;
  SnarkjsProof proof;
  std::vector<Fr> pub;
  ASSERT_TRUE(ParseVerificationKeyJson(Read(dir_ + "/vk.json"), &vk).ok());
  ASSERT_TRUE(ParseProofJson(Read(dir_ + "/proof.json"), &proof).ok());
  ASSERT_TRUE(ParsePublicJson(Read(dir_ + "/public.json"), &pub).ok());
  EXPECT_EQ(vk.ic, z.ic);
  EXPECT_EQ(vk.delta2, z.delta2);
  for (const auto& p : vk.ic) EXPECT_FALSE(p.infinity);
  ASSERT_EQ(pub, (std::vector<Fr>{Fr::FromU64(45), Fr::FromU64(5)}));
  G1 acc = G1::FromAffine(vk.ic[0]);
  for (std::size_t i = 0; i < pub.size(); ++i) acc = acc + G1::FromAffine(vk.ic[i + 1]).ScalarMulVartime(pub[i].ToInt());
  G1Affine ps[4] = {-proof.a, vk.alpha1, acc.ToAffine(), proof.c};
  G2Affine qs[4] = {proof.b, vk.beta2, vk.gamma2, vk.delta2};
  EXPECT_TRUE(math::bn254::PairingProductIsOne(ps, qs));

  // snarkjs accepts our JSON writers' output, and rejects a tampered public input.
  Write(dir_ + "/vk2.json", WriteVerificationKeyJson(vk));
  Write(dir_ + "/proof2.json", WriteProofJson(proof));
  Write(dir_ + "/public2.json", WritePublicJson(pub));
  ASSERT_TRUE(RunSnarkjs(dir_, "groth16 verify vk2.json public2.json proof2.json"));
  pub[1] += Fr::One();
  Write(dir_ + "/public3.json", WritePublicJson(pub));
  std::string cmd = "cd '" + dir_ + "' && '" + Snarkjs() + "' groth16 verify vk2.json public3.json proof2.json >> log.txt 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0) << "snarkjs accepted a tampered public input";
}

}  // namespace
}  // namespace depinfer::snark::formats

int main(int argc, char** argv) {
  std::string s = depinfer::snark::formats::Snarkjs();
  if (s.empty() || access(s.c_str(), X_OK) != 0 || std::system("command -v node >/dev/null 2>&1") != 0) {
    std::printf("SKIP: node or snarkjs missing (npm ci in tests/snark/formats/oracle)\n");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
