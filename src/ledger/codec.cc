#include "ledger/codec.h"

#include "shield/bytes.h"

#include <sodium.h>

static_assert(sizeof(crypto_generichash_state) <= 384, "Hasher::state_ is too small");

namespace depinfer::ledger {

namespace {
crypto_generichash_state* St(unsigned char* p) {
  return reinterpret_cast<crypto_generichash_state*>(p);
}
}  // namespace

Hasher::Hasher(std::string_view domain) {
  crypto_generichash_init(St(state_), nullptr, 0, 32);
  U8(static_cast<std::uint8_t>(domain.size()));
  Add(domain);
}

Hasher& Hasher::Add(std::span<const std::uint8_t> bytes) {
  crypto_generichash_update(St(state_), bytes.data(), bytes.size());
  return *this;
}

Hasher& Hasher::U32(std::uint32_t v) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                             static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  return Add(b);
}

Hasher& Hasher::U64(std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return Add(b);
}

Hasher& Hasher::Field(const Fr& x) { return Add(FieldBytes(x)); }

Hash32 Hasher::Final() {
  Hash32 out;
  crypto_generichash_final(St(state_), out.data(), out.size());
  return out;
}

Hash32 FieldBytes(const Fr& x) {
  Hash32 b;
  x.ToBytesBE(b.data());
  return b;
}

std::string Hex(std::span<const std::uint8_t> b) {
  std::string s(b.size() * 2 + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), b.data(), b.size());
  s.pop_back();
  return s;
}

std::string FieldHex(const Fr& x) { return "0x" + Hex(FieldBytes(x)); }

Status ExpectKeys(const Json& j, const char* what, std::initializer_list<const char*> required,
                  std::initializer_list<const char*> optional) {
  if (!j.is_object()) return Status::InvalidArgument(std::string(what) + " must be an object");
  for (const char* k : required) {
    if (!j.contains(k)) return Status::InvalidArgument(std::string(what) + " lacks \"" + k + "\"");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* k : required) known |= it.key() == k;
    for (const char* k : optional) known |= it.key() == k;
    if (!known) {
      return Status::InvalidArgument(std::string(what) + " has unknown key \"" + it.key() + "\"");
    }
  }
  return Status::Ok();
}

Status HexFromJson(const Json& j, const char* what, std::size_t max_len,
                   std::vector<std::uint8_t>* out) {
  if (!j.is_string()) return Status::InvalidArgument(std::string(what) + " must be a hex string");
  return shield::HexDecode(j.get_ref<const std::string&>(), max_len, what, out);
}

Status FieldFromJson(const Json& j, const char* what, Fr* out) {
  if (!j.is_string() || j.get_ref<const std::string&>().rfind("0x", 0) != 0) {
    return Status::InvalidArgument(std::string(what) + " must be a 0x-prefixed hex string");
  }
  std::array<std::uint8_t, 32> b;
  DEPINFER_RETURN_IF_ERROR(
      HexArrayFromJson(Json(j.get_ref<const std::string&>().substr(2)), what, &b));
  return Fr::FromBytesBE(b, out).WithContext(what);
}

Status U64FromJson(const Json& j, const char* what, std::uint64_t* out) {
  if (!j.is_string()) {
    return Status::InvalidArgument(std::string(what) + " must be a decimal string");
  }
  const std::string& s = j.get_ref<const std::string&>();
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) {
    return Status::InvalidArgument(std::string(what) + " must be a canonical decimal u64");
  }
  __extension__ unsigned __int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument(std::string(what) + " must be decimal digits");
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v >> 64) return Status::InvalidArgument(std::string(what) + " exceeds 2^64 - 1");
  *out = static_cast<std::uint64_t>(v);
  return Status::Ok();
}

}  // namespace depinfer::ledger
