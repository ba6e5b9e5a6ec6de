// Golden behaviour of the engine as a user sees it: an rsi run's improver lineage, candidate
// decisions, curve and audit events, and a search run's lineage, on fixed seeds and evaluation
// budgets, compared line by line with files recorded before a refactor (tests/golden/). A change
// that is meant to alter results updates the files on purpose:
//   OURO_UPDATE_GOLDEN=1 build/release/tests/cli/golden_test
// and its commit says why. Everything time-dependent (seconds, timestamps, the chain's hashes,
// which cover the timestamps, and paths) is left out; floating point is printed in full.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Keys whose values depend on the clock or the file system, dropped at any depth.
bool Volatile(const std::string& key) {
  return key == "seconds" || key == "cpu_seconds" || key == "test_seconds" || key == "config_source" || key == "at" ||
         key == "written_at" || key == "created_at" || key == "finished_at" || key == "individuals_per_second" ||
         key == "evals_per_second" || key == "db" || key == "oversight_share";
}

json Scrub(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!Volatile(it.key())) out[it.key()] = Scrub(it.value());
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(Scrub(v));
    return out;
  }
  if (j.is_string()) {  // JSON held as text (specs in events) is scrubbed too
    const std::string& s = j.get_ref<const std::string&>();
    if (!s.empty() && (s.front() == '{' || s.front() == '[')) {
      try {
        return Scrub(json::parse(s));
      } catch (const json::exception&) {
      }
    }
  }
  return j;
}

// Rows of a query, one line each, columns separated by '|'; JSON text columns are scrubbed.
std::string Dump(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    return "";
  }
  std::ostringstream out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      if (c) out << '|';
      switch (sqlite3_column_type(st, c)) {
        case SQLITE_NULL: out << "null"; break;
        case SQLITE_INTEGER: out << sqlite3_column_int64(st, c); break;
        case SQLITE_FLOAT: out << json(sqlite3_column_double(st, c)).dump(); break;
        default: {
          const std::string s = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
          out << Scrub(json(s)).dump();
        }
      }
    }
    out << '\n';
  }
  sqlite3_finalize(st);
  return out.str();
}

std::string DumpRun(const std::string& db_path, int64_t run) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  const std::string id = std::to_string(run);
  std::string out;
  out += "## run\n" + Dump(db, "SELECT kind, status, seed, summary_json FROM runs WHERE id = " + id);
  out += "## lineage\n" + Dump(db, "SELECT individual, child_hash, parent_hash, mutation, fitness FROM lineage "
                                   "WHERE run_id = " + id + " ORDER BY rowid");
  out += "## improvers\n" + Dump(db, "SELECT generation, hash, parent_hash, meta_utility, evidence_json FROM "
                                     "improvers WHERE run_id = " + id + " ORDER BY generation");
  out += "## candidates\n" + Dump(db, "SELECT generation, idx, hash, meta_operator, decision, llr, wins, losses, "
                                      "draws, meta_utility FROM candidates WHERE run_id = " + id +
                                      " ORDER BY generation, idx");
  out += "## curve\n" + Dump(db, "SELECT generation, cumulative_evaluations, point_json FROM curve WHERE run_id = " +
                                     id + " ORDER BY generation");
  out += "## events\n" + Dump(db, "SELECT seq, type, actor, content_json FROM events WHERE run_id = " + id +
                                      " ORDER BY seq");
  out += "## items\n" + Dump(db, "SELECT item, kind, key, summary, status FROM items WHERE run_id = " + id +
                                     " ORDER BY item");
  sqlite3_close(db);
  return out;
}

class Golden : public ouro_test::CliFixture {
 protected:
  // Compares `actual` with tests/golden/NAME, or rewrites it when OURO_UPDATE_GOLDEN is set.
  void Check(const std::string& name, const std::string& actual) {
    const fs::path file = fs::path(OURO_SOURCE_DIR) / "tests" / "golden" / name;
    if (std::getenv("OURO_UPDATE_GOLDEN")) {
      std::ofstream(file, std::ios::binary) << actual;
      return;
    }
    ASSERT_TRUE(fs::exists(file)) << file << " is missing; record it with OURO_UPDATE_GOLDEN=1";
    const std::string expected = ouro_test::Slurp(file);
    if (expected == actual) return;
    // The first differing line, so a failure says what changed.
    std::istringstream a(actual), e(expected);
    std::string la, le;
    for (int line = 1;; ++line) {
      const bool ga = static_cast<bool>(std::getline(a, la)), ge = static_cast<bool>(std::getline(e, le));
      if (!ga && !ge) break;
      if (la != le || ga != ge) {
        FAIL() << name << " differs at line " << line << "\nexpected: " << le.substr(0, 2000)
               << "\nactual:   " << la.substr(0, 2000);
      }
    }
  }
  int64_t RunJson(const std::string& args) {
    const ouro_test::Result r = Run(args + " --db " + db_ + " --json");
    EXPECT_EQ(r.code, 0) << r.out;
    return json::parse(r.last_line).at("run_id").get<int64_t>();
  }
};

// Three generations with adoptions, an inconclusive candidate and a logged tripwire (seed 1), and a
// run on two threads (seed 4): the lineage must not depend on the thread count.
TEST_F(Golden, RsiRunsAreUnchanged) {
  for (const auto& [seed, threads] : std::vector<std::pair<int, int>>{{1, 1}, {4, 2}}) {
    std::string cfg = ouro_test::TinyRsiConfig(seed, 3);
    cfg.replace(cfg.find("threads = 1"), 11, "threads = " + std::to_string(threads));
    const std::string config = Write("rsi.toml", cfg);
    const int64_t run = RunJson("rsi --config " + config);
    Check("rsi_seed" + std::to_string(seed) + ".txt", DumpRun(db_, run));
  }
}

TEST_F(Golden, SearchRunsAreUnchanged) {
  const int64_t a = RunJson("search --task linear:dim=2,tasks=2,train=10,valid=10 --max-evals 3000 --seed 5 "
                            "--threads 1 --quiet");
  Check("search_linear.txt", DumpRun(db_, a));
  const int64_t b = RunJson("search --config " + std::string(OURO_SOURCE_DIR) +
                            "/configs/automl-zero-demo.toml --max-evals 4000 --seed 3 --threads 2 --quiet");
  Check("search_demo.txt", DumpRun(db_, b));
}

}  // namespace
