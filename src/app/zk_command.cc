#include "app/zk_command.h"

#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/progress_bar.h"
#include "snark/formats/r1cs.h"
#include "snark/formats/wtns.h"
#include "snark/groth16/circom_r1cs.h"
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
  Status st;
  if constexpr (kBinary) {
    std::vector<std::uint8_t> bytes;
    st = snark::formats::ReadFileBytes(path, &bytes);
    if (!st.ok()) {
      std::cerr << "depinfer zk: " << st.message() << "\n";  // names the path already
      return false;
    }
    st = parse(std::span<const std::uint8_t>(bytes), out);
  } else {
    std::string text;
    if (!ReadFile(path, &text)) {
      std::cerr << "depinfer zk: cannot read " << path << "\n";
      return false;
    }
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

// Writes next to `path` and renames over it, so a crash never leaves half a key under its name.
bool WriteFileAtomic(const std::string& path, std::span<const std::uint8_t> bytes) {
  const std::string tmp = path + ".tmp";
  Status st = snark::formats::WriteFileBytes(tmp, bytes);
  std::error_code ec;
  if (st.ok()) std::filesystem::rename(tmp, path, ec);
  if (!st.ok() || ec) {
    std::filesystem::remove(tmp, ec);
    std::cerr << "depinfer zk: cannot write " << path << ": " << (st.ok() ? ec.message() : st.message())
              << "\n";
    return false;
  }
  return true;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
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
  Status st = ProvingKeyFromZkey(std::move(zkey), &pk);
  if (!st.ok()) return Fail(zkey_path, st);
  Proof proof;
  {
    ProgressBar bar("prove");
    st = snark::groth16::Prove(pk, witness, &proof, nullptr,
                               [&bar](const char*, std::size_t done, std::size_t total) {
                                 bar.Update("stage " + std::to_string(done) + "/" + std::to_string(total), done, total);
                               });
  }
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

// A development CRS for a circom circuit: the .zkey (and the verifying key as snarkjs JSON).
int Setup(const std::string& r1cs_path, const std::string& zkey_path, const std::string& vk_path,
          const std::string& seed_hex) {
  std::uint8_t seed[32];
  const std::uint8_t* seed_ptr = nullptr;
  if (!seed_hex.empty()) {
    std::size_t n = 0;
    if (seed_hex.size() != 64 ||
        sodium_hex2bin(seed, sizeof seed, seed_hex.data(), seed_hex.size(), nullptr, &n, nullptr) != 0 || n != 32) {
      std::cerr << "depinfer zk: --insecure-seed takes 64 hex digits\n";
      return kBadInput;
    }
    seed_ptr = seed;
  }
  const auto start = std::chrono::steady_clock::now();
  snark::formats::R1cs circom;
  if (!Load<true>(r1cs_path, snark::formats::ParseR1cs, &circom)) return kBadInput;
  snark::R1cs r1cs;
  Status st = FromCircom(circom, &r1cs);
  if (!st.ok()) return Fail(r1cs_path, st);
  circom = {};
  ProvingKey pk;
  {
    ProgressBar bar("setup");
    st = snark::groth16::Setup(r1cs, &pk, seed_ptr, [&bar](const char* what, std::size_t done, std::size_t total) {
      bar.Update(what, done, total);
    });
  }
  sodium_memzero(seed, sizeof seed);
  if (!st.ok()) return Fail("setup", st);
  std::vector<std::uint8_t> file = snark::formats::WriteGroth16Zkey(ZkeyFromProvingKey(pk));
  if (!WriteFileAtomic(zkey_path, file)) return kInvalid;
  if (!vk_path.empty() && !WriteFile(vk_path, snark::formats::WriteVerificationKeyJson(ToSnarkjs(pk.vk)))) {
    return kInvalid;
  }
  std::printf("%s: %zu constraints, %u wires, %u public, domain 2^%d, %.1f MB, %.1f s%s\n", zkey_path.c_str(),
              r1cs.num_constraints(), pk.num_wires, pk.num_public, pk.domain_log,
              static_cast<double>(file.size()) / 1e6, Seconds(start),
              seed_ptr != nullptr ? " (INSECURE: fixed seed, for tests only)" : "");
  return 0;
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
              << "\n  contributions:   " << z.contributions.size() << "\n  checksum:        "
              << (snark::formats::ZkeyHasChecksum(bytes) ? "BLAKE2b-256, verified"
                                                           : "none (keys from snarkjs have none)")
              << "\n";
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

  auto seed = std::make_shared<std::string>();
  CLI::App* setup = zk->add_subcommand(
      "setup", "Make a development CRS for a circom .r1cs: a .zkey that depinfer, snarkjs and rapidsnark "
               "prove with (its secrets come from the OS random source and are wiped; for production, "
               "run a snarkjs phase-2 ceremony instead)");
  setup->add_option("r1cs", (*files)[0], "circom constraint system")->required()->check(CLI::ExistingFile);
  setup->add_option("zkey", (*files)[1], ".zkey to write (versioned, with a BLAKE2b-256 checksum)")->required();
  setup->add_option("--vk", (*files)[2], "also write the verifying key as snarkjs JSON");
  setup->add_option("--insecure-seed", *seed, "64 hex digits: derive the secrets from a fixed seed (tests only)");
  setup->callback([files, seed, run] {
    *run = [files, seed] { return Setup((*files)[0], (*files)[1], (*files)[2], *seed); };
  });

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
