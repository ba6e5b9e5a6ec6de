// store/schema.cc — the schema texts of every version, the table checks and the upgrade path.
#include "store/schema.h"

#include <cstdint>
#include <string>

#include "core/error.h"
#include "store/db.h"

namespace ouro::store::schema {

namespace {

// Version 1, exactly as ouro created it before version 2 existed.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  seed INTEGER NOT NULL,
  config_json TEXT NOT NULL,
  summary_json TEXT
);
CREATE TABLE programs(
  hash TEXT PRIMARY KEY,
  text TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE lineage(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  individual INTEGER NOT NULL,
  child_hash TEXT NOT NULL,
  parent_hash TEXT,
  mutation TEXT NOT NULL,
  fitness REAL NOT NULL
);
CREATE INDEX lineage_run ON lineage(run_id, individual);
CREATE TABLE evaluations(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  program_hash TEXT NOT NULL,
  task_set TEXT NOT NULL,
  fitness REAL NOT NULL,
  detail_json TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX evaluations_run ON evaluations(run_id, task_set);
CREATE TABLE metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seconds REAL NOT NULL,
  individuals INTEGER NOT NULL,
  evaluations INTEGER NOT NULL,
  best_fitness REAL NOT NULL,
  cache_hit_rate REAL NOT NULL,
  experiment INTEGER NOT NULL
);
CREATE INDEX metrics_run ON metrics(run_id);
)sql";

// Added by version 2. Empty text is stored as NULL (like lineage.parent_hash), and so is a NaN
// REAL (SQLite's own conversion), which reads back as NaN.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE improvers(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  hash TEXT NOT NULL,
  parent_hash TEXT,
  spec_json TEXT NOT NULL,
  meta_utility REAL,
  evidence_json TEXT,
  PRIMARY KEY(run_id, generation)
) WITHOUT ROWID;
CREATE TABLE candidates(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash TEXT NOT NULL,
  meta_operator TEXT NOT NULL,
  decision TEXT NOT NULL,
  llr REAL,
  wins INTEGER NOT NULL,
  losses INTEGER NOT NULL,
  draws INTEGER NOT NULL,
  meta_utility REAL,
  spec_json TEXT,
  evidence_json TEXT,
  PRIMARY KEY(run_id, generation, idx)
) WITHOUT ROWID;
CREATE TABLE curve(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  cumulative_evaluations INTEGER NOT NULL,
  seconds REAL,
  point_json TEXT NOT NULL,
  PRIMARY KEY(run_id, generation)
) WITHOUT ROWID;
)sql";

// Added by version 3: oversight. ALTER TABLE keeps every existing row; the new run columns take
// their defaults (no events, control "run", no owner).
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE runs ADD COLUMN audit_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN audit_head TEXT;
ALTER TABLE runs ADD COLUMN control TEXT NOT NULL DEFAULT 'run';
ALTER TABLE runs ADD COLUMN control_at TEXT;
ALTER TABLE runs ADD COLUMN progress_json TEXT;
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
CREATE TABLE events(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  content_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY(run_id, seq)
) WITHOUT ROWID;
CREATE TABLE items(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  item INTEGER NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  summary TEXT NOT NULL,
  evidence_json TEXT,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  note TEXT,
  PRIMARY KEY(run_id, item),
  UNIQUE(run_id, key)
) WITHOUT ROWID;
CREATE INDEX items_pending ON items(run_id, item) WHERE status = 'pending';
CREATE TABLE checkpoints(
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  state_json TEXT NOT NULL,
  written_at TEXT NOT NULL
);
)sql";

// Added by version 4: the test-arena measurements of improvers (`ouro evidence`). Not keyed by
// run: an improver (by spec hash) is measured once per arena seed, whatever label asked for it.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE evidence_improvers(
  label TEXT PRIMARY KEY,
  improver_hash TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  added_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE evidence(
  improver_hash TEXT NOT NULL,
  arena TEXT NOT NULL,
  seed INTEGER NOT NULL,
  label TEXT NOT NULL,
  arena_hash TEXT NOT NULL,
  reached INTEGER NOT NULL,
  seconds REAL NOT NULL,
  evaluations REAL NOT NULL,
  fitness_select REAL,
  fitness_final REAL,
  cap_seconds REAL NOT NULL,
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  measured_at TEXT NOT NULL,
  PRIMARY KEY(improver_hash, arena, seed)
) WITHOUT ROWID;
)sql";

// Added by version 5: the rows of self-play runs (selfplay_tables.h). A version's state is the
// evaluator's learned memory as opaque bytes (a BLOB, never NULL: empty is a zero-length BLOB).
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE selfplay_generations(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  report_json TEXT NOT NULL,
  PRIMARY KEY(run_id, generation)
) WITHOUT ROWID;
CREATE TABLE selfplay_versions(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  program_hash TEXT NOT NULL,
  state BLOB NOT NULL,
  meta_json TEXT,
  PRIMARY KEY(run_id, version)
) WITHOUT ROWID;
CREATE TABLE selfplay_matches(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  kind TEXT NOT NULL,
  version_a INTEGER NOT NULL,
  version_b INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  result_json TEXT NOT NULL,
  PRIMARY KEY(run_id, idx)
) WITHOUT ROWID;
)sql";

// Added by version 6: every exchange with a language model (llm_tables.h).
constexpr const char* kSchemaV6 = R"sql(
CREATE TABLE llm_exchanges(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  individual INTEGER NOT NULL,
  request_json TEXT NOT NULL,
  outcome_json TEXT NOT NULL,
  program TEXT NOT NULL,
  rejection TEXT NOT NULL,
  PRIMARY KEY(run_id, seq)
) WITHOUT ROWID;
)sql";

// The tables each schema version must hold (checked before an existing store is used or upgraded).
constexpr const char* kTablesV1 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics')";
constexpr int64_t kTableCountV1 = 5;
constexpr const char* kTablesV2 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics', 'improvers', 'candidates', 'curve')";
constexpr int64_t kTableCountV2 = 8;
constexpr const char* kTablesV3 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics', 'improvers', 'candidates', 'curve', "
    "'events', 'items', 'checkpoints')";
constexpr int64_t kTableCountV3 = 11;
constexpr const char* kTablesV4 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics', 'improvers', 'candidates', 'curve', "
    "'events', 'items', 'checkpoints', 'evidence_improvers', 'evidence')";
constexpr int64_t kTableCountV4 = 13;
constexpr const char* kTablesV5 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics', 'improvers', 'candidates', 'curve', "
    "'events', 'items', 'checkpoints', 'evidence_improvers', 'evidence', 'selfplay_generations', "
    "'selfplay_versions', 'selfplay_matches')";
constexpr int64_t kTableCountV5 = 16;
constexpr const char* kTablesV6 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics', 'improvers', 'candidates', 'curve', "
    "'events', 'items', 'checkpoints', 'evidence_improvers', 'evidence', 'selfplay_generations', "
    "'selfplay_versions', 'selfplay_matches', 'llm_exchanges')";
constexpr int64_t kTableCountV6 = 17;

constexpr const char* kForeign = ": not an ouro run store (an SQLite database with other tables)";

// A newer store must stay untouched; a negative version was never written by ouro.
void CheckVersion(const Db& db, int64_t v) {
  if (v > kVersion)
    throw Error(db.path() + ": run store schema version " + std::to_string(v) +
                " is newer than this ouro supports (" + std::to_string(kVersion) +
                "); use a newer ouro");
  if (v < 0)
    throw Error(db.path() + ": not an ouro run store (schema version " + std::to_string(v) + ")");
}

// An existing store must hold the tables of its version; checked before anything could write.
void CheckTables(Db& db, int64_t v) {
  if (v == 1 && db.QueryInt(kTablesV1, "read schema") != kTableCountV1)
    throw Error(db.path() + kForeign);
  if (v == 2 && db.QueryInt(kTablesV2, "read schema") != kTableCountV2)
    throw Error(db.path() + kForeign);
  if (v == 3 && db.QueryInt(kTablesV3, "read schema") != kTableCountV3)
    throw Error(db.path() + kForeign);
  if (v == 4 && db.QueryInt(kTablesV4, "read schema") != kTableCountV4)
    throw Error(db.path() + kForeign);
  if (v == 5 && db.QueryInt(kTablesV5, "read schema") != kTableCountV5)
    throw Error(db.path() + kForeign);
  if (v == 6 && db.QueryInt(kTablesV6, "read schema") != kTableCountV6)
    throw Error(db.path() + kForeign);
}

// Version 0 is a fresh file only while it holds no tables at all.
void CheckEmpty(Db& db) {
  if (db.QueryInt("SELECT count(*) FROM sqlite_schema", "read schema") != 0)
    throw Error(db.path() + kForeign);
}

// Runs body in the transaction `begin` opened; rolls back if it throws.
template <typename Body>
void InTransaction(Db& db, const char* begin, const char* what, Body body) {
  db.Exec(begin, what);
  try {
    body();
    db.Exec("COMMIT", what);
  } catch (...) {
    if (db.in_transaction()) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// The version and the tables are read in one read transaction: another process may be creating
// the schema meanwhile, and two separate reads could see an empty version with the new tables
// (and call a fresh store foreign).
int64_t ReadVersion(Db& db) {
  int64_t version = 0;
  InTransaction(db, "BEGIN", "read schema", [&] {
    version = db.QueryInt("PRAGMA user_version", "read schema version");
    CheckVersion(db, version);
    if (version == 0) CheckEmpty(db);
    CheckTables(db, version);
  });
  return version;
}

// Creates or upgrades the schema under the write lock; another process may have done it
// meanwhile, so the version is read again once the lock is held. A fresh store gets every
// version's tables in this one transaction and is never seen at an older version.
void Upgrade(Db& db, int64_t version) {
  const char* what = version == 0 ? "create schema" : "upgrade schema";
  InTransaction(db, "BEGIN IMMEDIATE", what, [&] {
    version = db.QueryInt("PRAGMA user_version", "read schema version");
    CheckVersion(db, version);
    const int64_t found = version;
    if (version == 0) {
      CheckEmpty(db);
      db.Exec(kSchemaV1, what);
      version = 1;
    } else {
      CheckTables(db, version);
    }
    if (version == 1) {
      db.Exec(kSchemaV2, what);
      version = 2;
    }
    if (version == 2) {
      db.Exec(kSchemaV3, what);
      version = 3;
    }
    if (version == 3) {
      db.Exec(kSchemaV4, what);
      version = 4;
    }
    if (version == 4) {
      db.Exec(kSchemaV5, what);
      version = 5;
    }
    if (version == 5) {
      db.Exec(kSchemaV6, what);
      version = 6;
    }
    if (version != found) {
      const std::string set = "PRAGMA user_version = " + std::to_string(version);
      db.Exec(set.c_str(), "set schema version");
    }
  });
}

}  // namespace

void Open(Db& db, int busy_timeout_ms) {
  // Read the version before anything that could write: a newer store must stay untouched.
  const int64_t version = ReadVersion(db);
  db.UseWal(busy_timeout_ms);
  db.Exec("PRAGMA synchronous=NORMAL", "set synchronous mode");
  db.Exec("PRAGMA foreign_keys=ON", "enable foreign keys");
  // Before an upgrade, so a damaged store is not written to.
  if (version != 0) db.QuickCheck();
  if (version < kVersion) Upgrade(db, version);
}

}  // namespace ouro::store::schema
