// store/evidence.h — the test-arena measurements of improvers (`ouro evidence`, run/evidence.h):
// which improver each label names (evidence_improvers) and one row per search run of an improver
// on one seed of one arena (evidence), so a measurement that takes hours can stop and resume.
//
// A row is keyed by (improver hash, arena, seed): an improver is measured once per arena seed,
// whatever label asked for it (the frozen improver and a run's final one may be the same spec).
// Thread-safety and failure rules: those of Store (store.h); EvidenceTables is one of its parts.
// Errors: PutEvidenceImprover refuses a label already naming another hash; AddEvidence refuses a
// key already measured ("already measured") and a run id that does not exist; spec_json must be
// valid JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

struct EvidenceImprover {
  std::string label;      // "frozen", "final:RUN", "null:RUN"
  std::string hash;       // the spec's hash (meta::SpecHash)
  std::string spec_json;  // valid JSON
};

// One search run of an improver on one seed of an arena.
struct EvidenceRow {
  std::string improver_hash;
  std::string arena;  // the arena's name ([arena] name)
  int64_t seed = 0;
  std::string label;       // the label that asked for the measurement
  std::string arena_hash;  // of the arena file's text and any cap override
  bool reached = false;    // the arena's solved rule met within the cap
  double seconds = 0;      // wall seconds to the target, or the cap when not reached
  double evaluations = 0;  // eval_cost to the target, or at the cap
  double fitness_select = 0, fitness_final = 0;  // of the run's chosen program
  double cap_seconds = 0;
  int64_t run_id = 0;  // the search run in the runs table; 0 = none
};

class EvidenceTables {
 public:
  explicit EvidenceTables(Db& db);  // prepares the statements
  EvidenceTables(const EvidenceTables&) = delete;
  EvidenceTables& operator=(const EvidenceTables&) = delete;

  // Records that `label` names this improver; a no-op when it already does.
  void PutEvidenceImprover(const EvidenceImprover& improver);
  std::vector<EvidenceImprover> GetEvidenceImprovers();  // by label
  std::optional<EvidenceImprover> GetEvidenceImprover(const std::string& label);

  void AddEvidence(const EvidenceRow& row);
  // Every row, or those of one improver hash and/or arena (empty = any); by hash, arena, seed.
  std::vector<EvidenceRow> GetEvidence(const std::string& improver_hash = "",
                                       const std::string& arena = "");

 private:
  Db& db_;
  sqlite3_stmt* put_improver_;
  sqlite3_stmt* get_improvers_;
  sqlite3_stmt* add_row_;
  sqlite3_stmt* get_rows_;
};

}  // namespace ouro::store
