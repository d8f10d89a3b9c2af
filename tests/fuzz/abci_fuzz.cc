// libFuzzer target for the ABCI socket protocol (src/consensus/abci_server.h): arbitrary bytes
// from the peer, fed in chunks. The connection must never crash or trip a sanitizer; everything
// it writes must be well-formed framed Responses; and the bytes it writes must not depend on how
// the input was split into reads.
//
//   build/fuzz/tests/fuzz/abci_fuzz -max_total_time=60
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>

#include "consensus/abci_server.h"

using namespace depinfer::consensus;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Run(std::string_view in, size_t chunk) {
  AbciServerOptions options;
  options.max_message_bytes = 1 << 16;
  options.max_check_tx_batch = 3;
  options.log = [](std::string_view) {};
  AbciApplication app;  // the defaults answer every request type
  std::mutex mu;
  AbciConnection conn(&app, &mu, options);
  std::string out;
  while (!in.empty()) {
    const size_t n = std::min(chunk, in.size());
    conn.Feed(in.substr(0, n));
    in.remove_prefix(n);
    const bool ok = conn.Process().ok();
    out += conn.output();
    conn.output().clear();
    if (!ok) break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size, the rest is what the peer sends.
  const size_t chunk = 1 + data[0] % 64;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string whole = Run(in, in.size() + 1);
  Check(Run(in, chunk) == whole);
  std::string_view rest = whole;
  while (!rest.empty()) {
    std::string_view payload;
    size_t consumed = 0;
    depinfer::Status err;
    Check(ParseFrame(rest, 1u << 30, &payload, &consumed, &err) == FrameResult::kFrame);
    abci::Response res;
    Check(res.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
    Check(res.value_case() != abci::Response::VALUE_NOT_SET);
    rest.remove_prefix(consumed);
  }
  return 0;
}
