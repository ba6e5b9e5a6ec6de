// store/selfplay_tables.cc — generations, versions and matches of self-play runs. See
// selfplay_tables.h.
#include "store/selfplay_tables.h"

#include "store/db.h"

namespace ouro::store {

SelfplayTables::SelfplayTables(Db& db)
    : db_(db),
      add_generation_(db.Prepare(
          "INSERT INTO selfplay_generations(run_id, generation, report_json) VALUES(?, ?, ?)")),
      get_generations_(db.Prepare("SELECT generation, report_json FROM selfplay_generations "
                                  "WHERE run_id = ? ORDER BY generation")),
      add_version_(db.Prepare(
          "INSERT INTO selfplay_versions(run_id, version, generation, program_hash, state, "
          "meta_json) VALUES(?, ?, ?, ?, ?, ?)")),
      get_versions_(
          db.Prepare("SELECT v.version, v.generation, v.program_hash, p.text, v.state, v.meta_json "
                     "FROM selfplay_versions v LEFT JOIN programs p ON p.hash = v.program_hash "
                     "WHERE v.run_id = ? ORDER BY v.version")),
      add_match_(db.Prepare(
          "INSERT INTO selfplay_matches(run_id, idx, kind, version_a, version_b, generation, "
          "result_json) VALUES(?, ?, ?, ?, ?, ?, ?)")),
      get_matches_(db.Prepare(
          "SELECT idx, kind, version_a, version_b, generation, result_json FROM selfplay_matches "
          "WHERE run_id = ? ORDER BY idx")),
      delete_generations_after_(
          db.Prepare("DELETE FROM selfplay_generations WHERE run_id = ? AND generation > ?")),
      delete_versions_after_(db.Prepare(
          "DELETE FROM selfplay_versions WHERE run_id = ? AND generation > ? AND version > 0")),
      delete_matches_after_(
          db.Prepare("DELETE FROM selfplay_matches WHERE run_id = ? AND generation > ?")) {}

void SelfplayTables::AddSelfplayGeneration(int64_t run_id, const SelfplayGenerationRow& row) {
  db_.RequireJson(row.report_json, "self-play generation report");
  StmtUse q(add_generation_);
  q.BindAll(run_id, row.generation, row.report_json);
  db_.CheckInsert(q.Step(), "add self-play generation", run_id,
                  "a report for generation " + std::to_string(row.generation));
}

std::vector<SelfplayGenerationRow> SelfplayTables::GetSelfplayGenerations(int64_t run_id) {
  std::vector<SelfplayGenerationRow> out;
  StmtUse q(get_generations_);
  q.Bind(1, run_id);
  db_.Check(q.EachRow([&](const StmtUse& s) {
    out.push_back({static_cast<int>(s.Int(0)), s.Text(1)});
  }),
            "get self-play generations");
  return out;
}

// The version row and its program in one scope: a refused version leaves no program behind.
void SelfplayTables::AddSelfplayVersion(int64_t run_id, const SelfplayVersionRow& row) {
  db_.ValidateJson(row.meta_json, "self-play version meta");
  WriteScope w(db_, "add self-play version");
  {
    StmtUse q(add_version_);
    q.BindAll(run_id, row.version, row.generation, row.program_hash, StmtUse::AsBlob{row.state},
              StmtUse::OrNull{row.meta_json});
    db_.CheckInsert(q.Step(), "add self-play version", run_id,
                    "version " + std::to_string(row.version));
  }
  db_.PutProgram(row.program_hash, row.program_text);
  w.Commit("add self-play version");
}

std::vector<SelfplayVersionRow> SelfplayTables::GetSelfplayVersions(int64_t run_id) {
  std::vector<SelfplayVersionRow> out;
  StmtUse q(get_versions_);
  q.Bind(1, run_id);
  db_.Check(q.EachRow([&](const StmtUse& s) {
    SelfplayVersionRow r;
    r.version = static_cast<int>(s.Int(0));
    r.generation = static_cast<int>(s.Int(1));
    r.program_hash = s.Text(2);
    r.program_text = s.Text(3);
    r.state = s.Blob(4);
    r.meta_json = s.Text(5);
    out.push_back(std::move(r));
  }),
            "get self-play versions");
  return out;
}

void SelfplayTables::AddSelfplayMatch(int64_t run_id, const SelfplayMatchRow& row) {
  db_.RequireJson(row.result_json, "self-play match result");
  StmtUse q(add_match_);
  q.BindAll(run_id, row.idx, row.kind, row.version_a, row.version_b, row.generation,
            row.result_json);
  db_.CheckInsert(q.Step(), "add self-play match", run_id, "match " + std::to_string(row.idx));
}

std::vector<SelfplayMatchRow> SelfplayTables::GetSelfplayMatches(int64_t run_id) {
  std::vector<SelfplayMatchRow> out;
  StmtUse q(get_matches_);
  q.Bind(1, run_id);
  db_.Check(q.EachRow([&](const StmtUse& s) {
    SelfplayMatchRow r;
    r.idx = static_cast<int>(s.Int(0));
    r.kind = s.Text(1);
    r.version_a = static_cast<int>(s.Int(2));
    r.version_b = static_cast<int>(s.Int(3));
    r.generation = static_cast<int>(s.Int(4));
    r.result_json = s.Text(5);
    out.push_back(std::move(r));
  }),
            "get self-play matches");
  return out;
}

void SelfplayTables::TruncateSelfplayRows(int64_t run_id, int after_generation) {
  WriteScope w(db_, "truncate self-play rows");
  db_.RequireRun(run_id, "truncate self-play rows");
  for (sqlite3_stmt* st :
       {delete_generations_after_, delete_versions_after_, delete_matches_after_}) {
    StmtUse q(st);
    q.BindAll(run_id, after_generation);
    db_.Check(q.Step(), "truncate self-play rows");
  }
  w.Commit("truncate self-play rows");
}

}  // namespace ouro::store
