// Checking shielded transactions, as pure functions over a StateView so the ledger, the
// mempool and the tests all use the same rules.
//
//   stateless: the transaction on its own: amounts in range, two distinct nullifiers, output
//              sizes, the deposit's signature, and the proof against the statement derived
//              from the transaction (ext_hash included). Proofs are verified in batches.
//   stateful:  against the ledger: the root is a recent one, the nullifiers are unspent, a
//              deposit's account has the funds and the right nonce, no balance overflows.
// A rejection names the rule that failed (RuleName), so a wallet can tell its user why.
// ApplyTransaction makes the changes of a transaction that passed both.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "shield/state.h"
#include "snark/groth16/verifier.h"

namespace depinfer::shield {

enum class Rule {
  kOk,
  kMalformed,           // does not decode, or a field is out of its format's bounds
  kAmountRange,         // deposit - withdrawal - fee does not fit in (-2^64, 2^64)
  kDuplicateNullifier,  // both inputs have the same nullifier
  kBadSignature,        // the deposit is not signed by its account
  kBadProof,            // the proof does not verify for the derived statement
  kUnknownRoot,         // the root is not among the recent roots
  kNullifierSpent,      // a nullifier was spent before (or earlier in the same block)
  kInsufficientFunds,   // the deposit's account lacks the amount
  kBadNonce,            // the deposit's nonce is not the account's next one
  kBalanceOverflow,     // a credit would take a balance past 2^64 - 1
};

// "nullifier-spent", "bad-proof", ...
const char* RuleName(Rule rule);

struct Verdict {
  Rule rule = Rule::kOk;
  std::string detail;
  bool ok() const { return rule == Rule::kOk; }
  // "rejected (nullifier-spent): input 1's nullifier is already spent"
  std::string ToString() const;
  static Verdict Reject(Rule rule, std::string detail) { return {rule, std::move(detail)}; }
};

struct CheckContext {
  std::string chain_id;
  const snark::groth16::PreparedVerifyingKey* vk = nullptr;
  std::size_t encrypted_output_bytes = 0;  // the exact size required, 0 for any
};

// Everything stateless except the proof.
Verdict CheckStructure(const Transaction& tx, const CheckContext& ctx);

// Everything stateless, the proofs verified in one batch (a failing batch is searched so each
// bad proof is named). One verdict per transaction.
std::vector<Verdict> CheckStateless(std::span<const Transaction> txs, const CheckContext& ctx);

// Against the ledger, for a transaction that passed the stateless checks.
Verdict CheckStateful(const Transaction& tx, const StateView& state);

// The changes of a transaction that passed every check: nullifiers spent, outputs appended,
// the deposit debited (and its nonce advanced) or the withdrawal credited, the fee credited
// to fee_account. Returns the stateful verdict and changes nothing when it fails.
Verdict ApplyTransaction(const Transaction& tx, const AccountKey& fee_account, MutableState* state);

}  // namespace depinfer::shield
