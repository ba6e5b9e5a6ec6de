// Tests of the run store's schema version 5: the self-play tables (each generation's report, every
// adopted version of the evaluator with its learned state, every match), their round trips and
// order, binary state, their refusals, the resume truncation, and the upgrade from version 4.
#include <sqlite3.h>

#include <string>

#include "store/store.h"
#include "store_test_util.h"

namespace ouro_store_test {
namespace {

using ouro::store::EvidenceImprover;
using ouro::store::SelfplayGenerationRow;
using ouro::store::SelfplayMatchRow;
using ouro::store::SelfplayVersionRow;
using ouro::store::Store;
using ouro::store::Transaction;

// Every byte value, zeros first and in the middle: state is opaque bytes, not text.
std::string AllBytes() {
  std::string s(2, '\0');
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  s += std::string(3, '\0') + "tail";
  return s;
}

SelfplayVersionRow Version(int version, int generation, const std::string& hash) {
  SelfplayVersionRow v;
  v.version = version;
  v.generation = generation;
  v.program_hash = hash;
  v.program_text = "def predict():\n  s1 = " + hash + "\n";
  v.state = "state-" + std::to_string(version);
  v.meta_json = R"({"elo":)" + std::to_string(10 * version) + "}";
  return v;
}

SelfplayMatchRow Match(int idx, const std::string& kind, int a, int b, int generation) {
  return {idx, kind, a, b, generation, R"({"score":)" + std::to_string(idx) + "}"};
}

SelfplayGenerationRow Report(int generation) {
  return {generation, R"({"games":)" + std::to_string(100 * generation) + "}"};
}

TEST_F(StoreTest, SelfplayRowsRoundTripInOrder) {
  const std::string path = Path("sp.db");
  int64_t r = 0;
  {
    auto s = Store::Open(path);
    r = s->CreateRun("selfplay", 3, "{}");
    const int64_t other = s->CreateRun("selfplay", 4, "{}");
    // Written out of order; read back by key.
    s->AddSelfplayGeneration(r, Report(2));
    s->AddSelfplayGeneration(r, Report(1));
    s->AddSelfplayVersion(r, Version(1, 2, "p1"));
    SelfplayVersionRow first = Version(0, 0, "p0");
    first.meta_json = "";
    s->AddSelfplayVersion(r, first);
    s->AddSelfplayMatch(r, Match(1, "ladder", 1, 0, 2));
    s->AddSelfplayMatch(r, Match(0, "gate", 1, 0, 2));
    s->AddSelfplayMatch(r, Match(2, "gate", -1, 1, 3));
    s->AddSelfplayGeneration(other, Report(1));
  }
  auto s = Store::OpenExisting(path);
  const auto gens = s->GetSelfplayGenerations(r);
  ASSERT_EQ(gens.size(), 2u);
  EXPECT_EQ(gens[0].generation, 1);
  EXPECT_EQ(gens[0].report_json, R"({"games":100})");
  EXPECT_EQ(gens[1].generation, 2);
  EXPECT_EQ(gens[1].report_json, R"({"games":200})");

  const auto vs = s->GetSelfplayVersions(r);
  ASSERT_EQ(vs.size(), 2u);
  EXPECT_EQ(vs[0].version, 0);
  EXPECT_EQ(vs[0].generation, 0);
  EXPECT_EQ(vs[0].program_hash, "p0");
  EXPECT_EQ(vs[0].program_text, "def predict():\n  s1 = p0\n");
  EXPECT_EQ(vs[0].state, "state-0");
  EXPECT_EQ(vs[0].meta_json, "");
  EXPECT_EQ(vs[1].version, 1);
  EXPECT_EQ(vs[1].generation, 2);
  EXPECT_EQ(vs[1].program_hash, "p1");
  EXPECT_EQ(vs[1].meta_json, R"({"elo":10})");
  // The program text is in the programs table too.
  EXPECT_EQ(s->GetProgram("p1"), "def predict():\n  s1 = p1\n");

  const auto ms = s->GetSelfplayMatches(r);
  ASSERT_EQ(ms.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ms[i].idx, i);
  EXPECT_EQ(ms[0].kind, "gate");
  EXPECT_EQ(ms[1].kind, "ladder");
  EXPECT_EQ(ms[1].version_a, 1);
  EXPECT_EQ(ms[1].version_b, 0);
  EXPECT_EQ(ms[1].generation, 2);
  EXPECT_EQ(ms[1].result_json, R"({"score":1})");
  EXPECT_EQ(ms[2].version_a, -1);
  EXPECT_EQ(ms[2].generation, 3);

  // Runs do not see each other's rows.
  EXPECT_EQ(s->GetSelfplayGenerations(r + 1).size(), 1u);
  EXPECT_TRUE(s->GetSelfplayVersions(r + 1).empty());
  EXPECT_TRUE(s->GetSelfplayMatches(r + 1).empty());
}

TEST_F(StoreTest, SelfplayStateKeepsArbitraryBytes) {
  const std::string path = Path("spstate.db");
  const std::string bytes = AllBytes();
  ASSERT_EQ(bytes.size(), 2u + 256u + 3u + 4u);
  std::string big(1 << 20, '\0');  // a megabyte, mostly zeros
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>(i % 251);
  int64_t r = 0;
  {
    auto s = Store::Open(path);
    r = s->CreateRun("selfplay", 1, "{}");
    SelfplayVersionRow v = Version(0, 0, "p0");
    v.state = bytes;
    s->AddSelfplayVersion(r, v);
    v = Version(1, 1, "p1");
    v.state = "";
    s->AddSelfplayVersion(r, v);
    v = Version(2, 2, "p2");
    v.state = big;
    s->AddSelfplayVersion(r, v);
  }
  // Stored as BLOBs (not text, not NULL), whatever the bytes.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT typeof(state) FROM selfplay_versions", -1, &q, nullptr),
            SQLITE_OK);
  int blobs = 0;
  while (sqlite3_step(q) == SQLITE_ROW)
    blobs += std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))) == "blob";
  sqlite3_finalize(q);
  sqlite3_close(db);
  EXPECT_EQ(blobs, 3);

  auto s = Store::OpenExisting(path);
  const auto vs = s->GetSelfplayVersions(r);
  ASSERT_EQ(vs.size(), 3u);
  EXPECT_EQ(vs[0].state.size(), bytes.size());
  EXPECT_TRUE(vs[0].state == bytes);
  EXPECT_TRUE(vs[1].state.empty());
  EXPECT_TRUE(vs[2].state == big);
}

TEST_F(StoreTest, SelfplayDuplicateKeysAreRefusedWithNothingWritten) {
  auto s = Store::Open(Path("spdup.db"));
  const int64_t r = s->CreateRun("selfplay", 1, "{}");
  const int64_t other = s->CreateRun("selfplay", 2, "{}");
  s->AddSelfplayGeneration(r, Report(1));
  s->AddSelfplayVersion(r, Version(0, 0, "p0"));
  s->AddSelfplayMatch(r, Match(0, "gate", 1, 0, 1));

  ExpectError([&] { s->AddSelfplayGeneration(r, {1, "{}"}); },
              {"spdup.db", "add self-play generation", "run " + std::to_string(r),
               "already has a report for generation 1"});
  // A refused version leaves no trace, not even its program.
  ExpectError([&] { s->AddSelfplayVersion(r, Version(0, 3, "fresh")); },
              {"spdup.db", "add self-play version", "already has version 0"});
  EXPECT_FALSE(s->GetProgram("fresh").has_value());
  ExpectError([&] { s->AddSelfplayMatch(r, Match(0, "ladder", 2, 0, 2)); },
              {"spdup.db", "add self-play match", "already has match 0"});
  ASSERT_EQ(s->GetSelfplayGenerations(r).size(), 1u);
  EXPECT_EQ(s->GetSelfplayGenerations(r)[0].report_json, R"({"games":100})");
  ASSERT_EQ(s->GetSelfplayVersions(r).size(), 1u);
  EXPECT_EQ(s->GetSelfplayVersions(r)[0].generation, 0);
  ASSERT_EQ(s->GetSelfplayMatches(r).size(), 1u);
  EXPECT_EQ(s->GetSelfplayMatches(r)[0].kind, "gate");
  // The same keys are free in another run; a program already stored keeps its text.
  s->AddSelfplayGeneration(other, Report(1));
  SelfplayVersionRow same_hash = Version(0, 0, "p0");
  same_hash.program_text = "other text";
  s->AddSelfplayVersion(other, same_hash);
  EXPECT_EQ(s->GetSelfplayVersions(other)[0].program_text, "def predict():\n  s1 = p0\n");
  s->AddSelfplayMatch(other, Match(0, "gate", 1, 0, 1));

  // Inside a transaction a duplicate fails that row only; the transaction goes on.
  s->Begin();
  s->AddSelfplayVersion(r, Version(1, 1, "p1"));
  ExpectError([&] { s->AddSelfplayVersion(r, Version(1, 1, "p1b")); }, {"already has version 1"});
  ExpectError([&] { s->AddSelfplayGeneration(r, Report(1)); }, {"already has"});
  EXPECT_TRUE(s->in_transaction());
  s->AddSelfplayMatch(r, Match(1, "ladder", 1, 0, 1));
  s->Commit();
  EXPECT_EQ(s->GetSelfplayVersions(r).size(), 2u);
  EXPECT_EQ(s->GetSelfplayMatches(r).size(), 2u);
  EXPECT_TRUE(s->GetProgram("p1").has_value());
  EXPECT_FALSE(s->GetProgram("p1b").has_value());
}

TEST_F(StoreTest, SelfplayRowsNeedAnExistingRunAndValidJson) {
  auto s = Store::Open(Path("spbad.db"));
  const int64_t r = s->CreateRun("selfplay", 1, "{}");
  const std::string missing = std::to_string(r + 1);
  ExpectError([&] { s->AddSelfplayGeneration(r + 1, Report(1)); },
              {"spbad.db", "add self-play generation", "no such run " + missing});
  ExpectError([&] { s->AddSelfplayVersion(r + 1, Version(0, 0, "orphan")); },
              {"add self-play version", "no such run " + missing});
  EXPECT_FALSE(s->GetProgram("orphan").has_value());
  ExpectError([&] { s->AddSelfplayMatch(r + 1, Match(0, "gate", 1, 0, 1)); },
              {"add self-play match", "no such run " + missing});
  ExpectError([&] { s->TruncateSelfplayRows(r + 1, 0); },
              {"truncate self-play rows", "no such run " + missing});

  ExpectError([&] { s->AddSelfplayGeneration(r, {1, "{"}); },
              {"spbad.db", "self-play generation report", "not valid JSON"});
  ExpectError([&] { s->AddSelfplayGeneration(r, {1, ""}); }, {"generation report", "empty"});
  SelfplayVersionRow v = Version(0, 0, "badmeta");
  v.meta_json = "[1,";
  ExpectError([&] { s->AddSelfplayVersion(r, v); }, {"self-play version meta", "not valid JSON"});
  EXPECT_FALSE(s->GetProgram("badmeta").has_value());
  SelfplayMatchRow m = Match(0, "gate", 1, 0, 1);
  m.result_json = "nope";
  ExpectError([&] { s->AddSelfplayMatch(r, m); }, {"self-play match result", "not valid JSON"});
  m.result_json = "";
  ExpectError([&] { s->AddSelfplayMatch(r, m); }, {"match result", "empty"});

  EXPECT_TRUE(s->GetSelfplayGenerations(r).empty());
  EXPECT_TRUE(s->GetSelfplayVersions(r).empty());
  EXPECT_TRUE(s->GetSelfplayMatches(r).empty());
  // The cached statements work again after the failures.
  s->AddSelfplayGeneration(r, Report(1));
  s->AddSelfplayVersion(r, Version(0, 0, "p0"));
  s->AddSelfplayMatch(r, Match(0, "gate", 1, 0, 1));
  EXPECT_EQ(s->GetSelfplayMatches(r).size(), 1u);
}

// A run of five generations: versions adopted in generations 2 and 4, a gate match per generation
// and a ladder match for each adoption, recorded in the generation it was played in.
void WriteFiveGenerations(Store& s, int64_t r) {
  s.AddSelfplayVersion(r, Version(0, 0, "p0"));
  int idx = 0;
  int version = 0;
  for (int g = 1; g <= 5; ++g) {
    s.AddSelfplayGeneration(r, Report(g));
    const bool adopted = g % 2 == 0;
    if (adopted) s.AddSelfplayVersion(r, Version(++version, g, "p" + std::to_string(g)));
    const int incumbent = adopted ? version - 1 : version;
    s.AddSelfplayMatch(r, Match(idx++, "gate", adopted ? version : -1, incumbent, g));
    if (adopted) s.AddSelfplayMatch(r, Match(idx++, "ladder", version, 0, g));
  }
}

TEST_F(StoreTest, TruncateSelfplayRowsKeepsEarlierGenerationsAndVersion0) {
  auto s = Store::Open(Path("sptrunc.db"));
  const int64_t r = s->CreateRun("selfplay", 1, "{}");
  const int64_t other = s->CreateRun("selfplay", 2, "{}");
  WriteFiveGenerations(*s, r);
  WriteFiveGenerations(*s, other);
  ASSERT_EQ(s->GetSelfplayMatches(r).size(), 7u);

  // Rolled back with the caller's transaction: nothing is lost.
  {
    Transaction tx(*s);
    s->TruncateSelfplayRows(r, 0);
    EXPECT_TRUE(s->GetSelfplayGenerations(r).empty());
  }
  EXPECT_EQ(s->GetSelfplayGenerations(r).size(), 5u);

  s->TruncateSelfplayRows(r, 3);
  const auto gens = s->GetSelfplayGenerations(r);
  ASSERT_EQ(gens.size(), 3u);
  EXPECT_EQ(gens.back().generation, 3);
  const auto vs = s->GetSelfplayVersions(r);
  ASSERT_EQ(vs.size(), 2u);
  EXPECT_EQ(vs[0].version, 0);
  EXPECT_EQ(vs[1].version, 1);
  EXPECT_EQ(vs[1].generation, 2);
  const auto ms = s->GetSelfplayMatches(r);
  ASSERT_EQ(ms.size(), 4u);  // the gates of generations 1-3 and the ladder match of version 1
  EXPECT_EQ(ms[2].kind, "ladder");
  EXPECT_EQ(ms[2].version_a, 1);
  for (const auto& m : ms) EXPECT_LE(m.generation, 3);
  // The truncated programs stay (shared by all runs); the resumed run writes the same keys again.
  EXPECT_TRUE(s->GetProgram("p4").has_value());
  s->AddSelfplayGeneration(r, Report(4));
  s->AddSelfplayVersion(r, Version(2, 4, "p4"));
  s->AddSelfplayMatch(r, Match(4, "gate", 2, 1, 4));

  // Truncating everything still keeps version 0; the other run is untouched.
  s->TruncateSelfplayRows(r, -1);
  EXPECT_TRUE(s->GetSelfplayGenerations(r).empty());
  EXPECT_TRUE(s->GetSelfplayMatches(r).empty());
  ASSERT_EQ(s->GetSelfplayVersions(r).size(), 1u);
  EXPECT_EQ(s->GetSelfplayVersions(r)[0].version, 0);
  EXPECT_EQ(s->GetSelfplayGenerations(other).size(), 5u);
  EXPECT_EQ(s->GetSelfplayVersions(other).size(), 3u);
  EXPECT_EQ(s->GetSelfplayMatches(other).size(), 7u);
}

TEST_F(StoreTest, Version4StoreIsUpgradedToVersion5KeepingItsRows) {
  const std::string path = Path("v4.db");
  {
    auto s = Store::Open(path);
    const int64_t run = s->CreateRun("search", 5, R"({"x":1})");
    s->PutProgram("aa", "(add x 1)");
    s->PutEvidenceImprover({"frozen", "h0", "{}"});
    ouro::store::EvidenceRow e;
    e.improver_hash = "h0";
    e.arena = "t1";
    e.seed = 3;
    e.run_id = run;
    s->AddEvidence(e);
  }
  // Back to exactly version 4: without the version-5 tables.
  ASSERT_NO_FATAL_FAILURE(DowngradeStore(path, 4));

  auto s = Store::Open(path);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  ASSERT_EQ(s->ListRuns().size(), 1u);
  const int64_t run = s->ListRuns()[0].id;
  EXPECT_EQ(s->ListRuns()[0].seed, 5u);
  EXPECT_EQ(s->GetProgram("aa"), "(add x 1)");
  ASSERT_EQ(s->GetEvidence("h0", "t1").size(), 1u);
  EXPECT_EQ(s->GetEvidence("h0", "t1")[0].run_id, run);
  EXPECT_EQ(s->GetEvidenceImprover("frozen")->hash, "h0");
  // The new tables work, for the old run too.
  s->AddSelfplayVersion(run, Version(0, 0, "p0"));
  s->AddSelfplayGeneration(run, Report(1));
  s->AddSelfplayMatch(run, Match(0, "gate", -1, 0, 1));
  EXPECT_EQ(s->GetSelfplayVersions(run).size(), 1u);
}

TEST_F(StoreTest, Version5ClaimWithoutTheSelfplayTablesIsRefused) {
  const std::string path = Path("half5.db");
  Store::Open(path).reset();
  ASSERT_EQ(RawUserVersion(path), kCurrentVersion);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "DROP TABLE selfplay_matches"));
  sqlite3_close(db);
  const std::string bytes = ReadBytes(path);
  ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
  EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
}

}  // namespace
}  // namespace ouro_store_test
