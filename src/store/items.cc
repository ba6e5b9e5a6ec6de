// store/items.cc — approval items. See items.h.
#include "store/items.h"

#include "core/error.h"
#include "store/db.h"

namespace ouro::store {

namespace {

const std::string kItemColumns =
    "item, kind, key, summary, evidence_json, status, created_at, decided_by, decided_at, note";

ItemRow ReadItem(const StmtUse& q, int first) {
  ItemRow r;
  r.item = q.Int(first);
  r.kind = q.Text(first + 1);
  r.key = q.Text(first + 2);
  r.summary = q.Text(first + 3);
  r.evidence_json = q.Text(first + 4);
  r.status = q.Text(first + 5);
  r.created_at = q.Text(first + 6);
  r.decided_by = q.Text(first + 7);
  r.decided_at = q.Text(first + 8);
  r.note = q.Text(first + 9);
  return r;
}

}  // namespace

ApprovalItems::ApprovalItems(Db& db)
    : db_(db),
      find_item_number_(db.Prepare("SELECT item FROM items WHERE run_id = ? AND key = ?")),
      next_item_number_(
          db.Prepare("SELECT coalesce(max(item), 0) + 1 FROM items WHERE run_id = ?")),
      add_item_(db.Prepare(
          "INSERT INTO items(run_id, item, kind, key, summary, evidence_json, status, "
          "created_at) VALUES(?, ?, ?, ?, ?, ?, 'pending', ?)")),
      get_item_(db.Prepare("SELECT " + kItemColumns + " FROM items WHERE run_id = ? AND item = ?")),
      find_item_(db.Prepare("SELECT " + kItemColumns + " FROM items WHERE run_id = ? AND key = ?")),
      get_items_(db.Prepare("SELECT " + kItemColumns + " FROM items WHERE run_id = ? ORDER BY item")),
      get_pending_items_(db.Prepare("SELECT " + kItemColumns +
                                    " FROM items WHERE run_id = ? AND status = 'pending' "
                                    "ORDER BY item")),
      get_pending_items_all_(db.Prepare("SELECT run_id, " + kItemColumns +
                                        " FROM items WHERE status = 'pending' "
                                        "ORDER BY run_id, item")),
      decide_item_(db.Prepare(
          "UPDATE items SET status = ?, decided_by = ?, decided_at = ?, note = ? "
          "WHERE run_id = ? AND item = ? AND status = 'pending'")) {}

int64_t ApprovalItems::AddItem(int64_t run_id, const std::string& kind, const std::string& key,
                               const std::string& summary, const std::string& evidence_json) {
  if (key.empty()) throw Error(db_.path() + ": add item: the key is empty");
  db_.ValidateJson(evidence_json, "item evidence");
  WriteScope w(db_, "add item");
  {
    StmtUse q(find_item_number_);
    q.BindAll(run_id, key);
    int rc = q.Step();
    db_.Check(rc, "add item");
    if (rc == SQLITE_ROW) {
      const int64_t existing = q.Int(0);
      w.Commit("add item");
      return existing;
    }
  }
  int64_t item = 0;
  {
    StmtUse q(next_item_number_);
    q.Bind(1, run_id);
    db_.Check(q.Step(), "add item");
    item = q.Int(0);
  }
  {
    std::string now = Db::Now();
    StmtUse q(add_item_);
    q.BindAll(run_id, item, kind, key, summary, StmtUse::OrNull{evidence_json}, now);
    db_.CheckInsert(q.Step(), "add item", run_id, "item " + std::to_string(item));
  }
  w.Commit("add item");
  return item;
}

std::optional<ItemRow> ApprovalItems::GetItem(int64_t run_id, int64_t item) {
  StmtUse q(get_item_);
  q.BindAll(run_id, item);
  int rc = q.Step();
  db_.Check(rc, "get item");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadItem(q, 0);
}

std::optional<ItemRow> ApprovalItems::FindItem(int64_t run_id, const std::string& key) {
  StmtUse q(find_item_);
  q.BindAll(run_id, key);
  int rc = q.Step();
  db_.Check(rc, "find item");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadItem(q, 0);
}

std::vector<ItemRow> ApprovalItems::GetItems(int64_t run_id, bool pending_only) {
  std::vector<ItemRow> out;
  StmtUse q(pending_only ? get_pending_items_ : get_items_);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadItem(q, 0));
  db_.Check(rc, "get items");
  return out;
}

std::vector<std::pair<int64_t, ItemRow>> ApprovalItems::GetPendingItemsAllRuns() {
  std::vector<std::pair<int64_t, ItemRow>> out;
  StmtUse q(get_pending_items_all_);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.emplace_back(q.Int(0), ReadItem(q, 1));
  db_.Check(rc, "get pending items");
  return out;
}

void ApprovalItems::DecideItem(int64_t run_id, int64_t item, bool approve,
                               const std::string& actor, const std::string& note) {
  const std::string what = "item " + std::to_string(item) + " of run " + std::to_string(run_id);
  if (actor.empty()) throw Error(db_.path() + ": decide " + what + ": the actor is empty");
  WriteScope w(db_, "decide item");
  std::optional<ItemRow> row = GetItem(run_id, item);
  if (!row) {
    db_.RequireRun(run_id, "decide item");
    throw Error(db_.path() + ": decide item: run " + std::to_string(run_id) + " has no item " +
                std::to_string(item));
  }
  if (row->status != "pending")
    throw Error(db_.path() + ": " + what + " was already " + row->status + " by " +
                row->decided_by + " at " + row->decided_at);
  {
    std::string now = Db::NowMillis();
    const std::string status = approve ? "approved" : "rejected";
    StmtUse q(decide_item_);
    q.BindAll(status, actor, now, StmtUse::OrNull{note}, run_id, item);
    db_.Check(q.Step(), "decide item");
    OURO_CHECK(sqlite3_changes(db_.handle()) == 1);  // read as pending under the write lock above
  }
  w.Commit("decide item");
}

}  // namespace ouro::store
