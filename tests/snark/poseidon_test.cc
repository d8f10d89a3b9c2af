// Poseidon: our Grain-generated parameters and hashes against values computed with
// circomlibjs 0.1.7 (iden3; src/poseidon_constants.json and poseidon()). The complete
// comparison over every width and constant runs in poseidon_oracle_test; these pins keep the
// essentials checked when node is not installed.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "snark/grain.h"
#include "snark/poseidon.h"
#include "snark/poseidon_fast.h"

namespace depinfer::snark {
namespace {

Fr Dec(const std::string& s) {
  Fr f;
  Status st = Fr::FromDecimal(s, &f);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return f;
}

std::vector<Fr> OneToN(std::size_t n) {
  std::vector<Fr> v;
  for (std::size_t i = 1; i <= n; ++i) v.push_back(Fr::FromU64(i));
  return v;
}

TEST(Grain, ParametersMatchCircomlibSpotChecks) {
  // circomlibjs poseidon_constants.json: C[t-2][0], C[t-2][last], M[t-2][0][0], M[t-2][t-1][t-1].
  struct Spot {
    std::size_t t;
    const char* c_first;
    const char* c_last;
    const char* m_first;
    const char* m_last;
  };
  const Spot spots[] = {
      {2, "4417881134626180770308697923359573201005643519861877412381846989312604493735",
       "17467570179597572575614276429760169990940929887711661192333523245667228809456", nullptr,
       "8348174920934122550483593999453880006756108121341067172388445916328941978568"},
      {3, "6745197990210204598374042828761989596302876299545964402857411729872131034734",
       nullptr, "7511745149465107256748700652201246547602992235352608707588321460060273774987",
       nullptr},
      {7, "15193892625865514930501893609026366493846449603945567488151250645948827690215",
       "6526388717947413328592956348507481629843816325885832861915399601868279124246", nullptr,
       "768425396034382182896247252731538808045254601036758108993106260984310129743"},
  };
  for (const Spot& s : spots) {
    const PoseidonParams& p = CircomPoseidonParams(s.t);
    ASSERT_EQ(p.round_constants.size(), (8 + PoseidonPartialRounds(s.t)) * s.t);
    ASSERT_EQ(p.mds.size(), s.t * s.t);
    EXPECT_EQ(p.round_constants.front(), Dec(s.c_first)) << "t=" << s.t;
    if (s.c_last) {
      EXPECT_EQ(p.round_constants.back(), Dec(s.c_last)) << "t=" << s.t;
    }
    if (s.m_first) {
      EXPECT_EQ(p.Mds(0, 0), Dec(s.m_first)) << "t=" << s.t;
    }
    if (s.m_last) {
      EXPECT_EQ(p.Mds(s.t - 1, s.t - 1), Dec(s.m_last)) << "t=" << s.t;
    }
  }
}

TEST(Grain, SeedFieldsChangeTheStream) {
  GrainLfsr a(GrainSeed{});
  GrainLfsr b(GrainSeed{.width = 4});
  EXPECT_NE(a.NextInteger(254), b.NextInteger(254));
}

TEST(Grain, IntegersAreMostSignificantBitFirst) {
  GrainLfsr bits(GrainSeed{});
  GrainLfsr ints(GrainSeed{});
  math::BigInt<4> x = ints.NextInteger(10);
  math::u64 expect = 0;
  for (int i = 0; i < 10; ++i) expect = (expect << 1) | (bits.NextBit() ? 1 : 0);
  EXPECT_EQ(x, math::BigInt<4>(expect));
}

TEST(Poseidon, PinnedOutputsOfOneToN) {
  // circomlibjs poseidon([1..n]).
  const char* expected[] = {
      "18586133768512220936620570745912940619677854269274689475585506675881198879027",
      "7853200120776062878684798364095072458815029376092732009249414926327459813530",
      "6542985608222806190361240322586112750744169038454362455181422643027100751666",
      "18821383157269793795438455681495246036402687001665670618754263018637548127333",
      "6183221330272524995739186171720101788151706631170188140075976616310159254464",
      "20400040500897583745843009878988256314335038853985262692600694741116813247201",
  };
  for (std::size_t n = 1; n <= 6; ++n) {
    EXPECT_EQ(Poseidon(OneToN(n)), Dec(expected[n - 1])) << n << " inputs";
  }
}

TEST(Poseidon, PinnedOutputOfZero) {
  EXPECT_EQ(Poseidon({Fr::Zero()}),
            Dec("19014214495641488759237505126948346942972912379615652741039992445865937985820"));
}

TEST(Poseidon, PermuteMatchesHash) {
  const PoseidonParams& p = CircomPoseidonParams(3);
  std::vector<Fr> state = {Fr::Zero(), Fr::FromU64(1), Fr::FromU64(2)};
  PoseidonPermute(p, state);
  EXPECT_EQ(state[0], Poseidon({Fr::FromU64(1), Fr::FromU64(2)}));
}

TEST(Poseidon, GenerateRejectsBadShapes) {
  PoseidonParams p;
  EXPECT_FALSE(GeneratePoseidonParams(1, 8, 56, &p).ok());
  EXPECT_FALSE(GeneratePoseidonParams(3, 7, 57, &p).ok());
  EXPECT_FALSE(GeneratePoseidonParams(3, 0, 57, &p).ok());
  EXPECT_TRUE(GeneratePoseidonParams(3, 8, 57, &p).ok());
  EXPECT_EQ(p.round_constants, CircomPoseidonParams(3).round_constants);
  EXPECT_EQ(p.mds, CircomPoseidonParams(3).mds);
}

TEST(PoseidonDeathTest, WrongInputCountAborts) {
  std::vector<Fr> none;
  EXPECT_DEATH(Poseidon(none), "1 to 16 inputs");
  std::vector<Fr> many(17);
  EXPECT_DEATH(Poseidon(many), "1 to 16 inputs");
}

}  // namespace
}  // namespace depinfer::snark

namespace depinfer::snark {
namespace {

// The fast permutation is the plain one, bit for bit, for every width and random states
// (not only the [0, inputs] states Poseidon() uses).
TEST(PoseidonFast, EqualsThePlainPermutation) {
  std::mt19937_64 rng(42);
  for (std::size_t t = kPoseidonMinWidth; t <= kPoseidonMaxWidth; ++t) {
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<Fr> a(t);
      for (Fr& x : a) x = trial == 0 ? Fr::Zero() : Fr::Random(rng);
      std::vector<Fr> b = a;
      PoseidonPermute(CircomPoseidonParams(t), a);
      PoseidonPermuteFast(CircomPoseidonFastParams(t), b);
      ASSERT_EQ(a, b) << "t=" << t << " trial " << trial;
    }
  }
}

TEST(PoseidonFast, WorksForOtherRoundCounts) {
  std::mt19937_64 rng(7);
  for (std::size_t rp : {0u, 1u, 5u}) {
    PoseidonParams p;
    ASSERT_TRUE(GeneratePoseidonParams(4, 6, rp, &p).ok());
    PoseidonFastParams f;
    ASSERT_TRUE(DerivePoseidonFastParams(p, &f).ok());
    std::vector<Fr> a(4);
    for (Fr& x : a) x = Fr::Random(rng);
    std::vector<Fr> b = a;
    PoseidonPermute(p, a);
    PoseidonPermuteFast(f, b);
    EXPECT_EQ(a, b) << "R_P=" << rp;
  }
}

}  // namespace
}  // namespace depinfer::snark
