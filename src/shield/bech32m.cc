// Bech32m, following the reference implementation's structure described in BIP-173/BIP-350:
// the checksum is a BCH code over GF(32) computed by `PolyMod` over the expanded hrp, the data
// and six zero symbols; bech32m xors the constant 0x2bc830a3 where bech32 used 1.
#include "shield/bech32m.h"

#include <string>

namespace depinfer::shield {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::uint32_t kBech32mConst = 0x2bc830a3;
constexpr std::uint32_t kBech32Const = 1;  // BIP-173; recognised only to name the error

// -1 for characters outside the charset; index otherwise. Expects lowercase. Compares with all
// 32 characters and selects by mask, so the time does not depend on c (viewing keys are secret).
int CharValue(char c) {
  std::uint32_t found = 0, value = 0;
  for (std::uint32_t i = 0; i < 32; ++i) {
    std::uint32_t diff = static_cast<std::uint8_t>(kCharset[i] ^ c);
    std::uint32_t eq = static_cast<std::uint32_t>((static_cast<std::uint64_t>(diff) - 1) >> 32);
    value |= eq & i;
    found |= eq;
  }
  return found ? static_cast<int>(value) : -1;
}

std::uint32_t PolyMod(std::span<const std::uint8_t> values) {
  static constexpr std::uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                            0x2a1462b3};
  std::uint32_t chk = 1;
  for (std::uint8_t v : values) {
    std::uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) chk ^= (0u - ((top >> i) & 1)) & kGen[i];  // no branch
  }
  return chk;
}

// hrp high bits, 0, hrp low bits (BIP-173 hrp expansion) followed by the data values.
std::vector<std::uint8_t> Expand(std::string_view hrp, std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> v;
  v.reserve(2 * hrp.size() + 1 + data.size() + 6);
  for (char c : hrp) v.push_back(static_cast<std::uint8_t>(c) >> 5);
  v.push_back(0);
  for (char c : hrp) v.push_back(static_cast<std::uint8_t>(c) & 31);
  v.insert(v.end(), data.begin(), data.end());
  return v;
}

bool ValidHrpChar(char c) { return c >= 33 && c <= 126; }

}  // namespace

bool ConvertBits(std::span<const std::uint8_t> in, int from_bits, int to_bits, bool pad,
                 std::vector<std::uint8_t>* out) {
  std::vector<std::uint8_t> result;
  std::uint32_t acc = 0;
  int bits = 0;
  const std::uint32_t max_out = (1u << to_bits) - 1;
  for (std::uint8_t value : in) {
    if ((value >> from_bits) != 0) return false;
    acc = ((acc << from_bits) | value) & 0xffffff;
    bits += from_bits;
    while (bits >= to_bits) {
      bits -= to_bits;
      result.push_back(static_cast<std::uint8_t>((acc >> bits) & max_out));
    }
  }
  if (pad) {
    if (bits > 0) result.push_back(static_cast<std::uint8_t>((acc << (to_bits - bits)) & max_out));
  } else if (bits >= from_bits || ((acc << (to_bits - bits)) & max_out) != 0) {
    return false;
  }
  *out = std::move(result);
  return true;
}

std::string Bech32mEncodeGroups(std::string_view hrp, std::span<const std::uint8_t> groups) {
  if (hrp.empty() || hrp.size() > kBech32mMaxHrpLength) return "";
  if (hrp.size() + 1 + groups.size() + 6 > kBech32mMaxLength) return "";
  for (char c : hrp) {
    if (!ValidHrpChar(c) || (c >= 'A' && c <= 'Z')) return "";
  }
  for (std::uint8_t g : groups) {
    if (g >= 32) return "";
  }
  std::vector<std::uint8_t> values = Expand(hrp, groups);
  values.resize(values.size() + 6, 0);
  std::uint32_t mod = PolyMod(values) ^ kBech32mConst;
  std::string s(hrp);
  s.push_back('1');
  for (std::uint8_t g : groups) s.push_back(kCharset[g]);
  for (int i = 0; i < 6; ++i) s.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
  return s;
}

Status Bech32mDecodeGroups(std::string_view s, std::string* hrp,
                           std::vector<std::uint8_t>* groups, std::size_t max_length) {
  if (s.size() > max_length) {
    return Status::InvalidArgument("bech32m string is " + std::to_string(s.size()) +
                                   " characters, more than the limit of " +
                                   std::to_string(max_length));
  }
  bool lower = false, upper = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!ValidHrpChar(c)) {
      return Status::InvalidArgument("bech32m string has a character outside printable ASCII "
                                     "at position " + std::to_string(i + 1));
    }
    lower |= (c >= 'a' && c <= 'z');
    upper |= (c >= 'A' && c <= 'Z');
  }
  if (lower && upper) {
    return Status::InvalidArgument("bech32m string mixes upper and lower case");
  }
  std::size_t sep = s.rfind('1');
  if (sep == std::string_view::npos) {
    return Status::InvalidArgument("bech32m string has no '1' separator");
  }
  if (sep == 0) return Status::InvalidArgument("bech32m string has an empty human-readable part");
  if (sep > kBech32mMaxHrpLength) {
    return Status::InvalidArgument("bech32m human-readable part is longer than 83 characters");
  }
  if (s.size() - sep - 1 < 6) {
    return Status::InvalidArgument("bech32m string is too short to hold its 6-character checksum");
  }
  std::string h;
  for (std::size_t i = 0; i < sep; ++i) {
    char c = s[i];
    h.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  std::vector<std::uint8_t> data;
  for (std::size_t i = sep + 1; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    int v = CharValue(c);
    if (v < 0) {
      return Status::InvalidArgument("bech32m string has an invalid data character '" +
                                     std::string(1, s[i]) + "' at position " +
                                     std::to_string(i + 1));
    }
    data.push_back(static_cast<std::uint8_t>(v));
  }
  std::uint32_t mod = PolyMod(Expand(h, data));
  if (mod != kBech32mConst) {
    if (mod == kBech32Const) {
      return Status::InvalidArgument(
          "string has a bech32 (BIP-173) checksum; bech32m (BIP-350) is required");
    }
    return Status::InvalidArgument("bech32m checksum does not match (a character is mistyped)");
  }
  data.resize(data.size() - 6);
  *hrp = std::move(h);
  *groups = std::move(data);
  return Status::Ok();
}

std::string Bech32mEncode(std::string_view hrp, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> groups;
  ConvertBits(payload, 8, 5, true, &groups);
  return Bech32mEncodeGroups(hrp, groups);
}

Status Bech32mDecode(std::string_view s, std::string* hrp, std::vector<std::uint8_t>* payload,
                     std::size_t max_length) {
  std::string h;
  std::vector<std::uint8_t> groups;
  DEPINFER_RETURN_IF_ERROR(Bech32mDecodeGroups(s, &h, &groups, max_length));
  std::vector<std::uint8_t> bytes;
  if (!ConvertBits(groups, 5, 8, false, &bytes)) {
    return Status::InvalidArgument(
        "bech32m data has invalid padding (more than 4 bits, or nonzero padding bits)");
  }
  *hrp = std::move(h);
  *payload = std::move(bytes);
  return Status::Ok();
}

}  // namespace depinfer::shield
