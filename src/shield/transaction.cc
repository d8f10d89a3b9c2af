#include "shield/transaction.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "math/encoding.h"
#include "shield/bytes.h"

namespace depinfer::shield {

namespace bn = math::bn254;
using Json = nlohmann::json;
__extension__ typedef unsigned __int128 U128;  // exact sums of u64 amounts

namespace {


constexpr std::size_t kProofBytes = bn::kG1EthBytes + bn::kG2EthBytes + bn::kG1EthBytes;

void WriteProof(const Proof& p, ByteWriter* w) {
  w->Raw(bn::EncodeG1Eth(p.a));
  w->Raw(bn::EncodeG2Eth(p.b));
  w->Raw(bn::EncodeG1Eth(p.c));
}

// Points on their curves; B's subgroup test is the verifier's, batched (see transaction.h).
Status ReadProof(std::span<const std::uint8_t> p, Proof* out) {
  DEPINFER_RETURN_IF_ERROR(bn::DecodeG1Eth(p.first(64), &out->a).WithContext("proof.A"));
  DEPINFER_RETURN_IF_ERROR(bn::DecodeG2EthOnCurve(p.subspan(64, 128), &out->b).WithContext("proof.B"));
  return bn::DecodeG1Eth(p.subspan(192, 64), &out->c).WithContext("proof.C");
}

// The fields in encoding order; `with_proof` and `with_signature` select the full encoding or
// the one the id is computed over.
void Write(const Transaction& tx, bool with_signature, bool with_proof, ByteWriter* w) {
  w->U8(tx.version);
  w->Field(tx.asset);
  w->Field(tx.root);
  for (const Fr& nf : tx.nullifiers) w->Field(nf);
  for (const Fr& cm : tx.commitments) w->Field(cm);
  w->U64(tx.fee);
  w->U8(static_cast<std::uint8_t>(tx.leg.kind));
  if (tx.leg.kind != LegKind::kNone) {
    w->Raw(tx.leg.account);
    w->U64(tx.leg.amount);
  }
  if (tx.leg.kind == LegKind::kDeposit) {
    w->U64(tx.leg.nonce);
    if (with_signature) w->Raw(tx.leg.signature);
  }
  for (const auto& out : tx.outputs) w->Blob(out);
  w->Blob(tx.memo);
  if (with_proof) WriteProof(tx.proof, w);
}

std::array<std::uint8_t, 32> Blake2b256(const char* domain, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> out;
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, out.size());
  const std::size_t dlen = std::char_traits<char>::length(domain);
  const std::uint8_t len = static_cast<std::uint8_t>(dlen);
  crypto_generichash_update(&st, &len, 1);  // length-prefixed: domains cannot run into data
  crypto_generichash_update(&st, reinterpret_cast<const std::uint8_t*>(domain), dlen);
  crypto_generichash_update(&st, data.data(), data.size());
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

std::vector<std::uint8_t> WithChain(std::string_view chain_id, std::span<const std::uint8_t> data) {
  ByteWriter w;
  w.Blob(std::span(reinterpret_cast<const std::uint8_t*>(chain_id.data()),
                   std::min<std::size_t>(chain_id.size(), 0xffff)));
  w.Raw(data);
  return std::move(w.bytes());
}

}  // namespace

bool Transaction::operator==(const Transaction& o) const {
  return version == o.version && asset == o.asset && root == o.root &&
         nullifiers == o.nullifiers && commitments == o.commitments && fee == o.fee &&
         leg == o.leg && outputs == o.outputs && memo == o.memo && proof.a == o.proof.a &&
         proof.b == o.proof.b && proof.c == o.proof.c;
}

Status Transaction::PublicAmount(SignedAmount* out) const {
  // In 128 bits nothing below can overflow; the result must fit |v| < 2^64.
  U128 in = 0, outflow = fee;
  if (leg.kind == LegKind::kDeposit) in = leg.amount;
  if (leg.kind == LegKind::kWithdrawal) outflow += leg.amount;
  SignedAmount v;
  v.negative = outflow > in;
  const U128 magnitude = v.negative ? outflow - in : in - outflow;
  if (magnitude >> 64) {
    return Status::InvalidArgument("withdrawal plus fee exceed 2^64 - 1");
  }
  v.magnitude = static_cast<std::uint64_t>(magnitude);
  *out = v;
  return Status::Ok();
}

Fr Transaction::ExtHash(std::string_view chain_id) const {
  // The public part: everything from the fee on except the deposit signature and the proof.
  ByteWriter w;
  w.U64(fee);
  w.U8(static_cast<std::uint8_t>(leg.kind));
  if (leg.kind != LegKind::kNone) {
    w.Raw(leg.account);
    w.U64(leg.amount);
  }
  if (leg.kind == LegKind::kDeposit) w.U64(leg.nonce);
  for (const auto& o : outputs) w.Blob(o);
  w.Blob(memo);
  auto h = Blake2b256("depinfer/ext_hash/v1", WithChain(chain_id, w.bytes()));
  h[0] &= 0x1f;  // below 2^253 < r
  Fr x;
  (void)Fr::FromBytesBE(h, &x);  // cannot fail: below r
  return x;
}

Status Transaction::Statement(std::string_view chain_id, JoinSplitPublic* out) const {
  SignedAmount v;
  DEPINFER_RETURN_IF_ERROR(PublicAmount(&v));
  JoinSplitPublic p;
  p.root = root;
  p.public_amount = v.ToField();
  p.ext_hash = ExtHash(chain_id);
  p.asset = asset;
  p.nullifiers = nullifiers;
  p.commitments = commitments;
  *out = p;
  return Status::Ok();
}

TxId Transaction::Id() const {
  ByteWriter w;
  Write(*this, /*with_signature=*/false, /*with_proof=*/false, &w);
  return Blake2b256("depinfer/txid/v1", w.bytes());
}

std::vector<std::uint8_t> Transaction::SigningMessage(std::string_view chain_id) const {
  const TxId id = Id();
  static constexpr char kDomain[] = "depinfer/deposit/v1";
  std::vector<std::uint8_t> m(kDomain, kDomain + sizeof kDomain - 1);
  const auto rest = WithChain(chain_id, id);
  m.insert(m.end(), rest.begin(), rest.end());
  return m;
}

std::vector<std::uint8_t> EncodeTransaction(const Transaction& tx) {
  ByteWriter w;
  Write(tx, true, true, &w);
  return std::move(w.bytes());
}

Status DecodeTransaction(std::span<const std::uint8_t> bytes, Transaction* out) {
  ByteReader r(bytes);
  Transaction tx;
  DEPINFER_RETURN_IF_ERROR(r.U8(&tx.version, "version"));
  if (tx.version != kTransactionVersion) {
    return Status::InvalidArgument("unknown transaction version " + std::to_string(tx.version));
  }
  DEPINFER_RETURN_IF_ERROR(r.Field(&tx.asset, "asset"));
  DEPINFER_RETURN_IF_ERROR(r.Field(&tx.root, "root"));
  for (Fr& nf : tx.nullifiers) DEPINFER_RETURN_IF_ERROR(r.Field(&nf, "nullifier"));
  for (Fr& cm : tx.commitments) DEPINFER_RETURN_IF_ERROR(r.Field(&cm, "commitment"));
  DEPINFER_RETURN_IF_ERROR(r.U64(&tx.fee, "fee"));
  std::uint8_t kind;
  DEPINFER_RETURN_IF_ERROR(r.U8(&kind, "leg kind"));
  if (kind > static_cast<std::uint8_t>(LegKind::kWithdrawal)) {
    return Status::InvalidArgument("unknown transparent leg kind " + std::to_string(kind));
  }
  tx.leg.kind = static_cast<LegKind>(kind);
  if (tx.leg.kind != LegKind::kNone) {
    DEPINFER_RETURN_IF_ERROR(r.Array(&tx.leg.account, "leg account"));
    DEPINFER_RETURN_IF_ERROR(r.U64(&tx.leg.amount, "leg amount"));
  }
  if (tx.leg.kind == LegKind::kDeposit) {
    DEPINFER_RETURN_IF_ERROR(r.U64(&tx.leg.nonce, "deposit nonce"));
    DEPINFER_RETURN_IF_ERROR(r.Array(&tx.leg.signature, "deposit signature"));
  }
  for (auto& o : tx.outputs) {
    DEPINFER_RETURN_IF_ERROR(r.Blob(&o, kMaxEncryptedOutputBytes, "encrypted output"));
  }
  DEPINFER_RETURN_IF_ERROR(r.Blob(&tx.memo, kMaxPublicMemoBytes, "memo"));
  std::span<const std::uint8_t> p;
  DEPINFER_RETURN_IF_ERROR(r.Raw(kProofBytes, &p, "proof"));
  DEPINFER_RETURN_IF_ERROR(ReadProof(p, &tx.proof));
  DEPINFER_RETURN_IF_ERROR(r.ExpectEnd("transaction"));
  *out = std::move(tx);
  return Status::Ok();
}

// ---- JSON ----------------------------------------------------------------------------------

namespace {

std::string Hex(std::span<const std::uint8_t> b) {
  std::string s(b.size() * 2 + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), b.data(), b.size());
  s.pop_back();
  return s;
}

std::string FieldHex(const Fr& x) {
  std::uint8_t b[32];
  x.ToBytesBE(b);
  return "0x" + Hex(b);
}

Status FromHex(const Json& j, const char* what, std::size_t max_len, std::vector<std::uint8_t>* out) {
  if (!j.is_string()) return Status::InvalidArgument(std::string(what) + " must be a hex string");
  return HexDecode(j.get_ref<const std::string&>(), max_len, what, out);
}

template <std::size_t N>
Status FromHexArray(const Json& j, const char* what, std::array<std::uint8_t, N>* out) {
  std::vector<std::uint8_t> b;
  DEPINFER_RETURN_IF_ERROR(FromHex(j, what, N, &b));
  if (b.size() != N) {
    return Status::InvalidArgument(std::string(what) + " must be " + std::to_string(N) + " bytes");
  }
  std::copy(b.begin(), b.end(), out->begin());
  return Status::Ok();
}

Status FieldFromJson(const Json& j, const char* what, Fr* out) {
  if (!j.is_string() || j.get_ref<const std::string&>().rfind("0x", 0) != 0) {
    return Status::InvalidArgument(std::string(what) + " must be a 0x-prefixed hex string");
  }
  std::array<std::uint8_t, 32> b;
  DEPINFER_RETURN_IF_ERROR(FromHexArray(Json(j.get_ref<const std::string&>().substr(2)), what, &b));
  return Fr::FromBytesBE(b, out).WithContext(what);
}

Status U64FromJson(const Json& j, const char* what, std::uint64_t* out) {
  if (!j.is_string()) return Status::InvalidArgument(std::string(what) + " must be a decimal string");
  const std::string& s = j.get_ref<const std::string&>();
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) {
    return Status::InvalidArgument(std::string(what) + " must be a canonical decimal u64");
  }
  U128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::InvalidArgument(std::string(what) + " must be decimal digits");
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v >> 64) return Status::InvalidArgument(std::string(what) + " exceeds 2^64 - 1");
  *out = static_cast<std::uint64_t>(v);
  return Status::Ok();
}

// An object with exactly these keys.
Status ExpectKeys(const Json& j, const char* what, std::initializer_list<const char*> keys) {
  if (!j.is_object()) return Status::InvalidArgument(std::string(what) + " must be an object");
  for (const char* k : keys) {
    if (!j.contains(k)) return Status::InvalidArgument(std::string(what) + " lacks \"" + k + "\"");
  }
  if (j.size() != keys.size()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool known = false;
      for (const char* k : keys) known |= it.key() == k;
      if (!known) return Status::InvalidArgument(std::string(what) + " has unknown key \"" + it.key() + "\"");
    }
  }
  return Status::Ok();
}

const char* LegName(LegKind k) {
  switch (k) {
    case LegKind::kDeposit: return "deposit";
    case LegKind::kWithdrawal: return "withdrawal";
    default: return "none";
  }
}

}  // namespace

std::string HexId(const TxId& id) { return Hex(id); }

std::string TransactionToJson(const Transaction& tx) {
  Json j;
  j["version"] = tx.version;
  j["asset"] = FieldHex(tx.asset);
  j["root"] = FieldHex(tx.root);
  j["nullifiers"] = {FieldHex(tx.nullifiers[0]), FieldHex(tx.nullifiers[1])};
  j["commitments"] = {FieldHex(tx.commitments[0]), FieldHex(tx.commitments[1])};
  j["fee"] = std::to_string(tx.fee);
  Json leg;
  leg["kind"] = LegName(tx.leg.kind);
  if (tx.leg.kind != LegKind::kNone) {
    leg["account"] = Hex(tx.leg.account);
    leg["amount"] = std::to_string(tx.leg.amount);
  }
  if (tx.leg.kind == LegKind::kDeposit) {
    leg["nonce"] = std::to_string(tx.leg.nonce);
    leg["signature"] = Hex(tx.leg.signature);
  }
  j["leg"] = leg;
  j["outputs"] = {Hex(tx.outputs[0]), Hex(tx.outputs[1])};
  j["memo"] = Hex(tx.memo);
  ByteWriter proof;
  WriteProof(tx.proof, &proof);
  j["proof"] = Hex(proof.bytes());
  return j.dump();
}

Status TransactionFromJson(std::string_view text, Transaction* out) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("transaction: not valid JSON");
  DEPINFER_RETURN_IF_ERROR(ExpectKeys(j, "transaction", {"version", "asset", "root", "nullifiers",
                                                        "commitments", "fee", "leg", "outputs",
                                                        "memo", "proof"}));
  Transaction tx;
  if (!j["version"].is_number_unsigned() || j["version"].get<std::uint64_t>() != kTransactionVersion) {
    return Status::InvalidArgument("transaction: version must be 1");
  }
  DEPINFER_RETURN_IF_ERROR(FieldFromJson(j["asset"], "asset", &tx.asset));
  DEPINFER_RETURN_IF_ERROR(FieldFromJson(j["root"], "root", &tx.root));
  for (const char* key : {"nullifiers", "commitments", "outputs"}) {
    if (!j[key].is_array() || j[key].size() != 2) {
      return Status::InvalidArgument(std::string(key) + " must be an array of 2");
    }
  }
  for (int i = 0; i < 2; ++i) {
    DEPINFER_RETURN_IF_ERROR(FieldFromJson(j["nullifiers"][i], "nullifier", &tx.nullifiers[i]));
    DEPINFER_RETURN_IF_ERROR(FieldFromJson(j["commitments"][i], "commitment", &tx.commitments[i]));
    DEPINFER_RETURN_IF_ERROR(FromHex(j["outputs"][i], "output", kMaxEncryptedOutputBytes, &tx.outputs[i]));
  }
  DEPINFER_RETURN_IF_ERROR(U64FromJson(j["fee"], "fee", &tx.fee));
  const Json& leg = j["leg"];
  if (!leg.is_object() || !leg.contains("kind") || !leg["kind"].is_string()) {
    return Status::InvalidArgument("leg must be an object with a \"kind\"");
  }
  const std::string kind = leg["kind"];
  if (kind == "none") {
    DEPINFER_RETURN_IF_ERROR(ExpectKeys(leg, "leg", {"kind"}));
  } else if (kind == "withdrawal") {
    tx.leg.kind = LegKind::kWithdrawal;
    DEPINFER_RETURN_IF_ERROR(ExpectKeys(leg, "leg", {"kind", "account", "amount"}));
  } else if (kind == "deposit") {
    tx.leg.kind = LegKind::kDeposit;
    DEPINFER_RETURN_IF_ERROR(ExpectKeys(leg, "leg", {"kind", "account", "amount", "nonce", "signature"}));
    DEPINFER_RETURN_IF_ERROR(U64FromJson(leg["nonce"], "leg nonce", &tx.leg.nonce));
    DEPINFER_RETURN_IF_ERROR(FromHexArray(leg["signature"], "leg signature", &tx.leg.signature));
  } else {
    return Status::InvalidArgument("leg kind must be none, deposit or withdrawal");
  }
  if (tx.leg.kind != LegKind::kNone) {
    DEPINFER_RETURN_IF_ERROR(FromHexArray(leg["account"], "leg account", &tx.leg.account));
    DEPINFER_RETURN_IF_ERROR(U64FromJson(leg["amount"], "leg amount", &tx.leg.amount));
  }
  DEPINFER_RETURN_IF_ERROR(FromHex(j["memo"], "memo", kMaxPublicMemoBytes, &tx.memo));
  std::array<std::uint8_t, kProofBytes> proof;
  DEPINFER_RETURN_IF_ERROR(FromHexArray(j["proof"], "proof", &proof));
  DEPINFER_RETURN_IF_ERROR(ReadProof(proof, &tx.proof));
  *out = std::move(tx);
  return Status::Ok();
}

}  // namespace depinfer::shield
