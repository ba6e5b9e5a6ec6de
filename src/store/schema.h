// store/schema.h — what a run store file holds, by version, and how an older one is brought up
// to date. Schema versions (PRAGMA user_version): 1 = runs, programs, lineage, evaluations,
// metrics; 2 adds improvers, candidates and curve for the recursive self-improvement ("rsi")
// loop; 3 adds oversight: events (the audit chain), items (approvals), checkpoints, and on runs
// the audit head, the control word, progress and the owner with its heartbeat; 4 adds the
// test-arena measurements of improvers (evidence_improvers, evidence); 5 adds the rows of
// self-play runs (selfplay_generations, selfplay_versions, selfplay_matches).
//
// Open never writes to a file it has not recognised: a database from a newer ouro is refused
// before any pragma could change it, and an SQLite database holding someone else's tables
// (user_version 0 with a non-empty schema, or a version without that version's tables) is
// refused rather than extended. A fresh store is created at the current version in one
// transaction; an older one is upgraded in place under the write lock (BEGIN IMMEDIATE), keeping
// every row, so no reader ever sees a store at an intermediate version.
#pragma once

namespace ouro::store {

class Db;

namespace schema {

inline constexpr int kVersion = 6;

// Checks the version and tables of db's file, switches it to WAL (synchronous=NORMAL, foreign
// keys on), runs the quick integrity check on an existing file, then creates or upgrades the
// schema. While another connection holds a write transaction on an older store, waits for it up
// to the busy timeout, then fails with an Error mentioning "locked" and leaves the store at its
// version. Every failure is an ouro::Error naming the file.
void Open(Db& db, int busy_timeout_ms);

}  // namespace schema
}  // namespace ouro::store
