// store_v3_test_util.h — helpers shared by the tests of the run store's schema version 3
// (store_v3_test.cc, store_v3_items_test.cc): millisecond timestamps, SQL on a fresh raw
// connection, and the check that a run's audit chain verifies.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "oversight/audit.h"
#include "store/store.h"
#include "store_test_util.h"

namespace ouro_store_test {

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
inline bool IsIsoUtcMillis(const std::string& s) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return false;
  }
  return true;
}

// Runs sql on a fresh raw connection to path; false on error.
inline bool RawExecOn(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 5000);
  bool ok = RawExec(db, sql);
  sqlite3_close(db);
  return ok;
}

inline void ExpectChainOk(ouro::store::Store& s, int64_t run) {
  auto check = ouro::oversight::VerifyChain(run, s.GetEvents(run), s.GetAuditHead(run));
  EXPECT_TRUE(check.ok) << check.problem;
}

}  // namespace ouro_store_test
