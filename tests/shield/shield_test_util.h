// Shared by the shield tests: one development CRS per test binary (made once, seeded), and
// a small helper to run snarkjs on a proof.
#pragma once

#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "shield/commitment_tree.h"
#include "shield/joinsplit_keys.h"
#include "snark/formats/snarkjs_json.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer::shield::testing {

// Aborts on an error where the test setup cannot go wrong.
inline void Must(const Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "test setup failed: %s\n", st.ToString().c_str());
    std::abort();
  }
}

// A spender with two real notes in a small tree and a join-split witness over them.
struct Fixture {
  Fr sk = Fr::FromU64(123456789);
  Fr pk = OwnerKey(sk);
  Fr asset = Fr::Zero();
  Frontier tree;
  JoinSplitWitness wit;
  Fr root;

  // Two real notes (amounts a, b) in a tree with some other leaves around them.
  Fixture(std::uint64_t a, std::uint64_t b, std::uint64_t out0, std::uint64_t out1) {
    wit.sk = sk;
    std::vector<Witness> ws;
    const std::uint64_t amounts[2] = {a, b};
    for (int k = 0; k < 2; ++k) {
      for (int filler = 0; filler < 3 + 2 * k; ++filler) {
        Must(tree.Append(Fr::FromU64(1000 + filler)));
        for (Witness& w : ws) Must(w.Append(Fr::FromU64(1000 + filler)));
      }
      Note n{asset, amounts[k], pk, Fr::FromU64(77 + k)};
      const Fr cm = NoteCommitment(n);
      Must(tree.Append(cm));
      for (Witness& w : ws) Must(w.Append(cm));
      ws.push_back(Witness::ForLastLeaf(tree, cm));
      wit.inputs[k].note = n;
    }
    for (int k = 0; k < 2; ++k) {
      wit.inputs[k].position = ws[k].position();
      wit.inputs[k].path = ws[k].Path();
    }
    root = tree.Root();
    wit.outputs[0] = Note{asset, out0, Fr::FromU64(42), Fr::FromU64(5)};
    wit.outputs[1] = Note{asset, out1, pk, Fr::FromU64(6)};
  }

  JoinSplitPublic Public(SignedAmount v = {}) const {
    return ComputeJoinSplitPublic(wit, root, v.ToField(), Fr::FromU64(999));
  }
};


inline const JoinSplitKeys& TestKeys() {
  static const std::unique_ptr<JoinSplitKeys> keys = [] {
    std::uint8_t seed[32] = {7};
    std::unique_ptr<JoinSplitKeys> k;
    const Status st = JoinSplitKeys::DevSetup(&k, seed);
    if (!st.ok()) std::abort();
    return k;
  }();
  return *keys;
}

// 1 when snarkjs verifies, 0 when it rejects, -1 when snarkjs is not available.
inline int SnarkjsVerify(const snark::groth16::VerifyingKey& vk, std::span<const Fr> inputs,
                         const snark::groth16::Proof& proof) {
  const char* snarkjs = std::getenv("DEPINFER_SNARKJS");
  if (snarkjs == nullptr || !std::filesystem::exists(snarkjs)) return -1;
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("depinfer_shield_" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(dir);
  namespace formats = snark::formats;
  std::ofstream(dir + "/vk.json") << formats::WriteVerificationKeyJson(snark::groth16::ToSnarkjs(vk));
  std::ofstream(dir + "/proof.json") << formats::WriteProofJson(snark::groth16::ToSnarkjs(proof));
  std::ofstream(dir + "/public.json") << formats::WritePublicJson(inputs);
  std::ostringstream cmd;  // (ostringstream: GCC 12 misreports -Wrestrict on string +)
  cmd << "'" << snarkjs << "' groth16 verify '" << dir << "/vk.json' '" << dir
      << "/public.json' '" << dir << "/proof.json' > '" << dir << "/log.txt' 2>&1";
  const int rc = std::system(cmd.str().c_str());
  std::filesystem::remove_all(dir);
  return rc == 0 ? 1 : 0;
}

}  // namespace depinfer::shield::testing
