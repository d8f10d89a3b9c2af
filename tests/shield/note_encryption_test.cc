// Note encryption: round trips, a known answer for the key schedule (values from Python's
// hashlib and cryptography), an independent re-implementation of the format from the header's
// description, and every way a ciphertext can be wrong, including a sender who encrypts a note
// other than the one committed.
#include "shield/note_encryption.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <random>

namespace depinfer::shield {
namespace {

std::array<std::uint8_t, 32> Bytes(std::uint8_t first) {
  std::array<std::uint8_t, 32> s;
  for (int i = 0; i < 32; ++i) s[i] = static_cast<std::uint8_t>(first + i);
  return s;
}

std::string Hex(std::span<const std::uint8_t> b) {
  std::string s(2 * b.size() + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), b.data(), b.size());
  s.pop_back();
  return s;
}

Note NoteFor(const SpendingKey& key, std::uint64_t amount) {
  return Note{Fr::FromU64(7), amount, key.pk(), RandomBlinding()};
}

std::vector<std::uint8_t> Memo(std::size_t n) {
  std::vector<std::uint8_t> m(n);
  for (std::size_t i = 0; i < n; ++i) m[i] = static_cast<std::uint8_t>(i * 31 + 1);
  return m;
}

// The format of note_encryption.h written out again with libsodium calls, so the test does not
// trust the implementation's own helpers. `pt` is the 586-byte plaintext.
EncryptedNote ManualEncrypt(std::span<const std::uint8_t> pt, const Fr& cm, const Address& to,
                            const X25519Key& esk) {
  EncryptedNote e;
  crypto_scalarmult_base(e.epk.data(), esk.data());
  X25519Key shared;
  EXPECT_EQ(crypto_scalarmult(shared.data(), esk.data(), to.view_public.data()), 0);
  std::uint8_t h[32];
  crypto_generichash_blake2b_salt_personal(h, 32, shared.data(), 32, nullptr, 0, nullptr,
                                           reinterpret_cast<const unsigned char*>("Depinfer_ViewTag"));
  e.view_tag = h[0];
  std::uint8_t msg[64], key[32];
  std::memcpy(msg, e.epk.data(), 32);
  std::memcpy(msg + 32, to.view_public.data(), 32);
  crypto_generichash_blake2b_salt_personal(key, 32, msg, 64, shared.data(), 32, nullptr,
                                           reinterpret_cast<const unsigned char*>("Depinfer_NoteKDF"));
  std::uint8_t ad[32], nonce[24] = {};
  cm.ToBytesBE(ad);
  e.ciphertext.resize(pt.size() + 16);
  unsigned long long clen;
  crypto_aead_xchacha20poly1305_ietf_encrypt(e.ciphertext.data(), &clen, pt.data(), pt.size(), ad,
                                             32, nullptr, nonce, key);
  return e;
}

std::vector<std::uint8_t> Plaintext(const Note& n, std::span<const std::uint8_t> memo) {
  std::vector<std::uint8_t> pt(586, 0);
  n.asset.ToBytesBE(pt.data());
  for (int i = 0; i < 8; ++i) pt[32 + i] = static_cast<std::uint8_t>(n.amount >> (56 - 8 * i));
  n.blinding.ToBytesBE(pt.data() + 40);
  pt[72] = static_cast<std::uint8_t>(memo.size() >> 8);
  pt[73] = static_cast<std::uint8_t>(memo.size());
  std::copy(memo.begin(), memo.end(), pt.begin() + 74);
  return pt;
}

class NoteEncryption : public ::testing::Test {
 protected:
  SpendingKey alice = SpendingKey::FromSeed(Bytes(0));
  SpendingKey bob = SpendingKey::FromSeed(Bytes(100));
};

TEST_F(NoteEncryption, RoundTrips) {
  for (std::size_t memo_len : {0, 1, 100, 511, 512}) {
    for (std::uint64_t amount : {std::uint64_t{0}, std::uint64_t{1}, ~std::uint64_t{0}}) {
      Note n = NoteFor(alice, amount);
      n.asset = Fr::RandomOs();
      auto memo = Memo(memo_len);
      EncryptedNote e;
      ASSERT_TRUE(EncryptNote(n, memo, alice.address(), &e).ok());
      EXPECT_EQ(e.ciphertext.size(), kNoteCiphertextBytes);  // whatever the memo length
      DecryptedNote d;
      Status st = TryDecryptNote(alice.viewing_key(), NoteCommitment(n), e, &d);
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(d.note, n);
      EXPECT_EQ(d.memo, memo);
    }
  }
}

TEST_F(NoteEncryption, FreshEphemeralKeyEachTime) {
  Note n = NoteFor(alice, 5);
  EncryptedNote a, b;
  ASSERT_TRUE(EncryptNote(n, {}, alice.address(), &a).ok());
  ASSERT_TRUE(EncryptNote(n, {}, alice.address(), &b).ok());
  EXPECT_NE(a.epk, b.epk);
  EXPECT_NE(a.ciphertext, b.ciphertext);
}

// Python (hashlib, cryptography) for seed 00..1f and esk 40..5f:
//   epk 79a631ee..., shared d8c55918..., view tag 0xba, key 49e01f42...
TEST_F(NoteEncryption, KeyScheduleKnownAnswerAndIndependentFormat) {
  Note n = NoteFor(alice, 123456789);
  auto memo = Memo(40);
  EncryptedNote e;
  ASSERT_TRUE(TEST_EncryptNoteWithEphemeral(n, memo, alice.address(), Bytes(0x40), &e).ok());
  EXPECT_EQ(Hex(e.epk), "79a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a");
  EXPECT_EQ(e.view_tag, 0xba);
  // Decrypt with the key Python derived, by hand.
  std::uint8_t key[32], ad[32], nonce[24] = {}, pt[586];
  ASSERT_EQ(sodium_hex2bin(key, 32, "49e01f422057a7c6cabbbc568a4734099a3002670a5c97d20ffc14209664d812",
                           64, nullptr, nullptr, nullptr), 0);
  NoteCommitment(n).ToBytesBE(ad);
  unsigned long long plen;
  ASSERT_EQ(crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, nullptr, e.ciphertext.data(),
                                                       e.ciphertext.size(), ad, 32, nonce, key),
            0);
  EXPECT_EQ(std::vector<std::uint8_t>(pt, pt + plen), Plaintext(n, memo));
  // And the whole output equals the independent re-implementation.
  EXPECT_EQ(ManualEncrypt(Plaintext(n, memo), NoteCommitment(n), alice.address(), Bytes(0x40)), e);
}

TEST_F(NoteEncryption, EncryptRejectsBadInput) {
  Note n = NoteFor(alice, 1);
  EncryptedNote e, untouched;
  e = untouched;
  Status st = EncryptNote(n, Memo(513), alice.address(), &e);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("513 bytes"), std::string::npos) << st.message();
  st = EncryptNote(n, {}, bob.address(), &e);  // owner is alice
  EXPECT_NE(st.message().find("note owner"), std::string::npos) << st.message();
  Address small = alice.address();
  small.view_public = {};
  st = EncryptNote(n, {}, small, &e);
  EXPECT_NE(st.message().find("small-order"), std::string::npos) << st.message();
  EXPECT_EQ(e, untouched);
}

TEST_F(NoteEncryption, WrongKeyIsNotMine) {
  Note n = NoteFor(alice, 9);
  EncryptedNote e;
  ASSERT_TRUE(EncryptNote(n, Memo(3), alice.address(), &e).ok());
  DecryptedNote d;
  Status st = TryDecryptNote(bob.viewing_key(), NoteCommitment(n), e, &d);
  EXPECT_EQ(st.code(), Status::Code::kNotFound) << st.ToString();
  EXPECT_EQ(d, DecryptedNote{});
}

TEST_F(NoteEncryption, TamperingIsRejected) {
  Note n = NoteFor(alice, 10);
  const Fr cm = NoteCommitment(n);
  EncryptedNote e;
  ASSERT_TRUE(EncryptNote(n, Memo(64), alice.address(), &e).ok());
  const ViewingKey& vk = alice.viewing_key();
  DecryptedNote d;
  auto expect_not_found = [&](const EncryptedNote& t, const Fr& c, const char* what) {
    Status st = TryDecryptNote(vk, c, t, &d);
    EXPECT_EQ(st.code(), Status::Code::kNotFound) << what << ": " << st.ToString();
    EXPECT_EQ(d, DecryptedNote{}) << what;
  };
  for (int bit = 0; bit < 256; bit += 5) {
    EncryptedNote t = e;
    t.epk[bit / 8] ^= static_cast<std::uint8_t>(1 << (bit % 8));
    if (bit == 255) continue;  // X25519 ignores the top bit of u (RFC 7748)
    expect_not_found(t, cm, "epk");
  }
  for (int flip = 1; flip < 256; flip <<= 1) {
    EncryptedNote t = e;
    t.view_tag ^= static_cast<std::uint8_t>(flip);
    expect_not_found(t, cm, "view tag");
  }
  for (std::size_t i = 0; i < e.ciphertext.size(); i += 13) {
    EncryptedNote t = e;
    t.ciphertext[i] ^= 0x40;
    expect_not_found(t, cm, "ciphertext");
  }
  expect_not_found(e, cm + Fr::One(), "cm");
  EncryptedNote t = e;
  t.ciphertext.back() ^= 1;  // the Poly1305 tag
  expect_not_found(t, cm, "mac");
}

TEST_F(NoteEncryption, WrongSizesAndSmallOrderEpk) {
  Note n = NoteFor(alice, 11);
  const Fr cm = NoteCommitment(n);
  EncryptedNote e;
  ASSERT_TRUE(EncryptNote(n, {}, alice.address(), &e).ok());
  DecryptedNote d;
  for (std::size_t len : {0, 601, 603}) {
    EncryptedNote t = e;
    t.ciphertext.resize(len);
    EXPECT_EQ(TryDecryptNote(alice.viewing_key(), cm, t, &d).code(),
              Status::Code::kInvalidArgument);
  }
  const char* small[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};
  for (const char* h : small) {
    EncryptedNote t = e;
    ASSERT_EQ(sodium_hex2bin(t.epk.data(), 32, h, 64, nullptr, nullptr, nullptr), 0);
    Status st = TryDecryptNote(alice.viewing_key(), cm, t, &d);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << h;
    EXPECT_NE(st.message().find("small-order"), std::string::npos) << st.message();
  }
  EXPECT_EQ(d, DecryptedNote{});
}

TEST_F(NoteEncryption, CanonicalBinaryEncoding) {
  Note n = NoteFor(alice, 12);
  EncryptedNote e;
  ASSERT_TRUE(EncryptNote(n, Memo(7), alice.address(), &e).ok());
  auto bytes = e.Encode();
  ASSERT_EQ(bytes.size(), kEncryptedNoteBytes);
  EXPECT_EQ(kEncryptedNoteBytes, 635u);
  EncryptedNote back;
  ASSERT_TRUE(EncryptedNote::Decode(bytes, &back).ok());
  EXPECT_EQ(back, e);
  for (std::size_t len : {std::size_t{0}, std::size_t{33}, kEncryptedNoteBytes - 1,
                          kEncryptedNoteBytes + 1}) {
    std::vector<std::uint8_t> t = bytes;
    t.resize(len);
    EncryptedNote out;
    Status st = EncryptedNote::Decode(t, &out);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << len;
    EXPECT_EQ(out, EncryptedNote{});
  }
}

// A sender controls the plaintext and the commitment it publishes. Each lie is caught after
// authentication succeeds, as Corruption (the output is addressed to us but unusable).
TEST_F(NoteEncryption, MisbehavingSenderIsCaught) {
  Note real = NoteFor(alice, 1000);
  Note claimed = real;
  claimed.amount = 1000000;  // the plaintext says more than the commitment holds
  const Fr cm = NoteCommitment(real);
  DecryptedNote d;
  auto expect_corrupt = [&](std::vector<std::uint8_t> pt, const char* what, const char* frag) {
    EncryptedNote e = ManualEncrypt(pt, cm, alice.address(), Bytes(0x77));
    Status st = TryDecryptNote(alice.viewing_key(), cm, e, &d);
    EXPECT_EQ(st.code(), Status::Code::kCorruption) << what << ": " << st.ToString();
    EXPECT_NE(st.message().find(frag), std::string::npos) << st.message();
    EXPECT_EQ(d, DecryptedNote{});
  };
  expect_corrupt(Plaintext(claimed, {}), "amount", "does not open its commitment");
  // The honest plaintext works with the same hand-made encryption.
  EncryptedNote ok = ManualEncrypt(Plaintext(real, {}), cm, alice.address(), Bytes(0x77));
  ASSERT_TRUE(TryDecryptNote(alice.viewing_key(), cm, ok, &d).ok());
  d = {};
  // A note for someone else's pk, encrypted to alice: the commitment is bob's note.
  Note for_bob = real;
  for_bob.owner = bob.pk();
  {
    EncryptedNote e = ManualEncrypt(Plaintext(for_bob, {}), NoteCommitment(for_bob),
                                    alice.address(), Bytes(0x78));
    EXPECT_EQ(TryDecryptNote(alice.viewing_key(), NoteCommitment(for_bob), e, &d).code(),
              Status::Code::kCorruption);
  }
  auto pt = Plaintext(real, {});
  pt[72] = 0x02;
  pt[73] = 0x01;  // memo_len 513
  expect_corrupt(pt, "memo length", "exceeds 512");
  pt = Plaintext(real, Memo(10));
  pt[74 + 10] = 1;  // nonzero padding after the memo
  expect_corrupt(pt, "padding", "padding");
  pt = Plaintext(real, {});
  std::fill(pt.begin() + 40, pt.begin() + 72, 0xff);  // blinding >= r
  expect_corrupt(pt, "blinding", "not canonical");
  pt = Plaintext(real, {});
  std::fill(pt.begin(), pt.begin() + 32, 0xff);  // asset >= r
  expect_corrupt(pt, "asset", "not canonical");
}

// The viewing key alone (as exported) finds and reads the note; it cannot spend (keys_test
// checks that it has no sk).
TEST_F(NoteEncryption, ExportedViewingKeyDecrypts) {
  Note n = NoteFor(alice, 77);
  EncryptedNote e;
  ASSERT_TRUE(EncryptNote(n, Memo(5), alice.address(), &e).ok());
  std::string exported = alice.viewing_key().Encode(Network::kMain);
  ViewingKey vk;
  ASSERT_TRUE(ViewingKey::Decode(exported, Network::kMain, &vk).ok());
  sodium_memzero(exported.data(), exported.size());
  DecryptedNote d;
  ASSERT_TRUE(TryDecryptNote(vk, NoteCommitment(n), e, &d).ok());
  EXPECT_EQ(d.note, n);
  // An address parsed from text works as a recipient too.
  Address to;
  ASSERT_TRUE(Address::Decode(bob.address().Encode(Network::kTest), Network::kTest, &to).ok());
  Note m = NoteFor(bob, 3);
  ASSERT_TRUE(EncryptNote(m, {}, to, &e).ok());
  ASSERT_TRUE(TryDecryptNote(bob.viewing_key(), NoteCommitment(m), e, &d).ok());
  EXPECT_EQ(d.note, m);
}

}  // namespace
}  // namespace depinfer::shield
