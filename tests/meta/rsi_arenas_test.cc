// Tests of the rsi loop's three arenas (train, validation, test): the config's rules (disjoint
// families, the sealed test arenas T1-T3, the old [rsi.held_out] table) and the seal itself — the
// test arena is measured and written, but changing it leaves the lineage byte-identical, and its
// compute is counted apart from the loop's.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "rsi_test_util.h"

namespace ouro::meta {
namespace {

using test::ExpectParseError;
using test::Tiny;

std::string Arenas(const std::string& train, const std::string& validation, const std::string& test) {
  return "[rsi.train]\nfamilies = [\"" + train + "\"]\n[rsi.validation]\nfamilies = [\"" + validation +
         "\"]\n[rsi.test]\nfamilies = [\"" + test + "\"]\n";
}

TEST(RsiArenas, OldHeldOutTableIsRefusedWithTheNewName) {
  ExpectParseError("[rsi.held_out]\nfamilies = [\"linear:dim=8\"]\n", {"t.toml:1", "[rsi.held_out]", "rename", "[rsi.test]"});
}

TEST(RsiArenas, FamiliesMustBeDisjointAcrossAllThree) {
  EXPECT_NO_THROW(ParseRsiConfig(Arenas("linear:dim=2", "linear:dim=3", "linear:dim=8"), "t.toml"));
  // Same family and dim, other sizes and seed: the same family.
  ExpectParseError(Arenas("linear:dim=2,tasks=3", "linear:dim=2,tasks=9,seed=4", "linear:dim=8"),
              {"t.toml", "[rsi.validation]", "[rsi.train]", "linear:dim=2", "disjoint"});
  ExpectParseError(Arenas("linear:dim=2", "linear:dim=3", "linear:dim=3,tasks=7"),
              {"t.toml", "[rsi.test]", "[rsi.validation]", "linear:dim=3"});
  ExpectParseError(Arenas("linear:dim=2", "linear:dim=3", "linear:dim=2,train=20"), {"[rsi.test]", "[rsi.train]"});
  // fmnist: a shared unordered pair overlaps, in either order and at any dim; disjoint lists do not.
  ExpectParseError(Arenas("linear:dim=2", "fmnist:dim=4,pairs=0-6;3-1", "fmnist:dim=8,pairs=2-4;1-3"),
              {"[rsi.test]", "[rsi.validation]", "fmnist"});
  EXPECT_NO_THROW(ParseRsiConfig(Arenas("linear:dim=2", "fmnist:dim=4,pairs=0-6;3-1", "fmnist:dim=4,pairs=2-4;5-7"),
                                 "t.toml"));
  // nonlinear: another hidden size is another family.
  EXPECT_NO_THROW(ParseRsiConfig(Arenas("nonlinear:dim=2,hidden=4", "nonlinear:dim=2,hidden=8", "linear:dim=8"),
                                 "t.toml"));
  ExpectParseError(Arenas("nonlinear:dim=2,hidden=4", "nonlinear:dim=2,hidden=4,tasks=3", "linear:dim=8"),
              {"[rsi.validation]", "[rsi.train]", "nonlinear"});
  // csv: the same file.
  ExpectParseError(Arenas("csv:path=/tmp/a.csv", "linear:dim=3", "csv:path=/tmp/a.csv,train=0.5,valid=0.5"),
              {"[rsi.test]", "[rsi.train]", "/tmp/a.csv"});
}

TEST(RsiArenas, TrainAndValidationMayNotUseASealedTestArenasKind) {
  ExpectParseError(Arenas("linear:dim=4,tasks=5", "linear:dim=3", "linear:dim=8"), {"t.toml", "[rsi.train]", "T1"});
  ExpectParseError(Arenas("linear:dim=2", "nonlinear:dim=4,hidden=2", "linear:dim=8"), {"[rsi.validation]", "T3"});
  ExpectParseError(Arenas("linear:dim=2", "fmnist:dim=16,pairs=0-1", "linear:dim=8"), {"[rsi.validation]", "T2"});
  // The test arena may be one of them.
  EXPECT_NO_THROW(ParseRsiConfig(Arenas("linear:dim=2", "linear:dim=3", "linear:dim=4"), "t.toml"));
  // The list names all three.
  const std::string text = SealedArenaText();
  for (const char* t : {"T1", "T2", "T3"}) EXPECT_NE(text.find(t), std::string::npos) << text;
}

// A stored run's recipe from before the three arenas: [rsi.held_out] is its test arena, and its
// validation arena is the same (oversight read the held-out arena then); its old default training
// family (linear:dim=4) is kept.
TEST(RsiArenas, StoredRecipesWithHeldOutStillLoad) {
  const std::string old = "[rsi.held_out]\nfamilies = [\"linear:dim=8,tasks=2\"]\nseeds = 3\nbudget = 700\ntarget = \"frozen\"\n";
  const RsiFileConfig f = ParseRsiConfig(old, "stored", /*stored=*/true);
  ASSERT_EQ(f.rsi.test.families.size(), 1u);
  EXPECT_EQ(f.rsi.test.families[0].dim, 8);
  EXPECT_EQ(f.rsi.test_seeds, 3);
  EXPECT_EQ(f.rsi.test.budget, 700);
  EXPECT_EQ(ToJson(f.rsi)["validation"], ToJson(f.rsi)["test"]);
  EXPECT_EQ(f.rsi.train.families[0].dim, 4);
  // A stored recipe in the new form gets the new rules.
  EXPECT_THROW(ParseRsiConfig(Arenas("linear:dim=4", "linear:dim=3", "linear:dim=8"), "stored", true), Error);
}

// ---- the seal --------------------------------------------------------------------------------

// Everything the loop decided and stored about its lineage, as text: every improver (its spec as
// stored), every candidate (spec, decision, games, LLR, the metrics oversight read), the counts
// and compute. The adoption hook vetoes a candidate that lost validation capability, so a
// decision reads the validation measurements as well.
struct Lineage {
  std::ostringstream text;
  RsiResult result;
};

void RunAndRecord(const RsiConfig& c, Lineage& out) {
  out.text.precision(17);
  RsiHooks h;
  h.on_improver = [&out](int gen, const ImproverSpec& s, const ImproverSpec*, const CandidateReport*) {
    out.text << "improver " << gen << " " << SpecHash(s) << " " << ToJson(s).dump() << "\n";
  };
  h.on_candidate = [&out](const CandidateReport& r) {
    out.text << "candidate " << r.generation << "." << r.index << " " << r.meta_operator << " " << r.decision << " "
             << ToJson(r.spec).dump() << " llr " << r.llr << " " << r.wins << "/" << r.losses << "/" << r.draws;
    for (const Game& g : r.games) out.text << " (" << g.incumbent_auc << " " << g.candidate_auc << ")";
    for (const auto& [k, v] : r.metrics) out.text << " " << k << "=" << v;
    out.text << " note " << r.note << "\n";
  };
  h.adopt = [](const Adoption& a) {
    if (!a.incumbent_validation || !a.candidate_validation) return false;
    return a.candidate_validation->capability >= a.incumbent_validation->capability - 0.05;
  };
  out.result = RunRsi(c, h);
  const RsiResult& r = out.result;
  out.text << "result " << r.adopted << " " << r.rejected << " " << r.inconclusive << " " << r.vetoed << " "
           << r.identical << " " << r.expected_false_adoptions << " " << r.cumulative_evaluations << " "
           << r.oversight_evaluations << " " << ToJson(r.final_spec).dump() << "\n";
  for (const auto& h2 : r.improver_hashes) out.text << h2 << "\n";
  for (const auto& p : r.curve) out.text << "point " << p.generation << " " << p.improver_hash << " "
                                         << p.cumulative_evaluations << " " << ToJson(p.validation).dump() << "\n";
}

TEST(RsiArenas, ChangingTheTestArenaLeavesTheLineageByteIdentical) {
  RsiConfig a = Tiny(1);
  a.generations = 3;
  RsiConfig b = a;
  b.test.families = {tasks::ParseTaskSpec("nonlinear:dim=5,tasks=3,train=12,valid=12,hidden=3")};
  b.test.budget = 450;
  b.test.target = 0.5;
  b.test_seeds = 3;
  Lineage la, lb;
  RunAndRecord(a, la);
  RunAndRecord(b, lb);
  ASSERT_GE(la.result.adopted + la.result.vetoed, 1) << "no candidate reached the seam:\n" << la.text.str();
  EXPECT_EQ(la.text.str(), lb.text.str());
  // The test arenas were measured (the frozen improver and each adoption) and counted apart.
  EXPECT_EQ(la.result.test_evaluations, TestCost(a) * (1 + la.result.adopted));
  EXPECT_EQ(lb.result.test_evaluations, TestCost(b) * (1 + lb.result.adopted));
  EXPECT_NE(la.result.frozen.capability, lb.result.frozen.capability);
  EXPECT_EQ(lb.result.frozen.auc.size(), 3u);
  // The comparison can fail: the validation arena feeds the metrics and the seam, and changing it
  // changes the recorded lineage.
  RsiConfig v = a;
  v.validation.families = {tasks::ParseTaskSpec("nonlinear:dim=1,tasks=2,train=10,valid=10,hidden=2")};
  Lineage lv;
  RunAndRecord(v, lv);
  EXPECT_NE(la.text.str(), lv.text.str());
}

// Test measurements are in no budget: a run-evaluations budget that the loop's own compute does
// not reach is not reached by adding the test arena's, however large.
TEST(RsiArenas, TestComputeCountsTowardNoBudget) {
  RsiConfig c = Tiny(2);
  c.generations = 2;
  const RsiResult free = RunRsi(c);
  ASSERT_EQ(free.stop_reason, "generations");
  c.run_budget.evaluations = free.cumulative_evaluations + 1;
  c.test.budget = static_cast<int64_t>(free.cumulative_evaluations);  // test compute alone would exceed it
  const RsiResult r = RunRsi(c);
  EXPECT_EQ(r.stop_reason, "generations");
  EXPECT_EQ(r.cumulative_evaluations, free.cumulative_evaluations);
  EXPECT_GT(r.test_evaluations, c.run_budget.evaluations);
}

}  // namespace
}  // namespace ouro::meta
