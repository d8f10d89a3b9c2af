// The CometBFT ABCI 2.0 socket server (shared/DESIGN.md section 5, docs/consensus.md).
//
// CometBFT v0.38 runs our node as an out-of-process application: it opens four connections to
// `proxy_app` (consensus, mempool, info, snapshot) and on each sends a stream of
// tendermint.abci.Request messages, each framed as a protobuf unsigned varint byte length followed
// by the message bytes (CometBFT's libs/protoio). The application answers every request, in order,
// with a tendermint.abci.Response framed the same way. A Flush request is answered with a Flush
// response once every earlier response has been written.
//
// The pieces:
//   AbciApplication  what the ledger implements; every method has a harmless default.
//   AbciConnection   the protocol on one connection without I/O: feed it bytes, take bytes out.
//                    The unit tests drive it directly.
//   AbciServer       listens on TCP or a unix socket, one thread per accepted connection.
//
// Locking: every call into the application holds one mutex shared by all connections, so the
// application sees one call at a time, and the consensus connection's calls in the order they
// were sent. The one exception is VerifyTxBatch (the stateless part of CheckTx), which runs
// without that mutex so proof verification overlaps block execution.
//
// Hostile peers: a frame longer than max_message_bytes, a malformed varint or protobuf, or an
// unknown request closes that connection with a log line; nothing the peer sends can crash the
// process. Errors from the application (a failed Status or a thrown exception) are answered with
// an Exception response and close the connection, as CometBFT's own server does; CometBFT then
// stops, since it cannot go on without its application.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tendermint/abci/types.pb.h"

namespace depinfer::consensus {

namespace abci = ::tendermint::abci;

// The application behind the socket. Defaults follow CometBFT's BaseApplication: accept every
// transaction and proposal, keep no state, offer no snapshots. A method that returns a failed
// Status makes the server answer with an Exception and close the connection (CometBFT halts), so
// reserve that for "cannot go on" (storage failure), never for a bad transaction: a bad
// transaction is a non-zero `code` in the response.
//
// Which connection calls what: consensus: InitChain, PrepareProposal, ProcessProposal,
// ExtendVote, VerifyVoteExtension, FinalizeBlock, Commit; mempool: CheckTx (via VerifyTxBatch and
// CheckTxBatch); info: Info, Query; snapshot: the four snapshot methods.
class AbciApplication {
 public:
  virtual ~AbciApplication() = default;

  // Info connection. On start CometBFT calls Info and replays the blocks after
  // `last_block_height`; a node resumes after a restart by answering its last committed height
  // and app hash here.
  virtual Status Info(const abci::RequestInfo& req, abci::ResponseInfo* res);
  virtual Status Query(const abci::RequestQuery& req, abci::ResponseQuery* res);

  // Mempool connection. The server reads every CheckTx request already waiting on the socket
  // (up to AbciServerOptions::max_check_tx_batch) and hands them over together:
  //   1. VerifyTxBatch(reqs, res) WITHOUT the application mutex: stateless checks, batched proof
  //      verification. It may run at the same time as any other method (but never concurrently
  //      with itself on one connection), so it must not touch mutable state unsynchronised.
  //      It marks a bad transaction by setting res[i].code() != 0. Default: nothing.
  //   2. CheckTxBatch(reqs, res) under the mutex: stateful checks. Default: CheckTx on each
  //      request whose response still has code 0.
  // `res` is zero-initialised, one per request, in the same order; the server sends them back in
  // that order.
  virtual Status VerifyTxBatch(std::span<const abci::RequestCheckTx> reqs,
                               std::span<abci::ResponseCheckTx> res);
  virtual Status CheckTxBatch(std::span<const abci::RequestCheckTx> reqs,
                              std::span<abci::ResponseCheckTx> res);
  virtual Status CheckTx(const abci::RequestCheckTx& req, abci::ResponseCheckTx* res);

  // Consensus connection, strictly in order.
  virtual Status InitChain(const abci::RequestInitChain& req, abci::ResponseInitChain* res);
  // Default: req.txs() in order while their total size stays within req.max_tx_bytes().
  virtual Status PrepareProposal(const abci::RequestPrepareProposal& req,
                                 abci::ResponsePrepareProposal* res);
  // Default: ACCEPT.
  virtual Status ProcessProposal(const abci::RequestProcessProposal& req,
                                 abci::ResponseProcessProposal* res);
  // Vote extensions (off unless the genesis enables them). Defaults: empty, ACCEPT.
  virtual Status ExtendVote(const abci::RequestExtendVote& req, abci::ResponseExtendVote* res);
  virtual Status VerifyVoteExtension(const abci::RequestVerifyVoteExtension& req,
                                     abci::ResponseVerifyVoteExtension* res);
  // Applies the decided block; res->app_hash() is the state root after it. Default: one OK
  // ExecTxResult per transaction, empty app hash.
  virtual Status FinalizeBlock(const abci::RequestFinalizeBlock& req,
                               abci::ResponseFinalizeBlock* res);
  // Makes what FinalizeBlock applied durable.
  virtual Status Commit(const abci::RequestCommit& req, abci::ResponseCommit* res);

  // Snapshot connection (state sync). Defaults: no snapshots; offers and chunks ABORT.
  virtual Status ListSnapshots(const abci::RequestListSnapshots& req,
                               abci::ResponseListSnapshots* res);
  virtual Status OfferSnapshot(const abci::RequestOfferSnapshot& req,
                               abci::ResponseOfferSnapshot* res);
  virtual Status LoadSnapshotChunk(const abci::RequestLoadSnapshotChunk& req,
                                   abci::ResponseLoadSnapshotChunk* res);
  virtual Status ApplySnapshotChunk(const abci::RequestApplySnapshotChunk& req,
                                    abci::ResponseApplySnapshotChunk* res);
};

// ---- Framing (CometBFT libs/protoio: uvarint length, then the message) ----

// The longest uvarint we accept (a uint64 takes at most 10 bytes).
inline constexpr size_t kMaxVarintBytes = 10;

enum class FrameResult {
  kFrame,     // *payload is a whole message, *consumed bytes (prefix + payload) were used
  kNeedMore,  // the input ends inside the length prefix or the message
  kError,     // malformed or too long; *error says why
};
// Splits one frame off the front of `in`. The length is checked against `max_message_bytes` as
// soon as the prefix is complete, so an oversized frame is refused before its body arrives.
FrameResult ParseFrame(std::string_view in, size_t max_message_bytes, std::string_view* payload,
                       size_t* consumed, Status* error);
// Appends `msg` framed (uvarint length + bytes) to *out. Fails only if msg exceeds 2 GiB.
Status AppendFrame(const google::protobuf::MessageLite& msg, std::string* out);

// ---- One connection, no I/O ----

struct AbciServerOptions {
  // "tcp://HOST:PORT" (port 0 picks a free one, see AbciServer::port) or "unix:///path/to.sock":
  // what goes into CometBFT's `proxy_app`.
  std::string address = "tcp://127.0.0.1:26658";
  // Largest request accepted. A FinalizeBlock carries the whole block, so this must exceed the
  // chain's consensus_params.block.max_bytes (CometBFT's default: 21 MiB).
  size_t max_message_bytes = 64u << 20;
  // Most CheckTx requests handed to the application in one batch.
  size_t max_check_tx_batch = 1024;
  // Connections beyond this are closed on accept (CometBFT opens 4 per node).
  int max_connections = 16;
  // Where log lines go (called from every connection's thread, so it must be thread-safe);
  // default: stderr, prefixed "abci: ".
  std::function<void(std::string_view)> log;
};

// Not thread-safe: one thread drives one connection.
class AbciConnection {
 public:
  // `app` and `app_mutex` outlive this object; app_mutex serialises calls across connections.
  // The options are copied.
  AbciConnection(AbciApplication* app, std::mutex* app_mutex, const AbciServerOptions& options);

  // Appends bytes received from the peer.
  void Feed(std::string_view bytes);
  // Answers every complete request fed so far, appending the framed responses to output().
  // Consecutive CheckTx requests are answered as one batch. Returns a failed Status when the
  // connection must be closed: a malformed or oversized frame, an unknown request, or an
  // application error (its Exception response is in output() then; send it before closing).
  Status Process();

  // Bytes to send to the peer; the caller sends and clears them.
  std::string& output() { return out_; }
  // Bytes fed but not yet part of a complete frame.
  size_t buffered() const { return in_.size() - in_pos_; }
  // Requests answered so far (for tests and metrics).
  uint64_t requests() const { return requests_; }

 private:
  Status FlushCheckTxBatch();
  Status Dispatch(abci::Request& req, abci::Response* res);
  Status Fail(const Status& why);  // logs, remembers, returns `why`

  AbciApplication* app_;
  std::mutex* app_mutex_;
  AbciServerOptions options_;
  std::string in_;
  size_t in_pos_ = 0;
  std::string out_;
  std::vector<abci::RequestCheckTx> pending_check_;
  uint64_t requests_ = 0;
  Status failed_;
};

// ---- The socket server ----

class AbciServer {
 public:
  // Binds options.address and starts accepting in a background thread. `app` must outlive the
  // server. Fails (IOError) when the address is malformed or cannot be bound.
  static Status Start(AbciApplication* app, const AbciServerOptions& options,
                      std::unique_ptr<AbciServer>* server);
  ~AbciServer();  // Stop()

  // Closes the listener and every connection and joins their threads. Idempotent.
  void Stop();

  int port() const;             // the bound TCP port (0 for a unix socket)
  std::string address() const;  // for proxy_app: "tcp://127.0.0.1:PORT" or "unix:///path"
  int open_connections() const;

  struct Impl;

 private:
  explicit AbciServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace depinfer::consensus
