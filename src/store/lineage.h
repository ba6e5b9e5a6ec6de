// store/lineage.h — what a search produced: programs (content-addressed, shared by all runs), the
// lineage of every individual, evaluations of programs on named task sets, and metrics over time.
// The search appends these rows in bulk inside one transaction, so each Add is one bind + step +
// reset of a cached statement.
//
// Thread-safety and failure rules: those of Store (store.h); a LineageTable is one of its parts.
// Lineage, evaluation and metric rows must name an existing run (foreign key), else Error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

struct MetricRow {
  double seconds = 0;
  int64_t individuals = 0;
  int64_t evaluations = 0;
  double best_fitness = 0;
  double cache_hit_rate = 0;
  int experiment = 0;
};

struct LineageRow {
  std::string child_hash;   // program hash (hex), program stored in `programs`
  std::string parent_hash;  // empty for an initial program
  int64_t individual = 0;   // index of the child in the run
  std::string mutation;     // mutation kind that produced it ("" for initial)
  double fitness = 0;
};

class LineageTable {
 public:
  explicit LineageTable(Db& db);  // prepares the statements
  LineageTable(const LineageTable&) = delete;
  LineageTable& operator=(const LineageTable&) = delete;

  // Programs are content-addressed: PutProgram is idempotent for the same hash.
  void PutProgram(const std::string& hash, const std::string& text);
  std::optional<std::string> GetProgram(const std::string& hash);

  void AddLineage(int64_t run_id, const LineageRow& row);
  std::vector<LineageRow> GetLineage(int64_t run_id);

  // One evaluation of a program on a named task set ("search", "select", "held_out", a task name).
  void AddEvaluation(int64_t run_id, const std::string& program_hash, const std::string& task_set,
                     double fitness, const std::string& detail_json);

  // (program_hash, fitness) of every evaluation of run_id on task_set, in insertion order.
  std::vector<std::pair<std::string, double>> GetEvaluations(int64_t run_id,
                                                             const std::string& task_set);

  void AddMetric(int64_t run_id, const MetricRow& row);
  std::vector<MetricRow> GetMetrics(int64_t run_id);

 private:
  Db& db_;
  sqlite3_stmt* get_program_;
  sqlite3_stmt* add_lineage_;
  sqlite3_stmt* get_lineage_;
  sqlite3_stmt* add_evaluation_;
  sqlite3_stmt* get_evaluations_;
  sqlite3_stmt* add_metric_;
  sqlite3_stmt* get_metrics_;
};

}  // namespace ouro::store
