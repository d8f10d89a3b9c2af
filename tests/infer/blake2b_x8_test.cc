// The eight-lane BLAKE2b against libsodium's (an implementation we did not write) and RFC 7693's
// Appendix A vector, and the batched logits digests against the one-row digest.
#include "infer/blake2b_x8.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "infer/quant.h"
#include "infer/sampler.h"

namespace depinfer::infer {
namespace {

#ifdef DEPINFER_HAVE_AVX512_KERNELS
bool LanesRun() {
  if (HasAvx512Twins(BestIsa())) return true;
  std::printf("no AVX-512 on this CPU: the lanes are not run\n");
  return false;
}

std::string Hex(const unsigned char* p, size_t n) {
  std::string s(2 * n + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), p, n);
  s.resize(2 * n);
  return s;
}

TEST(Blake2bX8, Rfc7693AbcVector) {
  if (!LanesRun()) GTEST_SKIP();
  const unsigned char abc[] = {'a', 'b', 'c'};
  const unsigned char* msgs[8];
  unsigned char digests[8][64];
  unsigned char* out[8];
  for (int j = 0; j < 8; ++j) {
    msgs[j] = abc;
    out[j] = digests[j];
  }
  Blake2bX8(msgs, 3, 64, out);
  // RFC 7693, Appendix A: BLAKE2b-512("abc").
  const std::string want =
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
      "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
  for (int j = 0; j < 8; ++j) EXPECT_EQ(Hex(digests[j], 64), want) << "lane " << j;
}

// Distinct messages in every lane, every length from 0 to three blocks and some long ones, and
// digest sizes at both ends of the range: each lane equals libsodium on its own message.
TEST(Blake2bX8, EachLaneEqualsLibsodium) {
  if (!LanesRun()) GTEST_SKIP();
  ASSERT_GE(sodium_init(), 0);
  std::mt19937 rng(11);
  std::vector<size_t> lengths;
  for (size_t len = 0; len <= 3 * 128 + 1; ++len) lengths.push_back(len);
  for (size_t len : {1000, 4096, 196608, 196609}) lengths.push_back(len);
  const size_t kOutlens[] = {1, 20, 32, 48, 64};
  for (size_t t = 0; t < lengths.size(); ++t) {
    const size_t len = lengths[t];
    const size_t outlen = kOutlens[t % 5];
    std::vector<std::vector<unsigned char>> data(8, std::vector<unsigned char>(len));
    const unsigned char* msgs[8];
    unsigned char digests[8][64];
    unsigned char* out[8];
    for (int j = 0; j < 8; ++j) {
      for (auto& b : data[j]) b = static_cast<unsigned char>(rng());
      msgs[j] = data[j].data();
      out[j] = digests[j];
    }
    Blake2bX8(msgs, len, outlen, out);
    for (int j = 0; j < 8; ++j) {
      unsigned char want[64];
      crypto_generichash(want, outlen, data[j].data(), len, nullptr, 0);
      ASSERT_EQ(Hex(digests[j], outlen), Hex(want, outlen)) << "length " << len << " lane " << j;
    }
  }
}
#endif  // DEPINFER_HAVE_AVX512_KERNELS

// Any number of rows, on every ISA: the batched digests are the one-row digests.
TEST(LogitsDigests, EqualOneRowDigestsForAnyCount) {
  std::mt19937 rng(12);
  std::normal_distribution<float> g(0.0f, 5.0f);
  const int n = 1000;
  std::vector<std::vector<float>> rows(19, std::vector<float>(n));
  std::vector<const float*> ptrs;
  for (auto& r : rows) {
    for (float& x : r) x = g(rng);
    ptrs.push_back(r.data());
  }
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
    if (!IsaAvailable(isa)) continue;
    for (int count = 0; count <= 19; ++count) {
      std::vector<std::array<unsigned char, 32>> got(count);
      LogitsDigests(ptrs.data(), count, n, reinterpret_cast<unsigned char(*)[32]>(got.data()), isa);
      for (int i = 0; i < count; ++i) {
        unsigned char want[32];
        LogitsDigest(rows[i].data(), n, want);
        ASSERT_EQ(0, std::memcmp(got[i].data(), want, 32)) << IsaName(isa) << " count " << count << " row " << i;
      }
    }
  }
}

}  // namespace
}  // namespace depinfer::infer
