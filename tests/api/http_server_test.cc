// The node's HTTP server against hostile and ordinary clients: routing, limits, admin token,
// rate limit, malformed requests, keep-alive; and the Prometheus rendering.
#include "api/http_server.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/metrics.h"

namespace depinfer::api {
namespace {

using depinfer::Histogram;
using depinfer::MetricsRegistry;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string body;
};

Reply Send(std::uint16_t port, http::verb verb, const std::string& target, std::string body = "",
           const std::string& auth = "") {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "localhost");
  if (!auth.empty()) req.set(http::field::authorization, auth);
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(s, buf, res, ec);
  return {static_cast<int>(res.result_int()), res.body()};
}

Reply Raw(std::uint16_t port, const std::string& bytes) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(s, asio::buffer(bytes));
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(s, buf, res, ec);
  return {ec ? 0 : static_cast<int>(res.result_int()), res.body()};
}

class Server : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServer::Options o;
    o.max_body_bytes = 1000;
    o.admin_token = "s3cret";
    server_ = std::make_unique<HttpServer>(o);
    server_->Route("GET", "/v1/state", [](const HttpRequest&) { return JsonOk("{\"height\":1}"); });
    server_->Route("POST", "/v1/echo", [](const HttpRequest& r) { return JsonOk(r.body); });
    server_->Route("GET", "/v1/tx/", [](const HttpRequest& r) {
      return JsonOk("{\"id\":\"" + r.path_rest + "\",\"q\":\"" +
                    (r.query.count("wait") ? r.query.at("wait") : "") + "\"}");
    });
    server_->Route("POST", "/admin/stop", [](const HttpRequest&) { return JsonOk("{}"); }, true);
    server_->Route("GET", "/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("x"); });
    server_->Route("GET", "/boom-int", [](const HttpRequest&) -> HttpResponse { throw 7; });
    server_->Route("GET", "/v1/json/", [](const HttpRequest& r) {
      return JsonOk(JsonText(nlohmann::json{{"rest", r.path_rest}}));
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  std::unique_ptr<HttpServer> server_;
};

TEST_F(Server, RoutesAndErrors) {
  const auto p = server_->port();
  EXPECT_EQ(Send(p, http::verb::get, "/v1/state").body, "{\"height\":1}");
  EXPECT_EQ(Send(p, http::verb::post, "/v1/echo", "hello").body, "hello");
  EXPECT_EQ(Send(p, http::verb::get, "/v1/tx/ab%20cd?wait=2").body, "{\"id\":\"ab cd\",\"q\":\"2\"}");
  Reply r = Send(p, http::verb::get, "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(Send(p, http::verb::post, "/v1/state").status, 405);
  EXPECT_EQ(Send(p, http::verb::post, "/v1/echo", std::string(1001, 'x')).status, 413);
  EXPECT_EQ(Send(p, http::verb::post, "/admin/stop").status, 401);
  EXPECT_EQ(Send(p, http::verb::post, "/admin/stop", "", "Bearer wrong").status, 401);
  EXPECT_EQ(Send(p, http::verb::post, "/admin/stop", "", "Bearer s3cret").status, 200);
  EXPECT_EQ(Send(p, http::verb::get, "/boom").status, 500);
  EXPECT_EQ(Send(p, http::verb::get, "/v1/tx/%zz").status, 400);
  EXPECT_EQ(Raw(p, "NOT HTTP AT ALL\r\n\r\n").status, 400);
  EXPECT_EQ(Raw(p, "GET / HTTP/1.1\r\nHost: x\r\n" + std::string(20000, 'a') + ": b\r\n\r\n").status, 431);
  // A path that is not UTF-8 once decoded is echoed in the 404's message as U+FFFD (the JSON
  // writer used to throw on it, which ended the whole process).
  r = Send(p, http::verb::get, "/%FF%FE");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\xEF\xBF\xBD"), std::string::npos) << r.body;
  r = Send(p, http::verb::get, "/v1/json/a%FFb");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"rest\":\"a\xEF\xBF\xBD" "b\"}");
  // A handler throwing something that is not a std::exception: a 500, and the server goes on.
  EXPECT_EQ(Send(p, http::verb::get, "/boom-int").status, 500);
  // Still serving.
  EXPECT_EQ(Send(p, http::verb::get, "/v1/state").status, 200);
}

TEST(ServerRate, LimitsEachClient) {
  HttpServer::Options o;
  o.rate_per_second = 1;
  o.rate_burst = 3;
  HttpServer server(o);
  server.Route("GET", "/x", [](const HttpRequest&) { return JsonOk("{}"); });
  ASSERT_TRUE(server.Start().ok());
  int ok = 0, limited = 0;
  for (int i = 0; i < 6; ++i) {
    const int s = Send(server.port(), http::verb::get, "/x").status;
    ok += s == 200;
    limited += s == 429;
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(limited, 3);
  server.Stop();
}

// Seconds until the server closes a connection on which the client sends `first` and then
// nothing; -1 if it is still open after `limit` seconds.
double SecondsUntilClosed(std::uint16_t port, const std::string& first, double limit) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  if (!first.empty()) asio::write(s, asio::buffer(first));
  const auto start = std::chrono::steady_clock::now();
  pollfd p{s.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit * 1000)) <= 0) return -1;
  char c;
  beast::error_code ec;
  while (!ec) s.read_some(asio::buffer(&c, 1), ec);  // drain to end of file
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A client that connects and says nothing, or trickles a request byte by byte, must not hold
// a connection (and its thread) beyond the read deadline. (Asio's blocking reads ignore
// SO_RCVTIMEO, which the server used to rely on: such clients stayed forever.)
TEST(ServerTimeouts, SilentAndTricklingClientsAreCutOff) {
  HttpServer::Options o;
  o.read_timeout_ms = 300;
  HttpServer server(o);
  server.Route("GET", "/x", [](const HttpRequest&) { return JsonOk("{}"); });
  ASSERT_TRUE(server.Start().ok());
  const double silent = SecondsUntilClosed(server.port(), "", 5);
  EXPECT_GE(silent, 0.25);
  EXPECT_LT(silent, 2.0);
  const double half = SecondsUntilClosed(server.port(), "GET /x HTTP/1.1\r\nHo", 5);
  EXPECT_GE(half, 0.25);
  EXPECT_LT(half, 2.0);
  // One byte every 100 ms keeps each recv busy but the request still runs out of time.
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  const std::string req = "GET /x HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(40, 'a') + "\r\n\r\n";
  const auto start = std::chrono::steady_clock::now();
  beast::error_code ec;
  for (char c : req) {
    asio::write(s, asio::buffer(&c, 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double trickled = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(trickled, 3.0) << "the server kept reading a trickled request";
  // Normal clients are served meanwhile and after.
  EXPECT_EQ(Send(server.port(), http::verb::get, "/x").status, 200);
  server.Stop();
}

TEST(ServerLimits, ConnectionsBeyondTheLimitGet503AndSlotsComeBack) {
  HttpServer::Options o;
  o.max_connections = 2;
  HttpServer server(o);
  server.Route("GET", "/x", [](const HttpRequest&) { return JsonOk("{}"); });
  ASSERT_TRUE(server.Start().ok());
  asio::io_context io;
  auto idle = [&] {
    auto s = std::make_unique<tcp::socket>(io);
    s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    return s;
  };
  auto first = idle(), second = idle();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both accepted
  const Reply busy = Send(server.port(), http::verb::get, "/x");
  EXPECT_EQ(busy.status, 503);
  EXPECT_NE(busy.body.find("too many connections"), std::string::npos);
  first->close();  // its thread sees end of file and frees the slot
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    status = Send(server.port(), http::verb::get, "/x").status;
  }
  EXPECT_EQ(status, 200);
  server.Stop();
}

TEST(ServerStreaming, ChunksArriveInOrderAndSlowOrGoneClientsStopTheProducer) {
  HttpServer::Options o;
  o.write_timeout_ms = 300;
  HttpServer server(o);
  std::atomic<int> refused{0};
  server.Route("GET", "/events", [](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.stream = [](const ChunkWriter& write) {
      for (int i = 0; i < 5; ++i) {
        if (!write("data: " + std::to_string(i) + "\n\n")) return;
      }
      write("");  // ignored, not the end of the body
      write("data: [DONE]\n\n");
    };
    return r;
  });
  server.Route("GET", "/flood", [&refused](const HttpRequest&) {
    HttpResponse r;
    r.stream = [&refused](const ChunkWriter& write) {
      const std::string block(1 << 16, 'x');
      for (int i = 0; i < 100'000; ++i) {
        if (!write(block)) {
          ++refused;
          return;
        }
      }
    };
    return r;
  });
  server.Route("GET", "/throws", [](const HttpRequest&) {
    HttpResponse r;
    r.stream = [](const ChunkWriter& write) {
      write("data: half\n\n");
      throw std::runtime_error("producer failed");
    };
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  // A producer that throws: that response fails (no final chunk), the server goes on.
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    http::request<http::string_body> req{http::verb::get, "/throws", 11};
    req.set(http::field::host, "x");
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(s, buf, res, ec);
    EXPECT_TRUE(ec) << "an unfinished chunked body must not read as complete";
  }
  const std::string want = "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: [DONE]\n\n";
  // HTTP/1.1: chunked, and the connection is kept for the next request.
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    for (int round = 0; round < 2; ++round) {
      http::request<http::string_body> req{http::verb::get, "/events", 11};
      req.set(http::field::host, "x");
      http::write(s, req);
      beast::flat_buffer buf;
      http::response<http::string_body> res;
      http::read(s, buf, res);
      EXPECT_TRUE(res.chunked());
      EXPECT_EQ(res[http::field::content_type], "text/event-stream");
      EXPECT_EQ(res.body(), want);
    }
  }
  // HTTP/1.0: the body runs to the end of the connection.
  EXPECT_EQ(Raw(server.port(), "GET /events HTTP/1.0\r\n\r\n").body, want);
  // A client that stops reading: the producer learns it within the write deadline.
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    asio::write(s, asio::buffer(std::string("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")));
    for (int i = 0; i < 50 && refused == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(refused, 1);
  }
  server.Stop();
}

TEST(ServerErrors, OptionsShapeEveryErrorBody) {
  HttpServer::Options o;
  o.max_body_bytes = 10;
  o.error = [](int status, std::string_view code, std::string_view message) {
    HttpResponse r;
    r.status = status;
    r.body = "E " + std::to_string(status) + " " + std::string(code) + " " + std::string(message);
    return r;
  };
  HttpServer server(o);
  server.Route("POST", "/x", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("bad"); });
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(Send(server.port(), http::verb::get, "/nope").body, "E 404 not_found no such endpoint: /nope");
  EXPECT_EQ(Send(server.port(), http::verb::post, "/x", "1").body, "E 500 internal bad");
  EXPECT_EQ(Send(server.port(), http::verb::post, "/x", std::string(11, 'a')).status, 413);
  EXPECT_EQ(Send(server.port(), http::verb::post, "/x", std::string(11, 'a')).body.substr(0, 6), "E 413 ");
  server.Stop();
}

TEST(Metrics, RendersPrometheusText) {
  MetricsRegistry m;
  m.AddCounter("depinfer_tx_total", "transactions")->Add(3);
  m.AddGauge("depinfer_height", "height")->Set(7);
  Histogram* h = m.AddHistogram("depinfer_latency_seconds", "latency", {0.1, 1});
  h->Observe(0.05);
  h->Observe(0.5);
  h->Observe(5);
  const std::string t = m.RenderText();
  EXPECT_NE(t.find("# TYPE depinfer_tx_total counter\ndepinfer_tx_total 3\n"), std::string::npos);
  EXPECT_NE(t.find("depinfer_height 7\n"), std::string::npos);
  EXPECT_NE(t.find("depinfer_latency_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("depinfer_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find("depinfer_latency_seconds_count 3\n"), std::string::npos);
  EXPECT_DOUBLE_EQ(h->Quantile(0.5), 1.0);
}

}  // namespace
}  // namespace depinfer::api
