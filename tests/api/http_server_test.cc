// The node's HTTP server against hostile and ordinary clients: routing, limits, admin token,
// rate limit, malformed requests, keep-alive; and the Prometheus rendering.
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/metrics.h"

namespace depinfer::api {
namespace {

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
