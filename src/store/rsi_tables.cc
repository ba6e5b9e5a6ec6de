// store/rsi_tables.cc — improvers, candidates and curve of rsi runs. See rsi_tables.h.
#include "store/rsi_tables.h"

#include "store/db.h"

namespace ouro::store {

RsiTables::RsiTables(Db& db)
    : db_(db),
      add_improver_(db.Prepare(
          "INSERT INTO improvers(run_id, generation, hash, parent_hash, spec_json, meta_utility, "
          "evidence_json) VALUES(?, ?, ?, ?, ?, ?, ?)")),
      get_improvers_(db.Prepare(
          "SELECT generation, hash, parent_hash, spec_json, meta_utility, evidence_json "
          "FROM improvers WHERE run_id = ? ORDER BY generation")),
      add_candidate_(db.Prepare(
          "INSERT INTO candidates(run_id, generation, idx, hash, meta_operator, decision, llr, "
          "wins, losses, draws, meta_utility, spec_json, evidence_json) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      get_candidates_(db.Prepare(
          "SELECT generation, idx, hash, meta_operator, decision, llr, wins, losses, draws, "
          "meta_utility, spec_json, evidence_json FROM candidates WHERE run_id = ? "
          "ORDER BY generation, idx")),
      add_curve_point_(db.Prepare(
          "INSERT INTO curve(run_id, generation, cumulative_evaluations, seconds, point_json) "
          "VALUES(?, ?, ?, ?, ?)")),
      get_curve_(db.Prepare(
          "SELECT generation, cumulative_evaluations, seconds, point_json FROM curve "
          "WHERE run_id = ? ORDER BY generation")),
      delete_improvers_after_(
          db.Prepare("DELETE FROM improvers WHERE run_id = ? AND generation > ?")),
      delete_candidates_after_(
          db.Prepare("DELETE FROM candidates WHERE run_id = ? AND generation > ?")),
      delete_curve_after_(db.Prepare("DELETE FROM curve WHERE run_id = ? AND generation > ?")) {}

void RsiTables::AddImprover(int64_t run_id, const ImproverRow& row) {
  db_.RequireJson(row.spec_json, "improver spec");
  db_.ValidateJson(row.evidence_json, "improver evidence");
  StmtUse q(add_improver_);
  q.BindAll(run_id, row.generation, row.hash, StmtUse::OrNull{row.parent_hash}, row.spec_json, row.meta_utility, StmtUse::OrNull{row.evidence_json});
  db_.CheckInsert(q.Step(), "add improver", run_id,
                  "an improver for generation " + std::to_string(row.generation));
}

std::vector<ImproverRow> RsiTables::GetImprovers(int64_t run_id) {
  std::vector<ImproverRow> out;
  StmtUse q(get_improvers_);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    ImproverRow r;
    r.generation = static_cast<int>(q.Int(0));
    r.hash = q.Text(1);
    r.parent_hash = q.Text(2);
    r.spec_json = q.Text(3);
    r.meta_utility = q.RealOrNaN(4);
    r.evidence_json = q.Text(5);
    out.push_back(std::move(r));
  }
  db_.Check(rc, "get improvers");
  return out;
}

void RsiTables::AddCandidate(int64_t run_id, const CandidateRow& row) {
  db_.ValidateJson(row.spec_json, "candidate spec");
  db_.ValidateJson(row.evidence_json, "candidate evidence");
  StmtUse q(add_candidate_);
  q.BindAll(run_id, row.generation, row.idx, row.hash, row.meta_operator, row.decision, row.llr, row.wins, row.losses, row.draws, row.meta_utility, StmtUse::OrNull{row.spec_json}, StmtUse::OrNull{row.evidence_json});
  db_.CheckInsert(q.Step(), "add candidate", run_id,
                  "candidate " + std::to_string(row.idx) + " of generation " +
                      std::to_string(row.generation));
}

std::vector<CandidateRow> RsiTables::GetCandidates(int64_t run_id) {
  std::vector<CandidateRow> out;
  StmtUse q(get_candidates_);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    CandidateRow r;
    r.generation = static_cast<int>(q.Int(0));
    r.idx = static_cast<int>(q.Int(1));
    r.hash = q.Text(2);
    r.meta_operator = q.Text(3);
    r.decision = q.Text(4);
    r.llr = q.RealOrNaN(5);
    r.wins = q.Int(6);
    r.losses = q.Int(7);
    r.draws = q.Int(8);
    r.meta_utility = q.RealOrNaN(9);
    r.spec_json = q.Text(10);
    r.evidence_json = q.Text(11);
    out.push_back(std::move(r));
  }
  db_.Check(rc, "get candidates");
  return out;
}

void RsiTables::AddCurvePoint(int64_t run_id, const CurveRow& row) {
  db_.RequireJson(row.point_json, "curve point");
  StmtUse q(add_curve_point_);
  q.BindAll(run_id, row.generation, row.cumulative_evaluations, row.seconds, row.point_json);
  db_.CheckInsert(q.Step(), "add curve point", run_id,
                  "a curve point for generation " + std::to_string(row.generation));
}

std::vector<CurveRow> RsiTables::GetCurve(int64_t run_id) {
  std::vector<CurveRow> out;
  StmtUse q(get_curve_);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    CurveRow r;
    r.generation = static_cast<int>(q.Int(0));
    r.cumulative_evaluations = q.Int(1);
    r.seconds = q.RealOrNaN(2);
    r.point_json = q.Text(3);
    out.push_back(std::move(r));
  }
  db_.Check(rc, "get curve");
  return out;
}

void RsiTables::TruncateRsiRows(int64_t run_id, int after_generation) {
  WriteScope w(db_, "truncate rsi rows");
  db_.RequireRun(run_id, "truncate rsi rows");
  for (sqlite3_stmt* st : {delete_improvers_after_, delete_candidates_after_, delete_curve_after_}) {
    StmtUse q(st);
    q.BindAll(run_id, after_generation);
    db_.Check(q.Step(), "truncate rsi rows");
  }
  w.Commit("truncate rsi rows");
}

}  // namespace ouro::store
