// Groth16 interop with snarkjs, the tool this field already uses:
//   - our verifier accepts the proof snarkjs made for the fixture circuit (tests/snark/formats/
//     data, made by circom and snarkjs; see its README) and rejects it for other inputs;
//   - our prover, running on snarkjs's .zkey and circom's witness, makes proofs that our
//     verifier and `snarkjs groth16 verify` accept;
//   - proofs from our own development setup verify in snarkjs too;
//   - snarkjs proves with the .zkey our setup writes (`depinfer zk setup`), and its proof
//     verifies under our key; snarkjs exports the same verifying key from that file.
// The snarkjs steps need node and tests/snark/formats/oracle/node_modules ($DEPINFER_SNARKJS);
// without them they are skipped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "snark/formats/r1cs.h"
#include "snark/formats/wtns.h"
#include "snark/groth16/circom_r1cs.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer::snark::groth16 {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::vector<std::uint8_t> Bytes(const std::string& path) {
  std::string s = Read(path);
  return {s.begin(), s.end()};
}
std::string Data(const char* name) { return std::string(DEPINFER_FORMATS_DATA) + "/" + name; }

// Writes vk/proof/public as snarkjs JSON into a fresh folder and runs `snarkjs groth16 verify`.
// Returns 1 when verified, 0 when rejected, -1 when snarkjs is not available.
int SnarkjsVerify(const VerifyingKey& vk, std::span<const Fr> inputs, const Proof& proof, const char* tag) {
  const char* snarkjs = std::getenv("DEPINFER_SNARKJS");
  if (snarkjs == nullptr || !std::filesystem::exists(snarkjs)) return -1;
  std::ostringstream name;
  name << "depinfer_g16_" << tag << "_" << getpid();
  const std::string dir = (std::filesystem::temp_directory_path() / name.str()).string();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/vk.json") << formats::WriteVerificationKeyJson(ToSnarkjs(vk));
  std::ofstream(dir + "/proof.json") << formats::WriteProofJson(ToSnarkjs(proof));
  std::ofstream(dir + "/public.json") << formats::WritePublicJson(inputs);
  std::ostringstream cmd;
  cmd << "'" << snarkjs << "' groth16 verify '" << dir << "/vk.json' '" << dir << "/public.json' '"
      << dir << "/proof.json' > '" << dir << "/log.txt' 2>&1";
  int rc = std::system(cmd.str().c_str());
  std::filesystem::remove_all(dir);
  return rc == 0 ? 1 : 0;
}

TEST(Groth16InteropTest, OurVerifierAcceptsSnarkjsProof) {
  formats::SnarkjsVerificationKey svk;
  formats::SnarkjsProof sproof;
  std::vector<Fr> inputs;
  ASSERT_TRUE(formats::ParseVerificationKeyJson(Read(Data("verification_key.json")), &svk).ok());
  ASSERT_TRUE(formats::ParseProofJson(Read(Data("proof.json")), &sproof).ok());
  ASSERT_TRUE(formats::ParsePublicJson(Read(Data("public.json")), &inputs).ok());
  PreparedVerifyingKey pvk;
  ASSERT_TRUE(PreparedVerifyingKey::Prepare(FromSnarkjs(svk), &pvk).ok());
  EXPECT_TRUE(pvk.Verify(inputs, FromSnarkjs(sproof)).ok());
  inputs[0] += Fr::One();
  EXPECT_FALSE(pvk.Verify(inputs, FromSnarkjs(sproof)).ok());
}

TEST(Groth16InteropTest, OurProverOnSnarkjsZkey) {
  formats::Groth16Zkey zkey;
  ASSERT_TRUE(formats::ParseGroth16Zkey(Bytes(Data("formats.zkey")), &zkey).ok());
  std::vector<Fr> witness;
  ASSERT_TRUE(formats::ParseWtns(Bytes(Data("formats.wtns")), &witness).ok());
  ProvingKey pk;
  ASSERT_TRUE(ProvingKeyFromZkey(zkey, &pk).ok());
  Proof proof;
  ASSERT_TRUE(Prove(pk, witness, &proof).ok());
  std::vector<Fr> inputs(witness.begin() + 1, witness.begin() + 1 + pk.num_public);
  PreparedVerifyingKey pvk;
  ASSERT_TRUE(PreparedVerifyingKey::Prepare(pk.vk, &pvk).ok());
  EXPECT_TRUE(pvk.Verify(inputs, proof).ok());
  int s = SnarkjsVerify(pk.vk, inputs, proof, "zkey");
  if (s < 0) GTEST_SKIP() << "snarkjs not available (set DEPINFER_SNARKJS)";
  EXPECT_EQ(s, 1) << "snarkjs rejected our proof made with its own key";
  inputs[0] += Fr::One();
  EXPECT_EQ(SnarkjsVerify(pk.vk, inputs, proof, "zkey_bad"), 0);
}

TEST(Groth16InteropTest, SnarkjsVerifiesOurSetupAndProof) {
  // x * x = y (y public), with a private square root.
  snark::R1cs r1cs;
  r1cs.num_wires = 3;
  r1cs.num_public_outputs = 1;
  r1cs.a.AppendRow({{2, Fr::One()}});
  r1cs.b.AppendRow({{2, Fr::One()}});
  r1cs.c.AppendRow({{1, Fr::One()}});
  std::vector<Fr> witness = {Fr::One(), Fr::FromU64(49), Fr::FromU64(7)};
  ProvingKey pk;
  ASSERT_TRUE(groth16::Setup(r1cs, &pk).ok());
  Proof proof;
  ASSERT_TRUE(Prove(pk, witness, &proof).ok());
  std::vector<Fr> inputs = {witness[1]};
  int s = SnarkjsVerify(pk.vk, inputs, proof, "own");
  if (s < 0) GTEST_SKIP() << "snarkjs not available (set DEPINFER_SNARKJS)";
  EXPECT_EQ(s, 1);
}

// Our setup's .zkey in snarkjs: `snarkjs groth16 prove` with it and the circom witness, then
// our verifier on snarkjs's proof; `snarkjs zkey export verificationkey` gives our key.
TEST(Groth16InteropTest, SnarkjsProvesWithOurZkey) {
  const char* snarkjs = std::getenv("DEPINFER_SNARKJS");
  if (snarkjs == nullptr || !std::filesystem::exists(snarkjs)) {
    GTEST_SKIP() << "snarkjs not available (set DEPINFER_SNARKJS)";
  }
  formats::R1cs circom;
  ASSERT_TRUE(formats::ParseR1cs(Bytes(Data("formats.r1cs")), &circom).ok());
  snark::R1cs r1cs;
  ASSERT_TRUE(FromCircom(circom, &r1cs).ok());
  ProvingKey pk;
  ASSERT_TRUE(groth16::Setup(r1cs, &pk).ok());
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("depinfer_g16_ourzkey_" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(formats::WriteFileBytes(dir + "/our.zkey", formats::WriteGroth16Zkey(ZkeyFromProvingKey(pk))).ok());
  const std::string q = "'" + std::string(snarkjs) + "' ";
  const std::string cmd = q + "groth16 prove '" + dir + "/our.zkey' '" + Data("formats.wtns") + "' '" + dir +
                          "/proof.json' '" + dir + "/public.json' > '" + dir + "/log.txt' 2>&1 && " + q +
                          "zkey export verificationkey '" + dir + "/our.zkey' '" + dir + "/vk.json' >> '" + dir +
                          "/log.txt' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << Read(dir + "/log.txt");
  formats::SnarkjsProof sproof;
  formats::SnarkjsVerificationKey svk;
  std::vector<Fr> inputs;
  ASSERT_TRUE(formats::ParseProofJson(Read(dir + "/proof.json"), &sproof).ok());
  ASSERT_TRUE(formats::ParsePublicJson(Read(dir + "/public.json"), &inputs).ok());
  ASSERT_TRUE(formats::ParseVerificationKeyJson(Read(dir + "/vk.json"), &svk).ok());
  std::filesystem::remove_all(dir);
  const VerifyingKey exported = FromSnarkjs(svk);
  EXPECT_EQ(exported.alpha, pk.vk.alpha);
  EXPECT_EQ(exported.beta, pk.vk.beta);
  EXPECT_EQ(exported.gamma, pk.vk.gamma);
  EXPECT_EQ(exported.delta, pk.vk.delta);
  EXPECT_EQ(exported.ic, pk.vk.ic);
  PreparedVerifyingKey pvk;
  ASSERT_TRUE(PreparedVerifyingKey::Prepare(pk.vk, &pvk).ok());
  EXPECT_TRUE(pvk.Verify(inputs, FromSnarkjs(sproof)).ok()) << "snarkjs's proof with our key does not verify";
  inputs[0] += Fr::One();
  EXPECT_FALSE(pvk.Verify(inputs, FromSnarkjs(sproof)).ok());
}

}  // namespace
}  // namespace depinfer::snark::groth16
