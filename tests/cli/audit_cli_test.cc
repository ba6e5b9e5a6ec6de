// End-to-end tests of `ouro audit verify` and `ouro audit export`. The store and its events are
// written through the Store API in this process; tampering is done the way an attacker with file
// access would, with the sqlite3 command-line tool on a copy of the file. The randomized test is
// the issue's acceptance check: every single-row edit (of any field), deletion (the last row
// included) and reordering (swapped contents, swapped seq numbers) is detected — 100% of at least
// 100 seeded trials — and the untampered copy verifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_fixture.h"
#include "oversight/audit.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using ouro::oversight::EventHash;
using ouro::oversight::EventRow;
using ouro_test::Result;
using ouro_test::Slurp;

constexpr int kEvents = 30;

class AuditCli : public ouro_test::CliFixture {
 protected:
  // Run 1 with kEvents events of varied types, actors and contents, and run 2 with 3 events;
  // the store is closed afterwards (its WAL checkpointed into the one file).
  void SetUp() override {
    CliFixture::SetUp();
    auto s = ouro::store::Store::Open(db_);
    ASSERT_EQ(s->CreateRun("rsi", 1, "{}"), 1);
    ASSERT_EQ(s->CreateRun("rsi", 2, "{}"), 2);
    const char* types[] = {"run_started", "generation", "candidate", "item_added", "item_decided"};
    for (int i = 0; i < kEvents; ++i) {
      nlohmann::json content = {
          {"i", i}, {"note", "event " + std::to_string(i)}, {"v", {i, i * i}}};
      events_.push_back(s->AppendEvent(1, types[i % 5], i % 3 ? "ouro" : "alice", content.dump()));
      if (i < 3) s->AppendEvent(2, "other", "ouro", "{}");
    }
  }

  // Copies the store to a fresh file (without -wal/-shm) and returns its path.
  std::string Copy(const std::string& name) {
    const std::string path = (dir_ / name).string();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
    fs::copy_file(db_, path);
    return path;
  }

  // Runs an SQL script on path with the sqlite3 tool; returns its exit code.
  int Sqlite(const std::string& path, const std::string& sql) {
    const std::string script = Write("tamper.sql", ".bail on\n" + sql + "\n");
    const std::string cmd = std::string(SQLITE3_BIN) + " " + path + " < " + script + " > " +
                            (dir_ / "sqlite.out").string() + " 2>&1";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::vector<EventRow> events_;
};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

nlohmann::json LastJson(const Result& r) {
  auto j = nlohmann::json::parse(r.last_line, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j;
}

TEST_F(AuditCli, VerifyAnIntactChain) {
  Result r = Run("audit verify 1 --db " + db_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.last_line, "audit chain of run 1: OK (30 events, head " + events_.back().hash + ")");
  r = Run("audit verify 1 --db " + db_ + " --json");
  EXPECT_EQ(r.code, 0) << r.out;
  auto j = LastJson(r);
  EXPECT_EQ(j["run_id"], 1);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["events"], kEvents);
  EXPECT_TRUE(j["first_bad_row"].is_null());
  EXPECT_TRUE(j["problem"].is_null());
  EXPECT_EQ(j["head"], events_.back().hash);
  r = Run("audit verify latest --db " + db_ + " --json");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(LastJson(r)["run_id"], 2);
  EXPECT_EQ(LastJson(r)["events"], 3);
}

TEST_F(AuditCli, ExportWritesOneJsonObjectPerEvent) {
  Result r = Run("audit export 1 --db " + db_);
  EXPECT_EQ(r.code, 0) << r.out;
  const std::string out = Slurp(dir_ / "stdout.txt");
  std::istringstream lines(out);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(n, events_.size());
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    const EventRow& e = events_[n];
    EXPECT_EQ(j["run_id"], 1);
    EXPECT_EQ(j["seq"], e.seq);
    EXPECT_EQ(j["at"], e.at);
    EXPECT_EQ(j["type"], e.type);
    EXPECT_EQ(j["actor"], e.actor);
    EXPECT_EQ(j["content"], nlohmann::json::parse(e.content_json));  // parsed, not a string
    EXPECT_EQ(j["prev_hash"], e.prev_hash);
    EXPECT_EQ(j["hash"], e.hash);
    ++n;
  }
  EXPECT_EQ(n, events_.size());

  const std::string file = (dir_ / "audit.jsonl").string();
  r = Run("audit export 2 --db " + db_ + " --out " + file);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote 3 events of run 2 to " + file), std::string::npos) << r.out;
  std::istringstream f(Slurp(file));
  n = 0;
  while (std::getline(f, line)) n += nlohmann::json::parse(line)["run_id"] == 2;
  EXPECT_EQ(n, 3u);
}

TEST_F(AuditCli, ExportOfABrokenChainWarns) {
  const std::string copy = Copy("broken.db");
  ASSERT_EQ(Sqlite(copy, "DELETE FROM events WHERE run_id = 1 AND seq = 4;"), 0);
  Result r = Run("audit export 1 --db " + copy);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: the audit chain of run 1 is BROKEN at row 4"), std::string::npos)
      << r.out;
}

TEST_F(AuditCli, Errors) {
  Result r = Run("audit verify 7 --db " + db_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("ouro: " + db_ + ": no run 7"), std::string::npos) << r.out;
  r = Run("audit export nope --db " + db_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("RUN must be a run id or 'latest'"), std::string::npos) << r.out;
  r = Run("audit verify 1 --db " + (dir_ / "missing.db").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no such run store"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "missing.db"));
  r = Run("audit --db " + db_);
  EXPECT_EQ(r.code, 2) << r.out;
  r = Run("audit verify --db " + db_);
  EXPECT_EQ(r.code, 2) << r.out;
  r = Run("audit export 1 --out " + (dir_ / "no/such/dir/x.jsonl").string() + " --db " + db_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cannot write"), std::string::npos) << r.out;
}

TEST_F(AuditCli, BrokenChainIsReportedWithItsRow) {
  const std::string copy = Copy("edited.db");
  ASSERT_EQ(Sqlite(copy, "UPDATE events SET actor = 'mallory' WHERE run_id = 1 AND seq = 7;"), 0);
  Result r = Run("audit verify 1 --db " + copy);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(r.last_line,
            "audit chain of run 1: BROKEN at row 7: row 7: hash does not match its content");
  // The other run's chain is untouched.
  EXPECT_EQ(Run("audit verify 2 --db " + copy).code, 0);
}

// The tampers of the randomized test.
enum Kind { kEdit, kDelete, kSwapContent, kSwapSeq, kEditAndRehash, kKinds };
const char* kKindNames[] = {"edit", "delete", "swap content", "swap seq", "edit and rehash"};
const char* kFields[] = {"content_json", "type", "actor", "at", "hash", "prev_hash"};
const std::string kWhere = " WHERE run_id = 1 AND seq = ";

// One tamper: the SQL that does it, its description, and the row verify must report.
struct Tamper {
  std::string sql, what;
  int expect_row = 0;
};

int Uniform(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Edits `field` of row k (event e) in trial t; draws from rng only for a hash position.
Tamper EditField(const EventRow& e, int k, int t, const std::string& field, std::mt19937& rng) {
  std::string value;
  if (field == "content_json") value = R"({"i":)" + std::to_string(1000 + t) + "}";
  if (field == "type") value = e.type + "_x";
  if (field == "actor") value = e.actor == "mallory" ? "eve" : "mallory";
  if (field == "at" || field == "hash" || field == "prev_hash") {
    value = field == "at" ? e.at : field == "hash" ? e.hash : e.prev_hash;
    // One character changed, keeping the shape (a digit of the time, a hex digit).
    const size_t pos = field == "at" ? value.size() - 2 : static_cast<size_t>(Uniform(rng, 0, 63));
    value[pos] = value[pos] == '1' ? '2' : '1';
  }
  return {"UPDATE events SET " + field + " = " + Quote(value) + kWhere + std::to_string(k) + ";",
          "edit " + field, k};
}

Tamper DeleteRow(int k) {
  return {"DELETE FROM events" + kWhere + std::to_string(k) + ";", "delete", k};
}

// Rows a < b exchange their type and content; seq, hashes and times stay in place.
Tamper SwapContent(int a, int b) {
  std::string sql =
      "BEGIN; CREATE TEMP TABLE s AS SELECT seq, type, content_json FROM events "
      "WHERE run_id = 1 AND seq IN (" +
      std::to_string(a) + ", " + std::to_string(b) + ");";
  for (auto [to, from] : {std::pair(a, b), std::pair(b, a)})
    sql += " UPDATE events SET type = (SELECT type FROM s WHERE seq = " + std::to_string(from) +
           "), content_json = (SELECT content_json FROM s WHERE seq = " + std::to_string(from) +
           ")" + kWhere + std::to_string(to) + ";";
  sql += " COMMIT;";
  return {sql, "swap content", a};
}

// Rows a < b exchange places (their seq numbers), through a temporary value.
Tamper SwapSeq(int a, int b) {
  return {"BEGIN; UPDATE events SET seq = -1" + kWhere + std::to_string(a) + "; " +
              "UPDATE events SET seq = " + std::to_string(a) + kWhere + std::to_string(b) + "; " +
              "UPDATE events SET seq = " + std::to_string(b) + kWhere + "-1; COMMIT;",
          "swap seq", a};
}

// A tamperer who knows the hash recipe fixes up the edited row's own hash (row k, event e).
Tamper EditAndRehash(const EventRow& e, int k, int t) {
  EventRow forged = e;
  forged.content_json = R"({"forged":)" + std::to_string(t) + "}";
  const std::string hash = EventHash(1, forged);
  return {"UPDATE events SET content_json = " + Quote(forged.content_json) +
              ", hash = " + Quote(hash) + kWhere + std::to_string(k) + ";",
          "edit and rehash", k < kEvents ? k + 1 : kEvents};  // the next row's link, or the head
}

TEST_F(AuditCli, RandomizedSingleRowTamperingIsAlwaysDetected) {
  ASSERT_TRUE(fs::exists(SQLITE3_BIN))
      << "the sqlite3 command-line tool is needed: " << SQLITE3_BIN;
  {
    const std::string clean = Copy("clean.db");
    Result r = Run("audit verify 1 --db " + clean + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    ASSERT_EQ(LastJson(r)["ok"], true);
  }
  std::mt19937 rng(20240501);
  const int trials = 150;
  std::map<std::string, int> done;  // tamper description -> count
  int detected = 0, edits = 0, deletes = 0, last_row_deletes = 0;
  for (int t = 0; t < trials; ++t) {
    const Kind kind = static_cast<Kind>(Uniform(rng, 0, kKinds - 1));
    int k = Uniform(rng, 1, kEvents);
    int other = Uniform(rng, 1, kEvents - 1);
    if (other >= k) ++other;  // a different row
    const int a = std::min(k, other), b = std::max(k, other);
    const EventRow& e = events_[k - 1];
    Tamper tamper;
    switch (kind) {
      case kEdit:
        tamper = EditField(e, k, t, kFields[edits++ % 6], rng);
        break;
      case kDelete:
        if (deletes++ % 4 == 0) k = kEvents;  // the last row, which only the head can reveal
        last_row_deletes += k == kEvents;
        tamper = DeleteRow(k);
        break;
      case kSwapContent:
        tamper = SwapContent(a, b);
        break;
      case kSwapSeq:
        tamper = SwapSeq(a, b);
        break;
      case kEditAndRehash:
        tamper = EditAndRehash(e, k, t);
        break;
      case kKinds:
        break;
    }
    const std::string& sql = tamper.sql;
    const std::string copy = Copy("trial.db");
    ASSERT_EQ(Sqlite(copy, sql + "\nSELECT 'changed', total_changes();"), 0)
        << sql << "\n"
        << Slurp(dir_ / "sqlite.out");
    ASSERT_EQ(Slurp(dir_ / "sqlite.out").find("changed|0"), std::string::npos)
        << "the tamper changed nothing: " << sql;
    Result r = Run("audit verify 1 --db " + copy + " --json");
    const auto j = nlohmann::json::parse(r.last_line, nullptr, false);
    const bool caught = r.code == 1 && !j.is_discarded() && j["ok"] == false &&
                        j["first_bad_row"] == tamper.expect_row && j["problem"].is_string();
    EXPECT_TRUE(caught) << "trial " << t << " (" << tamper.what << ", row " << k
                        << ") not detected as broken at row " << tamper.expect_row << ": exit "
                        << r.code << "\n"
                        << sql << "\n"
                        << r.out;
    detected += caught;
    ++done[tamper.what];
  }
  EXPECT_EQ(detected, trials);
  // Every kind of tamper was tried, every field edited, and the last row deleted.
  for (int kind = kDelete; kind < kKinds; ++kind)
    EXPECT_GE(done[kKindNames[kind]], 10) << kKindNames[kind];
  for (const char* field : kFields) EXPECT_GE(done[std::string("edit ") + field], 2) << field;
  EXPECT_GE(last_row_deletes, 2);
  std::printf("detected %d of %d tampers:", detected, trials);
  for (const auto& [what, count] : done) std::printf(" %s %d;", what.c_str(), count);
  std::printf("\n");
}

}  // namespace
