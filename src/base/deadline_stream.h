// DeadlineStream: a connected Boost.Asio TCP socket whose blocking reads and writes give up at
// a deadline, for thread-per-connection servers and clients that must not hang on a silent
// peer.
//
// Why not SO_RCVTIMEO: Asio's synchronous operations ignore it. When recv() times out with
// EAGAIN, Asio polls the socket with no timeout and waits on, so a client that connects and
// sends nothing (or one byte a minute) would hold its thread forever. DeadlineStream puts the
// socket in non-blocking mode and waits in poll() itself, never past the deadline.
//
// It models Beast's SyncReadStream and SyncWriteStream, so beast::http::read/write and
// asio::write work on it unchanged. An expired deadline is asio::error::timed_out; the socket
// stays open and the caller decides (usually: close it). shutdown() from another thread wakes
// a waiting call, which then sees end of file or an error.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>

namespace depinfer {

class DeadlineStream {
 public:
  using Clock = std::chrono::steady_clock;
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  // The socket must outlive the stream; it may be open (a connection a server accepted) or
  // not yet (a client's, for connect()). No deadline until one is set.
  explicit DeadlineStream(boost::asio::ip::tcp::socket& socket) : socket_(socket) {
    boost::system::error_code ignored;
    if (socket_.is_open()) socket_.non_blocking(true, ignored);
  }

  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

  // Every read and write from now on must finish within `d` of now (one deadline for a whole
  // request, not one per recv: a peer that trickles bytes still runs out of time).
  void expires_after(std::chrono::milliseconds d) { deadline_ = Clock::now() + d; }
  void expires_never() { deadline_ = Clock::time_point::max(); }

  // Opens the socket if needed and connects it within the deadline. (Asio's own blocking
  // connect waits as long as the kernel does, minutes for a host that drops the SYN.)
  void connect(const boost::asio::ip::tcp::endpoint& endpoint, boost::system::error_code& ec) {
    if (!socket_.is_open()) {
      socket_.open(endpoint.protocol(), ec);
      if (ec) return;
    }
    socket_.non_blocking(true, ec);
    if (ec) return;
    if (::connect(socket_.native_handle(), endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0) {
      ec = {};
      return;
    }
    if (errno != EINPROGRESS && errno != EINTR) {
      ec.assign(errno, boost::system::system_category());
      return;
    }
    if (!Wait(POLLOUT, ec)) return;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    ec = err == 0 ? boost::system::error_code() : boost::system::error_code(err, boost::system::system_category());
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    return Retry(POLLIN, ec, [&] { return socket_.read_some(buffers, ec); });
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    return OrThrow([&](boost::system::error_code& ec) { return read_some(buffers, ec); });
  }

  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    return Retry(POLLOUT, ec, [&] { return socket_.write_some(buffers, ec); });
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    return OrThrow([&](boost::system::error_code& ec) { return write_some(buffers, ec); });
  }

 private:
  // Runs the non-blocking `op` (which sets ec) until it does not report would-block, waiting
  // for `events` in between; 0 with ec set when the wait fails or the deadline passes.
  template <class Op>
  std::size_t Retry(short events, boost::system::error_code& ec, Op op) {
    for (;;) {
      const std::size_t n = op();
      if (ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) return n;
      if (!Wait(events, ec)) return 0;
    }
  }

  template <class Op>
  static std::size_t OrThrow(Op op) {
    boost::system::error_code ec;
    const std::size_t n = op(ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Waits until the socket is ready for `events` (or has an error or hang-up, which the next
  // call reports). False with ec = timed_out at the deadline, or ec = the poll error.
  bool Wait(short events, boost::system::error_code& ec) {
    for (;;) {
      int timeout_ms = -1;
      if (deadline_ != Clock::time_point::max()) {
        const auto left = deadline_ - Clock::now();
        if (left <= Clock::duration::zero()) {
          ec = boost::asio::error::timed_out;
          return false;
        }
        // Rounded up, so the wait never ends just short of the deadline and spins.
        timeout_ms = static_cast<int>(
            std::chrono::ceil<std::chrono::milliseconds>(left).count());
      }
      pollfd p{socket_.native_handle(), events, 0};
      const int r = ::poll(&p, 1, timeout_ms);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) {
        ec.assign(errno, boost::system::system_category());
        return false;
      }
    }
  }

  boost::asio::ip::tcp::socket& socket_;
  Clock::time_point deadline_ = Clock::time_point::max();
};

}  // namespace depinfer
