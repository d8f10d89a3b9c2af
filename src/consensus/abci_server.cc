#include "consensus/abci_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <exception>
#include <list>
#include <thread>
#include <utility>

namespace depinfer::consensus {

// ---------------------------------------------------------------------------------------------
// AbciApplication defaults (CometBFT's BaseApplication, with explicit ABORT for snapshots).

Status AbciApplication::Info(const abci::RequestInfo&, abci::ResponseInfo*) { return Status::Ok(); }

Status AbciApplication::Query(const abci::RequestQuery&, abci::ResponseQuery*) {
  return Status::Ok();
}

Status AbciApplication::VerifyTxBatch(std::span<const abci::RequestCheckTx>,
                                      std::span<abci::ResponseCheckTx>) {
  return Status::Ok();
}

Status AbciApplication::CheckTxBatch(std::span<const abci::RequestCheckTx> reqs,
                                     std::span<abci::ResponseCheckTx> res) {
  for (size_t i = 0; i < reqs.size() && i < res.size(); ++i) {
    if (res[i].code() != 0) continue;  // refused by VerifyTxBatch
    DEPINFER_RETURN_IF_ERROR(CheckTx(reqs[i], &res[i]));
  }
  return Status::Ok();
}

Status AbciApplication::CheckTx(const abci::RequestCheckTx&, abci::ResponseCheckTx*) {
  return Status::Ok();
}

Status AbciApplication::InitChain(const abci::RequestInitChain&, abci::ResponseInitChain*) {
  return Status::Ok();
}

Status AbciApplication::PrepareProposal(const abci::RequestPrepareProposal& req,
                                        abci::ResponsePrepareProposal* res) {
  // CometBFT checks the total as the protobuf size of the block's Data (types.Txs.Validate):
  // each transaction costs its bytes plus a tag byte and a varint length.
  int64_t total = 0;
  for (const std::string& tx : req.txs()) {
    int64_t size = 1 + 1 + static_cast<int64_t>(tx.size());
    for (size_t v = tx.size(); v >= 0x80; v >>= 7) ++size;
    if (total + size > req.max_tx_bytes()) break;
    total += size;
    res->add_txs(tx);
  }
  return Status::Ok();
}

Status AbciApplication::ProcessProposal(const abci::RequestProcessProposal&,
                                        abci::ResponseProcessProposal* res) {
  res->set_status(abci::ResponseProcessProposal::ACCEPT);
  return Status::Ok();
}

Status AbciApplication::ExtendVote(const abci::RequestExtendVote&, abci::ResponseExtendVote*) {
  return Status::Ok();
}

Status AbciApplication::VerifyVoteExtension(const abci::RequestVerifyVoteExtension&,
                                            abci::ResponseVerifyVoteExtension* res) {
  res->set_status(abci::ResponseVerifyVoteExtension::ACCEPT);
  return Status::Ok();
}

Status AbciApplication::FinalizeBlock(const abci::RequestFinalizeBlock& req,
                                      abci::ResponseFinalizeBlock* res) {
  for (int i = 0; i < req.txs_size(); ++i) res->add_tx_results()->set_code(0);
  return Status::Ok();
}

Status AbciApplication::Commit(const abci::RequestCommit&, abci::ResponseCommit*) {
  return Status::Ok();
}

Status AbciApplication::ListSnapshots(const abci::RequestListSnapshots&,
                                      abci::ResponseListSnapshots*) {
  return Status::Ok();
}

Status AbciApplication::OfferSnapshot(const abci::RequestOfferSnapshot&,
                                      abci::ResponseOfferSnapshot* res) {
  res->set_result(abci::ResponseOfferSnapshot::ABORT);
  return Status::Ok();
}

Status AbciApplication::LoadSnapshotChunk(const abci::RequestLoadSnapshotChunk&,
                                          abci::ResponseLoadSnapshotChunk*) {
  return Status::Ok();
}

Status AbciApplication::ApplySnapshotChunk(const abci::RequestApplySnapshotChunk&,
                                           abci::ResponseApplySnapshotChunk* res) {
  res->set_result(abci::ResponseApplySnapshotChunk::ABORT);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Framing.

FrameResult ParseFrame(std::string_view in, size_t max_message_bytes, std::string_view* payload,
                       size_t* consumed, Status* error) {
  uint64_t length = 0;
  size_t i = 0;
  for (;; ++i) {
    if (i == in.size()) return FrameResult::kNeedMore;
    if (i == kMaxVarintBytes) {
      *error = Status::Corruption("frame length: varint longer than 10 bytes");
      return FrameResult::kError;
    }
    const uint8_t b = static_cast<uint8_t>(in[i]);
    if (i == kMaxVarintBytes - 1 && b > 1) {
      *error = Status::Corruption("frame length: varint overflows 64 bits");
      return FrameResult::kError;
    }
    length |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) break;
  }
  const size_t prefix = i + 1;
  const uint64_t cap = std::min<uint64_t>(max_message_bytes, INT_MAX);
  if (length > cap) {
    *error = Status::InvalidArgument("frame of " + std::to_string(length) +
                                     " bytes exceeds the limit of " + std::to_string(cap));
    return FrameResult::kError;
  }
  if (in.size() - prefix < length) return FrameResult::kNeedMore;
  *payload = in.substr(prefix, static_cast<size_t>(length));
  *consumed = prefix + static_cast<size_t>(length);
  return FrameResult::kFrame;
}

Status AppendFrame(const google::protobuf::MessageLite& msg, std::string* out) {
  const size_t size = msg.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX)) return Status::InvalidArgument("message over 2 GiB");
  uint64_t v = size;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out->push_back(static_cast<char>(b));
  } while (v != 0);
  const size_t at = out->size();
  out->resize(at + size);
  uint8_t* begin = reinterpret_cast<uint8_t*>(out->data() + at);
  if (msg.SerializeWithCachedSizesToArray(begin) != begin + size) {
    out->resize(at);
    return Status::InvalidArgument("message failed to serialise");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// AbciConnection.

namespace {

void DefaultLog(std::string_view line) {
  std::fprintf(stderr, "abci: %.*s\n", static_cast<int>(line.size()), line.data());
}

// Runs an application call, turning a thrown exception into a failed Status.
template <typename F>
Status Guarded(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("application threw: ") + e.what());
  } catch (...) {
    return Status::Unavailable("application threw a non-standard exception");
  }
}

}  // namespace

AbciConnection::AbciConnection(AbciApplication* app, std::mutex* app_mutex,
                               const AbciServerOptions& options)
    : app_(app), app_mutex_(app_mutex), options_(options) {
  if (!options_.log) options_.log = DefaultLog;
  if (options_.max_check_tx_batch == 0) options_.max_check_tx_batch = 1;
}

void AbciConnection::Feed(std::string_view bytes) { in_.append(bytes); }

Status AbciConnection::Fail(const Status& why) {
  options_.log("closing connection: " + why.ToString());
  failed_ = why;
  return why;
}

Status AbciConnection::Process() {
  if (!failed_.ok()) return failed_;
  for (;;) {
    std::string_view payload;
    size_t consumed = 0;
    Status error;
    const FrameResult r = ParseFrame(std::string_view(in_).substr(in_pos_),
                                     options_.max_message_bytes, &payload, &consumed, &error);
    if (r == FrameResult::kNeedMore) break;
    // On a bad frame, the CheckTx requests before it are still answered, so what we send never
    // depends on how the peer's bytes were split into reads.
    if (r == FrameResult::kError) {
      DEPINFER_RETURN_IF_ERROR(FlushCheckTxBatch());
      return Fail(error);
    }
    abci::Request req;
    if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      DEPINFER_RETURN_IF_ERROR(FlushCheckTxBatch());
      return Fail(Status::Corruption("malformed Request message (" +
                                     std::to_string(payload.size()) + " bytes)"));
    }
    in_pos_ += consumed;
    ++requests_;
    if (req.value_case() == abci::Request::kCheckTx) {
      pending_check_.push_back(std::move(*req.mutable_check_tx()));
      if (pending_check_.size() >= options_.max_check_tx_batch) {
        DEPINFER_RETURN_IF_ERROR(FlushCheckTxBatch());
      }
      continue;
    }
    DEPINFER_RETURN_IF_ERROR(FlushCheckTxBatch());
    abci::Response res;
    Status st = Dispatch(req, &res);
    if (!st.ok()) {
      abci::Response ex;
      ex.mutable_exception()->set_error(st.ToString());
      (void)AppendFrame(ex, &out_);
      return Fail(st);
    }
    st = AppendFrame(res, &out_);
    if (!st.ok()) return Fail(st);
  }
  if (in_pos_ > 0) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  if (in_.empty() && in_.capacity() > (4u << 20)) std::string().swap(in_);  // after a big block
  return FlushCheckTxBatch();
}

Status AbciConnection::FlushCheckTxBatch() {
  if (pending_check_.empty()) return Status::Ok();
  std::vector<abci::ResponseCheckTx> res(pending_check_.size());
  const std::span<const abci::RequestCheckTx> reqs(pending_check_);
  Status st = Guarded([&] { return app_->VerifyTxBatch(reqs, res); });
  if (st.ok()) {
    std::lock_guard<std::mutex> lock(*app_mutex_);
    st = Guarded([&] { return app_->CheckTxBatch(reqs, res); });
  }
  pending_check_.clear();
  if (!st.ok()) {
    abci::Response ex;
    ex.mutable_exception()->set_error(st.ToString());
    (void)AppendFrame(ex, &out_);
    return Fail(st.WithContext("CheckTx"));
  }
  for (abci::ResponseCheckTx& one : res) {
    abci::Response r;
    *r.mutable_check_tx() = std::move(one);
    DEPINFER_RETURN_IF_ERROR(AppendFrame(r, &out_));
  }
  return Status::Ok();
}

Status AbciConnection::Dispatch(abci::Request& req, abci::Response* res) {
  using R = abci::Request;
  switch (req.value_case()) {
    case R::kEcho:
      res->mutable_echo()->set_message(req.echo().message());
      return Status::Ok();
    case R::kFlush:
      res->mutable_flush();
      return Status::Ok();
    case R::VALUE_NOT_SET:
      return Status::InvalidArgument("unknown request (empty, or a type removed before v0.38)");
    default:
      break;
  }
  std::lock_guard<std::mutex> lock(*app_mutex_);
  AbciApplication* app = app_;
  return Guarded([&]() -> Status {
    switch (req.value_case()) {
      case R::kInfo: return app->Info(req.info(), res->mutable_info());
      case R::kQuery: return app->Query(req.query(), res->mutable_query());
      case R::kInitChain: return app->InitChain(req.init_chain(), res->mutable_init_chain());
      case R::kPrepareProposal:
        return app->PrepareProposal(req.prepare_proposal(), res->mutable_prepare_proposal());
      case R::kProcessProposal:
        return app->ProcessProposal(req.process_proposal(), res->mutable_process_proposal());
      case R::kExtendVote: return app->ExtendVote(req.extend_vote(), res->mutable_extend_vote());
      case R::kVerifyVoteExtension:
        return app->VerifyVoteExtension(req.verify_vote_extension(),
                                        res->mutable_verify_vote_extension());
      case R::kFinalizeBlock:
        return app->FinalizeBlock(req.finalize_block(), res->mutable_finalize_block());
      case R::kCommit: return app->Commit(req.commit(), res->mutable_commit());
      case R::kListSnapshots:
        return app->ListSnapshots(req.list_snapshots(), res->mutable_list_snapshots());
      case R::kOfferSnapshot:
        return app->OfferSnapshot(req.offer_snapshot(), res->mutable_offer_snapshot());
      case R::kLoadSnapshotChunk:
        return app->LoadSnapshotChunk(req.load_snapshot_chunk(),
                                      res->mutable_load_snapshot_chunk());
      case R::kApplySnapshotChunk:
        return app->ApplySnapshotChunk(req.apply_snapshot_chunk(),
                                       res->mutable_apply_snapshot_chunk());
      default:
        return Status::InvalidArgument("unknown request type " +
                                       std::to_string(static_cast<int>(req.value_case())));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// AbciServer.

struct AbciServer::Impl {
  struct Conn {
    int fd = -1;  // guarded by conns_mu; -1 once the serving thread closed it
    std::thread thread;
    std::atomic<bool> done{false};
  };

  AbciApplication* app = nullptr;
  AbciServerOptions options;
  std::mutex app_mutex;

  int listen_fd = -1;
  int wake[2] = {-1, -1};
  int port = 0;
  std::string unix_path;
  std::string address;
  std::thread accept_thread;
  std::atomic<bool> stopped{false};

  mutable std::mutex conns_mu;
  std::list<std::unique_ptr<Conn>> conns;  // guarded by conns_mu

  void Log(const std::string& line) { options.log(line); }
  Status Bind();
  void AcceptLoop();
  void Serve(Conn* conn);
  void ReapLocked();  // joins finished connection threads; conns_mu held
  void Shutdown();
};

namespace {

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string ErrnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

Status AbciServer::Impl::Bind() {
  std::string addr = options.address;
  if (addr.rfind("unix://", 0) == 0) {
    unix_path = addr.substr(7);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (unix_path.empty() || unix_path.size() >= sizeof(sa.sun_path)) {
      return Status::InvalidArgument("unix socket path empty or too long: " + unix_path);
    }
    std::memcpy(sa.sun_path, unix_path.c_str(), unix_path.size() + 1);
    struct stat st{};
    if (::lstat(unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      // A leftover from a process that died; refuse only if something still answers on it.
      const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
      if (probe >= 0) ::close(probe);
      if (live) return Status::IOError("unix socket in use: " + unix_path);
      ::unlink(unix_path.c_str());
    }
    listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) return Status::IOError(ErrnoText("socket"));
    if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
      Status s = Status::IOError(ErrnoText(("bind " + unix_path).c_str()));
      unix_path.clear();
      return s;
    }
    address = "unix://" + unix_path;
  } else {
    if (addr.rfind("tcp://", 0) == 0) addr = addr.substr(6);
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument("address needs tcp://HOST:PORT or unix:///PATH: " +
                                     options.address);
    }
    std::string host = addr.substr(0, colon);
    const std::string port_text = addr.substr(colon + 1);
    const bool numeric = !port_text.empty() && port_text.size() <= 5 &&
                         port_text.find_first_not_of("0123456789") == std::string::npos;
    if (!numeric || std::stoi(port_text) > 65535) {
      return Status::InvalidArgument("bad port in " + options.address);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int gai = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port_text.c_str(),
                                  &hints, &found);
    if (gai != 0 || found == nullptr) {
      return Status::InvalidArgument("cannot resolve " + options.address + ": " +
                                     ::gai_strerror(gai));
    }
    Status last = Status::IOError("no address to bind for " + options.address);
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) continue;
      const int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        listen_fd = fd;
        break;
      }
      last = Status::IOError(ErrnoText(("bind " + options.address).c_str()));
      ::close(fd);
    }
    ::freeaddrinfo(found);
    if (listen_fd < 0) return last;
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len);
    port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    const bool v6 = host.find(':') != std::string::npos;
    address = "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
  if (::listen(listen_fd, 16) != 0) return Status::IOError(ErrnoText("listen"));
  if (::pipe2(wake, O_CLOEXEC) != 0) return Status::IOError(ErrnoText("pipe"));
  return Status::Ok();
}

void AbciServer::Impl::ReapLocked() {
  for (auto it = conns.begin(); it != conns.end();) {
    if ((*it)->done.load()) {
      (*it)->thread.join();
      it = conns.erase(it);
    } else {
      ++it;
    }
  }
}

void AbciServer::Impl::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      Log(ErrnoText("poll on the listener"));
      return;
    }
    if (fds[1].revents != 0 || stopped.load()) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
      Log(ErrnoText("accept"));
      if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    std::lock_guard<std::mutex> lock(conns_mu);
    ReapLocked();
    if (static_cast<int>(conns.size()) >= options.max_connections) {
      Log("refusing a connection: " + std::to_string(conns.size()) + " already open");
      ::close(fd);
      continue;
    }
    if (unix_path.empty()) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    Conn* raw = conn.get();
    conns.push_back(std::move(conn));
    raw->thread = std::thread([this, raw] { Serve(raw); });
  }
}

void AbciServer::Impl::Serve(Conn* conn) {
  int fd;
  {
    std::lock_guard<std::mutex> lock(conns_mu);
    fd = conn->fd;
  }
  AbciConnection session(app, &app_mutex, options);
  constexpr size_t kChunk = 256 << 10;
  constexpr size_t kDrainLimit = 4u << 20;  // read at most this much before answering
  std::string buf(kChunk, '\0');
  bool eof = false;
  while (!eof) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!stopped.load()) Log(ErrnoText("read"));
      break;
    }
    if (n == 0) break;
    session.Feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    // Take in whatever else is already waiting, so CheckTx requests queued by CometBFT's
    // mempool reach the application as one batch.
    size_t drained = static_cast<size_t>(n);
    while (drained < kDrainLimit) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP)) == 0) break;
      n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        eof = true;
        break;
      }
      session.Feed(std::string_view(buf.data(), static_cast<size_t>(n)));
      drained += static_cast<size_t>(n);
    }
    const Status st = session.Process();
    if (!session.output().empty()) {
      if (!WriteAll(fd, session.output())) {
        if (!stopped.load()) Log(ErrnoText("write"));
        break;
      }
      session.output().clear();
      if (session.output().capacity() > (4u << 20)) std::string().swap(session.output());
    }
    if (!st.ok()) break;  // already logged by the session
  }
  {
    std::lock_guard<std::mutex> lock(conns_mu);
    ::close(conn->fd);
    conn->fd = -1;
  }
  conn->done.store(true);
}

void AbciServer::Impl::Shutdown() {
  if (stopped.exchange(true)) return;
  if (wake[1] >= 0) {
    const char c = 0;
    (void)!::write(wake[1], &c, 1);
  }
  if (accept_thread.joinable()) accept_thread.join();
  if (listen_fd >= 0) ::close(listen_fd);
  listen_fd = -1;
  std::list<std::unique_ptr<Conn>> all;
  {
    std::lock_guard<std::mutex> lock(conns_mu);
    for (auto& c : conns) {
      if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
    }
    all.swap(conns);
  }
  for (auto& c : all) c->thread.join();
  for (int& fd : wake) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  if (!unix_path.empty()) ::unlink(unix_path.c_str());
}

AbciServer::AbciServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AbciServer::~AbciServer() { Stop(); }

Status AbciServer::Start(AbciApplication* app, const AbciServerOptions& options,
                         std::unique_ptr<AbciServer>* server) {
  auto impl = std::make_unique<Impl>();
  impl->app = app;
  impl->options = options;
  if (!impl->options.log) impl->options.log = DefaultLog;
  Status st = impl->Bind();
  if (!st.ok()) {
    impl->stopped.store(true);
    if (impl->listen_fd >= 0) ::close(impl->listen_fd);
    for (int fd : impl->wake) {
      if (fd >= 0) ::close(fd);
    }
    return st;
  }
  Impl* raw = impl.get();
  raw->accept_thread = std::thread([raw] { raw->AcceptLoop(); });
  server->reset(new AbciServer(std::move(impl)));
  return Status::Ok();
}

void AbciServer::Stop() {
  if (impl_) impl_->Shutdown();
}

int AbciServer::port() const { return impl_->port; }

std::string AbciServer::address() const { return impl_->address; }

int AbciServer::open_connections() const {
  std::lock_guard<std::mutex> lock(impl_->conns_mu);
  int n = 0;
  for (const auto& c : impl_->conns) n += c->done.load() ? 0 : 1;
  return n;
}

}  // namespace depinfer::consensus
