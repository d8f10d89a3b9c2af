// Bech32m: the test vectors of BIP-350 (bitcoin/bips, bip-0350.mediawiki, "Test vectors for
// Bech32m" and the segwit address lists, used here for the 8<->5-bit regrouping), plus our
// longer length limit and round trips of arbitrary payloads.
#include "shield/bech32m.h"

#include <gtest/gtest.h>

#include <random>

namespace depinfer::shield {
namespace {

TEST(Bech32m, Bip350ValidStrings) {
  const char* valid[] = {
      "A1LQFN3A",
      "a1lqfn3a",
      "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
      "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
      "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
      "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
      "?1v759aa",
  };
  for (const char* s : valid) {
    std::string hrp;
    std::vector<std::uint8_t> groups;
    Status st = Bech32mDecodeGroups(s, &hrp, &groups, 90);
    ASSERT_TRUE(st.ok()) << s << ": " << st.message();
    // Re-encoding gives the lowercase form of the input.
    std::string lower(s);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(Bech32mEncodeGroups(hrp, groups), lower);
  }
}

TEST(Bech32m, Bip350InvalidStrings) {
  struct Case {
    std::string s;
    const char* why;
  };
  const Case invalid[] = {
      {std::string("\x20") + "1xj0phk", "printable"},
      {std::string("\x7f") + "1g6xzxy", "printable"},
      {std::string("\x80") + "1vctc34", "printable"},
      {"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
       "longer than 83"},
      {"qyrz8wqd2c9m", "no '1'"},
      {"1qyrz8wqd2c9m", "empty human-readable"},
      {"y1b0jsk6g", "invalid data character"},
      {"lt1igcx5c0", "invalid data character"},
      {"in1muywd", "too short"},
      {"mm1crxm3i", "invalid data character"},
      {"au1s5cgom", "invalid data character"},
      {"M1VUXWEZ", "checksum"},
      {"16plkw9", "empty human-readable"},
      {"1p2gdwpf", "empty human-readable"},
      // From the segwit lists: mixed case, a bech32m string with a bad checksum character.
      {"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "mixes upper and lower"},
      {"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "invalid data character"},
  };
  for (const Case& c : invalid) {
    std::string hrp = "untouched";
    std::vector<std::uint8_t> groups = {1, 2, 3};
    Status st = Bech32mDecodeGroups(c.s, &hrp, &groups);  // also under our longer limit
    ASSERT_FALSE(st.ok()) << c.s;
    EXPECT_NE(st.message().find(c.why), std::string::npos) << c.s << ": " << st.message();
    EXPECT_EQ(hrp, "untouched");
    EXPECT_EQ(groups.size(), 3u);
  }
}

// Plain bech32 (BIP-173) checksums are refused, and the message says why.
TEST(Bech32m, RejectsBech32Checksum) {
  const char* bech32[] = {
      "A12UEL5L", "a12uel5l",  // BIP-173 valid bech32 strings
      "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
      "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
      "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
  };
  for (const char* s : bech32) {
    std::string hrp;
    std::vector<std::uint8_t> groups;
    Status st = Bech32mDecodeGroups(s, &hrp, &groups);
    ASSERT_FALSE(st.ok()) << s;
    EXPECT_NE(st.message().find("bech32 (BIP-173) checksum"), std::string::npos) << st.message();
  }
}

// Witness programs of BIP-350's valid v1+ segwit addresses: drop the version symbol and
// regroup 5 -> 8 bits.
TEST(Bech32m, ConvertBitsOnSegwitVectors) {
  struct Case {
    const char* address;
    const char* program_hex;  // scriptPubKey without its 2-byte header
  };
  const Case cases[] = {
      {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
       "751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
      {"BC1SW50QGDZ25J", "751e"},
      {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "751e76e8199196d454941c45d1b3a323"},
      {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
       "000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
      {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
       "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
  };
  for (const Case& c : cases) {
    std::string hrp;
    std::vector<std::uint8_t> groups, program;
    ASSERT_TRUE(Bech32mDecodeGroups(c.address, &hrp, &groups).ok()) << c.address;
    ASSERT_TRUE(ConvertBits(std::span(groups).subspan(1), 5, 8, false, &program));
    std::string hex;
    for (auto b : program) {
      char buf[3];
      std::snprintf(buf, sizeof buf, "%02x", b);
      hex += buf;
    }
    EXPECT_EQ(hex, c.program_hex) << c.address;
    std::vector<std::uint8_t> again;
    ASSERT_TRUE(ConvertBits(program, 8, 5, true, &again));
    EXPECT_EQ(again, std::vector<std::uint8_t>(groups.begin() + 1, groups.end()));
  }
  // Padding errors from the invalid segwit list.
  const char* bad_padding[] = {
      "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  // > 4 bits
      "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",    // nonzero
  };
  for (const char* s : bad_padding) {
    std::string hrp;
    std::vector<std::uint8_t> groups, program;
    ASSERT_TRUE(Bech32mDecodeGroups(s, &hrp, &groups).ok()) << s;
    EXPECT_FALSE(ConvertBits(std::span(groups).subspan(1), 5, 8, false, &program)) << s;
  }
}

TEST(Bech32m, PaddingCheckedOnBytePayloads) {
  // 2 groups = 10 bits: one byte and 2 padding bits that must be zero.
  std::vector<std::uint8_t> ok_groups = {0x1f, 0x1c};   // 11111 11100 -> 0xff, pad 00
  std::vector<std::uint8_t> bad_groups = {0x1f, 0x1d};  // pad 01
  std::vector<std::uint8_t> long_pad = {0x1f, 0x1c, 0};  // 15 bits: 7 bits of padding
  std::string hrp;
  std::vector<std::uint8_t> payload;
  ASSERT_TRUE(Bech32mDecode(Bech32mEncodeGroups("x", ok_groups), &hrp, &payload).ok());
  EXPECT_EQ(payload, std::vector<std::uint8_t>{0xff});
  for (const auto& g : {bad_groups, long_pad}) {
    Status st = Bech32mDecode(Bech32mEncodeGroups("x", g), &hrp, &payload);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("padding"), std::string::npos) << st.message();
  }
}

TEST(Bech32m, RoundTripsAndOurLengthLimit) {
  std::mt19937_64 rng(3);
  for (std::size_t len : {0, 1, 2, 5, 32, 64, 100, 300, 600}) {
    std::vector<std::uint8_t> data(len);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    std::string s = Bech32mEncode("dpt", data);
    ASSERT_FALSE(s.empty()) << len;
    std::string hrp;
    std::vector<std::uint8_t> back;
    ASSERT_TRUE(Bech32mDecode(s, &hrp, &back).ok()) << len;
    EXPECT_EQ(hrp, "dpt");
    EXPECT_EQ(back, data);
    if (s.size() > 90) {  // BIP-350's own limit would refuse it
      EXPECT_FALSE(Bech32mDecode(s, &hrp, &back, 90).ok());
    }
  }
  // 1023 characters is the most: hrp "a", "1", 1015 data characters, 6 checksum characters.
  std::vector<std::uint8_t> groups(1015, 7);
  std::string longest = Bech32mEncodeGroups("a", groups);
  ASSERT_EQ(longest.size(), 1023u);
  std::string hrp;
  std::vector<std::uint8_t> back;
  EXPECT_TRUE(Bech32mDecodeGroups(longest, &hrp, &back).ok());
  groups.push_back(7);
  EXPECT_EQ(Bech32mEncodeGroups("a", groups), "");
  Status st = Bech32mDecodeGroups(longest + "q", &hrp, &back);
  EXPECT_NE(st.message().find("limit of 1023"), std::string::npos) << st.message();
  // Encoder preconditions.
  EXPECT_EQ(Bech32mEncodeGroups("", {}), "");
  EXPECT_EQ(Bech32mEncodeGroups("Dpi", {}), "");
  EXPECT_EQ(Bech32mEncodeGroups(std::string(84, 'a'), {}), "");
  std::vector<std::uint8_t> bad = {32};
  EXPECT_EQ(Bech32mEncodeGroups("a", bad), "");
}

}  // namespace
}  // namespace depinfer::shield
