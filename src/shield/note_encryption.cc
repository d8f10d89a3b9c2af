// Note encryption and trial decryption (formats and reasons in note_encryption.h).
#include "shield/note_encryption.h"

#include <sodium.h>

#include <cstring>

#include "shield/sodium_once.h"

namespace depinfer::shield {
namespace {

static_assert(sizeof(kPersonalNoteKdf) - 1 == crypto_generichash_blake2b_PERSONALBYTES);
static_assert(sizeof(kPersonalViewTag) - 1 == crypto_generichash_blake2b_PERSONALBYTES);
static_assert(kNoteCiphertextBytes ==
              kNotePlaintextBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES);

constexpr std::size_t kAmountOffset = 32;
constexpr std::size_t kBlindingOffset = 40;
constexpr std::size_t kMemoLenOffset = 72;
constexpr std::size_t kMemoOffset = 74;

using Key = std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_KEYBYTES>;

const unsigned char* Personal(const char* s) { return reinterpret_cast<const unsigned char*>(s); }

std::uint8_t ViewTag(const X25519Key& shared) {
  std::uint8_t h[32];
  crypto_generichash_blake2b_salt_personal(h, sizeof h, shared.data(), shared.size(), nullptr, 0,
                                           nullptr, Personal(kPersonalViewTag));
  std::uint8_t tag = h[0];
  sodium_memzero(h, sizeof h);
  return tag;
}

Key NoteKey(const X25519Key& shared, const X25519Key& epk, const X25519Key& view_public) {
  std::uint8_t msg[64];
  std::memcpy(msg, epk.data(), 32);
  std::memcpy(msg + 32, view_public.data(), 32);
  Key key;
  crypto_generichash_blake2b_salt_personal(key.data(), key.size(), msg, sizeof msg,
                                           shared.data(), shared.size(), nullptr,
                                           Personal(kPersonalNoteKdf));
  return key;
}

std::array<std::uint8_t, 32> CmBytes(const Fr& cm) {
  std::array<std::uint8_t, 32> b;
  cm.ToBytesBE(b.data());
  return b;
}

void EncodePlaintext(const Note& note, std::span<const std::uint8_t> memo, std::uint8_t* pt) {
  std::memset(pt, 0, kNotePlaintextBytes);
  note.asset.ToBytesBE(pt);
  for (int i = 0; i < 8; ++i) {
    pt[kAmountOffset + i] = static_cast<std::uint8_t>(note.amount >> (8 * (7 - i)));
  }
  note.blinding.ToBytesBE(pt + kBlindingOffset);
  pt[kMemoLenOffset] = static_cast<std::uint8_t>(memo.size() >> 8);
  pt[kMemoLenOffset + 1] = static_cast<std::uint8_t>(memo.size());
  if (!memo.empty()) std::memcpy(pt + kMemoOffset, memo.data(), memo.size());
}

// Parses the plaintext with `owner` as the note's owner. Rejects non-canonical field elements,
// a memo length over 512 and nonzero padding (one plaintext per note).
Status DecodePlaintext(const std::uint8_t* pt, const Fr& owner, DecryptedNote* out) {
  DecryptedNote d;
  DEPINFER_RETURN_IF_ERROR(
      Fr::FromBytesBE(std::span(pt, 32), &d.note.asset).WithContext("note asset"));
  std::uint64_t amount = 0;
  for (int i = 0; i < 8; ++i) amount = (amount << 8) | pt[kAmountOffset + i];
  d.note.amount = amount;
  DEPINFER_RETURN_IF_ERROR(Fr::FromBytesBE(std::span(pt + kBlindingOffset, 32), &d.note.blinding)
                               .WithContext("note blinding"));
  std::size_t memo_len = (std::size_t{pt[kMemoLenOffset]} << 8) | pt[kMemoLenOffset + 1];
  if (memo_len > kMaxMemoBytes) {
    return Status::Corruption("note memo length " + std::to_string(memo_len) +
                              " exceeds 512 bytes");
  }
  for (std::size_t i = kMemoOffset + memo_len; i < kNotePlaintextBytes; ++i) {
    if (pt[i] != 0) return Status::Corruption("note memo padding is not zero");
  }
  d.memo.assign(pt + kMemoOffset, pt + kMemoOffset + memo_len);
  d.note.owner = owner;
  *out = std::move(d);
  return Status::Ok();
}

}  // namespace

std::vector<std::uint8_t> EncryptedNote::Encode() const {
  std::vector<std::uint8_t> out;
  out.reserve(kEncryptedNoteBytes);
  out.insert(out.end(), epk.begin(), epk.end());
  out.push_back(view_tag);
  out.insert(out.end(), ciphertext.begin(), ciphertext.end());
  return out;
}

Status EncryptedNote::Decode(std::span<const std::uint8_t> bytes, EncryptedNote* out) {
  if (bytes.size() != kEncryptedNoteBytes) {
    return Status::InvalidArgument("encrypted note must be " +
                                   std::to_string(kEncryptedNoteBytes) + " bytes, got " +
                                   std::to_string(bytes.size()));
  }
  EncryptedNote e;
  std::memcpy(e.epk.data(), bytes.data(), 32);
  e.view_tag = bytes[32];
  e.ciphertext.assign(bytes.begin() + 33, bytes.end());
  *out = std::move(e);
  return Status::Ok();
}

Status TEST_EncryptNoteWithEphemeral(const Note& note, std::span<const std::uint8_t> memo,
                                     const Address& to, const X25519Key& esk,
                                     EncryptedNote* out) {
  internal::EnsureSodium();
  if (memo.size() > kMaxMemoBytes) {
    return Status::InvalidArgument("memo is " + std::to_string(memo.size()) +
                                   " bytes, at most 512 allowed");
  }
  if (note.owner != to.pk) {
    return Status::InvalidArgument("note owner is not the pk of the address it is sent to");
  }
  EncryptedNote e;
  crypto_scalarmult_base(e.epk.data(), esk.data());
  X25519Key shared;
  if (crypto_scalarmult(shared.data(), esk.data(), to.view_public.data()) != 0) {
    return Status::InvalidArgument("address encryption key is a small-order X25519 point");
  }
  e.view_tag = ViewTag(shared);
  Key key = NoteKey(shared, e.epk, to.view_public);
  sodium_memzero(shared.data(), shared.size());

  std::uint8_t pt[kNotePlaintextBytes];
  EncodePlaintext(note, memo, pt);
  const auto ad = CmBytes(NoteCommitment(note));
  const std::uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {};
  e.ciphertext.resize(kNoteCiphertextBytes);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(e.ciphertext.data(), &clen, pt, sizeof pt,
                                             ad.data(), ad.size(), nullptr, nonce, key.data());
  sodium_memzero(pt, sizeof pt);
  sodium_memzero(key.data(), key.size());
  *out = std::move(e);
  return Status::Ok();
}

Status EncryptNote(const Note& note, std::span<const std::uint8_t> memo, const Address& to,
                   EncryptedNote* out) {
  internal::EnsureSodium();
  X25519Key esk;
  randombytes_buf(esk.data(), esk.size());
  Status st = TEST_EncryptNoteWithEphemeral(note, memo, to, esk, out);
  sodium_memzero(esk.data(), esk.size());
  return st;
}

Status TryDecryptNote(const ViewingKey& vk, const Fr& cm, const EncryptedNote& enc,
                      DecryptedNote* out) {
  internal::EnsureSodium();
  if (enc.ciphertext.size() != kNoteCiphertextBytes) {
    return Status::InvalidArgument("note ciphertext must be " +
                                   std::to_string(kNoteCiphertextBytes) + " bytes, got " +
                                   std::to_string(enc.ciphertext.size()));
  }
  X25519Key shared;
  DEPINFER_RETURN_IF_ERROR(vk.SharedSecret(enc.epk, &shared));
  Status st = TryDecryptNoteWithShared(vk, shared, cm, enc, out);
  sodium_memzero(shared.data(), shared.size());
  return st;
}

Status TryDecryptNoteWithShared(const ViewingKey& vk, const X25519Key& shared, const Fr& cm,
                                const EncryptedNote& enc, DecryptedNote* out) {
  if (enc.ciphertext.size() != kNoteCiphertextBytes) {
    return Status::InvalidArgument("note ciphertext must be " +
                                   std::to_string(kNoteCiphertextBytes) + " bytes, got " +
                                   std::to_string(enc.ciphertext.size()));
  }
  if (ViewTag(shared) != enc.view_tag) {
    return Status::NotFound("output is not addressed to this viewing key");
  }
  Key key = NoteKey(shared, enc.epk, vk.view_public());
  const auto ad = CmBytes(cm);
  const std::uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {};
  std::uint8_t pt[kNotePlaintextBytes];
  unsigned long long plen = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      pt, &plen, nullptr, enc.ciphertext.data(), enc.ciphertext.size(), ad.data(), ad.size(),
      nonce, key.data());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) {
    return Status::NotFound(
        "output is not addressed to this viewing key (or it was altered, or moved to another "
        "commitment)");
  }
  DecryptedNote d;
  Status st = DecodePlaintext(pt, vk.pk(), &d);
  sodium_memzero(pt, sizeof pt);
  if (!st.ok()) return Status::Corruption(st.message());
  if (NoteCommitment(d.note) != cm) {
    sodium_memzero(&d.note.blinding, sizeof d.note.blinding);
    return Status::Corruption(
        "decrypted note does not open its commitment: the sender sent a note other than the "
        "one committed");
  }
  *out = std::move(d);
  return Status::Ok();
}

}  // namespace depinfer::shield
