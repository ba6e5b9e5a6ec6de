// EvidenceSummary on rows written by the test, against figures computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "run/evidence.h"
#include "store/store.h"

namespace ouro::run {
namespace {

// Adds an improver's rows on one arena: (seconds, evaluations) per seed; seconds >= cap is
// censored at the cap.
void Add(store::Store& db, const std::string& label, const std::string& arena, double cap,
         const std::vector<std::pair<double, double>>& runs) {
  const std::string hash = "h-" + label;
  db.PutEvidenceImprover({label, hash, "{}"});
  int64_t seed = 1;
  for (auto [seconds, evaluations] : runs) {
    store::EvidenceRow r;
    r.improver_hash = hash;
    r.label = label;
    r.arena = arena;
    r.arena_hash = arena;
    r.seed = seed++;
    r.reached = seconds < cap;
    r.seconds = std::min(seconds, cap);
    r.evaluations = evaluations;
    r.cap_seconds = cap;
    db.AddEvidence(r);
  }
}

// t1 (cap 300): the frozen improver reaches 2 of 5 seeds (median > 300 s: a lower bound), t2 (cap
// 120) all 5 (median 40 s). final:1 reaches everything fast, final:2 3 of 5 on t1, null:1 none on
// t1 and frozen's times on t2.
void Fill(store::Store& db) {
  Add(db, "frozen", "t1", 300, {{100, 1000}, {200, 2000}, {300, 3000}, {300, 3000}, {300, 3000}});
  Add(db, "frozen", "t2", 120, {{20, 200}, {30, 300}, {40, 400}, {50, 500}, {60, 600}});
  Add(db, "final:1", "t1", 300, {{10, 100}, {20, 200}, {30, 300}, {40, 400}, {50, 500}});
  Add(db, "final:1", "t2", 120, {{10, 100}, {10, 100}, {10, 100}, {10, 100}, {10, 100}});
  Add(db, "final:2", "t1", 300, {{60, 600}, {60, 600}, {60, 600}, {300, 3000}, {300, 3000}});
  Add(db, "final:2", "t2", 120, {{20, 200}, {20, 200}, {20, 200}, {20, 200}, {20, 200}});
  Add(db, "null:1", "t1", 300, {{300, 3000}, {300, 3000}, {300, 3000}, {300, 3000}, {300, 3000}});
  Add(db, "null:1", "t2", 120, {{20, 200}, {30, 300}, {40, 400}, {50, 500}, {60, 600}});
}

TEST(EvidenceSummary, FiguresComputedByHand) {
  auto db = store::Store::Open(":memory:");
  Fill(*db);
  const nlohmann::json s = EvidenceSummary(*db);
  EXPECT_EQ(s["arenas"], nlohmann::json({"t1", "t2"}));
  EXPECT_TRUE(s["complete"].get<bool>());
  // Frozen KM medians: t1 > 300 s (3 of 5 censored), t2 40 s.
  const auto& frozen_t1 = s["per_arena"]["t1"]["frozen"];
  EXPECT_DOUBLE_EQ(frozen_t1["median_seconds"].get<double>(), 300);
  EXPECT_EQ(frozen_t1["median_seconds_bound"], "lower");
  EXPECT_EQ(frozen_t1["reached"], 2);
  // Restricted mean of (100, 200, 300, 300, 300) up to 300: 240.
  EXPECT_NEAR(frozen_t1["restricted_mean_seconds"].get<double>(), 240, 1e-9);
  EXPECT_DOUBLE_EQ(s["per_arena"]["t2"]["frozen"]["median_seconds"].get<double>(), 40);
  // final:1: t1 >= 300/30 = 10 (lower), t2 40/10 = 4 -> sqrt(40) as a lower bound.
  // final:2: t1 >= 300/60 = 5, t2 40/20 = 2 -> sqrt(10). Median of the two: their mean.
  const double want = (std::sqrt(40.0) + std::sqrt(10.0)) / 2;
  EXPECT_NEAR(s["wall_speedup"].get<double>(), want, 1e-9);
  EXPECT_EQ(s["wall_speedup_bound"], "lower");
  EXPECT_NEAR(s["speedup"].get<double>(), want, 1e-9);  // evaluations are 10 x seconds here
  EXPECT_GE(s["speedup_ci_low"].get<double>(), std::sqrt(10.0) - 1e-9);
  EXPECT_LE(s["speedup_ci_high"].get<double>(), std::sqrt(40.0) + 1e-9);
  EXPECT_LE(s["speedup_ci_low"].get<double>(), s["speedup"].get<double>());
  EXPECT_GE(s["speedup_ci_high"].get<double>(), s["speedup"].get<double>());
  // null:1: t1 both censored (nothing known, ratio of the bounds 1), t2 exactly 1.
  EXPECT_NEAR(s["null_speedup"].get<double>(), 1, 1e-12);
  EXPECT_EQ(s["null_speedup_bound"], "unknown");
  EXPECT_NEAR(s["final_vs_null_wall_speedup"].get<double>(), want, 1e-9);
  // Per arena, over the loop seeds: t1 (10 + 5) / 2, a lower bound.
  EXPECT_NEAR(s["per_arena"]["t1"]["wall_speedup"].get<double>(), 7.5, 1e-9);
  EXPECT_EQ(s["per_arena"]["t1"]["wall_speedup_bound"], "lower");
  // T1 solved: 5 and 3 of 5; more than half of the loop seeds (both) solved at least 3.
  EXPECT_EQ(s["t1_solved_per_loop_seed"], nlohmann::json({5, 3}));
  EXPECT_EQ(s["t1_solved"], 3);
  EXPECT_EQ(s["t1_seeds"], 5);
  EXPECT_EQ(s["t1_solved_frozen"], 2);
  EXPECT_EQ(s["t1_solved_null"], nlohmann::json({0}));
  EXPECT_EQ(s["loop_seeds"], 2);
  EXPECT_EQ(s["improvers"].size(), 4u);
}

TEST(EvidenceSummary, LabelsAndArenasSelectAndMissingCellsAreListed) {
  auto db = store::Store::Open(":memory:");
  Fill(*db);
  Add(*db, "final:3", "t1", 300, {{10, 100}, {10, 100}});  // 2 of t1's 5 seeds, no t2
  nlohmann::json s = EvidenceSummary(*db);
  EXPECT_FALSE(s["complete"].get<bool>());
  EXPECT_EQ(s["missing"], nlohmann::json({"final:3/t1", "final:3/t2"}));
  SummaryOptions o;
  o.labels = {"final:1"};
  o.arenas = {"t2"};
  s = EvidenceSummary(*db, o);
  EXPECT_TRUE(s["complete"].get<bool>());
  EXPECT_NEAR(s["wall_speedup"].get<double>(), 4, 1e-12);
  EXPECT_EQ(s["wall_speedup_bound"], "exact");
  EXPECT_TRUE(s["null_speedup"].is_null());
  EXPECT_TRUE(s["t1_seeds"].is_null());
  // One loop seed: a zero-width interval.
  EXPECT_NEAR(s["wall_speedup_ci_low"].get<double>(), 4, 1e-12);
}

TEST(EvidenceSummary, NeedsTheFrozenImprover) {
  auto db = store::Store::Open(":memory:");
  Add(*db, "final:1", "t1", 300, {{10, 100}});
  EXPECT_THROW(EvidenceSummary(*db), Error);
  Add(*db, "frozen", "t1", 300, {{10, 100}});
  SummaryOptions o;
  o.arenas = {"t9"};
  EXPECT_THROW(EvidenceSummary(*db, o), Error);
  o.arenas = {};
  o.labels = {"null:4"};
  EXPECT_THROW(EvidenceSummary(*db, o), Error);
}

}  // namespace
}  // namespace ouro::run
