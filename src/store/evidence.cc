// store/evidence.cc — the evidence tables. See evidence.h.
#include "store/evidence.h"

#include "core/error.h"
#include "store/db.h"

namespace ouro::store {
namespace {

EvidenceImprover ReadImprover(const StmtUse& q) { return {q.Text(0), q.Text(1), q.Text(2)}; }

}  // namespace

EvidenceTables::EvidenceTables(Db& db)
    : db_(db),
      put_improver_(db.Prepare("INSERT INTO evidence_improvers(label, improver_hash, spec_json, "
                               "added_at) VALUES(?, ?, ?, ?) "
                               "ON CONFLICT(label) DO NOTHING")),
      get_improvers_(db.Prepare("SELECT label, improver_hash, spec_json FROM evidence_improvers "
                                "WHERE ? = '' OR label = ? "
                                "ORDER BY label")),
      add_row_(db.Prepare("INSERT INTO evidence(improver_hash, arena, seed, label, arena_hash, "
                          "reached, seconds, evaluations, "
                          "fitness_select, fitness_final, cap_seconds, run_id, measured_at) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      get_rows_(db.Prepare("SELECT improver_hash, arena, seed, label, arena_hash, reached, "
                           "seconds, evaluations, fitness_select, "
                           "fitness_final, cap_seconds, run_id FROM evidence WHERE (? = '' OR "
                           "improver_hash = ?) AND "
                           "(? = '' OR arena = ?) ORDER BY improver_hash, arena, seed")) {}

void EvidenceTables::PutEvidenceImprover(const EvidenceImprover& improver) {
  db_.RequireJson(improver.spec_json, "evidence improver spec");
  if (auto old = GetEvidenceImprover(improver.label)) {
    if (old->hash != improver.hash)
      throw Error(db_.path() + ": label '" + improver.label + "' already names improver " +
                  old->hash + ", not " + improver.hash + "; use another label or another store");
    return;
  }
  const std::string now = Db::Now();
  StmtUse q(put_improver_);
  q.BindAll(improver.label, improver.hash, improver.spec_json, now);
  db_.Check(q.Step(), "put evidence improver");
}

std::vector<EvidenceImprover> EvidenceTables::GetEvidenceImprovers() {
  std::vector<EvidenceImprover> out;
  const std::string any;
  StmtUse q(get_improvers_);
  q.BindAll(any, any);
  db_.Check(q.EachRow([&](const StmtUse& r) { out.push_back(ReadImprover(r)); }),
            "get evidence improvers");
  return out;
}

std::optional<EvidenceImprover> EvidenceTables::GetEvidenceImprover(const std::string& label) {
  if (label.empty()) return std::nullopt;
  std::optional<EvidenceImprover> out;
  StmtUse q(get_improvers_);
  q.BindAll(label, label);
  db_.Check(q.EachRow([&](const StmtUse& r) { out = ReadImprover(r); }), "get evidence improver");
  return out;
}

void EvidenceTables::AddEvidence(const EvidenceRow& r) {
  const std::string now = Db::Now();
  StmtUse q(add_row_);
  q.BindAll(r.improver_hash, r.arena, r.seed, r.label, r.arena_hash,
            static_cast<int64_t>(r.reached), r.seconds, r.evaluations, r.fitness_select,
            r.fitness_final, r.cap_seconds);
  if (r.run_id > 0) q.Bind(12, r.run_id);  // else NULL
  q.Bind(13, now);
  const int rc = q.Step();
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    throw Error(db_.path() + ": add evidence: improver " + r.improver_hash + " on arena " +
                r.arena + " seed " + std::to_string(r.seed) +
                (sqlite3_extended_errcode(db_.handle()) == SQLITE_CONSTRAINT_FOREIGNKEY
                     ? ": no such run " + std::to_string(r.run_id)
                     : " is already measured"));
  db_.Check(rc, "add evidence");
}

std::vector<EvidenceRow> EvidenceTables::GetEvidence(const std::string& improver_hash,
                                                     const std::string& arena) {
  std::vector<EvidenceRow> out;
  StmtUse q(get_rows_);
  q.BindAll(improver_hash, improver_hash, arena, arena);
  db_.Check(q.EachRow([&](const StmtUse& s) {
    EvidenceRow r;
    r.improver_hash = s.Text(0);
    r.arena = s.Text(1);
    r.seed = s.Int(2);
    r.label = s.Text(3);
    r.arena_hash = s.Text(4);
    r.reached = s.Int(5) != 0;
    r.seconds = s.Real(6);
    r.evaluations = s.Real(7);
    r.fitness_select = s.Real(8);
    r.fitness_final = s.Real(9);
    r.cap_seconds = s.Real(10);
    r.run_id = s.IsNull(11) ? 0 : s.Int(11);
    out.push_back(std::move(r));
  }),
            "get evidence");
  return out;
}

}  // namespace ouro::store
