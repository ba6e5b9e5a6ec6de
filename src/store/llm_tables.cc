// store/llm_tables.cc — a run's exchanges with a language model. See llm_tables.h.
#include "store/llm_tables.h"

#include "store/db.h"

namespace ouro::store {

LlmTables::LlmTables(Db& db)
    : db_(db),
      add_(db.Prepare("INSERT INTO llm_exchanges(run_id, seq, individual, request_json, outcome_json, program, "
                      "rejection) VALUES(?, ?, ?, ?, ?, ?, ?)")),
      get_(db.Prepare("SELECT seq, individual, request_json, outcome_json, program, rejection FROM llm_exchanges "
                      "WHERE run_id = ? ORDER BY seq")),
      count_(db.Prepare("SELECT count(*) FROM llm_exchanges WHERE run_id = ?")) {}

void LlmTables::AddLlmExchange(int64_t run_id, const LlmExchangeRow& row) {
  db_.RequireJson(row.request_json, "llm exchange request");
  db_.RequireJson(row.outcome_json, "llm exchange outcome");
  StmtUse q(add_);
  q.BindAll(run_id, row.seq, row.individual, row.request_json, row.outcome_json, row.program, row.rejection);
  db_.CheckInsert(q.Step(), "add llm exchange", run_id, "exchange " + std::to_string(row.seq));
}

std::vector<LlmExchangeRow> LlmTables::GetLlmExchanges(int64_t run_id) {
  std::vector<LlmExchangeRow> out;
  StmtUse q(get_);
  q.Bind(1, run_id);
  db_.Check(q.EachRow([&](const StmtUse& s) {
    out.push_back({s.Int(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5)});
  }),
            "get llm exchanges");
  return out;
}

int64_t LlmTables::CountLlmExchanges(int64_t run_id) {
  int64_t n = 0;
  StmtUse q(count_);
  q.Bind(1, run_id);
  db_.Check(q.EachRow([&](const StmtUse& s) { n = s.Int(0); }), "count llm exchanges");
  return n;
}

}  // namespace ouro::store
