// Note encryption: how the sender of an output tells its recipient what the note is.
//
// The commitment cm = Poseidon(asset, amount, pk, r) on the ledger hides the note; the recipient
// needs (asset, amount, r) and a memo to spend it and to know it was paid. We encrypt them to
// the recipient's address with a fresh X25519 key per output (an ECIES-style construction):
//
//   esk random (32 bytes); epk = X25519(esk, 9)
//   shared   = X25519(esk, view_public)          = X25519(view_secret, epk) for the recipient
//   key      = BLAKE2b-256(key = shared, message = epk || view_public,
//                          personal "Depinfer_NoteKDF")
//   view_tag = BLAKE2b-256(shared, personal "Depinfer_ViewTag")[0]
//   ciphertext = XChaCha20-Poly1305(key, nonce = 24 zero bytes, ad = cm (32 bytes BE), plaintext)
//
// Why a zero nonce is safe: every esk is fresh, so every key encrypts exactly one plaintext and
// a (key, nonce) pair never repeats. Binding cm as associated data means a ciphertext cannot be
// moved onto another output: decryption fails unless cm is the one it was made for. Including
// epk and view_public in the KDF ties the key to this exchange, not only to the shared point.
//
// Plaintext, fixed size so every ciphertext has the same length and the length leaks nothing:
//   asset (32, BE) | amount (8, big-endian u64) | blinding r (32, BE) | memo_len (2, BE)
//   | memo (512 bytes, zero-padded)                                   = 586 bytes
// Ciphertext = 586 + 16 (Poly1305 tag) = 602 bytes.
//
// Encoding of an EncryptedNote (canonical, exactly 635 bytes): epk (32) | view_tag (1) |
// ciphertext (602).
//
// Scanning: the view tag costs one BLAKE2b after the X25519, and rejects 255 of 256 outputs
// meant for others before any decryption. A decryption that succeeds is then checked against
// cm: the note is accepted only if Poseidon(asset, amount, pk, r) with pk = our own pk equals
// cm, so a sender cannot make us accept a note other than the one committed on the ledger.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "shield/keys.h"
#include "shield/note.h"

namespace depinfer::shield {

inline constexpr std::size_t kMaxMemoBytes = 512;
inline constexpr std::size_t kNotePlaintextBytes = 32 + 8 + 32 + 2 + kMaxMemoBytes;  // 586
inline constexpr std::size_t kNoteCiphertextBytes = kNotePlaintextBytes + 16;        // 602
inline constexpr std::size_t kEncryptedNoteBytes = 32 + 1 + kNoteCiphertextBytes;    // 635

inline constexpr char kPersonalNoteKdf[] = "Depinfer_NoteKDF";
inline constexpr char kPersonalViewTag[] = "Depinfer_ViewTag";

struct EncryptedNote {
  X25519Key epk{};
  std::uint8_t view_tag = 0;
  std::vector<std::uint8_t> ciphertext;  // kNoteCiphertextBytes when well formed

  // epk | view_tag | ciphertext. Precondition: ciphertext has kNoteCiphertextBytes.
  std::vector<std::uint8_t> Encode() const;
  // Exactly kEncryptedNoteBytes; `out` untouched on error. (epk is checked at decryption.)
  static Status Decode(std::span<const std::uint8_t> bytes, EncryptedNote* out);

  bool operator==(const EncryptedNote&) const = default;
};

// What the recipient learns. note.blinding is secret.
struct DecryptedNote {
  Note note;
  std::vector<std::uint8_t> memo;  // at most kMaxMemoBytes

  bool operator==(const DecryptedNote&) const = default;
};

// Encrypts `note` and `memo` to `to` with a fresh ephemeral key from the OS random source.
// Errors: memo longer than 512 bytes; note.owner is not to.pk (the recipient would never
// accept it); a small-order address key. `out` untouched on error.
Status EncryptNote(const Note& note, std::span<const std::uint8_t> memo, const Address& to,
                   EncryptedNote* out);

// The same with a chosen ephemeral secret, for known-answer tests only: reusing an esk for two
// notes would reuse a key and nonce.
Status TEST_EncryptNoteWithEphemeral(const Note& note, std::span<const std::uint8_t> memo,
                                     const Address& to, const X25519Key& esk,
                                     EncryptedNote* out);

// Trial decryption of the output with commitment `cm`. Results (`out` untouched unless OK):
//   OK              the note is ours and matches cm
//   NotFound        not addressed to this viewing key (view tag or authentication fails; a
//                   ciphertext altered in transit, or moved to another cm, looks the same)
//   Corruption      authenticated under our key but malformed, or it does not open cm (a
//                   misbehaving sender)
//   InvalidArgument the ciphertext has the wrong size or epk is a small-order point
Status TryDecryptNote(const ViewingKey& vk, const Fr& cm, const EncryptedNote& enc,
                      DecryptedNote* out);

// The part of TryDecryptNote after the X25519, for callers that computed shared =
// X25519(view secret, enc.epk) in bulk (ViewingKey::SharedSecrets; the scanner). Same results,
// except that small-order epks must have been filtered out by the caller.
Status TryDecryptNoteWithShared(const ViewingKey& vk, const X25519Key& shared, const Fr& cm,
                                const EncryptedNote& enc, DecryptedNote* out);

}  // namespace depinfer::shield
