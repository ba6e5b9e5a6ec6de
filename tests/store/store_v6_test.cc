// Tests of the run store's schema version 6: a run's exchanges with a language model — round trip
// in order, refusals (unknown run, taken seq, invalid JSON), deletion with the run's cascade, and the
// upgrade from version 5 keeping every row.
#include <sqlite3.h>

#include <string>

#include "store/store.h"
#include "store_test_util.h"

namespace ouro_store_test {
namespace {

using ouro::store::LlmExchangeRow;
using ouro::store::SelfplayGenerationRow;
using ouro::store::Store;

LlmExchangeRow Exchange(int64_t seq, bool accepted) {
  LlmExchangeRow e;
  e.seq = seq;
  e.individual = 100 + seq;
  e.request_json = R"({"model":"m","messages":[{"role":"user","content":"q)" + std::to_string(seq) + R"("}]})";
  e.outcome_json = accepted ? R"({"ok":true,"content":"def predict():\n  s1 = s0\n"})" : R"({"ok":false,"error":"HTTP 500"})";
  e.program = accepted ? "def predict():\n  s1 = s0\n" : "";
  e.rejection = accepted ? "" : "no reply: HTTP 500";
  return e;
}

TEST_F(StoreTest, LlmExchangesRoundTripInOrderAndAreRefusedWhenBad) {
  auto s = Store::Open(Path("llm.db"));
  const int64_t r = s->CreateRun("search", 1, "{}"), other = s->CreateRun("search", 2, "{}");
  for (int64_t seq : {0, 2, 1}) s->AddLlmExchange(r, Exchange(seq, seq != 1));
  s->AddLlmExchange(other, Exchange(0, false));
  const auto got = s->GetLlmExchanges(r);
  ASSERT_EQ(got.size(), 3u);
  for (int64_t i = 0; i < 3; ++i) {
    const LlmExchangeRow want = Exchange(i, i != 1);
    EXPECT_EQ(got[static_cast<size_t>(i)].seq, i);
    EXPECT_EQ(got[static_cast<size_t>(i)].individual, want.individual);
    EXPECT_EQ(got[static_cast<size_t>(i)].request_json, want.request_json);
    EXPECT_EQ(got[static_cast<size_t>(i)].outcome_json, want.outcome_json);
    EXPECT_EQ(got[static_cast<size_t>(i)].program, want.program);
    EXPECT_EQ(got[static_cast<size_t>(i)].rejection, want.rejection);
  }
  EXPECT_EQ(s->CountLlmExchanges(r), 3);
  EXPECT_EQ(s->CountLlmExchanges(other), 1);
  ExpectError([&] { s->AddLlmExchange(r, Exchange(2, true)); }, {"already has", "exchange 2"});
  ExpectError([&] { s->AddLlmExchange(999, Exchange(0, true)); }, {"no such run"});
  LlmExchangeRow bad = Exchange(5, true);
  bad.outcome_json = "{not json";
  ExpectError([&] { s->AddLlmExchange(r, bad); }, {"llm exchange outcome"});
  EXPECT_EQ(s->CountLlmExchanges(r), 3);
}

TEST_F(StoreTest, Version5StoreIsUpgradedToVersion6KeepingItsRows) {
  const std::string path = Path("v5.db");
  {
    auto s = Store::Open(path);
    const int64_t run = s->CreateRun("selfplay", 5, R"({"x":1})");
    s->AddSelfplayGeneration(run, SelfplayGenerationRow{1, R"({"games":3})"});
  }
  ASSERT_NO_FATAL_FAILURE(DowngradeStore(path, 5));
  auto s = Store::Open(path);
  EXPECT_EQ(RawUserVersion(path), kCurrentVersion);
  ASSERT_EQ(s->ListRuns().size(), 1u);
  const int64_t run = s->ListRuns()[0].id;
  ASSERT_EQ(s->GetSelfplayGenerations(run).size(), 1u);
  EXPECT_EQ(s->GetSelfplayGenerations(run)[0].report_json, R"({"games":3})");
  s->AddLlmExchange(run, Exchange(0, true));  // the new table works, for the old run too
  EXPECT_EQ(s->CountLlmExchanges(run), 1);
}

}  // namespace
}  // namespace ouro_store_test
