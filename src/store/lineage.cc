// store/lineage.cc — programs, lineage, evaluations and metrics. See lineage.h.
#include "store/lineage.h"

#include "store/db.h"

namespace ouro::store {

LineageTable::LineageTable(Db& db)
    : db_(db),
      get_program_(db.Prepare("SELECT text FROM programs WHERE hash = ?")),
      add_lineage_(db.Prepare(
          "INSERT INTO lineage(run_id, individual, child_hash, parent_hash, mutation, fitness) "
          "VALUES(?, ?, ?, ?, ?, ?)")),
      get_lineage_(db.Prepare(
          "SELECT child_hash, parent_hash, individual, mutation, fitness FROM lineage "
          "WHERE run_id = ? ORDER BY individual, rowid")),
      add_evaluation_(db.Prepare(
          "INSERT INTO evaluations(run_id, program_hash, task_set, fitness, detail_json, "
          "created_at) VALUES(?, ?, ?, ?, ?, ?)")),
      get_evaluations_(db.Prepare(
          "SELECT program_hash, fitness FROM evaluations WHERE run_id = ? AND task_set = ? "
          "ORDER BY rowid")),
      add_metric_(db.Prepare(
          "INSERT INTO metrics(run_id, seconds, individuals, evaluations, best_fitness, "
          "cache_hit_rate, experiment) VALUES(?, ?, ?, ?, ?, ?, ?)")),
      get_metrics_(db.Prepare(
          "SELECT seconds, individuals, evaluations, best_fitness, cache_hit_rate, experiment "
          "FROM metrics WHERE run_id = ? ORDER BY rowid")) {}

void LineageTable::PutProgram(const std::string& hash, const std::string& text) {
  db_.PutProgram(hash, text);
}

std::optional<std::string> LineageTable::GetProgram(const std::string& hash) {
  StmtUse q(get_program_);
  q.Bind(1, hash);
  int rc = q.Step();
  db_.Check(rc, "get program");
  if (rc != SQLITE_ROW) return std::nullopt;
  return q.Text(0);
}

void LineageTable::AddLineage(int64_t run_id, const LineageRow& row) {
  StmtUse q(add_lineage_);
  q.BindAll(run_id, row.individual, row.child_hash, StmtUse::OrNull{row.parent_hash}, row.mutation, row.fitness);
  db_.Check(q.Step(), "add lineage");
}

std::vector<LineageRow> LineageTable::GetLineage(int64_t run_id) {
  std::vector<LineageRow> out;
  StmtUse q(get_lineage_);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    LineageRow r;
    r.child_hash = q.Text(0);
    r.parent_hash = q.Text(1);
    r.individual = q.Int(2);
    r.mutation = q.Text(3);
    r.fitness = q.Real(4);
    out.push_back(std::move(r));
  }
  db_.Check(rc, "get lineage");
  return out;
}

void LineageTable::AddEvaluation(int64_t run_id, const std::string& program_hash,
                                 const std::string& task_set, double fitness,
                                 const std::string& detail_json) {
  std::string now = Db::Now();
  StmtUse q(add_evaluation_);
  q.BindAll(run_id, program_hash, task_set, fitness, StmtUse::OrNull{detail_json}, now);
  db_.Check(q.Step(), "add evaluation");
}

std::vector<std::pair<std::string, double>> LineageTable::GetEvaluations(
    int64_t run_id, const std::string& task_set) {
  std::vector<std::pair<std::string, double>> out;
  StmtUse q(get_evaluations_);
  q.BindAll(run_id, task_set);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.emplace_back(q.Text(0), q.Real(1));
  db_.Check(rc, "get evaluations");
  return out;
}

void LineageTable::AddMetric(int64_t run_id, const MetricRow& row) {
  StmtUse q(add_metric_);
  q.BindAll(run_id, row.seconds, row.individuals, row.evaluations, row.best_fitness, row.cache_hit_rate, row.experiment);
  db_.Check(q.Step(), "add metric");
}

std::vector<MetricRow> LineageTable::GetMetrics(int64_t run_id) {
  std::vector<MetricRow> out;
  StmtUse q(get_metrics_);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    MetricRow r;
    r.seconds = q.Real(0);
    r.individuals = q.Int(1);
    r.evaluations = q.Int(2);
    r.best_fitness = q.Real(3);
    r.cache_hit_rate = q.Real(4);
    r.experiment = static_cast<int>(q.Int(5));
    out.push_back(r);
  }
  db_.Check(rc, "get metrics");
  return out;
}

}  // namespace ouro::store
