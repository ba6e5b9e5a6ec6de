// cli/cmd_evidence.cc — `ouro evidence measure` (an improver on a test arena's seeds, resumable)
// and `ouro evidence summary` (the stored measurements as speedups): adapters of run/evidence.h.
#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "meta/spec.h"
#include "run/arena.h"
#include "run/evidence.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

struct MeasureArgs {
  std::string improver, label, arena, db = kDefaultDb;
  double cap_seconds = 0;
  bool json = false, quiet = false;
};

int RunMeasure(const MeasureArgs& a) {
  run::CheckEvidenceLabel(a.label);
  run::Arena arena = run::LoadArena(a.arena);
  if (a.cap_seconds > 0) run::OverrideCap(arena, a.cap_seconds);
  meta::ImproverSpec spec;
  try {
    spec = meta::LoadSpec(a.improver);
  } catch (const Error& e) {
    throw Error(a.improver + ": " + e.what());
  }
  std::unique_ptr<store::Store> db = store::Store::Open(a.db);
  const run::MeasureResult r = run::MeasureImprover(
      *db, arena, spec, a.label, &StopFlag(), [&](const store::EvidenceRow& row) {
        if (!a.quiet)
          std::fprintf(stderr,
                       "%s %s seed %lld: %s %.1f s, %.0f evaluations (select %.4f, held-out %.4f; "
                       "run %lld)\n",
                       a.label.c_str(), row.arena.c_str(), static_cast<long long>(row.seed),
                       row.reached ? "reached in" : "not reached, censored at", row.seconds,
                       row.evaluations, row.fitness_select, row.fitness_final,
                       static_cast<long long>(row.run_id));
      });
  int reached = 0;
  for (const store::EvidenceRow& row : r.added) reached += row.reached ? 1 : 0;
  const nlohmann::json out = {{"label", a.label},     {"improver", meta::SpecHash(spec)},
                              {"arena", arena.name},  {"added", r.added.size()},
                              {"skipped", r.skipped}, {"stopped", r.stopped},
                              {"reached", reached}};
  if (a.json)
    std::printf("%s\n", out.dump().c_str());
  else
    std::printf("%s on %s: %zu runs measured, %d already in the store%s\n", a.label.c_str(),
                arena.name.c_str(), r.added.size(), r.skipped,
                r.stopped ? " (stopped: run it again to resume)" : "");
  return r.stopped ? 130 : 0;
}

struct SummaryArgs {
  std::string db = kDefaultDb, arenas, labels;
  bool json = false;
};

void PrintSummary(const nlohmann::json& s) {
  auto fig = [&](const char* name, const std::string& key) {
    if (s[key].is_null()) return std::printf("%-26s -\n", name), void();
    std::printf("%-26s %.2fx [%.2f, %.2f] (%s)\n", name, s[key].get<double>(),
                s[key + "_ci_low"].get<double>(), s[key + "_ci_high"].get<double>(),
                s[key + "_bound"].get<std::string>().c_str());
  };
  fig("speedup (evaluations)", "speedup");
  fig("wall speedup", "wall_speedup");
  fig("null speedup", "null_speedup");
  fig("null wall speedup", "null_wall_speedup");
  fig("final vs null (wall)", "final_vs_null_wall_speedup");
  if (!s["t1_solved"].is_null())
    std::printf("T1 solved: %d of %d seeds by more than half of the loop seeds' final improvers\n",
                s["t1_solved"].get<int>(), s["t1_seeds"].get<int>());
  for (const auto& imp : s["improvers"]) {
    std::printf("%s (%s):", imp["label"].get<std::string>().c_str(),
                imp["hash"].get<std::string>().c_str());
    for (const auto& [arena, c] : imp["arenas"].items())
      std::printf("  %s %d/%d reached, median %s%.1f s", arena.c_str(), c["reached"].get<int>(),
                  c["seeds"].get<int>(), c["median_seconds_bound"] == "lower" ? ">" : "",
                  c["median_seconds"].get<double>());
    std::printf("\n");
  }
  if (!s["missing"].empty()) std::printf("missing: %s\n", s["missing"].dump().c_str());
}

int RunSummary(const SummaryArgs& a) {
  auto split = [](const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');)
      if (!item.empty()) out.push_back(item);
    return out;
  };
  run::SummaryOptions o;
  o.arenas = split(a.arenas);
  o.labels = split(a.labels);
  std::unique_ptr<store::Store> db = store::Store::OpenExisting(a.db);
  const nlohmann::json s = run::EvidenceSummary(*db, o);
  if (a.json)
    std::printf("%s\n", s.dump().c_str());
  else
    PrintSummary(s);
  return 0;
}

}  // namespace

Action RegisterEvidence(CLI::App& app) {
  auto m = std::make_shared<MeasureArgs>();
  auto s = std::make_shared<SummaryArgs>();
  auto which = std::make_shared<std::string>();
  CLI::App* ev = app.add_subcommand(
      "evidence", "Measure improvers on the sealed test arenas (configs/arenas/) and summarise");
  ev->require_subcommand(1);
  CLI::App* me = ev->add_subcommand(
      "measure", "Run an improver on an arena's seeds not yet in the store (resumable)");
  me->add_option("--improver", m->improver,
                 "Improver spec (JSON), e.g. from `ouro improver export`")
      ->required();
  me->add_option("--label", m->label, "frozen, final:RUN or null:RUN")->required();
  me->add_option("--arena", m->arena, "Arena file, e.g. configs/arenas/t1.toml")->required();
  me->add_option("--db", m->db, "Run store (SQLite file)")->capture_default_str();
  me->add_option("--cap-seconds", m->cap_seconds,
                 "Replace the arena's cap (for tests; rows then need their own store)")
      ->check(CLI::PositiveNumber);
  me->add_flag("--json", m->json, "Print one JSON object");
  me->add_flag("--quiet", m->quiet, "No line per run on stderr");
  me->callback([which] { *which = "measure"; });
  CLI::App* su =
      ev->add_subcommand("summary", "The stored measurements as speedups over the frozen improver");
  su->add_option("--db", s->db, "Run store (SQLite file)")->capture_default_str();
  su->add_option("--arenas", s->arenas,
                 "Comma-separated arena names (default: all the frozen improver has)");
  su->add_option("--labels", s->labels,
                 "Comma-separated labels (default: all; frozen is always read)");
  su->add_flag("--json", s->json, "Print one JSON object");
  su->callback([which] { *which = "summary"; });
  return [=] { return *which == "measure" ? RunMeasure(*m) : RunSummary(*s); };
}

}  // namespace ouro::cli
