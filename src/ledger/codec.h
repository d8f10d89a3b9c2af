// Small helpers shared by the ledger's encodings: domain-separated BLAKE2b-256, hex, and the
// strict JSON field readers (the same conventions as shield/transaction.h: amounts are decimal
// strings, field elements 0x-prefixed hex, byte strings plain hex, unknown keys are errors).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::ledger {

using math::bn254::Fr;
using Hash32 = std::array<std::uint8_t, 32>;
using Json = nlohmann::json;

// BLAKE2b-256 over (domain length u8, domain, data...), the shield layer's convention: a
// domain cannot run into the data that follows it.
class Hasher {
 public:
  explicit Hasher(std::string_view domain);
  Hasher& Add(std::span<const std::uint8_t> bytes);
  Hasher& Add(std::string_view bytes) {
    return Add({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  }
  Hasher& U8(std::uint8_t v) { return Add(std::span(&v, 1)); }
  Hasher& U32(std::uint32_t v);
  Hasher& U64(std::uint64_t v);
  Hasher& Field(const Fr& x);
  Hash32 Final();

 private:
  alignas(64) unsigned char state_[384];
};

Hash32 FieldBytes(const Fr& x);
std::string Hex(std::span<const std::uint8_t> bytes);
std::string FieldHex(const Fr& x);  // "0x" + 64 hex digits

// Strict JSON readers; each error names `what`.
Status ExpectKeys(const Json& j, const char* what, std::initializer_list<const char*> required,
                  std::initializer_list<const char*> optional = {});
Status HexFromJson(const Json& j, const char* what, std::size_t max_len,
                   std::vector<std::uint8_t>* out);
template <std::size_t N>
Status HexArrayFromJson(const Json& j, const char* what, std::array<std::uint8_t, N>* out) {
  std::vector<std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(HexFromJson(j, what, N, &b));
  if (b.size() != N) {
    return Status::InvalidArgument(std::string(what) + " must be " + std::to_string(N) +
                                   " bytes of hex");
  }
  std::copy(b.begin(), b.end(), out->begin());
  return Status::Ok();
}
Status FieldFromJson(const Json& j, const char* what, Fr* out);
Status U64FromJson(const Json& j, const char* what, std::uint64_t* out);

}  // namespace depinfer::ledger
