// Tests of run/rsi_takeoff.h over runs written through the Store API: the costs are the
// differences of the curve's cumulative evaluations, the compute since the last adoption comes
// from the summary (or the progress of a running run), and unknown or non-rsi runs are errors.
#include "run/rsi_takeoff.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace ouro::run {
namespace {

using nlohmann::json;

// An rsi run whose k-th adoption (generation 2k) cost costs[k-1] evaluations, with capability
// 0.05 * compute^0.2 on the curve.
int64_t WriteRun(store::Store& db, const std::vector<double>& costs) {
  const int64_t run = db.CreateRun("rsi", 1, "{}");
  double cumulative = 0;
  auto point = [&](int generation, double capability) {
    const json p = {{"improver", "h"}, {"incumbent", {{"capability", capability}}}, {"frozen", {{"capability", 0.2}}}};
    db.AddCurvePoint(run, {generation, static_cast<int64_t>(cumulative), 1.0, p.dump()});
  };
  point(0, 0.2);
  for (size_t k = 0; k < costs.size(); ++k) {
    cumulative += costs[k];
    point(2 * static_cast<int>(k + 1), 0.05 * std::pow(cumulative, 0.2));
  }
  return run;
}

TEST(RsiTakeoff, CostsAreTheComputeBetweenAdoptions) {
  auto db = store::Store::Open(":memory:");
  const std::vector<double> costs{1000, 700, 490, 343, 240};
  const int64_t run = WriteRun(*db, costs);
  db->FinishRun(run, "finished", json{{"cumulative_evaluations", 2773 + 100}}.dump());
  const RunTakeoff t = LoadTakeoff(*db, run);
  EXPECT_EQ(t.input.costs, costs);
  EXPECT_EQ(t.input.compute.size(), 6u);
  EXPECT_DOUBLE_EQ(t.input.since_last_adoption, 100);
  EXPECT_NEAR(t.estimate.f->estimate, 0.3, 1e-3);  // the costs are rounded to whole evaluations
  EXPECT_NEAR(t.estimate.returns->estimate, 0.2, 1e-6);
  EXPECT_EQ(t.estimate.verdict, "accelerating");
  const json j = TakeoffJson(t);
  EXPECT_EQ(j["run_id"], run);
  EXPECT_EQ(j["verdict"], "accelerating");
  EXPECT_NEAR(j["f"].get<double>(), 0.3, 1e-3);
}

TEST(RsiTakeoff, ARunningRunUsesItsProgressAndAStallCounts) {
  auto db = store::Store::Open(":memory:");
  const int64_t run = WriteRun(*db, {1000, 700, 490, 343});
  db->SetProgress(run, json{{"evaluations", 2533 + 500}}.dump());
  const RunTakeoff t = LoadTakeoff(*db, run);
  EXPECT_DOUBLE_EQ(t.input.since_last_adoption, 500);
  EXPECT_TRUE(t.estimate.stalled);  // 500 since the last adoption, which cost 343
  EXPECT_EQ(t.estimate.verdict, "steady");
}

TEST(RsiTakeoff, FewAdoptionsAreInsufficient) {
  auto db = store::Store::Open(":memory:");
  const int64_t run = WriteRun(*db, {1000, 700});
  const RunTakeoff t = LoadTakeoff(*db, run);
  EXPECT_EQ(t.estimate.verdict, "insufficient");
  EXPECT_DOUBLE_EQ(t.input.since_last_adoption, 0);  // neither summary nor progress
  EXPECT_TRUE(TakeoffJson(t)["f"].is_null());
  const int64_t empty = db->CreateRun("rsi", 1, "{}");
  EXPECT_EQ(LoadTakeoff(*db, empty).estimate.verdict, "insufficient");
}

TEST(RsiTakeoff, UnknownAndNonRsiRunsAreErrors) {
  auto db = store::Store::Open(":memory:");
  const int64_t search = db->CreateRun("search", 1, "{}");
  try {
    LoadTakeoff(*db, search);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only rsi runs"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LoadTakeoff(*db, 99), Error);
}

}  // namespace
}  // namespace ouro::run
