// store/items.h — approval items: the questions a run puts to a human (an approval gate), each
// decided once, by one actor (the items table).
//
// Thread-safety and failure rules: those of Store (store.h); ApprovalItems is one of its parts.
// AddItem and DecideItem are atomic like AuditLog::AppendEvent: in the caller's transaction if
// one is open (so a decision and its audit event commit together), else in their own
// BEGIN IMMEDIATE transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

// One question put to a human (an approval gate): decided once, by one actor.
struct ItemRow {
  int64_t item = 0;           // 1, 2, ... within the run
  std::string kind;           // e.g. "adopt_improver"
  std::string key;            // unique within the run: the same question asked again finds it
  std::string summary;        // one line for people
  std::string evidence_json;  // valid JSON or empty
  std::string status;         // "pending", "approved" or "rejected"
  std::string created_at;     // ISO-8601 UTC
  std::string decided_by;     // empty while pending
  std::string decided_at;     // ISO-8601 UTC with milliseconds; empty while pending
  std::string note;
};

class ApprovalItems {
 public:
  explicit ApprovalItems(Db& db);  // prepares the statements
  ApprovalItems(const ApprovalItems&) = delete;
  ApprovalItems& operator=(const ApprovalItems&) = delete;

  // Adds a pending item numbered 1, 2, ... within the run and returns its number. Idempotent by
  // key: if the run already has an item with this key, returns its number and changes nothing
  // (a resumed run asks the same question again and finds the earlier answer). Atomic. Error
  // for an unknown run or evidence that is not JSON (empty is allowed).
  int64_t AddItem(int64_t run_id, const std::string& kind, const std::string& key,
                  const std::string& summary, const std::string& evidence_json);
  std::optional<ItemRow> GetItem(int64_t run_id, int64_t item);
  std::optional<ItemRow> FindItem(int64_t run_id, const std::string& key);
  std::vector<ItemRow> GetItems(int64_t run_id, bool pending_only);  // ordered by item
  // Every pending item of every run as (run id, item), ordered by run and item.
  std::vector<std::pair<int64_t, ItemRow>> GetPendingItemsAllRuns();
  // Approves or rejects a pending item. Error for an unknown run or item, or an item that is no
  // longer pending ("item 3 of run 1 was already approved by alice at ..."). Atomic, so a caller
  // that opened a transaction can append the matching event with it.
  void DecideItem(int64_t run_id, int64_t item, bool approve, const std::string& actor,
                  const std::string& note);

 private:
  Db& db_;
  sqlite3_stmt* find_item_number_;
  sqlite3_stmt* next_item_number_;
  sqlite3_stmt* add_item_;
  sqlite3_stmt* get_item_;
  sqlite3_stmt* find_item_;
  sqlite3_stmt* get_items_;
  sqlite3_stmt* get_pending_items_;
  sqlite3_stmt* get_pending_items_all_;
  sqlite3_stmt* decide_item_;
};

}  // namespace ouro::store
