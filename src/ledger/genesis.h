// The genesis of a chain, from a JSON file every node is given:
//
//   {
//     "chain_id": "depinfer-dev",               // 1..64 printable ASCII characters
//     "vk_hash": "<64 hex>",                   // VerifyingKeyHash of the join-split key
//     "fee_account": "<64 hex>",               // Ed25519 public key receiving every fee
//     "allocations": [                          // initial transparent balances
//       {"account": "<64 hex>", "asset": "0x<64 hex>", "amount": "1000000"}
//     ],
//     "root_window": 100                        // optional: how many recent tree roots
//   }                                           // proofs may name (1..65536, default 100)
//
// Parsing is strict: unknown or missing keys, wrong types, non-canonical numbers, a repeated
// (account, asset) pair or a zero amount are errors. The genesis is part of consensus: its
// hash (GenesisHash, over the canonical binary form below) seeds the state root, so nodes
// given different genesis files disagree from height 0 on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/codec.h"
#include "shield/transaction.h"
#include "snark/groth16/verifier.h"

namespace depinfer::ledger {

inline constexpr std::uint32_t kDefaultRootWindow = 100;
inline constexpr std::uint32_t kMaxRootWindow = 65536;

struct Allocation {
  shield::AccountKey account{};
  Fr asset;
  std::uint64_t amount = 0;
  bool operator==(const Allocation&) const = default;
};

struct Genesis {
  std::string chain_id;
  Hash32 vk_hash{};
  shield::AccountKey fee_account{};
  std::vector<Allocation> allocations;
  std::uint32_t root_window = kDefaultRootWindow;

  bool operator==(const Genesis&) const = default;

  // BLAKE2b-256("depinfer/genesis/v1", u16 len | chain_id | vk_hash | fee_account |
  // root_window u32 | u32 count | per allocation: account | asset | amount u64).
  Hash32 Hash() const;
  std::string ToJson() const;
};

Status ParseGenesis(std::string_view json, Genesis* out);
Status LoadGenesisFile(const std::string& path, Genesis* out);

// BLAKE2b-256("depinfer/vk/v1", alpha | beta | gamma | delta | u32 #IC | IC...), points in the
// Ethereum encoding (math/encoding.h).
Hash32 VerifyingKeyHash(const snark::groth16::VerifyingKey& vk);

}  // namespace depinfer::ledger
