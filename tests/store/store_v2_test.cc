// Tests of the run store's schema version 2 and of schema versions: round trips of the rsi tables
// (improvers, candidates, curve), their reals (NaN, infinity), duplicate keys, invalid JSON,
// missing runs and transactions; a fresh store is version 3, a version-1 store is upgraded in
// place (by Open and OpenExisting, waiting for the write lock), and a foreign database claiming a
// version is refused and left untouched.
#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "core/error.h"
#include "store_test_util.h"

namespace fs = std::filesystem;
using ouro::Error;
using namespace ouro_store_test;
using ouro::store::CandidateRow;
using ouro::store::CurveRow;
using ouro::store::ImproverRow;
using ouro::store::LineageRow;
using ouro::store::Store;
using ouro::store::Transaction;

namespace {

// ---- schema version 2: rsi tables -------------------------------------------------------------

ImproverRow Improver(int generation, const std::string& parent) {
  ImproverRow r;
  r.generation = generation;
  r.hash = "imp" + std::to_string(generation);
  r.parent_hash = parent;
  r.spec_json = R"({"mutation_rate":0.1,"operators":["point","crossover"]})";
  r.meta_utility = 0.5 + generation;
  r.evidence_json = generation == 0 ? "" : R"({"llr":3.2})";
  return r;
}

CandidateRow Candidate(int generation, int idx, const std::string& decision) {
  CandidateRow r;
  r.generation = generation;
  r.idx = idx;
  r.hash = "cand" + std::to_string(generation) + "_" + std::to_string(idx);
  r.meta_operator = "tweak_rate";
  r.decision = decision;
  r.llr = -1.25 * idx;
  r.wins = 12 + idx;
  r.losses = 3;
  r.draws = (int64_t{1} << 40) + idx;
  r.meta_utility = 0.25 * idx;
  r.spec_json = R"({"mutation_rate":0.2})";
  r.evidence_json = idx % 2 ? "" : R"({"games":[1,0,1]})";
  return r;
}

TEST_F(StoreTest, ImproverRoundTrip) {
  auto s = Store::Open(Path("imp.db"));
  int64_t r1 = s->CreateRun("rsi", 1, "{}");
  int64_t r2 = s->CreateRun("rsi", 2, "{}");
  s->AddImprover(r1, Improver(2, "imp1"));  // out of order: read back by generation
  s->AddImprover(r1, Improver(0, ""));
  s->AddImprover(r1, Improver(1, "imp0"));
  s->AddImprover(r2, Improver(0, ""));

  auto im = s->GetImprovers(r1);
  ASSERT_EQ(im.size(), 3u);
  for (int g = 0; g < 3; ++g) {
    ImproverRow want = Improver(g, g == 0 ? "" : "imp" + std::to_string(g - 1));
    EXPECT_EQ(im[g].generation, g);
    EXPECT_EQ(im[g].hash, want.hash);
    EXPECT_EQ(im[g].parent_hash, want.parent_hash);
    EXPECT_EQ(im[g].spec_json, want.spec_json);
    EXPECT_EQ(im[g].meta_utility, want.meta_utility);
    EXPECT_EQ(im[g].evidence_json, want.evidence_json);
  }
  EXPECT_EQ(s->GetImprovers(r2).size(), 1u);
  EXPECT_TRUE(s->GetImprovers(r2 + 10).empty());
}

TEST_F(StoreTest, CandidateRoundTrip) {
  auto s = Store::Open(Path("cand.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AddCandidate(r, Candidate(1, 1, "rejected"));  // out of order: read back by (generation, idx)
  s->AddCandidate(r, Candidate(0, 2, "inconclusive"));
  s->AddCandidate(r, Candidate(1, 0, "adopted"));
  s->AddCandidate(r, Candidate(0, 0, "budget exhausted before a decision"));
  CandidateRow bare;  // every field at its default
  bare.generation = 2;
  s->AddCandidate(r, bare);

  auto cs = s->GetCandidates(r);
  ASSERT_EQ(cs.size(), 5u);
  const std::pair<int, int> order[] = {{0, 0}, {0, 2}, {1, 0}, {1, 1}};
  const char* decisions[] = {"budget exhausted before a decision", "inconclusive", "adopted",
                             "rejected"};
  for (size_t i = 0; i < 4; ++i) {
    CandidateRow want = Candidate(order[i].first, order[i].second, decisions[i]);
    EXPECT_EQ(cs[i].generation, want.generation) << i;
    EXPECT_EQ(cs[i].idx, want.idx) << i;
    EXPECT_EQ(cs[i].hash, want.hash) << i;
    EXPECT_EQ(cs[i].meta_operator, want.meta_operator) << i;
    EXPECT_EQ(cs[i].decision, want.decision) << i;
    EXPECT_EQ(cs[i].llr, want.llr) << i;
    EXPECT_EQ(cs[i].wins, want.wins) << i;
    EXPECT_EQ(cs[i].losses, want.losses) << i;
    EXPECT_EQ(cs[i].draws, want.draws) << i;
    EXPECT_EQ(cs[i].meta_utility, want.meta_utility) << i;
    EXPECT_EQ(cs[i].spec_json, want.spec_json) << i;
    EXPECT_EQ(cs[i].evidence_json, want.evidence_json) << i;
  }
  EXPECT_EQ(cs[4].generation, 2);
  EXPECT_EQ(cs[4].idx, 0);
  EXPECT_EQ(cs[4].hash, "");
  EXPECT_EQ(cs[4].decision, "");
  EXPECT_EQ(cs[4].llr, 0.0);
  EXPECT_EQ(cs[4].wins, 0);
  EXPECT_EQ(cs[4].spec_json, "");
  EXPECT_EQ(cs[4].evidence_json, "");
  EXPECT_TRUE(s->GetCandidates(r + 1).empty());
}

TEST_F(StoreTest, CurveRoundTrip) {
  auto s = Store::Open(Path("curve.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  for (int g : {3, 0, 2, 1}) {
    CurveRow c;
    c.generation = g;
    c.cumulative_evaluations = (int64_t{1} << 35) * g + 1;
    c.seconds = 60.5 * g;
    c.point_json = R"({"held_out":{"fam_a":)" + std::to_string(g) + "}}";
    s->AddCurvePoint(r, c);
  }
  auto cv = s->GetCurve(r);
  ASSERT_EQ(cv.size(), 4u);
  for (int g = 0; g < 4; ++g) {
    EXPECT_EQ(cv[g].generation, g);
    EXPECT_EQ(cv[g].cumulative_evaluations, (int64_t{1} << 35) * g + 1);
    EXPECT_EQ(cv[g].seconds, 60.5 * g);
    EXPECT_EQ(cv[g].point_json, R"({"held_out":{"fam_a":)" + std::to_string(g) + "}}");
  }
  EXPECT_TRUE(s->GetCurve(r + 1).empty());
}

TEST_F(StoreTest, RsiRealsKeepNaNAndInfinity) {
  auto s = Store::Open(Path("nan.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  ImproverRow im = Improver(0, "");
  im.meta_utility = nan;
  s->AddImprover(r, im);
  CandidateRow c = Candidate(0, 0, "rejected");
  c.llr = -inf;
  c.meta_utility = nan;
  s->AddCandidate(r, c);
  CurveRow p;
  p.seconds = nan;
  p.point_json = "{}";
  s->AddCurvePoint(r, p);
  EXPECT_TRUE(std::isnan(s->GetImprovers(r)[0].meta_utility));
  EXPECT_EQ(s->GetCandidates(r)[0].llr, -inf);
  EXPECT_TRUE(std::isnan(s->GetCandidates(r)[0].meta_utility));
  EXPECT_TRUE(std::isnan(s->GetCurve(r)[0].seconds));
}

TEST_F(StoreTest, RsiDuplicateKeysAreErrors) {
  auto s = Store::Open(Path("dup.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  int64_t other = s->CreateRun("rsi", 2, "{}");
  s->AddImprover(r, Improver(0, ""));
  s->AddCandidate(r, Candidate(1, 0, "adopted"));
  CurveRow p;
  p.generation = 1;
  p.point_json = "{}";
  s->AddCurvePoint(r, p);

  ImproverRow dup_im = Improver(0, "");
  dup_im.hash = "different";
  ExpectError([&] { s->AddImprover(r, dup_im); },
              {"dup.db", "add improver", "run " + std::to_string(r),
               "already has an improver for generation 0"});
  ExpectError([&] { s->AddCandidate(r, Candidate(1, 0, "rejected")); },
              {"dup.db", "add candidate", "already has candidate 0 of generation 1"});
  ExpectError([&] { s->AddCurvePoint(r, p); },
              {"dup.db", "add curve point", "already has a curve point for generation 1"});
  // The first rows are unchanged, and the same keys are free in another run or generation.
  ASSERT_EQ(s->GetImprovers(r).size(), 1u);
  EXPECT_EQ(s->GetImprovers(r)[0].hash, "imp0");
  ASSERT_EQ(s->GetCandidates(r).size(), 1u);
  EXPECT_EQ(s->GetCandidates(r)[0].decision, "adopted");
  EXPECT_EQ(s->GetCurve(r).size(), 1u);
  s->AddImprover(other, Improver(0, ""));
  s->AddCandidate(r, Candidate(1, 1, "rejected"));
  s->AddCandidate(r, Candidate(2, 0, "rejected"));
  s->AddCurvePoint(other, p);
  EXPECT_EQ(s->GetCandidates(r).size(), 3u);

  // Inside a transaction a duplicate fails that row only; the transaction goes on.
  s->Begin();
  s->AddImprover(r, Improver(1, "imp0"));
  ExpectError([&] { s->AddImprover(r, Improver(1, "imp0")); }, {"already has"});
  EXPECT_TRUE(s->in_transaction());
  s->AddCurvePoint(r, CurveRow{2, 10, 1.0, "{}"});
  s->Commit();
  EXPECT_EQ(s->GetImprovers(r).size(), 2u);
  EXPECT_EQ(s->GetCurve(r).size(), 2u);
}

TEST_F(StoreTest, RsiInvalidJsonIsAnError) {
  auto s = Store::Open(Path("json.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  ImproverRow im = Improver(0, "");
  im.spec_json = "{not json";
  ExpectError([&] { s->AddImprover(r, im); }, {"json.db", "improver spec", "not valid JSON"});
  im.spec_json = "";
  ExpectError([&] { s->AddImprover(r, im); }, {"json.db", "improver spec", "empty"});
  im = Improver(0, "");
  im.evidence_json = "[1,";
  ExpectError([&] { s->AddImprover(r, im); }, {"improver evidence", "not valid JSON"});

  CandidateRow c = Candidate(0, 0, "adopted");
  c.spec_json = "nope";
  ExpectError([&] { s->AddCandidate(r, c); }, {"json.db", "candidate spec", "not valid JSON"});
  c = Candidate(0, 0, "adopted");
  c.evidence_json = "{\"a\":}";
  ExpectError([&] { s->AddCandidate(r, c); }, {"candidate evidence", "not valid JSON"});

  CurveRow p;
  p.point_json = "{";
  ExpectError([&] { s->AddCurvePoint(r, p); }, {"json.db", "curve point", "not valid JSON"});
  p.point_json = "";
  ExpectError([&] { s->AddCurvePoint(r, p); }, {"curve point", "empty"});

  EXPECT_TRUE(s->GetImprovers(r).empty());
  EXPECT_TRUE(s->GetCandidates(r).empty());
  EXPECT_TRUE(s->GetCurve(r).empty());
}

TEST_F(StoreTest, RsiRowsNeedAnExistingRun) {
  auto s = Store::Open(Path("rsifk.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  const std::string missing = std::to_string(r + 1);
  ExpectError([&] { s->AddImprover(r + 1, Improver(0, "")); },
              {"rsifk.db", "add improver", "no such run " + missing, "FOREIGN KEY"});
  ExpectError([&] { s->AddCandidate(r + 1, Candidate(0, 0, "adopted")); },
              {"add candidate", "no such run " + missing});
  ExpectError([&] { s->AddCurvePoint(r + 1, CurveRow{0, 0, 0, "{}"}); },
              {"add curve point", "no such run " + missing});
  // The cached statements work again after the failures.
  s->AddImprover(r, Improver(0, ""));
  s->AddCandidate(r, Candidate(0, 0, "adopted"));
  s->AddCurvePoint(r, CurveRow{0, 0, 0, "{}"});
  EXPECT_EQ(s->GetImprovers(r).size(), 1u);
  EXPECT_EQ(s->GetCandidates(r).size(), 1u);
  EXPECT_EQ(s->GetCurve(r).size(), 1u);
  EXPECT_TRUE(s->GetImprovers(r + 1).empty());
}

TEST_F(StoreTest, RsiRowsFollowTransactions) {
  auto s = Store::Open(Path("rsitx.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  {
    Transaction tx(*s);
    s->AddImprover(r, Improver(0, ""));
    s->AddCandidate(r, Candidate(0, 0, "adopted"));
    s->AddCurvePoint(r, CurveRow{0, 5, 1.0, "{}"});
  }  // rolled back
  EXPECT_TRUE(s->GetImprovers(r).empty());
  EXPECT_TRUE(s->GetCandidates(r).empty());
  EXPECT_TRUE(s->GetCurve(r).empty());
  {
    Transaction tx(*s);
    s->AddImprover(r, Improver(0, ""));
    s->AddCandidate(r, Candidate(0, 0, "adopted"));
    s->AddCurvePoint(r, CurveRow{0, 5, 1.0, "{}"});
    tx.Commit();
  }
  s.reset();
  s = Store::OpenExisting(Path("rsitx.db"));
  EXPECT_EQ(s->GetImprovers(r).size(), 1u);
  EXPECT_EQ(s->GetCandidates(r).size(), 1u);
  ASSERT_EQ(s->GetCurve(r).size(), 1u);
  EXPECT_EQ(s->GetCurve(r)[0].cumulative_evaluations, 5);
}

TEST_F(StoreTest, FreshStoreIsTheCurrentVersionAndReopeningLeavesItAlone) {
  std::string path = Path("fresh.db");
  Store::Open(path).reset();
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  Store::Open(path).reset();
  Store::OpenExisting(path).reset();
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  auto s = Store::Open(":memory:");
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AddImprover(r, Improver(0, ""));
  EXPECT_EQ(s->GetImprovers(r).size(), 1u);
}

TEST_F(StoreTest, Version1StoreIsUpgradedInPlace) {
  std::string path = Path("v1.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  ASSERT_EQ(RawUserVersion(path), 1);
  {
    auto s = Store::Open(path);
    EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
    // Every version-1 row is still there.
    auto runs = s->ListRuns();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].id, 7);
    EXPECT_EQ(runs[0].kind, "search");
    EXPECT_EQ(runs[0].status, "finished");
    EXPECT_EQ(runs[0].created_at, "2024-01-02T03:04:05Z");
    EXPECT_EQ(runs[0].finished_at, "2024-01-02T04:05:06Z");
    EXPECT_EQ(runs[0].seed, 0xFFFFFFFFFFFFFFFFULL);
    EXPECT_EQ(runs[0].config_json, R"({"population":100})");
    EXPECT_EQ(runs[0].summary_json, R"({"best":0.5})");
    EXPECT_EQ(s->GetProgram("aa"), "(add x 1)");
    ASSERT_EQ(s->GetLineage(7).size(), 1u);
    EXPECT_EQ(s->GetLineage(7)[0].fitness, 0.25);
    EXPECT_EQ(s->GetEvaluations(7, "search").size(), 1u);
    ASSERT_EQ(s->GetMetrics(7).size(), 1u);
    EXPECT_EQ(s->GetMetrics(7)[0].cache_hit_rate, 0.125);

    // The new tables work, for the old run and for a new one; the old tables take rows too.
    s->AddImprover(7, Improver(0, ""));
    s->AddCandidate(7, Candidate(0, 0, "adopted"));
    s->AddCurvePoint(7, CurveRow{0, 100, 2.5, R"({"fam":0.5})"});
    int64_t r = s->CreateRun("rsi", 3, "{}");
    EXPECT_GT(r, 7);
    s->AddImprover(r, Improver(0, ""));
    s->AddLineage(7, LineageRow{"bb", "aa", 1, "point", 0.5});
    ExpectError([&] { s->AddImprover(r + 1, Improver(0, "")); }, {"no such run"});
  }
  // Reopened (by a reader too), the upgraded store keeps everything and stays at the current version.
  auto s = Store::OpenExisting(path);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  EXPECT_EQ(s->ListRuns().size(), 2u);
  EXPECT_EQ(s->GetLineage(7).size(), 2u);
  ASSERT_EQ(s->GetImprovers(7).size(), 1u);
  EXPECT_EQ(s->GetImprovers(7)[0].hash, "imp0");
  EXPECT_EQ(s->GetCandidates(7).size(), 1u);
  ASSERT_EQ(s->GetCurve(7).size(), 1u);
  EXPECT_EQ(s->GetCurve(7)[0].cumulative_evaluations, 100);
}

TEST_F(StoreTest, Version1StoreIsUpgradedByOpenExistingToo) {
  std::string path = Path("v1reader.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  auto s = Store::OpenExisting(path);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  EXPECT_EQ(s->GetRun(7)->kind, "search");
  EXPECT_TRUE(s->GetCurve(7).empty());
}

TEST_F(StoreTest, Version1UpgradeWaitsForTheWriteLockAndFailsCleanly) {
  std::string path = Path("v1lock.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // A version-1 writer (an older ouro) in the middle of a transaction.
  ASSERT_TRUE(RawExec(db, "BEGIN IMMEDIATE; INSERT INTO programs VALUES('bb', 'y');"));
  ExpectError([&] { Store::Open(path, 50); }, {path, "upgrade schema", "locked"});
  EXPECT_EQ(RawUserVersion(path), 1);  // nothing was changed
  ASSERT_TRUE(RawExec(db, "COMMIT"));
  sqlite3_close(db);
  auto s = Store::Open(path, 50);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  EXPECT_EQ(s->GetProgram("bb"), "y");
  EXPECT_EQ(s->GetRun(7)->status, "finished");
}

TEST_F(StoreTest, ForeignDatabaseClaimingAVersionIsRefusedAndLeftUntouched) {
  for (int version : {1, 2, 3, 4, 5}) {
    std::string path = Path("claims" + std::to_string(version) + ".db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_TRUE(RawExec(db, "CREATE TABLE users(name TEXT); INSERT INTO users VALUES('x');"
                            "PRAGMA user_version = " + std::to_string(version)));
    sqlite3_close(db);
    std::string bytes = ReadBytes(path);
    ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
    EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified (version " << version << ")";
    EXPECT_FALSE(fs::exists(path + "-wal"));
  }
  // A version-2 claim with only the version-1 tables (the upgrade never happened) is refused too.
  std::string path = Path("half.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "PRAGMA user_version = 2"));
  sqlite3_close(db);
  ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
  EXPECT_EQ(RawUserVersion(path), 2);
}

}  // namespace
