#include "api/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <list>
#include <nlohmann/json.hpp>
#include <set>

#include "base/deadline_stream.h"

namespace depinfer::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string JsonText(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse JsonError(int status, std::string_view code, std::string_view message) {
  nlohmann::json j;
  j["error"] = {{"code", code}, {"message", message}};
  HttpResponse r;
  r.status = status;
  r.body = JsonText(j);
  return r;
}

HttpResponse JsonOk(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

namespace {

std::string UrlDecode(std::string_view s, bool* ok) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        *ok = false;
        return out;
      }
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

bool ParseTarget(std::string_view target, HttpRequest* req) {
  const std::size_t q = target.find('?');
  bool ok = true;
  req->path = UrlDecode(target.substr(0, q), &ok);
  if (q == std::string_view::npos) return ok;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty() && ok) {
    const std::size_t amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    const std::size_t eq = kv.find('=');
    std::string key = UrlDecode(kv.substr(0, eq), &ok);
    std::string value = eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1), &ok);
    if (req->query.size() >= 32) return false;  // no query floods
    req->query[std::move(key)] = std::move(value);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return ok;
}

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable idle;
  std::size_t active = 0;
  std::set<tcp::socket*> sockets;  // open connections, to shut down on Stop

  // Runs ServeRequests for one connection, then closes it and frees its slot.
  static void Serve(HttpServer* self, std::unique_ptr<tcp::socket> socket);
  static void ServeRequests(HttpServer* self, tcp::socket& socket);
};

namespace {

// Sends `res` as one message; false if the connection cannot be used any more.
bool WriteWhole(DeadlineStream& stream, HttpResponse& res, unsigned version, bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  out.set(http::field::server, "depinferd");
  out.set(http::field::content_type, res.content_type);
  for (const auto& [k, v] : res.headers) out.set(k, v);
  out.keep_alive(keep_alive);
  out.body() = std::move(res.body);
  out.prepare_payload();
  beast::error_code ec;
  http::write(stream, out, ec);
  return !ec;
}

// Sends the headers, then what res.stream writes: as chunks to an HTTP/1.1 client, raw until
// the connection closes to an HTTP/1.0 one. Each piece has its own write deadline. False if
// the connection cannot be reused.
bool WriteStreamed(DeadlineStream& stream, HttpResponse& res, unsigned version, bool keep_alive,
                   std::chrono::milliseconds write_timeout) {
  const bool chunked = version >= 11;
  http::response<http::empty_body> head{static_cast<http::status>(res.status), version};
  head.set(http::field::server, "depinferd");
  head.set(http::field::content_type, res.content_type);
  head.set(http::field::cache_control, "no-cache");
  for (const auto& [k, v] : res.headers) head.set(k, v);
  head.keep_alive(chunked && keep_alive);
  if (chunked) head.chunked(true);
  http::response_serializer<http::empty_body> sr{head};
  beast::error_code ec;
  http::write_header(stream, sr, ec);
  bool ok = !ec;
  try {
    res.stream([&](std::string_view piece) {
      if (!ok) return false;
      if (piece.empty()) return true;  // an empty chunk would end the body
      stream.expires_after(write_timeout);
      const asio::const_buffer b(piece.data(), piece.size());
      if (chunked) {
        asio::write(stream, http::make_chunk(b), ec);
      } else {
        asio::write(stream, b, ec);
      }
      ok = !ec;
      return ok;
    });
  } catch (const std::exception&) {
    // The status line is out, so no error answer is possible: the body ends unfinished (no
    // last chunk) and the connection closes, which a client sees as a failed response.
    return false;
  }
  if (!ok || !chunked) return false;
  stream.expires_after(write_timeout);
  asio::write(stream, http::make_chunk_last(), ec);
  return !ec && keep_alive;
}

}  // namespace

// One connection: requests in order (keep-alive) until the client closes, a deadline passes,
// a read or write fails, or the server stops.
void HttpServer::Impl::ServeRequests(HttpServer* self, tcp::socket& socket) {
  const Options& opt = self->options_;
  const std::chrono::milliseconds read_timeout(opt.read_timeout_ms), write_timeout(opt.write_timeout_ms);
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const std::string client = socket.remote_endpoint(ec).address().to_string();
  DeadlineStream stream(socket);
  beast::flat_buffer buffer;
  while (!self->impl_->stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
    parser.body_limit(opt.max_body_bytes);
    stream.expires_after(read_timeout);
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::end_of_stream || ec == asio::error::eof) break;
    HttpResponse res;
    bool keep_alive = false;
    unsigned version = 11;
    if (ec == http::error::body_limit) {
      res = self->Error(413, "too_large", "request body above " + std::to_string(opt.max_body_bytes) + " bytes");
    } else if (ec == http::error::header_limit) {
      res = self->Error(431, "headers_too_large", "request headers too large");
    } else if (ec) {
      // Out of time (idle or trickling), or the peer is gone: close without an answer.
      if (ec == asio::error::timed_out || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted || ec == asio::error::broken_pipe) {
        break;
      }
      res = self->Error(400, "bad_request", "malformed HTTP request");
    } else {
      auto& msg = parser.get();
      keep_alive = msg.keep_alive();
      version = msg.version();
      HttpRequest req;
      req.method = std::string(msg.method_string());
      req.client = client;
      req.content_type = std::string(msg[http::field::content_type]);
      req.accept = std::string(msg[http::field::accept]);
      req.body = std::move(msg.body());
      const auto target = msg.target();
      if (!ParseTarget(std::string_view(target.data(), target.size()), &req)) {
        res = self->Error(400, "bad_request", "malformed request target");
      } else if (!self->Admit(client)) {
        res = self->Error(429, "rate_limited", "too many requests; slow down");
      } else {
        res = self->Dispatch(req, std::string(msg[http::field::authorization]));
      }
    }
    stream.expires_after(write_timeout);
    const bool reusable = res.stream ? WriteStreamed(stream, res, version, keep_alive, write_timeout)
                                     : WriteWhole(stream, res, version, keep_alive) && keep_alive;
    if (!reusable) break;
  }
}

void HttpServer::Impl::Serve(HttpServer* self, std::unique_ptr<tcp::socket> socket) {
  // Nothing a client sends may end the process: whatever escapes a request closes only its
  // connection.
  try {
    ServeRequests(self, *socket);
  } catch (...) {
  }
  beast::error_code ec;
  socket->shutdown(tcp::socket::shutdown_both, ec);
  std::lock_guard<std::mutex> lock(self->impl_->mu);
  self->impl_->sockets.erase(socket.get());
  socket.reset();
  --self->impl_->active;
  self->impl_->idle.notify_all();
}

HttpServer::HttpServer(Options options) : options_(std::move(options)), impl_(new Impl) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string path, HttpHandler handler, bool admin) {
  const bool prefix = !path.empty() && path.back() == '/';
  routes_.push_back(RouteEntry{std::move(method), std::move(path), prefix, admin, std::move(handler)});
}

bool HttpServer::Admit(const std::string& client) {
  if (options_.rate_per_second <= 0) return true;
  std::lock_guard<std::mutex> lock(rate_mu_);
  const std::int64_t now = NowNs();
  const double burst = std::max(options_.rate_burst, options_.rate_per_second);
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst, b.tokens + options_.rate_per_second * static_cast<double>(now - b.last_ns) * 1e-9);
    b.last_ns = now;
  }
  if (buckets_.size() > 100'000) buckets_.clear();  // bounded memory under address floods
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

HttpResponse HttpServer::Error(int status, std::string_view code, std::string_view message) const {
  return options_.error ? options_.error(status, code, message) : JsonError(status, code, message);
}

HttpResponse HttpServer::Dispatch(HttpRequest& req, const std::string& authorization) {
  const RouteEntry* best = nullptr;
  bool path_known = false;
  for (const RouteEntry& r : routes_) {
    const bool match = r.prefix ? req.path.rfind(r.path, 0) == 0 : req.path == r.path;
    if (!match) continue;
    path_known = true;
    if (r.method != req.method) continue;
    if (!best || r.path.size() > best->path.size()) best = &r;
  }
  if (!best) {
    return path_known ? Error(405, "method_not_allowed", "method not allowed on " + req.path)
                      : Error(404, "not_found", "no such endpoint: " + req.path);
  }
  if (best->admin) {
    const std::string expected = "Bearer " + options_.admin_token;
    if (options_.admin_token.empty() || authorization.size() != expected.size() ||
        !std::equal(expected.begin(), expected.end(), authorization.begin())) {
      return Error(401, "unauthorized", "this endpoint needs the admin token");
    }
  }
  if (best->prefix) req.path_rest = req.path.substr(best->path.size());
  try {
    return best->handler(req);
  } catch (const std::exception& e) {
    return Error(500, "internal", e.what());
  } catch (...) {
    return Error(500, "internal", "the handler failed");
  }
}

Status HttpServer::Start() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options_.bind, ec);
  if (ec) return Status::InvalidArgument("bad bind address " + options_.bind);
  tcp::endpoint ep(address, options_.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + options_.bind + ":" +
                               std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] {
    while (!impl_->stopping) {
      auto socket = std::make_unique<tcp::socket>(impl_->io);
      beast::error_code aec;
      impl_->acceptor.accept(*socket, aec);
      if (aec) {
        if (impl_->stopping) break;
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->active >= options_.max_connections) {
          // Answered from this thread, so with a short deadline: a client that advertises no
          // receive window must not stall the accepting of everyone else.
          HttpResponse busy = Error(503, "busy", "too many connections; retry later");
          http::response<http::string_body> res{http::status::service_unavailable, 11};
          res.set(http::field::content_type, busy.content_type);
          res.keep_alive(false);
          res.body() = std::move(busy.body);
          res.prepare_payload();
          DeadlineStream stream(*socket);
          stream.expires_after(std::chrono::milliseconds(200));
          http::write(stream, res, aec);
          continue;
        }
        ++impl_->active;
        impl_->sockets.insert(socket.get());
      }
      std::thread([this, s = std::move(socket)]() mutable { Impl::Serve(this, std::move(s)); }).detach();
    }
  });
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  beast::error_code ec;
  // A blocking accept() is not woken by close() from another thread; shutdown() wakes it.
  if (impl_->acceptor.is_open()) ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  std::unique_lock<std::mutex> lock(impl_->mu);
  for (tcp::socket* s : impl_->sockets) s->shutdown(tcp::socket::shutdown_both, ec);
  impl_->idle.wait(lock, [&] { return impl_->active == 0; });
}

}  // namespace depinfer::api
