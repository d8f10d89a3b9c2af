// The Ethereum precompiles bn256Add (0x06), bn256ScalarMul (0x07) and bn256Pairing (0x08)
// implemented on our core and run against the public vectors in data/eip196_197 (sources in
// its README): go-ethereum's success vectors, ethereum/tests failure and pairing cases, and
// constructed failures.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "math/encoding.h"
#include "math/pairing.h"
#include "test_util.h"

namespace depinfer::math::bn254 {
namespace {

using Bytes = std::vector<std::uint8_t>;
using testing::FromHex;

// EIP-196: inputs shorter than expected are padded with zeros, longer ones truncated.
Bytes PadTo(const Bytes& in, std::size_t n) {
  Bytes out(n, 0);
  std::copy_n(in.begin(), std::min(n, in.size()), out.begin());
  return out;
}

Status Add(const Bytes& input, Bytes* out) {
  Bytes in = PadTo(input, 128);
  G1Affine a, b;
  DEPINFER_RETURN_IF_ERROR(DecodeG1Eth(std::span(in).subspan(0, 64), &a));
  DEPINFER_RETURN_IF_ERROR(DecodeG1Eth(std::span(in).subspan(64, 64), &b));
  auto enc = EncodeG1Eth((G1::FromAffine(a) + G1::FromAffine(b)).ToAffine());
  out->assign(enc.begin(), enc.end());
  return Status::Ok();
}

Status Mul(const Bytes& input, Bytes* out) {
  Bytes in = PadTo(input, 96);
  G1Affine a;
  DEPINFER_RETURN_IF_ERROR(DecodeG1Eth(std::span(in).subspan(0, 64), &a));
  BigInt<4> k;
  k.FromBytesBE(in.data() + 64, 32);  // any 256-bit scalar, not reduced
  auto enc = EncodeG1Eth(G1::FromAffine(a).ScalarMulVartime(k).ToAffine());
  out->assign(enc.begin(), enc.end());
  return Status::Ok();
}

Status PairingCheck(const Bytes& in, Bytes* out) {
  if (in.size() % 192 != 0) return Status::InvalidArgument("pairing input length is not a multiple of 192");
  std::vector<G1Affine> ps;
  std::vector<G2Affine> qs;
  for (std::size_t off = 0; off < in.size(); off += 192) {
    G1Affine p;
    G2Affine q;
    DEPINFER_RETURN_IF_ERROR(DecodeG1Eth(std::span(in).subspan(off, 64), &p));
    DEPINFER_RETURN_IF_ERROR(DecodeG2Eth(std::span(in).subspan(off + 64, 128), &q));
    ps.push_back(p);
    qs.push_back(q);
  }
  out->assign(32, 0);
  (*out)[31] = PairingProductIsOne(ps, qs) ? 1 : 0;
  return Status::Ok();
}

Status Run(const std::string& precompile, const Bytes& in, Bytes* out) {
  if (precompile == "bn256Add") return Add(in, out);
  if (precompile == "bn256ScalarMul") return Mul(in, out);
  if (precompile == "bn256Pairing") return PairingCheck(in, out);
  return Status::InvalidArgument("unknown precompile " + precompile);
}

nlohmann::json Load(const std::string& name) {
  std::ifstream f(std::string(DEPINFER_TEST_DATA) + "/eip196_197/" + name);
  EXPECT_TRUE(f.good()) << name;
  return nlohmann::json::parse(f);
}

void RunSuccessFile(const std::string& file, const std::string& precompile) {
  auto cases = Load(file);
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    Bytes out;
    Status st = Run(precompile, FromHex(c["Input"]), &out);
    ASSERT_TRUE(st.ok()) << c["Name"] << ": " << st.ToString();
    EXPECT_EQ(testing::ToHex(out.data(), out.size()), c["Expected"].get<std::string>()) << c["Name"];
  }
}

TEST(Eip196Test, GethAdd) { RunSuccessFile("bn256Add.json", "bn256Add"); }
TEST(Eip196Test, GethScalarMul) { RunSuccessFile("bn256ScalarMul.json", "bn256ScalarMul"); }
TEST(Eip197Test, GethPairing) { RunSuccessFile("bn256Pairing.json", "bn256Pairing"); }
TEST(Eip197Test, EthereumTestsPairingInputs) {
  RunSuccessFile("ethtests_pairing_inputs.json", "bn256Pairing");
}

void RunFailureFile(const std::string& file) {
  auto cases = Load(file);
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    Bytes out = {0xaa};
    Status st = Run(c["Precompile"], FromHex(c["Input"]), &out);
    EXPECT_FALSE(st.ok()) << c["Name"] << " (" << c["ExpectedError"] << ") was accepted";
    EXPECT_FALSE(st.message().empty());
    EXPECT_EQ(out, Bytes{0xaa}) << "output must stay untouched";
  }
}

TEST(Eip196197FailureTest, EthereumTests) { RunFailureFile("ethtests_failures.json"); }
TEST(Eip196197FailureTest, Constructed) { RunFailureFile("constructed_failures.json"); }

}  // namespace
}  // namespace depinfer::math::bn254
