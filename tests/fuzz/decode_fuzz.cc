// libFuzzer target for every decoder of external BN254 input: field elements (bytes and decimal
// text), Ethereum-form and compressed G1/G2 points. A decoder must either reject the input
// with a Status or return a value that re-encodes to exactly the same bytes; it must never
// crash or trip a sanitizer.
//
//   build/fuzz/tests/fuzz/decode_fuzz -max_total_time=60
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "math/encoding.h"

using namespace depinfer::math::bn254;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

template <class F>
void FuzzField(std::span<const std::uint8_t> in) {
  F f;
  if (F::FromBytesBE(in, &f).ok()) {
    std::uint8_t out[32];
    f.ToBytesBE(out);
    Check(std::equal(in.begin(), in.end(), out));
  }
  std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  if (F::FromDecimal(text, &f).ok()) Check(f.ToDecimal() == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the decoder, the rest is its input.
  std::span<const std::uint8_t> in(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0: FuzzField<Fp>(in); break;
    case 1: FuzzField<Fr>(in); break;
    case 2: {
      G1Affine p;
      if (DecodeG1Eth(in, &p).ok()) {
        auto out = EncodeG1Eth(p);
        Check(p.IsOnCurve() && std::equal(in.begin(), in.end(), out.begin()));
      }
      break;
    }
    case 3: {
      G2Affine p;
      if (DecodeG2Eth(in, &p).ok()) {
        auto out = EncodeG2Eth(p);
        Check(p.IsOnCurve() && std::equal(in.begin(), in.end(), out.begin()));
      }
      break;
    }
    case 4: {
      G1Affine p;
      if (DecodeG1Compressed(in, &p).ok()) {
        auto out = EncodeG1Compressed(p);
        Check(p.IsOnCurve() && std::equal(in.begin(), in.end(), out.begin()));
      }
      break;
    }
    case 5: {
      G2Affine p;
      if (DecodeG2Compressed(in, &p).ok()) {
        auto out = EncodeG2Compressed(p);
        Check(p.IsOnCurve() && std::equal(in.begin(), in.end(), out.begin()));
      }
      break;
    }
  }
  return 0;
}
