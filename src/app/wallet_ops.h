// Wallet operations against a node over its HTTP API, shared by `depinfer wallet` and
// `depinfer devnet`: syncing (outputs page by page, then which notes were spent), paying (with
// the merge steps more than two notes need), depositing from a transparent account.
#pragma once

#include <functional>
#include <string>

#include "api/node_client.h"
#include "shield/builder.h"
#include "shield/wallet.h"

namespace depinfer::app {

using math::bn254::Fr;

// Brings the wallet up to the node's tree and marks spent notes. `progress` (may be null) gets
// (outputs scanned, tree size).
Status SyncWallet(shield::Wallet& wallet, api::NodeClient& node,
                  const std::function<void(std::uint64_t, std::uint64_t)>& progress = nullptr);

// Pays `amount` (plus `fee` per transaction) to `to`, submitting and waiting for each step.
// On return *txid is the hex id of the final payment.
Status Pay(shield::Wallet& wallet, api::NodeClient& node, const shield::TransactionBuilder& builder,
           const shield::Address& to, std::uint64_t amount, std::uint64_t fee,
           std::span<const std::uint8_t> memo, std::string* txid);

// Moves `amount` from a transparent account into a note for `to`.
Status DepositFromAccount(api::NodeClient& node, const shield::TransactionBuilder& builder,
                          const shield::AccountSigner& account, const shield::Address& to,
                          std::uint64_t amount, std::uint64_t fee, std::string* txid);

// "dev:<64 hex seed>" (a development CRS made from the seed) or a path to a snarkjs .zkey.
Status LoadProvingKeys(const std::string& spec, std::unique_ptr<shield::JoinSplitKeys>* out);

}  // namespace depinfer::app
