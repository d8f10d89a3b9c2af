// Keys and addresses: the wide reduction against a plain bigint reference, derivations against
// values computed independently (Python hashlib / cryptography), address and viewing-key
// strings, and every way a pasted string can be wrong.
#include "shield/keys.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <random>
#include <type_traits>

#include "shield/bech32m.h"

namespace depinfer::shield {
namespace {

using math::BigInt;

std::array<std::uint8_t, 32> Seed(std::uint8_t first) {
  std::array<std::uint8_t, 32> s;
  for (int i = 0; i < 32; ++i) s[i] = static_cast<std::uint8_t>(first + i);
  return s;
}

std::string Hex(std::span<const std::uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s.push_back(d[x >> 4]);
    s.push_back(d[x & 15]);
  }
  return s;
}

std::string FrHex(const Fr& f) {
  std::uint8_t b[32];
  f.ToBytesBE(b);
  return Hex(b);
}

// Schoolbook binary long division: x mod r for a 512-bit big-endian x (variable time).
BigInt<4> ReferenceMod(std::span<const std::uint8_t, 64> x) {
  BigInt<5> rem;
  BigInt<5> r;
  for (int i = 0; i < 4; ++i) r.limb[i] = Fr::kModulus.limb[i];
  for (int bit = 511; bit >= 0; --bit) {
    BigInt<5>::Add(rem, rem, rem);
    int byte = 63 - bit / 8;
    rem.limb[0] |= (x[byte] >> (bit % 8)) & 1;
    if (!(rem < r)) BigInt<5>::Sub(rem, rem, r);
  }
  BigInt<4> out;
  for (int i = 0; i < 4; ++i) out.limb[i] = rem.limb[i];
  return out;
}

TEST(ReduceWide512, MatchesBigIntReference) {
  std::mt19937_64 rng(7);
  std::vector<std::array<std::uint8_t, 64>> inputs;
  std::array<std::uint8_t, 64> x{};
  inputs.push_back(x);  // 0
  x.fill(0xff);
  inputs.push_back(x);  // 2^512 - 1
  x.fill(0);
  auto rb = Fr::kModulus.ToBytesBE();
  std::copy(rb.begin(), rb.end(), x.begin() + 32);
  inputs.push_back(x);  // r
  x[63] -= 1;
  inputs.push_back(x);  // r - 1
  std::copy(rb.begin(), rb.end(), x.begin());
  inputs.push_back(x);  // r * 2^256 + r - 1
  for (int i = 0; i < 2000; ++i) {
    for (auto& b : x) b = static_cast<std::uint8_t>(rng());
    inputs.push_back(x);
  }
  for (const auto& in : inputs) {
    ASSERT_EQ(ReduceWide512(in).ToInt(), ReferenceMod(in)) << Hex(in);
  }
}

TEST(ReduceWide512, KnownAnswer) {
  std::array<std::uint8_t, 64> x;
  x.fill(0xff);
  // Python: hex((2**512 - 1) % r)
  EXPECT_EQ(FrHex(ReduceWide512(x)),
            "0216d0b17f4e44a58c49833d53bb808553fe3ab1e35c59e31bb8e645ae216da6");
}

// Values from Python for seed = 00 01 .. 1f:
//   hashlib.blake2b(seed, digest_size=64, person=b"Depinfer_SpendSk"), big-endian, mod r
//   hashlib.blake2b(seed, digest_size=32, person=b"Depinfer_ViewKey")
//   cryptography's X25519PrivateKey.from_private_bytes(view secret).public_key()
TEST(SpendingKey, DerivationKnownAnswer) {
  auto seed = Seed(0);
  SpendingKey key = SpendingKey::FromSeed(seed);
  EXPECT_EQ(FrHex(key.sk()), "2d4264db348723eb1644662afb61714922136e9788e1d576c81d186b9f5aed46");
  EXPECT_EQ(key.pk(), OwnerKey(key.sk()));
  EXPECT_EQ(Hex(key.viewing_key().view_public()),
            "3e0b9fa1334e3c0fb3165ecb40930345cce8c4788c1cc74aa4b3628058990455");
  // The viewing-key string carries the view secret first.
  std::string hrp;
  std::vector<std::uint8_t> payload;
  ASSERT_TRUE(Bech32mDecode(key.viewing_key().Encode(Network::kMain), &hrp, &payload).ok());
  EXPECT_EQ(hrp, "dpivk");
  EXPECT_EQ(Hex(std::span(payload).first(32)),
            "fb5befa85dd55cda98c6b106233721b06efedc4a2dbb76f0e21c63acd920f951");
}

TEST(SpendingKey, DeterministicAndSeedSensitive) {
  SpendingKey a = SpendingKey::FromSeed(Seed(0));
  SpendingKey b = SpendingKey::FromSeed(Seed(0));
  SpendingKey c = SpendingKey::FromSeed(Seed(1));
  EXPECT_EQ(a.sk(), b.sk());
  EXPECT_EQ(a.address(), b.address());
  EXPECT_NE(a.sk(), c.sk());
  EXPECT_NE(a.address().view_public, c.address().view_public);
}

TEST(SpendingKey, NotCopyableMoveWipesClone) {
  static_assert(!std::is_copy_constructible_v<SpendingKey>);
  static_assert(!std::is_copy_assignable_v<SpendingKey>);
  static_assert(!std::is_copy_constructible_v<ViewingKey>);
  static_assert(!std::is_copy_assignable_v<ViewingKey>);
  SpendingKey a = SpendingKey::FromSeed(Seed(3));
  SpendingKey clone = a.Clone();
  EXPECT_EQ(clone.sk(), a.sk());
  EXPECT_EQ(clone.address(), a.address());
  Fr sk = a.sk();
  SpendingKey b = std::move(a);
  EXPECT_EQ(b.sk(), sk);
  EXPECT_TRUE(a.sk().IsZero());  // NOLINT(bugprone-use-after-move): the wipe is the contract
  EXPECT_TRUE(a.pk().IsZero());  // NOLINT(bugprone-use-after-move)
}

// A viewing key exposes no sk and its string does not contain it.
template <class T>
concept HasSk = requires(const T& t) { t.sk(); };
TEST(ViewingKey, CannotSpend) {
  static_assert(HasSk<SpendingKey>);
  static_assert(!HasSk<ViewingKey>);
  SpendingKey key = SpendingKey::FromSeed(Seed(5));
  std::string hrp;
  std::vector<std::uint8_t> payload;
  ASSERT_TRUE(Bech32mDecode(key.viewing_key().Encode(Network::kTest), &hrp, &payload).ok());
  std::uint8_t sk[32];
  key.sk().ToBytesBE(sk);
  EXPECT_EQ(std::search(payload.begin(), payload.end(), sk, sk + 32), payload.end());
}

TEST(Address, RoundTripBothNetworks) {
  SpendingKey key = SpendingKey::FromSeed(Seed(9));
  for (Network n : {Network::kMain, Network::kTest}) {
    std::string s = key.address().Encode(n);
    EXPECT_EQ(s.size(), 113u);
    EXPECT_EQ(s.substr(0, 4), n == Network::kMain ? "dpi1" : "dpt1");
    Address a;
    ASSERT_TRUE(Address::Decode(s, n, &a).ok());
    EXPECT_EQ(a, key.address());
    // Uppercase (for QR codes) is the same address.
    std::string upper = s;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    Address b;
    ASSERT_TRUE(Address::Decode(upper, n, &b).ok());
    EXPECT_EQ(b, a);
  }
}

TEST(Address, WrongNetworkOrKindSaysSo) {
  SpendingKey key = SpendingKey::FromSeed(Seed(9));
  Address untouched;
  Address out = untouched;
  Status st = Address::Decode(key.address().Encode(Network::kTest), Network::kMain, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("test network"), std::string::npos) << st.message();
  EXPECT_EQ(out, untouched);
  st = Address::Decode(key.address().Encode(Network::kMain), Network::kTest, &out);
  EXPECT_NE(st.message().find("main network"), std::string::npos) << st.message();
  std::string vk = key.viewing_key().Encode(Network::kMain);
  st = Address::Decode(vk, Network::kMain, &out);
  EXPECT_NE(st.message().find("got a viewing key"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find(vk), std::string::npos);
  std::uint8_t payload[64] = {};
  st = Address::Decode(Bech32mEncode("zs", payload), Network::kMain, &out);
  EXPECT_NE(st.message().find("not a Depinfer address"), std::string::npos) << st.message();
  EXPECT_EQ(out, untouched);
}

std::vector<std::uint8_t> AddressPayload(const Address& a) {
  std::vector<std::uint8_t> p(64);
  a.pk.ToBytesBE(p.data());
  std::copy(a.view_public.begin(), a.view_public.end(), p.begin() + 32);
  return p;
}

TEST(Address, RejectsBadPayloads) {
  SpendingKey key = SpendingKey::FromSeed(Seed(11));
  Address out;
  auto good = AddressPayload(key.address());
  // Wrong lengths.
  for (std::size_t len : {0, 32, 63, 65, 96}) {
    std::vector<std::uint8_t> p(len, 1);
    std::copy_n(good.begin(), std::min<std::size_t>(len, 64), p.begin());
    Status st = Address::Decode(Bech32mEncode("dpi", p), Network::kMain, &out);
    EXPECT_FALSE(st.ok()) << len;
    EXPECT_NE(st.message().find("64 bytes"), std::string::npos) << st.message();
  }
  // pk = r and pk = 2^256 - 1: not canonical.
  auto rb = Fr::kModulus.ToBytesBE();
  auto p = good;
  std::copy(rb.begin(), rb.end(), p.begin());
  Status st = Address::Decode(Bech32mEncode("dpi", p), Network::kMain, &out);
  EXPECT_NE(st.message().find("not canonical"), std::string::npos) << st.message();
  std::fill_n(p.begin(), 32, 0xff);
  EXPECT_FALSE(Address::Decode(Bech32mEncode("dpi", p), Network::kMain, &out).ok());
  // Small-order X25519 keys (u = 0, u = 1, and a point of order 8).
  const char* small[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"};
  for (const char* h : small) {
    p = good;
    ASSERT_EQ(sodium_hex2bin(p.data() + 32, 32, h, 64, nullptr, nullptr, nullptr), 0);
    st = Address::Decode(Bech32mEncode("dpi", p), Network::kMain, &out);
    EXPECT_NE(st.message().find("small-order"), std::string::npos) << h << st.message();
  }
  Address ok;
  ASSERT_TRUE(Address::Decode(Bech32mEncode("dpi", good), Network::kMain, &ok).ok());
  EXPECT_EQ(ok, key.address());
}

// A mistyped address is never accepted: every substitution of every character, and every
// single deletion, is rejected.
TEST(Address, EverySingleCharacterMistypeIsCaught) {
  SpendingKey key = SpendingKey::FromSeed(Seed(13));
  const std::string s = key.address().Encode(Network::kMain);
  const std::string alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7lbio1";
  Address out;
  int tried = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (char c : alphabet) {
      if (c == s[i]) continue;
      std::string t = s;
      t[i] = c;
      ASSERT_FALSE(Address::Decode(t, Network::kMain, &out).ok()) << t;
      ++tried;
    }
    std::string d = s;
    d.erase(i, 1);
    ASSERT_FALSE(Address::Decode(d, Network::kMain, &out).ok()) << d;
  }
  EXPECT_GT(tried, 113 * 30);
}

TEST(ViewingKey, RoundTripAndErrors) {
  SpendingKey key = SpendingKey::FromSeed(Seed(17));
  std::string s = key.viewing_key().Encode(Network::kTest);
  EXPECT_EQ(s.substr(0, 6), "dptvk1");
  ViewingKey vk;
  ASSERT_TRUE(ViewingKey::Decode(s, Network::kTest, &vk).ok());
  EXPECT_EQ(vk.pk(), key.pk());
  EXPECT_EQ(vk.view_public(), key.viewing_key().view_public());
  EXPECT_EQ(vk.Encode(Network::kTest), s);

  ViewingKey untouched;
  Status st = ViewingKey::Decode(s, Network::kMain, &untouched);
  EXPECT_NE(st.message().find("test network"), std::string::npos) << st.message();
  EXPECT_TRUE(untouched.pk().IsZero());
  st = ViewingKey::Decode(key.address().Encode(Network::kTest), Network::kTest, &untouched);
  EXPECT_NE(st.message().find("got a payment address"), std::string::npos) << st.message();
  // A mistyped viewing key: checksum error, and the message never quotes the key.
  std::string t = s;
  t[20] = t[20] == 'q' ? 'p' : 'q';
  st = ViewingKey::Decode(t, Network::kTest, &untouched);
  EXPECT_NE(st.message().find("checksum"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find(t.substr(6, 20)), std::string::npos);
  // Non-canonical pk.
  std::string hrp;
  std::vector<std::uint8_t> payload;
  ASSERT_TRUE(Bech32mDecode(s, &hrp, &payload).ok());
  std::fill(payload.begin() + 32, payload.end(), 0xff);
  st = ViewingKey::Decode(Bech32mEncode("dptvk", payload), Network::kTest, &untouched);
  EXPECT_NE(st.message().find("not canonical"), std::string::npos) << st.message();
  payload.resize(63);
  st = ViewingKey::Decode(Bech32mEncode("dptvk", payload), Network::kTest, &untouched);
  EXPECT_NE(st.message().find("64 bytes"), std::string::npos) << st.message();
  EXPECT_TRUE(untouched.pk().IsZero());
}

TEST(ViewingKey, SharedSecretRejectsSmallOrder) {
  SpendingKey key = SpendingKey::FromSeed(Seed(19));
  X25519Key zero{}, shared{};
  EXPECT_FALSE(key.viewing_key().SharedSecret(zero, &shared).ok());
  X25519Key esk, epk;
  randombytes_buf(esk.data(), esk.size());
  crypto_scalarmult_base(epk.data(), esk.data());
  ASSERT_TRUE(key.viewing_key().SharedSecret(epk, &shared).ok());
  X25519Key sender;
  ASSERT_EQ(crypto_scalarmult(sender.data(), esk.data(), key.address().view_public.data()), 0);
  EXPECT_EQ(shared, sender);
}

// The batched form agrees with SharedSecret, lane by lane, including small-order rejections.
TEST(ViewingKey, SharedSecretsMatchesSharedSecret) {
  SpendingKey key = SpendingKey::FromSeed(Seed(23));
  std::vector<X25519Key> epks(21);
  for (std::size_t i = 0; i < epks.size(); ++i) {
    X25519Key esk;
    randombytes_buf(esk.data(), esk.size());
    crypto_scalarmult_base(epks[i].data(), esk.data());
  }
  epks[4] = {};  // small order
  epks[17] = {};
  epks[17][0] = 1;  // small order
  std::vector<X25519Key> shared(epks.size());
  std::vector<std::uint8_t> ok(epks.size());
  key.viewing_key().SharedSecrets(epks, shared, ok);
  for (std::size_t i = 0; i < epks.size(); ++i) {
    X25519Key one{};
    Status st = key.viewing_key().SharedSecret(epks[i], &one);
    EXPECT_EQ(ok[i] == 1, st.ok()) << i;
    if (st.ok()) {
      EXPECT_EQ(shared[i], one) << i;
    }
  }
  EXPECT_EQ(ok[4], 0);
  EXPECT_EQ(ok[17], 0);
}

// Random garbage and random multi-character damage never decode, and never crash.
TEST(Address, GarbageIsRefused) {
  SpendingKey key = SpendingKey::FromSeed(Seed(29));
  const std::string s = key.address().Encode(Network::kMain);
  const std::string charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::mt19937_64 rng(29);
  Address out;
  ViewingKey vk;
  for (int round = 0; round < 2000; ++round) {
    std::string t = s;
    int changes = 2 + static_cast<int>(rng() % 4);
    for (int k = 0; k < changes; ++k) {
      t[4 + rng() % (t.size() - 4)] = charset[rng() % 32];
    }
    if (t == s) continue;
    ASSERT_FALSE(Address::Decode(t, Network::kMain, &out).ok()) << t;
    std::string junk(rng() % 200, ' ');
    for (char& c : junk) c = static_cast<char>(rng() % 256);
    EXPECT_FALSE(Address::Decode(junk, Network::kMain, &out).ok());
    EXPECT_FALSE(ViewingKey::Decode(junk, Network::kMain, &vk).ok());
  }
}

}  // namespace
}  // namespace depinfer::shield
