// Tests of the store's schema and of its table groups as separate parts: a store upgraded from
// version 1, 2, 3 or 4 holds exactly the tables, columns and indexes of a fresh store of the
// current version, and a function that needs one table group can take just that group from a
// Store.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "store_test_util.h"

using namespace ouro_store_test;
using ouro::store::AuditLog;
using ouro::store::RunsTable;
using ouro::store::Store;

namespace {

// Every schema object of the file at path, as "type name: sql", in a fixed order.
std::vector<std::string> RawSchema(const std::string& path) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db,
                               "SELECT type, name, coalesce(sql, '') FROM sqlite_schema "
                               "ORDER BY type, name",
                               -1, &q, nullptr),
            SQLITE_OK);
  while (sqlite3_step(q) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < 3; ++c) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(q, c));
      row += std::string(text ? text : "") + (c == 0 ? " " : c == 1 ? ": " : "");
    }
    out.push_back(row);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

TEST_F(StoreTest, UpgradedStoresHoldExactlyTheSchemaOfAFreshOne) {
  const std::string fresh = Path("fresh.db");
  Store::Open(fresh).reset();
  const std::vector<std::string> want = RawSchema(fresh);
  ASSERT_GE(want.size(), 16u);

  const std::string v1 = Path("v1.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(v1));
  Store::Open(v1).reset();
  EXPECT_EQ(RawSchema(v1), want);

  const std::string v2 = Path("v2.db");
  ASSERT_NO_FATAL_FAILURE(WriteV2Store(v2));
  Store::Open(v2).reset();
  EXPECT_EQ(RawSchema(v2), want);

  for (int version : {3, 4}) {
    const std::string path = Path("v" + std::to_string(version) + ".db");
    Store::Open(path).reset();
    ASSERT_NO_FATAL_FAILURE(DowngradeStore(path, version));
    EXPECT_NE(RawSchema(path), want);
    Store::Open(path).reset();
    EXPECT_EQ(RawSchema(path), want) << "from version " << version;
  }
}

// Code that needs one table group takes just that group.
int64_t StartRun(RunsTable& runs) { return runs.CreateRun("search", 1, "{}"); }
size_t Note(AuditLog& log, int64_t run) {
  log.AppendEvent(run, "note", "alice", "{}");
  return log.GetEvents(run).size();
}

TEST_F(StoreTest, AStoreIsEveryTableGroupOverOneConnection) {
  auto s = Store::Open(":memory:");
  const int64_t run = StartRun(*s);
  {
    ouro::store::Transaction tx(*s);
    EXPECT_EQ(Note(*s, run), 1u);
  }  // rolled back: the groups share the store's connection and its transaction
  EXPECT_TRUE(s->GetEvents(run).empty());
  EXPECT_EQ(Note(*s, run), 1u);
  EXPECT_EQ(s->GetRun(run)->kind, "search");
}

}  // namespace
