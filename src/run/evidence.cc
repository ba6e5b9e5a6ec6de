// run/evidence.cc — see evidence.h.
#include "run/evidence.h"

#include <optional>
#include <set>
#include <utility>

#include "core/error.h"
#include "run/search_session.h"
#include "tasks/partition.h"

namespace ouro::run {
namespace {

using nlohmann::json;

// The search of one arena seed, stored as a search run; the evidence row of its outcome.
struct RunInput {
  const Arena& arena;
  const search::EvolutionConfig& evolution;
  const tasks::Partition& partition;
  const json& improver;  // {hash, label, spec}
  const std::atomic<bool>* stop;
};

std::optional<store::EvidenceRow> RunOne(store::Store& db, const RunInput& in, uint64_t seed) {
  const Arena& arena = in.arena;
  SearchPlan plan;
  plan.config = arena.config;
  plan.config.evolution = in.evolution;
  plan.config.seed = seed;
  plan.config.threads = arena.threads;
  plan.config.budget = search::Budget{0, arena.cap_seconds, in.stop};
  plan.partition = in.partition;
  plan.config_json = search::ToJson(plan.config);
  plan.config_json["improver"] = in.improver;
  plan.config_json["arena"] = {{"name", arena.name},
                               {"hash", arena.hash},
                               {"cap_seconds", arena.cap_seconds},
                               {"select_target", arena.select_target},
                               {"final_target", arena.final_target},
                               {"op_floor", arena.op_floor}};
  SearchSession session(db, std::move(plan));
  const SearchOutcome out = session.Run({});
  const search::EvolutionResult& r = out.result;
  if (r.stop_reason == "stopped") return std::nullopt;
  store::EvidenceRow row;
  row.improver_hash = in.improver.at("hash").get<std::string>();
  row.label = in.improver.at("label").get<std::string>();
  row.arena = arena.name;
  row.arena_hash = arena.hash;
  row.seed = static_cast<int64_t>(seed);
  // solved means both targets were met (held_out_target); a check that ended past the cap does
  // not count.
  row.reached = r.solved && r.progress.seconds <= arena.cap_seconds;
  row.seconds = row.reached ? r.progress.seconds : arena.cap_seconds;
  row.evaluations = r.progress.eval_cost;
  row.fitness_select = r.fitness_select;
  row.fitness_final = r.fitness_final;
  row.cap_seconds = arena.cap_seconds;
  row.run_id = session.run_id();
  return row;
}

// Rows of this arena name measured from another file text (or cap) must not mix with these.
void CheckArenaHash(store::Store& db, const Arena& arena) {
  for (const store::EvidenceRow& r : db.GetEvidence("", arena.name))
    if (r.arena_hash != arena.hash)
      throw Error(db.path() + ": arena '" + arena.name +
                  "' was measured from another arena file (or cap) before (" + r.arena_hash +
                  ", now " + arena.hash +
                  "): the arenas are pre-registered; measure a changed arena in another store");
}

}  // namespace

void CheckEvidenceLabel(const std::string& label) {
  auto run_part = [&](size_t prefix) {
    const std::string run = label.substr(prefix);
    return !run.empty() &&
           run.find_first_not_of(
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
               std::string::npos;
  };
  if (label == "frozen") return;
  if (label.rfind("final:", 0) == 0 && run_part(6)) return;
  if (label.rfind("null:", 0) == 0 && run_part(5)) return;
  throw Error("evidence label '" + label + "': expected 'frozen', 'final:RUN' or 'null:RUN'");
}

MeasureResult MeasureImprover(store::Store& db, const Arena& arena, const meta::ImproverSpec& spec,
                              const std::string& label, const std::atomic<bool>* stop,
                              const std::function<void(const store::EvidenceRow&)>& on_row) {
  CheckEvidenceLabel(label);
  const search::EvolutionConfig evolution = ArenaEvolution(arena, spec);  // the spec must fit first
  CheckArenaHash(db, arena);
  const std::string hash = meta::SpecHash(spec);
  const std::string spec_text = meta::ToJson(spec).dump();
  db.PutEvidenceImprover({label, hash, spec_text});
  std::set<int64_t> done;
  for (const store::EvidenceRow& r : db.GetEvidence(hash, arena.name)) done.insert(r.seed);
  MeasureResult result;
  std::vector<uint64_t> todo;
  for (uint64_t s : arena.seeds) {
    if (done.count(static_cast<int64_t>(s)))
      ++result.skipped;
    else
      todo.push_back(s);
  }
  if (todo.empty()) return result;
  const search::RunConfig& c = arena.config;
  const tasks::Partition partition =
      tasks::MakePartition(c.search_tasks, c.select_tasks, c.held_out_tasks,
                           c.warmup_tasks ? &*c.warmup_tasks : nullptr);
  const json improver = {{"hash", hash}, {"label", label}, {"spec", json::parse(spec_text)}};
  const RunInput in{arena, evolution, partition, improver, stop};
  for (uint64_t seed : todo) {
    if (stop && stop->load()) {
      result.stopped = true;
      break;
    }
    std::optional<store::EvidenceRow> row = RunOne(db, in, seed);
    if (!row) {
      result.stopped = true;
      break;
    }
    db.AddEvidence(*row);
    result.added.push_back(*row);
    if (on_row) on_row(*row);
  }
  return result;
}

}  // namespace ouro::run
