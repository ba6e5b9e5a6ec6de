// store/checkpoints.cc — one checkpoint per run. See checkpoints.h.
#include "store/checkpoints.h"

#include "store/db.h"

namespace ouro::store {

Checkpoints::Checkpoints(Db& db)
    : db_(db),
      put_checkpoint_(db.Prepare(
          "INSERT INTO checkpoints(run_id, generation, state_json, written_at) "
          "VALUES(?, ?, ?, ?) "
          "ON CONFLICT(run_id) DO UPDATE SET generation = excluded.generation, "
          "state_json = excluded.state_json, written_at = excluded.written_at")),
      get_checkpoint_(
          db.Prepare("SELECT generation, state_json FROM checkpoints WHERE run_id = ?")) {}

void Checkpoints::PutCheckpoint(int64_t run_id, int generation, const std::string& state_json) {
  db_.RequireJson(state_json, "checkpoint state");
  std::string now = Db::NowMillis();
  StmtUse q(put_checkpoint_);
  q.BindAll(run_id, generation, state_json, now);
  db_.CheckInsert(q.Step(), "put checkpoint", run_id, "a checkpoint");
}

std::optional<std::pair<int, std::string>> Checkpoints::GetCheckpoint(int64_t run_id) {
  StmtUse q(get_checkpoint_);
  q.Bind(1, run_id);
  int rc = q.Step();
  db_.Check(rc, "get checkpoint");
  if (rc != SQLITE_ROW) return std::nullopt;
  return std::make_pair(static_cast<int>(q.Int(0)), q.Text(1));
}

}  // namespace ouro::store
