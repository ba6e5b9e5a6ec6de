// run::SearchSession: a search run from its row to its summary — what it stores, and its final
// status when the search ends, is stopped, or fails.
#include "run/search_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "core/error.h"
#include "store/store.h"
#include "tasks/partition.h"

namespace ouro::run {
namespace {

SearchPlan SmallPlan(const std::atomic<bool>* stop) {
  SearchPlan plan;
  plan.config = search::DefaultRunConfig();
  search::RunConfig& cfg = plan.config;
  cfg.seed = 3;
  cfg.threads = 1;
  cfg.budget.max_evaluations = 300;
  cfg.budget.stop = stop;
  cfg.warmup_tasks.reset();
  cfg.evolution.warmup_individuals = 0;
  plan.partition = tasks::MakePartition(cfg.search_tasks, cfg.select_tasks, cfg.held_out_tasks, nullptr);
  plan.config_json = search::ToJson(cfg);
  return plan;
}

TEST(SearchSession, StoresTheRunFromItsRowToItsSummary) {
  auto db = store::Store::Open(":memory:");
  SearchSession session(*db, SmallPlan(nullptr));
  const int64_t run = session.run_id();
  ASSERT_TRUE(db->GetRun(run).has_value());
  EXPECT_EQ(db->GetRun(run)->kind, "search");
  EXPECT_EQ(db->GetRun(run)->status, "running");  // opened before any work
  int reports = 0;
  const SearchOutcome out = session.Run([&](const search::Progress&) { ++reports; });
  const auto r = db->GetRun(run);
  EXPECT_EQ(r->status, "finished");
  EXPECT_EQ(r->seed, 3u);
  EXPECT_EQ(nlohmann::json::parse(r->summary_json), out.summary);
  EXPECT_EQ(out.summary["run_id"], run);
  EXPECT_EQ(out.summary["stop_reason"], out.result.stop_reason);
  EXPECT_EQ(static_cast<int>(db->GetMetrics(run).size()), reports);  // one metric row per report
  ASSERT_TRUE(out.result.best != nullptr);
  EXPECT_EQ(db->GetEvaluations(run, "held_out").size(), 1u);
  EXPECT_EQ(db->GetLineage(run).size(), out.result.lineage.size());
  EXPECT_FALSE(out.program_live.empty());
  EXPECT_EQ(*db->GetProgram(db->GetLineage(run).back().child_hash), out.summary["program"].get<std::string>());
}

TEST(SearchSession, AStopFlagEndsTheRunAsStopped) {
  auto db = store::Store::Open(":memory:");
  std::atomic<bool> stop{true};
  SearchSession session(*db, SmallPlan(&stop));
  const SearchOutcome out = session.Run({});
  EXPECT_EQ(out.result.stop_reason, "stopped");
  EXPECT_EQ(db->GetRun(session.run_id())->status, "stopped");
}

TEST(SearchSession, AFailedSearchMarksTheRunFailed) {
  auto db = store::Store::Open(":memory:");
  SearchPlan plan = SmallPlan(nullptr);
  plan.config.evolution.population = 0;
  SearchSession session(*db, std::move(plan));
  EXPECT_THROW(session.Run({}), Error);
  EXPECT_EQ(db->GetRun(session.run_id())->status, "failed");
}

}  // namespace
}  // namespace ouro::run
