// A search with a language model as its second proposer (issue 19), end to end through the run
// layer, against the project's test server (tests/llm/fake_llm_server, a separate process): every
// exchange is stored with the run and written to a cassette; the run replays bit for bit from the
// cassette without a server; a server that fails leaves the run going and the store consistent;
// and bad requests (a replay without [llm], an existing cassette, a cassette of another run) are
// clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "run/search_plan.h"
#include "run/search_session.h"
#include "store/store.h"
#include "../llm/fake_server.h"

namespace ouro::run {
namespace {

using ouro_test::FakeServer;
using ouro_test::Script;

const char* kProgram = "```\ndef setup():\n  s2 = 0.02\ndef predict():\n  s1 = dot(v0, v1)\n"
                       "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n```\n";

// A small search of the demo space asking the model for 5% of its children.
std::string ConfigText(const std::string& url, const std::string& cassette) {
  return "seed = 11\nthreads = 2\n[search]\nops = [\"scalar_const\", \"vector_dot\", \"scalar_sub\", "
         "\"scalar_mul\", \"scalar_vector_mul\", \"vector_add\"]\npopulation = 60\ntournament = 5\n"
         "max_individuals = 1500\nmax_experiments = 1\ncheck_every = 500\nbatch = 32\n"
         "sufficient_fitness = 2.0\nmodel = { share = 0.05, history = 2 }\n"
         "[tasks.search]\nfamily = \"linear\"\ntasks = 3\ntrain = 50\nvalid = 50\n"
         "[tasks.select]\nfamily = \"linear\"\ntasks = 3\ntrain = 50\nvalid = 50\n"
         "[tasks.held_out]\nfamily = \"linear\"\ntasks = 3\ntrain = 50\nvalid = 50\n"
         "[llm]\nbase_url = \"" + url + "\"\nretries = 1\nbackoff_seconds = 0\ntimeout_seconds = 5\n"
         "cassette = \"" + cassette + "\"\n";
}

SearchOutcome RunPlan(store::Store& db, const SearchRequest& r, int64_t* run_id = nullptr) {
  SearchSession session(db, PlanSearch(r));
  if (run_id) *run_id = session.run_id();
  return session.Run({});
}

std::string Lineage(const search::EvolutionResult& r) {
  std::string out;
  for (const auto& ind : r.lineage) out += std::to_string(ind->id) + (ind->proposed ? "*" : "") + " ";
  return out;
}

TEST(LlmSearch, ExchangesAreStoredAndTheRunReplaysFromItsCassette) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "llm_search_replay";
  std::filesystem::remove_all(dir);
  const std::string cassette = (dir / "run.cassette.jsonl").string();
  auto db = store::Store::Open(":memory:");
  SearchRequest live;
  SearchOutcome recorded;
  int64_t run = 0;
  {
    FakeServer server(Script{{{"content", kProgram}}, {{"content", "no program here"}}, {{"status", 500}},
                             {{"status", 500}}, {{"content", kProgram}}});
    live.config_text = ConfigText(server.url(), cassette);
    recorded = RunPlan(*db, live, &run);
  }
  const nlohmann::json& m = recorded.summary["model"];
  EXPECT_GT(m["requests"].get<int>(), 30);
  EXPECT_EQ(m["requests"], m["programs"].get<int>() + m["rejections"].get<int>());
  EXPECT_GT(m["programs"].get<int>(), 0);
  EXPECT_GT(m["rejections"].get<int>(), 0);
  EXPECT_EQ(m["exchanges"], m["requests"]);  // no budget here: every request was an exchange
  const auto rows = db->GetLlmExchanges(run);
  ASSERT_EQ(static_cast<int64_t>(rows.size()), m["requests"].get<int64_t>());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].seq, static_cast<int64_t>(i));
  EXPECT_NE(rows[0].program.find("dot(v0, v1)"), std::string::npos);
  EXPECT_NE(rows[1].rejection.find("does not parse"), std::string::npos) << rows[1].rejection;
  EXPECT_EQ(rows[2].rejection, "no reply: HTTP 500");
  EXPECT_EQ(nlohmann::json::parse(rows[2].outcome_json)["attempts"], 2);
  // Offline: the same config (the server is gone) answered from the cassette — the same run.
  SearchRequest replay = live;
  replay.llm_replay = cassette;
  const SearchOutcome again = RunPlan(*db, replay);
  EXPECT_EQ(again.summary["program"], recorded.summary["program"]);
  EXPECT_EQ(again.summary["fitness_select"], recorded.summary["fitness_select"]);
  EXPECT_EQ(again.summary["model"]["requests"], m["requests"]);
  EXPECT_EQ(Lineage(again.result), Lineage(recorded.result));
  // Recording again over the cassette would mix two runs in one file: refused, before the store.
  const size_t runs = db->ListRuns().size();
  EXPECT_THROW(PlanSearch(live), Error);
  EXPECT_EQ(db->ListRuns().size(), runs);
  std::filesystem::remove_all(dir);
}

TEST(LlmSearch, AServerThatIsDownLeavesTheRunGoingByMutation) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "llm_search_down";
  std::filesystem::remove_all(dir);
  auto db = store::Store::Open(":memory:");
  SearchRequest r;
  r.config_text = ConfigText("http://127.0.0.1:9/v1", (dir / "c.jsonl").string());  // nothing listens
  int64_t run = 0;
  const SearchOutcome out = RunPlan(*db, r, &run);
  EXPECT_EQ(db->GetRun(run)->status, "finished");
  EXPECT_EQ(out.result.progress.individuals, 1500);
  EXPECT_EQ(out.summary["model"]["programs"], 0);
  EXPECT_EQ(out.summary["model"]["rejections"], out.summary["model"]["requests"]);
  EXPECT_EQ(db->CountLlmExchanges(run), out.summary["model"]["requests"].get<int64_t>());
  std::filesystem::remove_all(dir);
}

TEST(LlmSearch, BadRequestsAreClearErrors) {
  SearchRequest no_llm;
  no_llm.config_text = "seed = 1\n";
  no_llm.llm_replay = "x.jsonl";
  try {
    PlanSearch(no_llm);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no [llm] section"), std::string::npos) << e.what();
  }
  SearchRequest missing;
  missing.config_text = ConfigText("http://127.0.0.1:9/v1", "unused.jsonl");
  missing.llm_replay = "/nonexistent/cassette.jsonl";
  EXPECT_THROW(PlanSearch(missing), Error);
  // A cassette of another run: its first request is not there, the run fails, nothing is lost.
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "llm_search_other";
  std::filesystem::create_directories(dir);
  const std::string other = (dir / "other.jsonl").string();
  std::ofstream(other) << R"({"key":"00","request":{},"outcome":{"ok":true,"content":"x","status":200,"attempts":1,)"
                       << R"("usage":{"prompt_tokens":0,"completion_tokens":0}}})"
                       << "\n";
  SearchRequest wrong = missing;
  wrong.llm_replay = other;
  auto db = store::Store::Open(":memory:");
  SearchSession session(*db, PlanSearch(wrong));
  EXPECT_THROW(session.Run({}), Error);
  EXPECT_EQ(db->GetRun(session.run_id())->status, "failed");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ouro::run
