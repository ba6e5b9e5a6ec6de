// Tests of the run store's schema version 3 (oversight), part 2: approval items (numbering,
// idempotency by key, decisions and their errors), checkpoints, truncation and reopening for
// resume, and the in-place upgrade of version-1 and version-2 stores. The audit chain, control,
// progress and ownership are in store_v3_test.cc; shared helpers in store_v3_test_util.h.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "oversight/audit.h"
#include "store/store.h"
#include "store_test_util.h"
#include "store_v3_test_util.h"

using ouro::oversight::kGenesisHash;
using ouro::store::CandidateRow;
using ouro::store::CurveRow;
using ouro::store::ImproverRow;
using ouro::store::ItemRow;
using ouro::store::Store;
using ouro::store::Transaction;
using namespace ouro_store_test;

namespace {

// ---- approval items ---------------------------------------------------------------------------

TEST_F(StoreTest, ItemsAreNumberedPerRunAndIdempotentByKey) {
  auto s = Store::Open(Path("items.db"));
  int64_t a = s->CreateRun("rsi", 1, "{}");
  int64_t b = s->CreateRun("rsi", 2, "{}");
  EXPECT_EQ(s->AddItem(a, "adopt_improver", "gen1/cand0", "adopt candidate 0?", R"({"llr":3})"), 1);
  EXPECT_EQ(s->AddItem(a, "adopt_improver", "gen2/cand1", "adopt candidate 1?", ""), 2);
  EXPECT_EQ(s->AddItem(b, "adopt_improver", "gen1/cand0", "same key, other run", "{}"), 1);
  // The same question again (a resumed run): its number, nothing changed.
  EXPECT_EQ(s->AddItem(a, "other_kind", "gen1/cand0", "different text", "[]"), 1);
  auto it = s->GetItem(a, 1);
  ASSERT_TRUE(it.has_value());
  EXPECT_EQ(it->item, 1);
  EXPECT_EQ(it->kind, "adopt_improver");
  EXPECT_EQ(it->key, "gen1/cand0");
  EXPECT_EQ(it->summary, "adopt candidate 0?");
  EXPECT_EQ(it->evidence_json, R"({"llr":3})");
  EXPECT_EQ(it->status, "pending");
  EXPECT_TRUE(IsIsoUtc(it->created_at)) << it->created_at;
  EXPECT_EQ(it->decided_by, "");
  EXPECT_EQ(it->decided_at, "");
  EXPECT_EQ(it->note, "");
  EXPECT_EQ(s->GetItems(a, false).size(), 2u);

  auto found = s->FindItem(a, "gen2/cand1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->item, 2);
  EXPECT_EQ(found->evidence_json, "");
  EXPECT_FALSE(s->FindItem(a, "nope").has_value());
  EXPECT_FALSE(s->GetItem(a, 3).has_value());
  EXPECT_FALSE(s->GetItem(b + 5, 1).has_value());

  ExpectError([&] { s->AddItem(b + 5, "k", "key", "s", ""); }, {"add item", "no such run"});
  ExpectError([&] { s->AddItem(a, "k", "key", "s", "{bad"); }, {"item evidence", "not valid JSON"});
  ExpectError([&] { s->AddItem(a, "k", "", "s", ""); }, {"add item", "key is empty"});
  EXPECT_EQ(s->GetItems(a, false).size(), 2u);
  EXPECT_EQ(s->AddItem(a, "k", "key", "s", ""), 3);  // numbering goes on after the failures
}

TEST_F(StoreTest, DecideItemOnceAndOnlyOnce) {
  auto s = Store::Open(Path("decide.db"));
  int64_t a = s->CreateRun("rsi", 1, "{}");
  int64_t b = s->CreateRun("rsi", 2, "{}");
  s->AddItem(a, "adopt", "k1", "first", "");
  s->AddItem(a, "adopt", "k2", "second", "");
  s->AddItem(a, "adopt", "k3", "third", "");
  s->AddItem(b, "adopt", "k1", "other run", "");

  auto pending = s->GetPendingItemsAllRuns();
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[0].first, a);
  EXPECT_EQ(pending[0].second.item, 1);
  EXPECT_EQ(pending[2].second.key, "k3");
  EXPECT_EQ(pending[3].first, b);
  EXPECT_EQ(pending[3].second.summary, "other run");

  s->DecideItem(a, 1, /*approve=*/true, "alice", "looks right");
  s->DecideItem(a, 3, /*approve=*/false, "bob", "");
  auto i1 = *s->GetItem(a, 1);
  EXPECT_EQ(i1.status, "approved");
  EXPECT_EQ(i1.decided_by, "alice");
  EXPECT_TRUE(IsIsoUtcMillis(i1.decided_at)) << i1.decided_at;
  EXPECT_EQ(i1.note, "looks right");
  auto i3 = *s->GetItem(a, 3);
  EXPECT_EQ(i3.status, "rejected");
  EXPECT_EQ(i3.decided_by, "bob");

  auto still = s->GetItems(a, /*pending_only=*/true);
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].item, 2);
  pending = s->GetPendingItemsAllRuns();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].second.key, "k2");
  EXPECT_EQ(pending[1].first, b);

  const std::string ra = std::to_string(a);
  ExpectError(
      [&] { s->DecideItem(a, 1, false, "carol", ""); },
      {"decide.db", "item 1 of run " + ra + " was already approved by alice at " + i1.decided_at});
  ExpectError([&] { s->DecideItem(a, 3, true, "carol", ""); },
              {"item 3 of run " + ra + " was already rejected by bob at"});
  ExpectError([&] { s->DecideItem(a, 9, true, "carol", ""); },
              {"decide item", "run " + ra + " has no item 9"});
  ExpectError([&] { s->DecideItem(b + 7, 1, true, "carol", ""); }, {"decide item", "no such run"});
  ExpectError([&] { s->DecideItem(a, 2, true, "", ""); }, {"actor is empty"});
  EXPECT_EQ(s->GetItem(a, 1)->decided_by, "alice");  // unchanged by the refused decision
  EXPECT_EQ(s->GetItem(a, 2)->status, "pending");

  // The same question asked again after the decision finds the answer.
  EXPECT_EQ(s->AddItem(a, "adopt", "k1", "first", ""), 1);
  EXPECT_EQ(s->FindItem(a, "k1")->status, "approved");
}

TEST_F(StoreTest, DecisionAndItsEventCommitTogether) {
  auto s = Store::Open(Path("decidetx.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AddItem(r, "adopt", "k1", "first", "");
  {
    Transaction tx(*s);
    s->DecideItem(r, 1, true, "alice", "");
    s->AppendEvent(r, "item_decided", "alice", R"({"item":1,"approved":true})");
  }  // rolled back: neither happened
  EXPECT_EQ(s->GetItem(r, 1)->status, "pending");
  EXPECT_TRUE(s->GetEvents(r).empty());
  {
    Transaction tx(*s);
    s->DecideItem(r, 1, true, "alice", "");
    // A refused second decision inside the transaction does not undo the first.
    ExpectError([&] { s->DecideItem(r, 1, false, "bob", ""); }, {"already approved by alice"});
    s->AppendEvent(r, "item_decided", "alice", R"({"item":1,"approved":true})");
    tx.Commit();
  }
  EXPECT_EQ(s->GetItem(r, 1)->status, "approved");
  EXPECT_EQ(s->GetEvents(r).size(), 1u);
  ExpectChainOk(*s, r);
}

// ---- checkpoints, truncation, reopening -------------------------------------------------------

TEST_F(StoreTest, CheckpointIsReplacedNotAccumulated) {
  auto s = Store::Open(Path("ckpt.db"));
  int64_t a = s->CreateRun("rsi", 1, "{}");
  int64_t b = s->CreateRun("rsi", 2, "{}");
  EXPECT_FALSE(s->GetCheckpoint(a).has_value());
  s->PutCheckpoint(a, 3, R"({"rng":"abc","incumbent":"h3"})");
  s->PutCheckpoint(b, 1, "{}");
  EXPECT_EQ(*s->GetCheckpoint(a),
            std::make_pair(3, std::string(R"({"rng":"abc","incumbent":"h3"})")));
  s->PutCheckpoint(a, 4, R"({"incumbent":"h4"})");
  EXPECT_EQ(*s->GetCheckpoint(a), std::make_pair(4, std::string(R"({"incumbent":"h4"})")));
  EXPECT_EQ(s->GetCheckpoint(b)->first, 1);
  ExpectError([&] { s->PutCheckpoint(a, 5, "{"); }, {"checkpoint state", "not valid JSON"});
  ExpectError([&] { s->PutCheckpoint(a, 5, ""); }, {"checkpoint state", "empty"});
  ExpectError([&] { s->PutCheckpoint(b + 1, 0, "{}"); }, {"put checkpoint", "no such run"});
  EXPECT_EQ(s->GetCheckpoint(a)->first, 4);
  EXPECT_FALSE(s->GetCheckpoint(b + 1).has_value());
}

CandidateRow Cand(int generation, int idx) {
  CandidateRow c;
  c.generation = generation;
  c.idx = idx;
  c.hash = "c" + std::to_string(generation) + "_" + std::to_string(idx);
  c.meta_operator = "tweak";
  c.decision = "rejected";
  return c;
}

TEST_F(StoreTest, TruncateRsiRowsKeepsEarlierGenerationsEventsAndItems) {
  auto s = Store::Open(Path("trunc.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  int64_t other = s->CreateRun("rsi", 2, "{}");
  for (int64_t run : {r, other}) {
    for (int g = 0; g < 4; ++g) {
      ImproverRow im;
      im.generation = g;
      im.hash = "imp" + std::to_string(g);
      im.spec_json = "{}";
      s->AddImprover(run, im);
      s->AddCandidate(run, Cand(g, 0));
      s->AddCandidate(run, Cand(g, 1));
      s->AddCurvePoint(run, CurveRow{g, 100 * g, 1.0 * g, "{}"});
    }
  }
  s->AppendEvent(r, "generation", "ouro", R"({"g":3})");
  s->AddItem(r, "adopt", "gen3", "adopt?", "");
  s->PutCheckpoint(r, 3, "{}");

  {
    Transaction tx(*s);
    s->TruncateRsiRows(r, 1);
    EXPECT_EQ(s->GetImprovers(r).size(), 2u);
  }  // rolled back with the caller's transaction
  EXPECT_EQ(s->GetImprovers(r).size(), 4u);

  s->TruncateRsiRows(r, 1);
  auto im = s->GetImprovers(r);
  ASSERT_EQ(im.size(), 2u);
  EXPECT_EQ(im.back().generation, 1);
  auto cs = s->GetCandidates(r);
  ASSERT_EQ(cs.size(), 4u);
  EXPECT_EQ(cs.back().generation, 1);
  auto cv = s->GetCurve(r);
  ASSERT_EQ(cv.size(), 2u);
  EXPECT_EQ(cv.back().generation, 1);
  EXPECT_EQ(s->GetEvents(r).size(), 1u);
  EXPECT_EQ(s->GetItems(r, false).size(), 1u);
  EXPECT_TRUE(s->GetCheckpoint(r).has_value());
  EXPECT_EQ(s->GetImprovers(other).size(), 4u);
  EXPECT_EQ(s->GetCandidates(other).size(), 8u);
  EXPECT_EQ(s->GetCurve(other).size(), 4u);

  // The freed generations can be written again.
  s->AddCandidate(r, Cand(2, 0));
  s->TruncateRsiRows(r, -1);  // everything, generation 0 included
  EXPECT_TRUE(s->GetImprovers(r).empty());
  EXPECT_TRUE(s->GetCandidates(r).empty());
  EXPECT_TRUE(s->GetCurve(r).empty());
  ExpectError([&] { s->TruncateRsiRows(other + 1, 0); }, {"truncate rsi rows", "no such run"});
}

TEST_F(StoreTest, ReopenRunResumesAStoppedRun) {
  auto s = Store::Open(Path("reopen.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->SetControl(r, "stop");
  s->FinishRun(r, "stopped", R"({"generations":2})");
  ASSERT_FALSE(s->GetRun(r)->finished_at.empty());
  s->ReopenRun(r);
  auto info = *s->GetRun(r);
  EXPECT_EQ(info.status, "running");
  EXPECT_EQ(info.finished_at, "");
  EXPECT_EQ(info.control, "run");  // the stop that ended it does not end the resumption
  EXPECT_EQ(info.summary_json, R"({"generations":2})");
  ExpectError([&] { s->ReopenRun(r + 1); }, {"reopen run", "no such run"});
}

// ---- upgrades to version 3 --------------------------------------------------------------------

TEST_F(StoreTest, Version2StoreIsUpgradedInPlaceKeepingEveryRow) {
  std::string path = Path("v2.db");
  ASSERT_NO_FATAL_FAILURE(WriteV2Store(path));
  ASSERT_EQ(RawUserVersion(path), 2);
  {
    auto s = Store::Open(path);
    EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
    auto runs = s->ListRuns();
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].id, 7);
    EXPECT_EQ(runs[0].config_json, R"({"population":100})");
    EXPECT_EQ(runs[1].id, 8);
    EXPECT_EQ(runs[1].kind, "rsi");
    EXPECT_EQ(runs[1].status, "stopped");
    EXPECT_EQ(runs[1].seed, 5u);
    for (const auto& run : runs) {  // the new columns have their defaults
      EXPECT_EQ(run.control, "run");
      EXPECT_EQ(run.control_at, "");
      EXPECT_EQ(run.progress_json, "");
      EXPECT_EQ(run.owner_pid, 0);
      EXPECT_LT(run.heartbeat_age_seconds, 0);
      EXPECT_EQ(*s->GetAuditHead(run.id), std::make_pair(int64_t{0}, std::string(kGenesisHash)));
    }
    EXPECT_EQ(s->GetProgram("aa"), "(add x 1)");
    EXPECT_EQ(s->GetLineage(7).size(), 1u);
    EXPECT_EQ(s->GetMetrics(7).size(), 1u);
    auto im = s->GetImprovers(8);
    ASSERT_EQ(im.size(), 2u);
    EXPECT_EQ(im[1].parent_hash, "imp0");
    EXPECT_EQ(im[1].evidence_json, R"({"llr":3})");
    auto cs = s->GetCandidates(8);
    ASSERT_EQ(cs.size(), 3u);
    EXPECT_EQ(cs[2].decision, "inconclusive");
    EXPECT_EQ(s->GetCurve(8).size(), 2u);

    // The new tables work for the old runs.
    s->AppendEvent(8, "resumed", "ouro", "{}");
    s->AddItem(8, "adopt", "k", "s", "");
    s->PutCheckpoint(8, 1, "{}");
    s->ClaimRun(8);
    s->SetControl(7, "stop");
    s->TruncateRsiRows(8, 0);
    EXPECT_EQ(s->GetCandidates(8).size(), 0u);
  }
  auto s = Store::OpenExisting(path);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  EXPECT_EQ(s->GetImprovers(8).size(), 1u);
  EXPECT_EQ(s->GetEvents(8).size(), 1u);
  ExpectChainOk(*s, 8);
  EXPECT_EQ(s->GetControl(7), "stop");
  EXPECT_EQ(s->GetLineage(7).size(), 1u);
}

TEST_F(StoreTest, Version1StoreIsUpgradedToVersion3) {
  std::string path = Path("v1to3.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  auto s = Store::Open(path);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  auto run = *s->GetRun(7);
  EXPECT_EQ(run.status, "finished");
  EXPECT_EQ(run.control, "run");
  s->AppendEvent(7, "note", "alice", R"({"text":"old run"})");
  ExpectChainOk(*s, 7);
}

TEST_F(StoreTest, Version2UpgradeWaitsForTheWriteLockAndFailsCleanly) {
  std::string path = Path("v2lock.db");
  ASSERT_NO_FATAL_FAILURE(WriteV2Store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "BEGIN IMMEDIATE; INSERT INTO programs VALUES('bb', 'y');"));
  ExpectError([&] { Store::Open(path, 50); }, {path, "upgrade schema", "locked"});
  EXPECT_EQ(RawUserVersion(path), 2);
  ASSERT_TRUE(RawExec(db, "COMMIT"));
  sqlite3_close(db);
  auto s = Store::Open(path, 50);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  EXPECT_EQ(s->GetProgram("bb"), "y");
  EXPECT_EQ(s->GetCandidates(8).size(), 3u);
}

TEST_F(StoreTest, Version3ClaimWithoutTheVersion3TablesIsRefused) {
  std::string path = Path("half3.db");
  ASSERT_NO_FATAL_FAILURE(WriteV2Store(path));
  ASSERT_TRUE(RawExecOn(path, "PRAGMA user_version = 3"));
  std::string bytes = ReadBytes(path);
  ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
  EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
}

}  // namespace
