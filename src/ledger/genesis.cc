#include "ledger/genesis.h"

#include <fstream>
#include <set>
#include <sstream>

#include "math/encoding.h"

namespace depinfer::ledger {

namespace bn = math::bn254;

Hash32 Genesis::Hash() const {
  Hasher h("depinfer/genesis/v1");
  const std::uint8_t len[2] = {static_cast<std::uint8_t>(chain_id.size() >> 8),
                               static_cast<std::uint8_t>(chain_id.size())};
  h.Add(len).Add(chain_id).Add(vk_hash).Add(fee_account).U32(root_window);
  h.U32(static_cast<std::uint32_t>(allocations.size()));
  for (const Allocation& a : allocations) h.Add(a.account).Field(a.asset).U64(a.amount);
  return h.Final();
}

std::string Genesis::ToJson() const {
  Json j;
  j["chain_id"] = chain_id;
  j["vk_hash"] = Hex(vk_hash);
  j["fee_account"] = Hex(fee_account);
  j["allocations"] = Json::array();
  for (const Allocation& a : allocations) {
    j["allocations"].push_back(
        {{"account", Hex(a.account)}, {"asset", FieldHex(a.asset)}, {"amount", std::to_string(a.amount)}});
  }
  j["root_window"] = root_window;
  return j.dump(2);
}

Status ParseGenesis(std::string_view text, Genesis* out) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("genesis: not valid JSON");
  DEPINFER_RETURN_IF_ERROR(ExpectKeys(j, "genesis", {"chain_id", "vk_hash", "fee_account", "allocations"},
                                      {"root_window"}));
  Genesis g;
  if (!j["chain_id"].is_string()) return Status::InvalidArgument("genesis chain_id must be a string");
  g.chain_id = j["chain_id"].get<std::string>();
  if (g.chain_id.empty() || g.chain_id.size() > 64) {
    return Status::InvalidArgument("genesis chain_id must be 1 to 64 characters");
  }
  for (char c : g.chain_id) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument("genesis chain_id must be printable ASCII without spaces");
    }
  }
  DEPINFER_RETURN_IF_ERROR(HexArrayFromJson(j["vk_hash"], "genesis vk_hash", &g.vk_hash));
  DEPINFER_RETURN_IF_ERROR(HexArrayFromJson(j["fee_account"], "genesis fee_account", &g.fee_account));
  if (j.contains("root_window")) {
    const Json& w = j["root_window"];
    if (!w.is_number_unsigned() || w.get<std::uint64_t>() < 1 || w.get<std::uint64_t>() > kMaxRootWindow) {
      return Status::InvalidArgument("genesis root_window must be an integer in 1..65536");
    }
    g.root_window = static_cast<std::uint32_t>(w.get<std::uint64_t>());
  }
  if (!j["allocations"].is_array()) {
    return Status::InvalidArgument("genesis allocations must be an array");
  }
  std::set<std::pair<shield::AccountKey, Hash32>> seen;
  std::size_t i = 0;
  for (const Json& a : j["allocations"]) {
    const std::string what = "genesis allocation " + std::to_string(i++);
    DEPINFER_RETURN_IF_ERROR(ExpectKeys(a, what.c_str(), {"account", "asset", "amount"}));
    Allocation al;
    DEPINFER_RETURN_IF_ERROR(HexArrayFromJson(a["account"], (what + " account").c_str(), &al.account));
    DEPINFER_RETURN_IF_ERROR(FieldFromJson(a["asset"], (what + " asset").c_str(), &al.asset));
    DEPINFER_RETURN_IF_ERROR(U64FromJson(a["amount"], (what + " amount").c_str(), &al.amount));
    if (al.amount == 0) return Status::InvalidArgument(what + ": amount must not be zero");
    if (!seen.insert({al.account, FieldBytes(al.asset)}).second) {
      return Status::InvalidArgument(what + ": the same account and asset appear twice");
    }
    g.allocations.push_back(al);
  }
  *out = std::move(g);
  return Status::Ok();
}

Status LoadGenesisFile(const std::string& path, Genesis* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound("genesis file " + path + " cannot be opened");
  std::ostringstream s;
  s << f.rdbuf();
  if (s.str().size() > (64u << 20)) return Status::InvalidArgument("genesis file above 64 MiB");
  return ParseGenesis(s.str(), out).WithContext(path);
}

Hash32 VerifyingKeyHash(const snark::groth16::VerifyingKey& vk) {
  Hasher h("depinfer/vk/v1");
  h.Add(bn::EncodeG1Eth(vk.alpha));
  h.Add(bn::EncodeG2Eth(vk.beta)).Add(bn::EncodeG2Eth(vk.gamma)).Add(bn::EncodeG2Eth(vk.delta));
  h.U32(static_cast<std::uint32_t>(vk.ic.size()));
  for (const auto& p : vk.ic) h.Add(bn::EncodeG1Eth(p));
  return h.Final();
}

}  // namespace depinfer::ledger
