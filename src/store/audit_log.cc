// store/audit_log.cc — the audit chain's rows. See audit_log.h.
#include "store/audit_log.h"

#include "store/db.h"

namespace ouro::store {

AuditLog::AuditLog(Db& db)
    : db_(db),
      get_audit_head_(db.Prepare("SELECT audit_count, audit_head FROM runs WHERE id = ?")),
      add_event_(db.Prepare(
          "INSERT INTO events(run_id, seq, at, type, actor, content_json, prev_hash, hash) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?)")),
      set_audit_head_(
          db.Prepare("UPDATE runs SET audit_count = ?, audit_head = ? WHERE id = ?")),
      get_events_(db.Prepare(
          "SELECT seq, at, type, actor, content_json, prev_hash, hash FROM events "
          "WHERE run_id = ? ORDER BY seq")) {}

EventRow AuditLog::AppendEvent(int64_t run_id, const std::string& type, const std::string& actor,
                               const std::string& content_json) {
  db_.RequireJson(content_json, "event content");
  WriteScope w(db_, "append event");
  EventRow e;
  {
    StmtUse q(get_audit_head_);
    q.Bind(1, run_id);
    int rc = q.Step();
    db_.Check(rc, "append event");
    if (rc != SQLITE_ROW) db_.NoSuchRun("append event", run_id);
    e.seq = q.Int(0) + 1;
    e.prev_hash = q.Text(1);
  }
  if (e.prev_hash.empty()) e.prev_hash = oversight::kGenesisHash;
  e.at = Db::NowMillis();
  e.type = type;
  e.actor = actor;
  e.content_json = content_json;
  e.hash = oversight::EventHash(run_id, e);
  {
    StmtUse q(add_event_);
    q.BindAll(run_id, e.seq, e.at, e.type, e.actor, e.content_json, e.prev_hash, e.hash);
    // A taken seq means the head disagrees with the events table (a damaged chain).
    db_.CheckInsert(q.Step(), "append event", run_id,
                    "event " + std::to_string(e.seq) + " (its audit head is out of step)");
  }
  {
    StmtUse q(set_audit_head_);
    q.BindAll(e.seq, e.hash, run_id);
    db_.Check(q.Step(), "append event");
  }
  w.Commit("append event");
  return e;
}

std::vector<EventRow> AuditLog::GetEvents(int64_t run_id) {
  std::vector<EventRow> out;
  StmtUse q(get_events_);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    EventRow e;
    e.seq = q.Int(0);
    e.at = q.Text(1);
    e.type = q.Text(2);
    e.actor = q.Text(3);
    e.content_json = q.Text(4);
    e.prev_hash = q.Text(5);
    e.hash = q.Text(6);
    out.push_back(std::move(e));
  }
  db_.Check(rc, "get events");
  return out;
}

std::optional<std::pair<int64_t, std::string>> AuditLog::GetAuditHead(int64_t run_id) {
  StmtUse q(get_audit_head_);
  q.Bind(1, run_id);
  int rc = q.Step();
  db_.Check(rc, "get audit head");
  if (rc != SQLITE_ROW) return std::nullopt;
  const int64_t count = q.Int(0);
  std::string head = q.Text(1);
  if (head.empty() && count == 0) head = oversight::kGenesisHash;
  return std::make_pair(count, std::move(head));
}

}  // namespace ouro::store
