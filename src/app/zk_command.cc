#include "app/zk_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "snark/formats/r1cs.h"
#include "snark/formats/wtns.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer::app {
namespace {

using snark::formats::Groth16Zkey;
using namespace snark::groth16;

constexpr int kInvalid = 1;
constexpr int kBadInput = 2;

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int Fail(const std::string& what, const Status& st, int code = kBadInput) {
  std::cerr << "depinfer zk: " << what << ": " << st.message() << "\n";
  return code;
}

// Reads and parses a file with `parse(bytes, out)`; prints the error and returns false on failure.
template <bool kBinary, class T, class Parse>
bool Load(const std::string& path, Parse parse, T* out) {
  std::string text;
  if (!ReadFile(path, &text)) {
    std::cerr << "depinfer zk: cannot read " << path << "\n";
    return false;
  }
  Status st;
  if constexpr (kBinary) {
    std::vector<std::uint8_t> bytes(text.begin(), text.end());
    st = parse(std::span<const std::uint8_t>(bytes), out);
  } else {
    st = parse(std::string_view(text), out);
  }
  if (!st.ok()) {
    std::cerr << "depinfer zk: " << path << ": " << st.message() << "\n";
    return false;
  }
  return true;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) std::cerr << "depinfer zk: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

int Verify(const std::string& vk_path, const std::string& public_path, const std::string& proof_path) {
  snark::formats::SnarkjsVerificationKey vk;
  snark::formats::SnarkjsProof proof;
  std::vector<Fr> inputs;
  if (!Load<false>(vk_path, snark::formats::ParseVerificationKeyJson, &vk) ||
      !Load<false>(public_path, snark::formats::ParsePublicJson, &inputs) ||
      !Load<false>(proof_path, snark::formats::ParseProofJson, &proof)) {
    return kBadInput;
  }
  PreparedVerifyingKey pvk;
  Status st = PreparedVerifyingKey::Prepare(FromSnarkjs(vk), &pvk);
  if (!st.ok()) return Fail(vk_path, st);
  st = pvk.Verify(inputs, FromSnarkjs(proof));
  if (!st.ok()) {
    bool malformed = st.message().rfind("malformed", 0) == 0;
    std::cout << "INVALID: " << st.message() << "\n";
    return malformed ? kBadInput : kInvalid;
  }
  std::cout << "OK: the proof is valid\n";
  return 0;
}

int Prove(const std::string& zkey_path, const std::string& wtns_path, const std::string& proof_path,
          const std::string& public_path) {
  Groth16Zkey zkey;
  std::vector<Fr> witness;
  if (!Load<true>(zkey_path, snark::formats::ParseGroth16Zkey, &zkey) ||
      !Load<true>(wtns_path, snark::formats::ParseWtns, &witness)) {
    return kBadInput;
  }
  ProvingKey pk;
  Status st = ProvingKeyFromZkey(zkey, &pk);
  if (!st.ok()) return Fail(zkey_path, st);
  Proof proof;
  st = snark::groth16::Prove(pk, witness, &proof);
  if (!st.ok()) return Fail("prove", st);
  std::vector<Fr> inputs(witness.begin() + 1, witness.begin() + 1 + pk.num_public);
  if (!WriteFile(proof_path, snark::formats::WriteProofJson(ToSnarkjs(proof))) ||
      !WriteFile(public_path, snark::formats::WritePublicJson(inputs))) {
    return kInvalid;
  }
  return 0;
}

int ExportVk(const std::string& zkey_path, const std::string& vk_path) {
  Groth16Zkey zkey;
  if (!Load<true>(zkey_path, snark::formats::ParseGroth16Zkey, &zkey)) return kBadInput;
  ProvingKey pk;
  Status st = ProvingKeyFromZkey(zkey, &pk);
  if (!st.ok()) return Fail(zkey_path, st);
  return WriteFile(vk_path, snark::formats::WriteVerificationKeyJson(ToSnarkjs(pk.vk))) ? 0 : kInvalid;
}

int Info(const std::string& path) {
  std::string text;
  if (!ReadFile(path, &text)) {
    std::cerr << "depinfer zk: cannot read " << path << "\n";
    return kBadInput;
  }
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  if (text.rfind("r1cs", 0) == 0) {
    snark::formats::R1cs r;
    Status st = snark::formats::ParseR1cs(bytes, &r);
    if (!st.ok()) return Fail(path, st);
    std::cout << "circom R1CS (BN254)\n  constraints:     " << r.constraints.size()
              << "\n  wires:           " << r.n_wires << "\n  public outputs:  " << r.n_pub_out
              << "\n  public inputs:   " << r.n_pub_in << "\n  private inputs:  " << r.n_prv_in
              << "\n  labels:          " << r.n_labels << "\n";
    return 0;
  }
  if (text.rfind("zkey", 0) == 0) {
    Groth16Zkey z;
    Status st = snark::formats::ParseGroth16Zkey(bytes, &z);
    if (!st.ok()) return Fail(path, st);
    std::cout << "snarkjs Groth16 key (BN254)\n  wires:           " << z.n_vars
              << "\n  public signals:  " << z.n_public << "\n  domain size:     " << z.domain_size
              << "\n  contributions:   " << z.contributions.size() << "\n";
    return 0;
  }
  std::cerr << "depinfer zk: " << path << " is neither a circom .r1cs nor a snarkjs .zkey\n";
  return kBadInput;
}

}  // namespace

void AddZkCommands(CLI::App& app, std::function<int()>* run) {
  CLI::App* zk = app.add_subcommand("zk", "Groth16 tools interoperating with circom and snarkjs");
  zk->require_subcommand(1);

  auto files = std::make_shared<std::vector<std::string>>(4);
  CLI::App* info = zk->add_subcommand("info", "Constraints and inputs of a .r1cs or .zkey");
  info->add_option("file", (*files)[0], "A circom .r1cs or snarkjs .zkey")->required()->check(CLI::ExistingFile);
  info->callback([files, run] { *run = [files] { return Info((*files)[0]); }; });

  CLI::App* prove = zk->add_subcommand("prove", "Prove with a snarkjs .zkey and a circom .wtns");
  prove->add_option("zkey", (*files)[0], "snarkjs Groth16 key")->required()->check(CLI::ExistingFile);
  prove->add_option("wtns", (*files)[1], "circom witness")->required()->check(CLI::ExistingFile);
  prove->add_option("proof", (*files)[2], "proof.json to write")->required();
  prove->add_option("public", (*files)[3], "public.json to write")->required();
  prove->callback([files, run] {
    *run = [files] { return Prove((*files)[0], (*files)[1], (*files)[2], (*files)[3]); };
  });

  CLI::App* verify = zk->add_subcommand("verify", "Verify a proof (exit code 0 only when valid)");
  verify->add_option("vk", (*files)[0], "verification_key.json")->required()->check(CLI::ExistingFile);
  verify->add_option("public", (*files)[1], "public.json")->required()->check(CLI::ExistingFile);
  verify->add_option("proof", (*files)[2], "proof.json")->required()->check(CLI::ExistingFile);
  verify->callback([files, run] { *run = [files] { return Verify((*files)[0], (*files)[1], (*files)[2]); }; });

  CLI::App* export_vk = zk->add_subcommand("export-vk", "Write a .zkey's verifying key as snarkjs JSON");
  export_vk->add_option("zkey", (*files)[0], "snarkjs Groth16 key")->required()->check(CLI::ExistingFile);
  export_vk->add_option("vk", (*files)[1], "verification_key.json to write")->required();
  export_vk->callback([files, run] { *run = [files] { return ExportVk((*files)[0], (*files)[1]); }; });
}

}  // namespace depinfer::app
