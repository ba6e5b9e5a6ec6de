// Tests of the run store's schema version 4: the evidence tables (improvers measured on the test
// arenas, one row per arena run), their round trip, their refusals, and the upgrade from version
// 3 (to the current version).
#include <sqlite3.h>

#include "store/store.h"
#include "store_test_util.h"

namespace ouro_store_test {
namespace {

using ouro::store::EvidenceImprover;
using ouro::store::EvidenceRow;
using ouro::store::Store;

EvidenceRow Row(const std::string& hash, const std::string& arena, int64_t seed, bool reached) {
  EvidenceRow r;
  r.improver_hash = hash;
  r.arena = arena;
  r.seed = seed;
  r.label = "frozen";
  r.arena_hash = "ah";
  r.reached = reached;
  r.seconds = reached ? 12.5 + seed : 300;
  r.evaluations = 1000.25 * seed;
  r.fitness_select = 0.99;
  r.fitness_final = 0.98;
  r.cap_seconds = 300;
  return r;
}

TEST_F(StoreTest, EvidenceRoundTrip) {
  auto s = Store::Open(Path("ev.db"));
  s->PutEvidenceImprover({"frozen", "h0", R"({"name":"a"})"});
  s->PutEvidenceImprover({"final:3", "h1", R"({"name":"b"})"});
  s->PutEvidenceImprover({"frozen", "h0", R"({"name":"a"})"});  // the same again: a no-op
  const int64_t run = s->CreateRun("search", 1, "{}");
  EvidenceRow with_run = Row("h0", "t1", 2, true);
  with_run.run_id = run;
  s->AddEvidence(with_run);
  s->AddEvidence(Row("h0", "t1", 1, false));
  s->AddEvidence(Row("h1", "t2", 1, true));

  const auto imps = s->GetEvidenceImprovers();
  ASSERT_EQ(imps.size(), 2u);
  EXPECT_EQ(imps[0].label, "final:3");  // by label
  EXPECT_EQ(imps[1].hash, "h0");
  EXPECT_EQ(s->GetEvidenceImprover("final:3")->spec_json, R"({"name":"b"})");
  EXPECT_FALSE(s->GetEvidenceImprover("null:9").has_value());

  const auto rows = s->GetEvidence("h0");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].seed, 1);  // by seed
  EXPECT_FALSE(rows[0].reached);
  EXPECT_EQ(rows[0].run_id, 0);
  EXPECT_DOUBLE_EQ(rows[0].seconds, 300);
  EXPECT_TRUE(rows[1].reached);
  EXPECT_EQ(rows[1].run_id, run);
  EXPECT_DOUBLE_EQ(rows[1].seconds, 14.5);
  EXPECT_DOUBLE_EQ(rows[1].evaluations, 2000.5);
  EXPECT_DOUBLE_EQ(rows[1].fitness_final, 0.98);
  EXPECT_EQ(rows[1].arena_hash, "ah");
  EXPECT_EQ(s->GetEvidence("", "t2").size(), 1u);
  EXPECT_EQ(s->GetEvidence().size(), 3u);
  EXPECT_TRUE(s->GetEvidence("h1", "t1").empty());
}

TEST_F(StoreTest, EvidenceRefusals) {
  auto s = Store::Open(Path("evbad.db"));
  s->PutEvidenceImprover({"frozen", "h0", "{}"});
  ExpectError(
      [&] {
        s->PutEvidenceImprover({"frozen", "h9", "{}"});
      },
      {"label 'frozen' already names improver h0"});
  ExpectError([&] { s->PutEvidenceImprover({"final:1", "h1", "not json"}); }, {"not valid JSON"});
  s->AddEvidence(Row("h0", "t1", 1, true));
  ExpectError([&] { s->AddEvidence(Row("h0", "t1", 1, false)); },
              {"h0", "t1", "seed 1", "already measured"});
  EvidenceRow orphan = Row("h0", "t1", 2, true);
  orphan.run_id = 999;
  ExpectError([&] { s->AddEvidence(orphan); }, {"no such run 999"});
  EXPECT_EQ(s->GetEvidence().size(), 1u);
}

TEST_F(StoreTest, Version3StoreIsUpgradedKeepingItsRows) {
  const std::string path = Path("v3.db");
  {
    auto s = Store::Open(path);
    s->CreateRun("search", 5, R"({"x":1})");
  }
  // Back to exactly version 3: without the version-4 (and later) tables.
  ASSERT_NO_FATAL_FAILURE(DowngradeStore(path, 3));

  auto s = Store::Open(path);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  ASSERT_EQ(s->ListRuns().size(), 1u);
  EXPECT_EQ(s->ListRuns()[0].seed, 5u);
  s->PutEvidenceImprover({"frozen", "h0", "{}"});
  s->AddEvidence(Row("h0", "t3", 4, true));
  EXPECT_EQ(s->GetEvidence("h0", "t3").size(), 1u);
}

TEST_F(StoreTest, Version4ClaimWithoutTheEvidenceTablesIsRefused) {
  const std::string path = Path("half4.db");
  Store::Open(path).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "DROP TABLE evidence"));
  sqlite3_close(db);
  const std::string bytes = ReadBytes(path);
  ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
  EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
}

}  // namespace
}  // namespace ouro_store_test
