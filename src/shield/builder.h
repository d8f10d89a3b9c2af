// Building shielded transactions from a wallet's notes: choose the inputs, make the
// recipient's output and the change, encrypt both, bind the public part, sign a deposit, prove.
//
// Every transaction has two inputs and two outputs; unused slots are filled with dummies
// (amount 0, a fresh random blinding, so every dummy has its own nullifier and commitment) and
// dummy outputs are encrypted to the payer like real ones, so an observer cannot tell a
// one-note payment from a two-note one.
//
// More than two notes: when no two notes cover amount + fee, Pay returns a merge step instead
// (the two largest notes joined into one note for the payer, fee paid) and says the payment is
// not complete. The caller submits it, lets the merged note reach its wallet, and calls Pay
// again; each step costs one fee, which the note choice accounts for.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "shield/account.h"
#include "shield/commitment_tree.h"
#include "shield/joinsplit_keys.h"
#include "shield/keys.h"
#include "shield/note_encryption.h"
#include "shield/transaction.h"

namespace depinfer::shield {

// A note the wallet can spend, with its up-to-date authentication path.
struct SpendableNote {
  Note note;
  Witness witness;
};

struct BuiltTransaction {
  Transaction tx;
  std::vector<std::size_t> spent;  // indices into the notes given
  bool complete = true;            // false: a merge step, call Pay again once it is applied
  std::uint64_t change = 0;        // value returned to the payer in a new note
};

class TransactionBuilder {
 public:
  TransactionBuilder(const JoinSplitKeys& keys, std::string chain_id)
      : keys_(keys), chain_id_(std::move(chain_id)) {}

  // Pays `amount` of `asset` to `to`, `fee` to the ledger. All notes must be of `asset`
  // and their witnesses at the same tree size (the root the proof names). Errors: not enough
  // funds (counting one fee per merge step), a memo above 512 bytes, notes of mixed roots.
  Status Pay(const SpendingKey& from, std::span<const SpendableNote> notes, const Address& to,
             const Fr& asset, std::uint64_t amount, std::uint64_t fee,
             std::span<const std::uint8_t> memo, BuiltTransaction* out) const;

  // Moves `amount` from a transparent account into a new note for `to`; the note receives
  // amount - fee. `root` is any recent root of the ledger (the proof names one even without
  // real inputs); `nonce` the account's next nonce.
  Status Deposit(const AccountSigner& account, std::uint64_t nonce, const Address& to,
                 const Fr& asset, std::uint64_t amount, std::uint64_t fee, const Fr& root,
                 std::span<const std::uint8_t> memo, BuiltTransaction* out) const;

  // Moves `amount` out of the pool to a transparent account, paying fee; change comes back.
  Status Withdraw(const SpendingKey& from, std::span<const SpendableNote> notes,
                  const AccountKey& account, const Fr& asset, std::uint64_t amount,
                  std::uint64_t fee, BuiltTransaction* out) const;

 private:
  struct Plan;
  // Chooses the notes for amount + fee and starts the plan: the payer's key, the inputs, the
  // root. *merge when a merge step must come first.
  Status Begin(const SpendingKey& from, std::span<const SpendableNote> notes, const Fr& asset,
               std::uint64_t amount, std::uint64_t fee, Plan* plan, BuiltTransaction* built,
               bool* merge) const;
  Status Build(const Plan& plan, BuiltTransaction* out) const;

  const JoinSplitKeys& keys_;
  std::string chain_id_;
};

// The notes to spend for `target` (amount + fee): one note or two, the fewest and smallest
// that cover it; when two cannot, the two largest for a merge step (*merge = true). Fails when
// all notes together cannot cover target plus one fee per merge needed.
Status ChooseNotes(std::span<const SpendableNote> notes, std::uint64_t target, std::uint64_t fee,
                   std::vector<std::size_t>* chosen, bool* merge);

}  // namespace depinfer::shield
