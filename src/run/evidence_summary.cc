// run/evidence_summary.cc — EvidenceSummary (evidence.h): the stored rows read as speedups with
// censoring handled by Kaplan–Meier (meta/survival.h). Definitions: docs/benchmarks.md.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/survival.h"
#include "run/evidence.h"

namespace ouro::run {
namespace {

using meta::Bounded;
using nlohmann::json;

// One improver on one arena: its runs as censored times to target.
struct Cell {
  int seeds = 0, reached = 0;
  double cap = 0;
  Bounded seconds, evaluations;  // KM medians
  double restricted_mean_seconds = 0;
};

struct Measured {
  store::EvidenceImprover improver;
  std::string kind;  // "frozen", "final", "null"
  std::map<std::string, Cell> cells;
  std::map<std::string, Bounded> eval_ratio, wall_ratio;  // frozen / this, per arena
  std::optional<Bounded> speedup, wall_speedup;           // geometric means over the arenas
};

Cell MakeCell(const std::vector<store::EvidenceRow>& rows) {
  Cell c;
  std::vector<meta::Observation> seconds, evaluations;
  for (const store::EvidenceRow& r : rows) {
    ++c.seeds;
    c.reached += r.reached ? 1 : 0;
    c.cap = std::max(c.cap, r.cap_seconds);
    seconds.push_back({r.seconds, !r.reached});
    evaluations.push_back({r.evaluations, !r.reached});
  }
  // A ratio needs positive medians; a target met at no cost would be a degenerate arena.
  auto positive = [](Bounded b) { return Bounded{std::max(b.value, 1e-9), b.bound}; };
  c.seconds = positive(meta::KmMedian(seconds));
  c.evaluations = positive(meta::KmMedian(evaluations));
  c.restricted_mean_seconds = meta::RestrictedMean(seconds, c.cap);
  return c;
}

void Put(json& j, const std::string& key, const Bounded& b) {
  j[key] = b.value;
  j[key + "_bound"] = meta::BoundName(b.bound);
}

json CellJson(const Cell& c) {
  json j = {{"seeds", c.seeds},
            {"reached", c.reached},
            {"cap_seconds", c.cap},
            {"restricted_mean_seconds", c.restricted_mean_seconds}};
  Put(j, "median_seconds", c.seconds);
  Put(j, "median_evaluations", c.evaluations);
  return j;
}

// A group's figure: the median over its improvers (loop seeds) with a bootstrap interval.
void PutFigure(json& out, const std::string& key, const std::vector<Bounded>& values,
               const SummaryOptions& o) {
  if (values.empty()) {
    for (const char* s : {"", "_bound", "_ci_low", "_ci_high"}) out[key + s] = nullptr;
    return;
  }
  std::vector<double> v;
  for (const Bounded& b : values) v.push_back(b.value);
  const meta::Interval ci = meta::PercentileBootstrap(
      {static_cast<int>(v.size())},
      [&](const meta::BootstrapDraw& d) {
        std::vector<double> x;
        for (int i : d[0]) x.push_back(v[i]);
        return meta::Median(x);
      },
      o.confidence, o.resamples, o.seed);
  Put(out, key, meta::BoundedMedian(values));
  out[key + "_ci_low"] = ci.low;
  out[key + "_ci_high"] = ci.high;
}

// median(a) / median(b), two groups resampled separately.
void PutGroupRatio(json& out, const std::string& key, const std::vector<Bounded>& a,
                   const std::vector<Bounded>& b, const SummaryOptions& o) {
  if (a.empty() || b.empty()) {
    for (const char* s : {"", "_bound", "_ci_low", "_ci_high"}) out[key + s] = nullptr;
    return;
  }
  auto med = [](const std::vector<Bounded>& g, const std::vector<int>& idx) {
    std::vector<double> x;
    for (int i : idx) x.push_back(g[i].value);
    return meta::Median(x);
  };
  const meta::Interval ci = meta::PercentileBootstrap(
      {static_cast<int>(a.size()), static_cast<int>(b.size())},
      [&](const meta::BootstrapDraw& d) { return med(a, d[0]) / med(b, d[1]); }, o.confidence,
      o.resamples, o.seed);
  Put(out, key, meta::BoundedRatio(meta::BoundedMedian(a), meta::BoundedMedian(b)));
  out[key + "_ci_low"] = ci.low;
  out[key + "_ci_high"] = ci.high;
}

// Every labelled improver with its cells on the chosen arenas; the frozen one first.
std::vector<Measured> LoadMeasured(store::Store& db, const std::vector<std::string>& labels,
                                   std::vector<std::string>& arenas) {
  std::vector<Measured> out;
  for (const std::string& l : labels) {
    CheckEvidenceLabel(l);
    if (!db.GetEvidenceImprover(l))
      throw Error(db.path() + ": no improver labelled '" + l + "' in the store");
  }
  for (const store::EvidenceImprover& imp : db.GetEvidenceImprovers()) {
    if (!labels.empty() && imp.label != "frozen" &&
        std::find(labels.begin(), labels.end(), imp.label) == labels.end())
      continue;
    Measured m{imp, imp.label == "frozen" ? "frozen" : imp.label.substr(0, imp.label.find(':')),
               {},  {},
               {},  {},
               {}};
    std::map<std::string, std::vector<store::EvidenceRow>> rows;
    for (store::EvidenceRow& r : db.GetEvidence(imp.hash)) rows[r.arena].push_back(std::move(r));
    for (auto& [arena, rs] : rows) m.cells[arena] = MakeCell(rs);
    out.push_back(std::move(m));
  }
  std::stable_partition(out.begin(), out.end(),
                        [](const Measured& m) { return m.kind == "frozen"; });
  if (out.empty() || out[0].kind != "frozen" || out[0].cells.empty())
    throw Error(db.path() +
                ": no measurements of the frozen improver (ouro evidence measure --label frozen)");
  if (arenas.empty())
    for (const auto& [a, c] : out[0].cells) arenas.push_back(a);
  for (const std::string& a : arenas)
    if (!out[0].cells.count(a))
      throw Error(db.path() + ": the frozen improver has no measurements on arena '" + a + "'");
  return out;
}

// Ratios against the frozen improver; cells an improver lacks are listed in `missing`.
void Compare(std::vector<Measured>& all, const std::vector<std::string>& arenas, json& missing) {
  const Measured& frozen = all[0];
  for (Measured& m : all) {
    std::vector<Bounded> eval, wall;
    for (const std::string& a : arenas) {
      auto it = m.cells.find(a);
      if (it == m.cells.end() || it->second.seeds < frozen.cells.at(a).seeds) {
        missing.push_back(m.improver.label + "/" + a);
        if (it == m.cells.end()) continue;
      }
      m.eval_ratio[a] = meta::BoundedRatio(frozen.cells.at(a).evaluations, it->second.evaluations);
      m.wall_ratio[a] = meta::BoundedRatio(frozen.cells.at(a).seconds, it->second.seconds);
      eval.push_back(m.eval_ratio[a]);
      wall.push_back(m.wall_ratio[a]);
    }
    if (!eval.empty()) {
      m.speedup = meta::GeometricMean(eval);
      m.wall_speedup = meta::GeometricMean(wall);
    }
  }
}

json ImproverJson(const Measured& m) {
  json j = {{"label", m.improver.label},
            {"hash", m.improver.hash},
            {"kind", m.kind},
            {"arenas", json::object()}};
  for (const auto& [a, c] : m.cells) {
    json cell = CellJson(c);
    if (m.kind != "frozen" && m.eval_ratio.count(a)) {
      Put(cell, "speedup", m.eval_ratio.at(a));
      Put(cell, "wall_speedup", m.wall_ratio.at(a));
    }
    j["arenas"][a] = cell;
  }
  if (m.speedup && m.kind != "frozen") {
    Put(j, "speedup", *m.speedup);
    Put(j, "wall_speedup", *m.wall_speedup);
  }
  return j;
}

// t1_*: how many of T1's seeds each improver solved within the cap (null when t1 is not
// summarised).
void PutT1(json& out, const std::vector<Measured>& all, const std::vector<std::string>& arenas) {
  const bool has_t1 = std::find(arenas.begin(), arenas.end(), "t1") != arenas.end();
  auto solved = [](const Measured& m) {
    return m.cells.count("t1") ? m.cells.at("t1").reached : 0;
  };
  std::vector<int> finals;
  json per = json::array(), nulls = json::array();
  for (const Measured& m : all) {
    if (m.kind == "final") finals.push_back(solved(m)), per.push_back(solved(m));
    if (m.kind == "null") nulls.push_back(solved(m));
  }
  out["t1_seeds"] = has_t1 ? json(all[0].cells.at("t1").seeds) : json(nullptr);
  out["t1_solved_per_loop_seed"] = has_t1 ? per : json(nullptr);
  out["t1_solved_frozen"] = has_t1 ? json(solved(all[0])) : json(nullptr);
  out["t1_solved_null"] = has_t1 ? nulls : json(nullptr);
  // The largest count that more than half of the loop seeds' final improvers reached.
  std::sort(finals.begin(), finals.end(), std::greater<int>());
  out["t1_solved"] = !has_t1 || finals.empty() ? json(nullptr) : json(finals[finals.size() / 2]);
}

}  // namespace

json EvidenceSummary(store::Store& db, const SummaryOptions& o) {
  std::vector<std::string> arenas = o.arenas;
  std::vector<Measured> all = LoadMeasured(db, o.labels, arenas);
  json out = {{"arenas", arenas}, {"missing", json::array()}};
  Compare(all, arenas, out["missing"]);
  std::map<std::string, std::vector<Bounded>> eval, wall;  // by kind
  for (const Measured& m : all)
    if (m.speedup) eval[m.kind].push_back(*m.speedup), wall[m.kind].push_back(*m.wall_speedup);
  PutFigure(out, "speedup", eval["final"], o);
  PutFigure(out, "wall_speedup", wall["final"], o);
  PutFigure(out, "null_speedup", eval["null"], o);
  PutFigure(out, "null_wall_speedup", wall["null"], o);
  PutGroupRatio(out, "final_vs_null_speedup", eval["final"], eval["null"], o);
  PutGroupRatio(out, "final_vs_null_wall_speedup", wall["final"], wall["null"], o);
  out["loop_seeds"] = eval["final"].size();
  out["null_loop_seeds"] = eval["null"].size();
  PutT1(out, all, arenas);
  json per_arena = json::object();
  for (const std::string& a : arenas) {
    json j = {{"frozen", CellJson(all[0].cells.at(a))}};
    for (const char* kind : {"final", "null"}) {
      std::vector<Bounded> e, w;
      for (const Measured& m : all)
        if (m.kind == kind && m.eval_ratio.count(a))
          e.push_back(m.eval_ratio.at(a)), w.push_back(m.wall_ratio.at(a));
      const std::string prefix = std::string(kind) == "null" ? "null_" : "";
      PutFigure(j, prefix + "speedup", e, o);
      PutFigure(j, prefix + "wall_speedup", w, o);
    }
    per_arena[a] = j;
  }
  out["per_arena"] = per_arena;
  out["improvers"] = json::array();
  for (const Measured& m : all) out["improvers"].push_back(ImproverJson(m));
  out["complete"] = out["missing"].empty();
  return out;
}

}  // namespace ouro::run
