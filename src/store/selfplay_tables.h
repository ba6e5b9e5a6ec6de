// store/selfplay_tables.h — the rows of a self-play run (issue 16): one report per generation
// (selfplay_generations), every version of the evaluator that was adopted, with the memory it
// learned (selfplay_versions; version 0 is the frozen first one), and every match played between
// versions or candidates (selfplay_matches: the gate's matches and the Elo ladder's), keyed by run.
//
// Thread-safety and failure rules: those of Store (store.h); SelfplayTables is one of its parts.
// Each Add throws Error for an unknown run ("no such run"), for a row whose key is already taken
// ("already has ...": (run, generation) for generations, (run, version) for versions, (run, idx)
// for matches) and for a JSON field that is not valid JSON. A failed Add leaves an open
// transaction open, with nothing of that row written (for a version: neither it nor its program).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

struct SelfplayGenerationRow {
  int generation = 0;       // 1, 2, ...
  std::string report_json;  // must be valid JSON (not empty)
};

// One version of the evaluator: a program (its text also goes to the programs table, keyed by
// program_hash) and the state it learned (opaque bytes: the trained memory and random streams).
struct SelfplayVersionRow {
  int version = 0;     // 0 = the first version, then 1, 2, ... in order of adoption
  int generation = 0;  // the generation that adopted it (0 for version 0)
  std::string program_hash;
  std::string program_text;
  std::string state;      // binary (a BLOB), may be empty
  std::string meta_json;  // valid JSON or empty
};

// One match. kind: "gate" (a candidate of `generation` against the incumbent version_b; version_a
// is the version it became if adopted, else -1) or "ladder" (version_a against version_b).
struct SelfplayMatchRow {
  int idx = 0;  // 0, 1, ... per run
  std::string kind;
  int version_a = 0;
  int version_b = 0;
  int generation = 0;
  std::string result_json;  // must be valid JSON (not empty)
};

class SelfplayTables {
 public:
  explicit SelfplayTables(Db& db);  // prepares the statements
  SelfplayTables(const SelfplayTables&) = delete;
  SelfplayTables& operator=(const SelfplayTables&) = delete;

  void AddSelfplayGeneration(int64_t run_id, const SelfplayGenerationRow& row);
  std::vector<SelfplayGenerationRow> GetSelfplayGenerations(int64_t run_id);  // by generation
  // Also stores program_text under program_hash in programs (kept if already there).
  void AddSelfplayVersion(int64_t run_id, const SelfplayVersionRow& row);
  std::vector<SelfplayVersionRow> GetSelfplayVersions(int64_t run_id);  // by version
  void AddSelfplayMatch(int64_t run_id, const SelfplayMatchRow& row);
  std::vector<SelfplayMatchRow> GetSelfplayMatches(int64_t run_id);  // by idx

  // Resume: deletes the generation reports, the versions and the matches whose generation is
  // after after_generation; version 0 always stays, and so do the programs (shared by all runs).
  // A ladder match is kept with the versions it measured when its generation is the one it was
  // played in. Atomic (a WriteScope). Error for an unknown run.
  void TruncateSelfplayRows(int64_t run_id, int after_generation);

 private:
  Db& db_;
  sqlite3_stmt* add_generation_;
  sqlite3_stmt* get_generations_;
  sqlite3_stmt* add_version_;
  sqlite3_stmt* get_versions_;
  sqlite3_stmt* add_match_;
  sqlite3_stmt* get_matches_;
  sqlite3_stmt* delete_generations_after_;
  sqlite3_stmt* delete_versions_after_;
  sqlite3_stmt* delete_matches_after_;
};

}  // namespace ouro::store
