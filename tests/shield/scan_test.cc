// The scanner finds exactly our notes among many foreign and malformed outputs, in order, and
// the parallel version agrees with the single-threaded one.
#include "shield/scan.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <random>

namespace depinfer::shield {
namespace {

std::array<std::uint8_t, 32> Seed(std::uint8_t first) {
  std::array<std::uint8_t, 32> s;
  for (int i = 0; i < 32; ++i) s[i] = static_cast<std::uint8_t>(first + 3 * i);
  return s;
}

ScanItem Output(const SpendingKey& to, std::uint64_t amount, std::uint8_t memo_byte) {
  Note n{Fr::FromU64(1), amount, to.pk(), RandomBlinding()};
  ScanItem item{NoteCommitment(n), {}};
  std::vector<std::uint8_t> memo(memo_byte % 50, memo_byte);
  EXPECT_TRUE(EncryptNote(n, memo, to.address(), &item.note).ok());
  return item;
}

TEST(Scan, FindsExactlyOurNotes) {
  SpendingKey me = SpendingKey::FromSeed(Seed(1));
  std::vector<SpendingKey> others;
  for (int i = 0; i < 5; ++i) others.push_back(SpendingKey::FromSeed(Seed(50 + i)));
  std::mt19937 rng(11);
  std::vector<ScanItem> items;
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < 1500; ++i) {
    if (rng() % 97 == 0) {
      mine.push_back(i);
      items.push_back(Output(me, 1000 + i, static_cast<std::uint8_t>(i)));
    } else {
      items.push_back(Output(others[rng() % others.size()], i, 0));
    }
  }
  ASSERT_GE(mine.size(), 5u);
  // Malformed outputs are skipped quietly: small-order epk, short ciphertext, moved cm.
  items[3].note.epk = {};
  items[4].note.ciphertext.resize(10);
  std::size_t moved = mine[0];
  items[moved].cm = items[moved].cm + Fr::One();
  mine.erase(mine.begin());
  // An output encrypted to our view key but committed to someone else's pk (an address that
  // pairs their pk with our view key) decrypts, yet does not open its cm: reported as corrupted.
  std::size_t liar = mine.back();
  mine.pop_back();
  {
    Address forged{others[0].pk(), me.address().view_public};
    Note n{Fr::FromU64(1), 5, others[0].pk(), RandomBlinding()};
    items[liar].cm = NoteCommitment(n);
    ASSERT_TRUE(EncryptNote(n, {}, forged, &items[liar].note).ok());
  }

  // The reference: TryDecryptNote on each output (one libsodium X25519 each).
  std::vector<std::size_t> ref_found, ref_corrupted;
  for (std::size_t i = 0; i < items.size(); ++i) {
    DecryptedNote d;
    Status st = TryDecryptNote(me.viewing_key(), items[i].cm, items[i].note, &d);
    if (st.ok()) ref_found.push_back(i);
    if (st.code() == Status::Code::kCorruption) ref_corrupted.push_back(i);
  }
  EXPECT_EQ(ref_found, mine);
  EXPECT_EQ(ref_corrupted, std::vector<std::size_t>{liar});

  ScanResult single = ScanSingleThread(me.viewing_key(), items);
  ScanResult parallel = Scan(me.viewing_key(), items);
  ASSERT_EQ(single.found.size(), mine.size());
  ASSERT_EQ(parallel.found.size(), mine.size());
  for (std::size_t k = 0; k < mine.size(); ++k) {
    EXPECT_EQ(single.found[k].position, mine[k]);
    EXPECT_EQ(parallel.found[k].position, mine[k]);
    EXPECT_EQ(parallel.found[k].note, single.found[k].note);
    EXPECT_EQ(parallel.found[k].note.note.amount, 1000 + mine[k]);
    EXPECT_EQ(parallel.found[k].note.memo.size(), mine[k] % 256 % 50);
    EXPECT_EQ(NoteCommitment(parallel.found[k].note.note), items[mine[k]].cm);
  }
  EXPECT_EQ(single.corrupted, std::vector<std::size_t>{liar});
  EXPECT_EQ(parallel.corrupted, std::vector<std::size_t>{liar});
}

TEST(Scan, EmptyAndAllOurs) {
  SpendingKey me = SpendingKey::FromSeed(Seed(2));
  EXPECT_TRUE(Scan(me.viewing_key(), {}).found.empty());
  std::vector<ScanItem> items;
  for (int i = 0; i < 200; ++i) items.push_back(Output(me, i, 3));
  ScanResult r = Scan(me.viewing_key(), items);
  ASSERT_EQ(r.found.size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) EXPECT_EQ(r.found[i].position, i);
}

}  // namespace
}  // namespace depinfer::shield
