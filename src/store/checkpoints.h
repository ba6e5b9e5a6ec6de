// store/checkpoints.h — the state a run resumes from: one checkpoint per run, replaced on each
// write (the checkpoints table).
//
// Thread-safety and failure rules: those of Store (store.h); Checkpoints is one of its parts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

class Checkpoints {
 public:
  explicit Checkpoints(Db& db);  // prepares the statements
  Checkpoints(const Checkpoints&) = delete;
  Checkpoints& operator=(const Checkpoints&) = delete;

  // Replaces the run's checkpoint. state_json must be valid JSON. Error for an unknown run.
  void PutCheckpoint(int64_t run_id, int generation, const std::string& state_json);
  std::optional<std::pair<int, std::string>> GetCheckpoint(int64_t run_id);  // (generation, state)

 private:
  Db& db_;
  sqlite3_stmt* put_checkpoint_;
  sqlite3_stmt* get_checkpoint_;
};

}  // namespace ouro::store
