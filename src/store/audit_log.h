// store/audit_log.h — each run's hash-chained audit events (the events table) and the chain's
// head recorded with the run (runs.audit_count, runs.audit_head). The chain's rules (EventHash,
// kGenesisHash, Verify) are oversight's (oversight/audit.h); this file only stores them.
//
// Thread-safety and failure rules: those of Store (store.h); an AuditLog is one of its parts.
// Appends from several processes to one run are serialised by SQLite's write lock, so the chain
// never forks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oversight/audit.h"

struct sqlite3_stmt;

namespace ouro::store {

class Db;

using oversight::EventRow;  // one audit event; see oversight/audit.h

class AuditLog {
 public:
  explicit AuditLog(Db& db);  // prepares the statements
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one event: seq = the run's event count + 1, at = now, prev_hash = the run's head (or
  // kGenesisHash), hash = EventHash; the run's head (count, hash) is updated with it. Atomic: in
  // the caller's transaction if one is open (all or nothing within it), else in its own
  // BEGIN IMMEDIATE transaction, so processes appending to the same run are serialised by the
  // write lock and never fork the chain. Error for an unknown run or content that is not JSON.
  EventRow AppendEvent(int64_t run_id, const std::string& type, const std::string& actor,
                       const std::string& content_json);
  std::vector<EventRow> GetEvents(int64_t run_id);  // ordered by seq; empty for an unknown run
  // (event count, hash of the last event) as recorded with the run; (0, kGenesisHash) before the
  // first event; nullopt for an unknown run.
  std::optional<std::pair<int64_t, std::string>> GetAuditHead(int64_t run_id);

 private:
  Db& db_;
  sqlite3_stmt* get_audit_head_;
  sqlite3_stmt* add_event_;
  sqlite3_stmt* set_audit_head_;
  sqlite3_stmt* get_events_;
};

}  // namespace ouro::store
