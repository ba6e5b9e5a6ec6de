// store/rsi_tables.h — the rows of a recursive self-improvement ("rsi") run: every adopted
// improver spec (improvers), every proposed candidate and the verdict on it (candidates), and the
// incumbent's held-out curve (curve), each keyed by run and generation.
//
// Thread-safety and failure rules: those of Store (store.h); RsiTables is one of its parts.
// Each Add throws Error for an unknown run ("no such run"), for a row whose key is already taken
// ("already has ...": (run, generation) for improvers and curve points, (run, generation, idx)
// for candidates) and for a JSON field that is not valid JSON. A failed Add leaves an open
// transaction open, with nothing of that row written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

// An empty text field reads back empty; a NaN REAL reads back NaN.

// One adopted improver spec; generation 0 is the initial one.
struct ImproverRow {
  int generation = 0;
  std::string hash;
  std::string parent_hash;    // empty for generation 0
  std::string spec_json;      // must be valid JSON (not empty)
  double meta_utility = 0;
  std::string evidence_json;  // valid JSON or empty
};

// One candidate improver proposed in `generation`, and the verdict on it.
struct CandidateRow {
  int generation = 0;  // the generation it was proposed in
  int idx = 0;         // its index among that generation's candidates
  std::string hash;
  std::string meta_operator;
  std::string decision;  // "adopted", "rejected", "inconclusive", or any text
  double llr = 0;
  int64_t wins = 0, losses = 0, draws = 0;
  double meta_utility = 0;
  std::string spec_json;      // valid JSON or empty
  std::string evidence_json;  // valid JSON or empty
};

// One curve point: the incumbent on the test arena (and, since the three arenas, on validation).
struct CurveRow {
  int generation = 0;
  int64_t cumulative_evaluations = 0;
  double seconds = 0;
  std::string point_json;  // must be valid JSON (not empty)
};

class RsiTables {
 public:
  explicit RsiTables(Db& db);  // prepares the statements
  RsiTables(const RsiTables&) = delete;
  RsiTables& operator=(const RsiTables&) = delete;

  void AddImprover(int64_t run_id, const ImproverRow& row);
  std::vector<ImproverRow> GetImprovers(int64_t run_id);  // ordered by generation
  void AddCandidate(int64_t run_id, const CandidateRow& row);
  std::vector<CandidateRow> GetCandidates(int64_t run_id);  // ordered by generation, idx
  void AddCurvePoint(int64_t run_id, const CurveRow& row);
  std::vector<CurveRow> GetCurve(int64_t run_id);  // ordered by generation

  // Resume of an rsi run: deletes improvers, curve points and candidates of generations after
  // after_generation (events, items and the checkpoint are kept). Atomic (a WriteScope). Error
  // for an unknown run.
  void TruncateRsiRows(int64_t run_id, int after_generation);

 private:
  Db& db_;
  sqlite3_stmt* add_improver_;
  sqlite3_stmt* get_improvers_;
  sqlite3_stmt* add_candidate_;
  sqlite3_stmt* get_candidates_;
  sqlite3_stmt* add_curve_point_;
  sqlite3_stmt* get_curve_;
  sqlite3_stmt* delete_improvers_after_;
  sqlite3_stmt* delete_candidates_after_;
  sqlite3_stmt* delete_curve_after_;
};

}  // namespace ouro::store
