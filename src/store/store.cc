// store/store.cc — opening a Store: the connection, the schema, then every table group's
// statements (preparing them also checks that the tables and columns are the expected ones).
#include "store/store.h"

#include "store/db.h"
#include "store/schema.h"

namespace ouro::store {

namespace {
constexpr int kDefaultBusyTimeoutMs = 5000;
}  // namespace

namespace internal {
Connection::Connection(std::unique_ptr<Db> db) : conn_(std::move(db)) {}
Connection::~Connection() = default;
}  // namespace internal

Store::Store(std::unique_ptr<Db> db)
    : Connection(std::move(db)),
      RunsTable(conn()),
      LineageTable(conn()),
      RsiTables(conn()),
      AuditLog(conn()),
      ApprovalItems(conn()),
      Leases(conn()),
      Checkpoints(conn()),
      EvidenceTables(conn()),
      SelfplayTables(conn()),
      LlmTables(conn()) {}

Store::~Store() = default;  // the groups go first; ~Connection finalizes and closes

std::unique_ptr<Store> Store::Open(const std::string& path) {
  return OpenImpl(path, kDefaultBusyTimeoutMs, /*create=*/true);
}

std::unique_ptr<Store> Store::Open(const std::string& path, int busy_timeout_ms) {
  return OpenImpl(path, busy_timeout_ms, /*create=*/true);
}

std::unique_ptr<Store> Store::OpenExisting(const std::string& path) {
  return OpenImpl(path, kDefaultBusyTimeoutMs, /*create=*/false);
}

std::unique_ptr<Store> Store::OpenImpl(const std::string& path, int busy_timeout_ms, bool create) {
  std::unique_ptr<Db> db = Db::Connect(path, busy_timeout_ms, create);
  schema::Open(*db, busy_timeout_ms);
  db->PrepareCore();
  return std::unique_ptr<Store>(new Store(std::move(db)));
}

const std::string& Store::path() const { return conn().path(); }
void Store::Begin() { conn().Begin(); }
void Store::Commit() { conn().Commit(); }
void Store::Rollback() { conn().Rollback(); }
bool Store::in_transaction() const { return conn().in_transaction(); }
void Store::SetBusyTimeout(int ms) { conn().SetBusyTimeout(ms); }
int64_t Store::SetMaxPages(int64_t pages) { return conn().SetMaxPages(pages); }

}  // namespace ouro::store
