// Shared by the ledger tests: temporary directories, a genesis, deterministic accounts and
// transfers, and a stand-in verifying key for tests that never verify a proof.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "ledger/genesis.h"
#include "ledger/ledger.h"
#include "math/bn254.h"
#include "shield/account.h"

namespace depinfer::ledger::testing {

inline constexpr char kChain[] = "depinfer-ledger-test";

// A directory removed when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("depinfer_ledger_" + std::to_string(getpid()) + "_" + name)) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A well-formed key (generators everywhere) that no real proof verifies against: enough for
// transfers, which carry no proof.
inline const snark::groth16::VerifyingKey& PlaceholderVk() {
  static const snark::groth16::VerifyingKey vk = [] {
    snark::groth16::VerifyingKey k;
    k.alpha = math::bn254::G1Generator();
    k.beta = k.gamma = k.delta = math::bn254::G2Generator();
    k.ic.assign(9, math::bn254::G1Generator());  // 8 public inputs of the join-split
    return k;
  }();
  return vk;
}

inline std::unique_ptr<shield::AccountSigner> Signer(std::uint8_t seed_byte) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(seed_byte);
  return std::make_unique<shield::AccountSigner>(seed);
}

inline shield::AccountKey FeeAccount() {
  shield::AccountKey k{};
  k.fill(0xfe);
  return k;
}

inline Genesis MakeGenesis(const snark::groth16::VerifyingKey& vk,
                           std::vector<Allocation> allocations, std::uint32_t root_window = 100) {
  Genesis g;
  g.chain_id = kChain;
  g.vk_hash = VerifyingKeyHash(vk);
  g.fee_account = FeeAccount();
  g.allocations = std::move(allocations);
  g.root_window = root_window;
  return g;
}

inline Tx SignedTransfer(const shield::AccountSigner& from, const shield::AccountKey& to,
                         std::uint64_t amount, std::uint64_t fee, std::uint64_t nonce,
                         const Fr& asset = Fr::Zero()) {
  Transfer t;
  t.from = from.account();
  t.to = to;
  t.asset = asset;
  t.amount = amount;
  t.fee = fee;
  t.nonce = nonce;
  t.signature = from.Sign(t.SigningMessage(kChain));
  return Tx::Of(t);
}

inline LedgerOptions FastOptions() {
  LedgerOptions o;
  o.sync = false;
  return o;
}

}  // namespace depinfer::ledger::testing
