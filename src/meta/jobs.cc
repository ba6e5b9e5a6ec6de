#include "meta/jobs.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "lang/text.h"
#include "meta/rsi.h"

namespace ouro::meta {

RunJob GameJob(const ImproverSpec& spec, const Arena& train, uint64_t loop_seed, int generation, int k, int threads,
               bool record_proposals, int family) {
  RunJob j;
  j.spec = spec;
  j.arena_kind = ArenaKind::kTrain;
  j.arena = train;
  j.family = family >= 0 ? family : k % static_cast<int>(train.families.size());
  j.seed = DeriveSeed(loop_seed, (uint64_t(generation) << 20) + static_cast<uint64_t>(k));
  j.threads = threads;
  j.record_proposals = record_proposals;
  return j;
}

RunJob ConfirmJob(const ImproverSpec& spec, const Arena& validation, uint64_t loop_seed, int generation, int index,
                  int k, int threads) {
  RunJob j;
  j.spec = spec;
  j.arena_kind = ArenaKind::kValidation;
  j.arena = validation;
  j.family = k % static_cast<int>(validation.families.size());
  const uint64_t stream = DeriveSeed(loop_seed, 0xc0f1);  // apart from the seeds of games and measurements
  j.seed = DeriveSeed(stream, (uint64_t(generation) << 40) + (uint64_t(index) << 24) + static_cast<uint64_t>(k));
  j.threads = threads;
  return j;
}

RunJob HeldOutJob(const ImproverSpec& spec, const Arena& held_out, uint64_t loop_seed, int f, int s, int threads,
                  ArenaKind kind) {
  RunJob j;
  j.spec = spec;
  j.arena_kind = kind;
  j.arena = held_out;
  j.family = f;
  j.seed = DeriveSeed(loop_seed, static_cast<uint64_t>(0x40000 + f * 1000 + s));
  j.threads = threads;
  return j;
}

std::string JobContext(const RunJob& job) {
  return std::string(ArenaKindName(job.arena_kind)) + " family " + std::to_string(job.family) + " seed " +
         std::to_string(job.seed) + " improver " + SpecHash(job.spec);
}

RunOutcome Execute(const RunJob& job, const std::atomic<bool>* stop) {
  return RunImprover(job.spec, job.arena, job.family, job.seed, job.threads, stop, job.record_proposals,
                     job.spec.model ? JobContext(job) : std::string());
}

const char* ArenaKindName(ArenaKind kind) {
  switch (kind) {
    case ArenaKind::kTrain: return "train";
    case ArenaKind::kValidation: return "validation";
    case ArenaKind::kTest: break;
  }
  return "test";
}

Game ScoreGame(const RunOutcome& incumbent, const RunOutcome& candidate) {
  Game g{incumbent.auc, candidate.auc, 0};
  const double eps = 1e-9;
  g.outcome = candidate.auc > incumbent.auc + eps ? 1 : candidate.auc < incumbent.auc - eps ? -1 : 0;
  return g;
}

// ---- wire form -------------------------------------------------------------------------------

nlohmann::json ToJson(const RunJob& job) {
  return {{"spec", ToJson(job.spec).dump()},  // as text: the spec's key order is part of it
          {"arena", ArenaKindName(job.arena_kind)},
          {"family", job.family},
          {"seed", job.seed},
          {"threads", job.threads},
          {"record_proposals", job.record_proposals}};
}

RunJob RunJobFromJson(const nlohmann::json& j, const Arena& arena) {
  try {
    RunJob job;
    job.spec = SpecFromJson(Json::parse(j.at("spec").get<std::string>()));
    const std::string kind = j.at("arena").get<std::string>();
    // "held_out": the wire form's name of the test arena before validation existed.
    if (kind == "train") job.arena_kind = ArenaKind::kTrain;
    else if (kind == "validation") job.arena_kind = ArenaKind::kValidation;
    else if (kind == "test" || kind == "held_out") job.arena_kind = ArenaKind::kTest;
    else throw Error("unknown arena '" + kind + "' (known: train, validation, test)");
    job.arena = arena;
    job.family = j.at("family").get<int>();
    if (job.family < 0 || job.family >= static_cast<int>(arena.families.size()))
      throw Error("family " + std::to_string(job.family) + " is not in the arena");
    job.seed = j.at("seed").get<uint64_t>();
    job.threads = j.at("threads").get<int>();
    job.record_proposals = j.at("record_proposals").get<bool>();
    return job;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed run job: ") + e.what());
  } catch (const Error& e) {
    throw Error(std::string("malformed run job: ") + e.what());
  }
}

namespace {

// A double that may not be finite (a candidate's run can produce NaN or infinities, and the loop
// counts them): JSON numbers cannot carry those, so they travel as "nan", "inf" and "-inf".
nlohmann::json Num(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

double NumFrom(const nlohmann::json& j) {
  if (!j.is_string()) return j.get<double>();
  const std::string& s = j.get_ref<const std::string&>();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  throw Error("'" + s + "' is not a number");
}

// Credit counters as dense arrays in enum order: the wire form between builds of the same
// engine, not a file format (the spec's JSON names them).
nlohmann::json CountsJson(const search::CreditCounts& c) { return {Num(c.trials), Num(c.gains)}; }

search::CreditCounts CountsFrom(const nlohmann::json& j) {
  if (!j.is_array() || j.size() != 2) throw Error("credit counts must be [trials, gains]");
  return {NumFrom(j[0]), NumFrom(j[1])};
}

template <size_t N>
nlohmann::json ArrayJson(const std::array<search::CreditCounts, N>& a) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : a) out.push_back(CountsJson(c));
  return out;
}

template <size_t N>
void ArrayFrom(const nlohmann::json& j, std::array<search::CreditCounts, N>& a) {
  if (!j.is_array() || j.size() != N) throw Error("credit array of " + std::to_string(N) + " expected");
  for (size_t i = 0; i < N; ++i) a[i] = CountsFrom(j[i]);
}

nlohmann::json CreditJson(const search::CreditStats& c) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& component : c.op) ops.push_back(ArrayJson(component));
  return {{"kind", ArrayJson(c.kind)}, {"op", ops}, {"position", ArrayJson(c.position)}};
}

search::CreditStats CreditFrom(const nlohmann::json& j) {
  search::CreditStats c;
  ArrayFrom(j.at("kind"), c.kind);
  const auto& ops = j.at("op");
  if (!ops.is_array() || ops.size() != c.op.size()) throw Error("credit per component expected");
  for (size_t i = 0; i < c.op.size(); ++i) ArrayFrom(ops[i], c.op[i]);
  ArrayFrom(j.at("position"), c.position);
  return c;
}

}  // namespace

nlohmann::json ToJson(const RunOutcome& o) {
  nlohmann::json proposals = nlohmann::json::array();
  for (const auto& [features, gained] : o.proposals) {
    nlohmann::json f = nlohmann::json::array();
    for (float x : features) f.push_back(Num(x));
    proposals.push_back({f, gained});
  }
  nlohmann::json trace = nlohmann::json::array();
  for (const auto& p : o.trace) trace.push_back({Num(p.eval_cost), Num(p.best_fitness), Num(p.seconds)});
  return {{"auc", Num(o.auc)},
          {"evals_to_target", Num(o.evals_to_target)},
          {"reached", o.reached},
          {"best", Num(o.best)},
          {"cost", Num(o.cost)},
          {"seconds", Num(o.seconds)},
          {"search_fitness", Num(o.search_fitness)},
          {"held_fitness", Num(o.held_fitness)},
          {"best_size", Num(o.best_size)},
          {"credit", CreditJson(o.credit)},
          {"best_program", lang::Print(o.best_program)},  // exact: constants read back bit for bit
          {"proposals", proposals},
          {"trace", trace},
          {"model_records", o.model_records},
          {"model", o.model.ToJson()}};
}

RunOutcome RunOutcomeFromJson(const nlohmann::json& j) {
  try {
    RunOutcome o;
    o.auc = NumFrom(j.at("auc"));
    o.evals_to_target = NumFrom(j.at("evals_to_target"));
    o.reached = j.at("reached").get<bool>();
    o.best = NumFrom(j.at("best"));
    o.cost = NumFrom(j.at("cost"));
    o.seconds = j.contains("seconds") ? NumFrom(j.at("seconds")) : 0.0;  // absent before 2026-12
    o.search_fitness = NumFrom(j.at("search_fitness"));
    o.held_fitness = NumFrom(j.at("held_fitness"));
    o.best_size = NumFrom(j.at("best_size"));
    o.credit = CreditFrom(j.at("credit"));
    o.best_program = lang::Parse(j.at("best_program").get<std::string>());
    for (const auto& p : j.at("proposals")) {
      std::array<float, search::kFilterFeatures> f{};
      const auto& fj = p.at(0);
      if (!fj.is_array() || fj.size() != f.size()) throw Error("proposal features must be an array of " + std::to_string(f.size()));
      for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(NumFrom(fj[i]));
      o.proposals.emplace_back(f, p.at(1).get<bool>());
    }
    for (const auto& p : j.at("trace"))  // [evaluations, best, seconds]; seconds absent before 2026-12
      o.trace.push_back({NumFrom(p.at(0)), NumFrom(p.at(1)), p.size() > 2 ? NumFrom(p.at(2)) : 0.0});
    if (j.contains("model_records")) o.model_records = j.at("model_records").get<std::vector<nlohmann::json>>();
    if (j.contains("model")) o.model = search::ProposerStats::FromJson(j.at("model"));  // absent before issue 19
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed run outcome: ") + e.what());
  } catch (const Error& e) {
    throw Error(std::string("malformed run outcome: ") + e.what());
  }
}

}  // namespace ouro::meta
