// Tests of the audit chain: SHA-256 against published vectors, the event hash against its
// documented serialization, and VerifyChain on good chains and on every kind of single
// corruption (each field of each row edited, each row deleted, rows reordered, a row edited and
// re-hashed), plus the documented limits (no head: a deleted last row goes unseen).
#include "oversight/audit.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using ouro::oversight::ChainCheck;
using ouro::oversight::EventHash;
using ouro::oversight::EventRow;
using ouro::oversight::kGenesisHash;
using ouro::oversight::Promotions;
using ouro::oversight::Sha256Hex;
using ouro::oversight::VerifyChain;
using Head = std::optional<std::pair<int64_t, std::string>>;

TEST(Sha256Hex, KnownVectors) {
  // FIPS 180-2 examples and the empty string.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Bytes after a NUL count.
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
  EXPECT_EQ(std::string(kGenesisHash), std::string(64, '0'));
}

EventRow Row(int64_t seq, const std::string& prev) {
  EventRow e;
  e.seq = seq;
  e.at = "2024-05-01T12:00:0" + std::to_string(seq % 10) + ".123Z";
  e.type = seq % 2 ? "generation" : "candidate";
  e.actor = "ouro";
  e.content_json = R"({"seq":)" + std::to_string(seq) + R"(,"note":"a\nb"})";
  e.prev_hash = prev;
  return e;
}

// A correct chain of n rows for run_id.
std::vector<EventRow> Chain(int64_t run_id, int n) {
  std::vector<EventRow> rows;
  for (int i = 1; i <= n; ++i) {
    EventRow e = Row(i, rows.empty() ? std::string(kGenesisHash) : rows.back().hash);
    e.hash = EventHash(run_id, e);
    rows.push_back(e);
  }
  return rows;
}

Head HeadOf(const std::vector<EventRow>& rows) {
  if (rows.empty()) return std::make_pair(int64_t{0}, std::string(kGenesisHash));
  return std::make_pair(static_cast<int64_t>(rows.size()), rows.back().hash);
}

TEST(EventHash, IsTheSha256OfTheDocumentedSerialization) {
  EventRow e;
  e.seq = 12;
  e.at = "2024-05-01T12:00:00.123Z";
  e.type = "item_decided";
  e.actor = "alice";
  e.content_json = R"({"item":3})";
  e.prev_hash = kGenesisHash;
  e.hash = "ignored";
  const std::string serialized =
      "ouro-audit-v1\n7\n12\n24:2024-05-01T12:00:00.123Z\n12:item_decided\n5:alice\n"
      "10:{\"item\":3}\n64:" +
      std::string(kGenesisHash) + "\n";
  EXPECT_EQ(EventHash(7, e), Sha256Hex(serialized));
  EXPECT_EQ(EventHash(7, e).size(), 64u);
}

TEST(EventHash, EveryFieldAndTheRunCount) {
  EventRow base = Row(3, kGenesisHash);
  const std::string h = EventHash(1, base);
  EXPECT_EQ(h, EventHash(1, base));
  EXPECT_NE(h, EventHash(2, base));
  std::vector<EventRow> changed(7, base);
  changed[0].seq = 4;
  changed[1].at += " ";
  changed[2].type = "x";
  changed[3].actor = "mallory";
  changed[4].content_json = "{}";
  changed[5].prev_hash[0] = '1';
  changed[6].hash = "anything";  // the hash field itself is not hashed
  for (int i = 0; i < 6; ++i) EXPECT_NE(EventHash(1, changed[i]), h) << i;
  EXPECT_EQ(EventHash(1, changed[6]), h);
  // Moving bytes between neighbouring fields changes the hash (the encoding is unambiguous).
  EventRow a = base, b = base;
  a.type = "ab";
  a.actor = "c";
  b.type = "a";
  b.actor = "bc";
  EXPECT_NE(EventHash(1, a), EventHash(1, b));
  a.type = "x\n1:y";
  a.actor = "";
  b.type = "x";
  b.actor = "y";
  EXPECT_NE(EventHash(1, a), EventHash(1, b));
}

void ExpectBroken(const ChainCheck& c, int64_t first_bad, const std::string& what) {
  EXPECT_FALSE(c.ok) << what;
  EXPECT_EQ(c.first_bad_seq, first_bad) << what << ": " << c.problem;
  EXPECT_FALSE(c.problem.empty()) << what;
  EXPECT_EQ(c.problem.find('\n'), std::string::npos) << c.problem;
}

TEST(VerifyChain, GoodChainsPass) {
  for (int n : {0, 1, 2, 30}) {
    auto rows = Chain(5, n);
    for (const Head& head : {HeadOf(rows), Head()}) {
      ChainCheck c = VerifyChain(5, rows, head);
      EXPECT_TRUE(c.ok) << n << ": " << c.problem;
      EXPECT_EQ(c.rows, n);
      EXPECT_EQ(c.first_bad_seq, -1);
      EXPECT_EQ(c.problem, "");
      EXPECT_EQ(c.head_hash, n ? rows.back().hash : std::string(kGenesisHash));
    }
  }
  EXPECT_TRUE(VerifyChain(5, {}, std::make_pair(int64_t{0}, std::string())).ok);
  // The same rows under another run id do not verify.
  ExpectBroken(VerifyChain(6, Chain(5, 3), std::nullopt), 1, "other run");
}

TEST(VerifyChain, EveryFieldEditOfEveryRowIsDetectedAtThatRow) {
  const int n = 12;
  const auto good = Chain(1, n);
  const auto head = HeadOf(good);
  for (int k = 1; k <= n; ++k) {
    for (int field = 0; field < 7; ++field) {
      auto rows = good;
      EventRow& e = rows[k - 1];
      switch (field) {
        case 0:
          e.at[e.at.size() - 2] ^= 1;
          break;
        case 1:
          e.type += "x";
          break;
        case 2:
          e.actor = "mallory";
          break;
        case 3:
          e.content_json = R"({"seq":999})";
          break;
        case 4:
          e.prev_hash[10] = e.prev_hash[10] == 'a' ? 'b' : 'a';
          break;
        case 5:
          e.hash[63] = e.hash[63] == 'a' ? 'b' : 'a';
          break;
        case 6:
          e.seq += 100;
          break;
      }
      const std::string what = "row " + std::to_string(k) + " field " + std::to_string(field);
      ExpectBroken(VerifyChain(1, rows, head), k, what);
    }
  }
}

TEST(VerifyChain, DeletingAnyRowIsDetected) {
  const int n = 10;
  const auto good = Chain(1, n);
  for (int k = 1; k <= n; ++k) {
    auto rows = good;
    rows.erase(rows.begin() + (k - 1));
    ExpectBroken(VerifyChain(1, rows, HeadOf(good)), k, "delete row " + std::to_string(k));
    if (k < n) ExpectBroken(VerifyChain(1, rows, std::nullopt), k, "no head");
  }
  // Without the recorded head, deleting the last rows leaves a valid shorter chain: the limit the
  // head exists for.
  auto rows = good;
  rows.pop_back();
  EXPECT_TRUE(VerifyChain(1, rows, std::nullopt).ok);
  ChainCheck c = VerifyChain(1, rows, HeadOf(good));
  EXPECT_EQ(c.problem, "chain ends at row 9 but the run's head records 10 rows");
  EXPECT_EQ(c.first_bad_seq, 10);
  // Deleting everything.
  ExpectBroken(VerifyChain(1, {}, HeadOf(good)), 1, "all deleted");
}

TEST(VerifyChain, ReorderingIsDetected) {
  const int n = 8;
  const auto good = Chain(1, n);
  const auto head = HeadOf(good);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const std::string what = "rows " + std::to_string(i + 1) + "," + std::to_string(j + 1);
      // Rows in swapped storage order (seq values travel with the rows).
      auto rows = good;
      std::swap(rows[i], rows[j]);
      ExpectBroken(VerifyChain(1, rows, head), i + 1, "swap rows " + what);
      // Seq numbers swapped (read back by seq: everything but the seq moves).
      rows = good;
      std::swap(rows[i], rows[j]);
      std::swap(rows[i].seq, rows[j].seq);
      ExpectBroken(VerifyChain(1, rows, head), i + 1, "swap seq " + what);
      // Content and type swapped.
      rows = good;
      std::swap(rows[i].content_json, rows[j].content_json);
      std::swap(rows[i].type, rows[j].type);
      ExpectBroken(VerifyChain(1, rows, head), i + 1, "swap content " + what);
    }
  }
}

TEST(VerifyChain, AnEditedAndReHashedRowIsCaughtByTheNextLinkOrTheHead) {
  const int n = 6;
  const auto good = Chain(1, n);
  for (int k = 1; k <= n; ++k) {
    auto rows = good;
    rows[k - 1].content_json = R"({"forged":true})";
    rows[k - 1].hash = EventHash(1, rows[k - 1]);
    ChainCheck c = VerifyChain(1, rows, HeadOf(good));
    ExpectBroken(c, k < n ? k + 1 : n, "rehash row " + std::to_string(k));
    if (k < n)
      EXPECT_EQ(c.problem, "row " + std::to_string(k + 1) +
                               ": prev_hash does not match the hash of row " + std::to_string(k));
    else
      EXPECT_EQ(c.problem, "row 6: hash differs from the head recorded with the run");
  }
  // Rewriting the tail consistently AND the head is not detectable from the store alone (only a
  // head kept elsewhere catches it).
  auto rows = good;
  rows[3].content_json = R"({"forged":true})";
  for (int k = 4; k <= n; ++k) {
    if (k > 4) rows[k - 1].prev_hash = rows[k - 2].hash;
    rows[k - 1].hash = EventHash(1, rows[k - 1]);
  }
  EXPECT_FALSE(VerifyChain(1, rows, HeadOf(good)).ok);
  EXPECT_TRUE(VerifyChain(1, rows, HeadOf(rows)).ok);
}

TEST(VerifyChain, ProblemsNameTheRow) {
  auto rows = Chain(1, 10);
  auto edited = rows;
  edited[6].actor = "x";
  EXPECT_EQ(VerifyChain(1, edited, HeadOf(rows)).problem, "row 7: hash does not match its content");
  auto gap = rows;
  gap.erase(gap.begin() + 4);
  EXPECT_EQ(VerifyChain(1, gap, HeadOf(rows)).problem, "row 5 missing: expected seq 5, found 6");
  auto dup = rows;
  dup[3].seq = 3;
  EXPECT_EQ(VerifyChain(1, dup, HeadOf(rows)).problem,
            "row 4: expected seq 4, found 3 (rows out of order or duplicated)");
  auto first = rows;
  first[0].prev_hash = std::string(64, 'f');
  EXPECT_EQ(VerifyChain(1, first, HeadOf(rows)).problem,
            "row 1: prev_hash is not the genesis hash");
  // A head that records fewer rows than stored (rows appended behind the store's back).
  ChainCheck c = VerifyChain(1, rows, std::make_pair(int64_t{8}, rows[7].hash));
  EXPECT_EQ(c.problem, "chain has 10 rows but the run's head records only 8");
  EXPECT_EQ(c.first_bad_seq, 9);
  c = VerifyChain(1, {}, std::make_pair(int64_t{0}, std::string(64, 'e')));
  EXPECT_FALSE(c.ok);
}

// Promotions: "promoted" events and promotion questions ("gate" with gate "promote", program in
// the item key), in chain order, each program once; everything else is skipped.
TEST(Promotions, ReadsPromotedEventsAndPromotionQuestionsInOrder) {
  auto ev = [](const std::string& type, const std::string& content) {
    EventRow e;
    e.type = type, e.content_json = content;
    return e;
  };
  const std::vector<EventRow> events = {
      ev("config", R"({"program":"ff"})"),
      ev("promoted", R"({"program":"aa","fitness":0.5,"generation":1,"candidate":2})"),
      ev("gate", R"({"item":1,"key":"adopt:g1c0","gate":"adopt"})"),
      ev("gate", R"({"item":2,"key":"promote:g3c1:bb","gate":"promote","fitness":0.75})"),
      ev("promoted", R"({"program":"aa","fitness":0.9})"),                  // seen already
      ev("gate", R"({"item":3,"key":"promote:junk","gate":"promote"})"),   // malformed key
      ev("promoted", R"({"program":"cc","generation":"four"})"),           // wrong type
      ev("promoted", "not json"),
      ev("promoted", R"({"program":"dd","fitness":0.95,"generation":4,"candidate":0})"),
  };
  const auto p = Promotions(events);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].program, "aa");
  EXPECT_DOUBLE_EQ(p[0].fitness, 0.5);
  EXPECT_EQ(p[0].generation, 1);
  EXPECT_EQ(p[0].candidate, 2);
  EXPECT_EQ(p[1].program, "bb");
  EXPECT_DOUBLE_EQ(p[1].fitness, 0.75);
  EXPECT_EQ(p[1].generation, 3);
  EXPECT_EQ(p[1].candidate, 1);
  EXPECT_EQ(p[2].program, "dd");
  EXPECT_TRUE(Promotions({}).empty());
}

}  // namespace
