// libFuzzer target for every circom/snarkjs parser: .r1cs, .wtns, Groth16 .zkey, and the three
// snarkjs JSON files. A parser must either reject its input with a Status or accept it; it must
// never crash, hang or trip a sanitizer. Whatever a parser accepts must survive a write/parse
// round trip unchanged (.r1cs, .wtns and the JSON files; the .zkey reader is checked for
// consistent counts).
//
// The first byte picks the parser, the rest is its input. Good seeds are the fixtures, each
// prefixed with its selector byte (0 r1cs, 1 wtns, 2 zkey, 3 vk, 4 proof, 5 public):
//   build/fuzz/tests/snark/formats/fuzz_formats -max_total_time=60 corpus/
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "snark/formats/r1cs.h"
#include "snark/formats/snarkjs_json.h"
#include "snark/formats/wtns.h"
#include "snark/formats/zkey.h"

using namespace depinfer::snark::formats;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  switch (data[0] % 6) {
    case 0: {
      R1cs r;
      if (ParseR1cs(in, &r).ok()) {
        std::vector<std::uint8_t> out;
        Check(WriteR1cs(r, &out).ok());
        // Sections may come in any order in a valid file; ours are in circom's order, so compare
        // after a second parse.
        R1cs again;
        Check(ParseR1cs(out, &again).ok() && again == r);
      }
      break;
    }
    case 1: {
      std::vector<Fr> w;
      if (ParseWtns(in, &w).ok()) {
        std::vector<std::uint8_t> out;
        Check(WriteWtns(w, &out).ok());
        std::vector<Fr> again;
        Check(ParseWtns(out, &again).ok() && again == w);
      }
      break;
    }
    case 2: {
      Groth16Zkey z;
      if (ParseGroth16Zkey(in, &z).ok()) {
        Check(z.ic.size() == std::size_t{z.n_public} + 1 && z.a.size() == z.n_vars &&
              z.b2.size() == z.n_vars && z.h.size() == z.domain_size);
      }
      break;
    }
    case 3: {
      SnarkjsVerificationKey vk;
      if (ParseVerificationKeyJson(text, &vk).ok()) {
        SnarkjsVerificationKey again;
        Check(ParseVerificationKeyJson(WriteVerificationKeyJson(vk), &again).ok() && again.ic == vk.ic);
      }
      break;
    }
    case 4: {
      SnarkjsProof p;
      if (ParseProofJson(text, &p).ok()) {
        SnarkjsProof again;
        Check(ParseProofJson(WriteProofJson(p), &again).ok() && again.a == p.a && again.b == p.b &&
              again.c == p.c);
      }
      break;
    }
    case 5: {
      std::vector<Fr> v;
      if (ParsePublicJson(text, &v).ok()) {
        std::vector<Fr> again;
        Check(ParsePublicJson(WritePublicJson(v), &again).ok() && again == v);
      }
      break;
    }
  }
  return 0;
}
