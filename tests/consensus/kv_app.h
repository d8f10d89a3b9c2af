// A toy key-value store behind the ABCI server, for the consensus tests.
//
// A transaction is "key=value": key 1..64 characters of [A-Za-z0-9_.-], value 0..256 printable
// ASCII characters (it may contain '='; the first '=' splits). Anything else is malformed: CheckTx
// refuses it (code 1), PrepareProposal drops it, ProcessProposal rejects a block that has one.
// The app hash is BLAKE2b-256 over the sorted (key, value) pairs, each length-prefixed. Commit
// writes height, app hash and state to `state_path` (atomically, by rename); a new KvApp on the
// same path resumes from it and answers Info with that height and hash.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/abci_server.h"

namespace depinfer::consensus::testing {

class KvApp : public AbciApplication {
 public:
  // Loads state_path if it exists (an empty path keeps everything in memory).
  explicit KvApp(std::string state_path = "");

  // Non-OK if the state file exists but is unreadable or its hash does not match its contents.
  const Status& load_status() const { return load_status_; }

  static bool ValidTx(std::string_view tx);
  static std::string StateHash(const std::map<std::string, std::string>& state);

  Status Info(const abci::RequestInfo& req, abci::ResponseInfo* res) override;
  Status Query(const abci::RequestQuery& req, abci::ResponseQuery* res) override;
  Status CheckTxBatch(std::span<const abci::RequestCheckTx> reqs,
                      std::span<abci::ResponseCheckTx> res) override;
  Status CheckTx(const abci::RequestCheckTx& req, abci::ResponseCheckTx* res) override;
  Status PrepareProposal(const abci::RequestPrepareProposal& req,
                         abci::ResponsePrepareProposal* res) override;
  Status ProcessProposal(const abci::RequestProcessProposal& req,
                         abci::ResponseProcessProposal* res) override;
  Status FinalizeBlock(const abci::RequestFinalizeBlock& req,
                       abci::ResponseFinalizeBlock* res) override;
  Status Commit(const abci::RequestCommit& req, abci::ResponseCommit* res) override;

  // Observers for the tests (thread-safe).
  int64_t height() const;
  std::string app_hash() const;                 // raw 32 bytes; empty before the first block
  std::map<int64_t, std::string> hashes() const;  // committed height -> app hash, this run
  std::string Get(const std::string& key, bool* found = nullptr) const;
  size_t size() const;
  std::vector<size_t> check_batches() const;    // sizes of the CheckTx batches seen
  int64_t info_height() const;                  // last_block_height of the last Info answered
  int info_calls() const;

 private:
  Status Load();
  Status Save() const;  // mu_ held

  const std::string state_path_;
  Status load_status_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> state_;    // committed
  int64_t height_ = 0;
  std::string app_hash_;
  std::map<std::string, std::string> pending_;  // after FinalizeBlock, before Commit
  int64_t pending_height_ = -1;
  std::string pending_hash_;
  std::map<int64_t, std::string> hashes_;
  std::vector<size_t> check_batches_;
  int64_t info_height_ = -1;
  int info_calls_ = 0;
};

}  // namespace depinfer::consensus::testing
