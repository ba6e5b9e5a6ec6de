// store/llm_tables.h — every exchange a run had with a language model (issue 19): the request
// body as sent (never the API key: it is not part of a body), the outcome (the reply or why there
// was none, the HTTP status, attempts and token usage) and what became of the reply (the accepted
// program's text, or the reason it was rejected), numbered per run in the order they happened, with
// the child of the search they were for.
//
// Thread-safety and failure rules: those of Store (store.h); LlmTables is one of its parts.
// AddLlmExchange throws Error for an unknown run ("no such run"), a taken (run, seq) ("already
// has ...") and a JSON field that is not valid JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

struct LlmExchangeRow {
  int64_t seq = 0;          // 0, 1, ... per run
  int64_t individual = -1;  // the search's child it was for (-1: none)
  std::string request_json;  // the body sent; valid JSON
  std::string outcome_json;  // llm::ChatOutcome::ToJson; valid JSON
  std::string program;       // the accepted program ("" if none)
  std::string rejection;     // why none
};

class LlmTables {
 public:
  explicit LlmTables(Db& db);
  LlmTables(const LlmTables&) = delete;
  LlmTables& operator=(const LlmTables&) = delete;

  void AddLlmExchange(int64_t run_id, const LlmExchangeRow& row);
  std::vector<LlmExchangeRow> GetLlmExchanges(int64_t run_id);  // by seq
  int64_t CountLlmExchanges(int64_t run_id);

 private:
  Db& db_;
  sqlite3_stmt* add_;
  sqlite3_stmt* get_;
  sqlite3_stmt* count_;
};

}  // namespace ouro::store
