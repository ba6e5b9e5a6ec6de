#include "run/selfplay_session.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/error.h"
#include "core/hash.h"
#include "lang/text.h"
#include "meta/spec.h"
#include "selfplay/config.h"
#include "selfplay/elo.h"
#include "store/lease.h"

namespace ouro::run {

using nlohmann::json;

selfplay::SelfplayConfig SelfplayPlan::Config() const {
  selfplay::SelfplayConfig c = selfplay::ParseSelfplayConfig(config_text, source).config;
  if (game) c.game = *game;
  if (generations) c.generations = *generations;
  if (max_seconds) c.max_seconds = *max_seconds;
  if (threads) c.threads = *threads;
  if (improver) {
    try {
      c.evolution = meta::ApplySpec(meta::SpecFromJson(meta::Json::parse(*improver)), c.evolution);
    } catch (const std::exception& e) {
      throw Error(std::string("the improver spec: ") + e.what());
    }
  }
  c.Validate();
  return c;
}

uint64_t SelfplayPlan::Seed() const {
  if (seed) return *seed;
  return selfplay::ParseSelfplayConfig(config_text, source).seed.value_or(1);
}

json SelfplayPlan::ToJson() const {
  json o = json::object();
  if (game) o["game"] = *game;
  if (generations) o["generations"] = *generations;
  if (max_seconds) o["max_seconds"] = *max_seconds;
  if (threads) o["threads"] = *threads;
  if (improver) o["improver"] = *improver;
  return {{"config_text", config_text}, {"source", source}, {"seed", Seed()}, {"overrides", o},
          {"selfplay", selfplay::ToJson(Config())}};
}

SelfplayPlan SelfplayPlan::FromJson(const json& j) {
  SelfplayPlan p;
  p.config_text = j.at("config_text").get<std::string>();
  p.source = j.at("source").get<std::string>();
  p.seed = j.at("seed").get<uint64_t>();
  const json& o = j.at("overrides");
  if (o.contains("game")) p.game = o["game"].get<std::string>();
  if (o.contains("generations")) p.generations = o["generations"].get<int>();
  if (o.contains("max_seconds")) p.max_seconds = o["max_seconds"].get<double>();
  if (o.contains("threads")) p.threads = o["threads"].get<int>();
  if (o.contains("improver")) p.improver = o["improver"].get<std::string>();
  return p;
}

json MatchJson(const selfplay::MatchResult& m) {
  const selfplay::MatchStats& s = m.stats;
  const char* decision = m.decision == meta::SprtDecision::kAccept   ? "accept"
                         : m.decision == meta::SprtDecision::kReject ? "reject"
                                                                     : "undecided";
  return {{"wins", s.wins}, {"losses", s.losses}, {"draws", s.draws}, {"score", s.score()},
          {"pair_wins", s.pair_wins}, {"pair_losses", s.pair_losses}, {"pair_ties", s.pair_ties},
          {"pentanomial", s.pentanomial}, {"pair_points", m.pair_points}, {"decision", decision},
          {"llr", m.llr}, {"stopped", m.stopped}};
}

json SelfplayRunJson(store::Store& db, int64_t run) {
  json gens = json::array(), versions = json::array(), ladder = json::array();
  for (const auto& g : db.GetSelfplayGenerations(run)) {
    json r = json::parse(g.report_json);
    r["match"].erase("pair_points");
    gens.push_back(r);
  }
  for (const auto& v : db.GetSelfplayVersions(run))
    versions.push_back({{"version", v.version}, {"generation", v.generation}, {"program", v.program_hash}});
  for (const auto& m : db.GetSelfplayMatches(run))
    if (m.kind == "ladder") {
      json p = json::parse(m.result_json);
      p.erase("match");
      ladder.push_back(p);
    }
  return {{"generations", gens}, {"versions", versions}, {"ladder", ladder}};
}

namespace {

json ReportJson(const selfplay::GenerationReport& r, const selfplay::SelfplayConfig& c) {
  return {{"generation", r.generation}, {"games", r.games}, {"positions", r.positions},
          {"search_fitness", r.search_fitness}, {"search_evaluations", r.search_evaluations},
          {"candidate", r.candidate_hash}, {"adopted", r.adopted}, {"seconds", r.seconds},
          {"gate", {{"alpha", r.rung.alpha}, {"false_accept", r.rung.false_accept}, {"beta", c.gate.beta},
                    {"elo0", c.gate.elo0}, {"elo1", c.gate.elo1}, {"test", "exact, on colour-swapped pairs"}}},
          {"match", MatchJson(r.gate)}};
}

json StateJson(const selfplay::LoopState& s, double seconds) {
  json j = {{"generation", s.generation}, {"spent", s.spent}, {"replay", s.replay},
            {"versions", static_cast<int>(s.versions.size())}, {"seconds", seconds}};
  if (!s.replay_values.empty()) j["replay_values"] = s.replay_values;
  return j;
}

}  // namespace

int64_t SelfplaySession::Create(store::Store& db, const SelfplayPlan& plan, const std::string& actor) {
  const json stored = plan.ToJson();
  const int64_t run = db.CreateRun("selfplay", plan.Seed(), stored.dump());
  db.AppendEvent(run, "config", actor, json{{"selfplay", stored["selfplay"]}, {"seed", plan.Seed()}}.dump());
  return run;
}

SelfplaySession::Continuation SelfplaySession::Reopen(store::Store& db, const store::RunInfo& run,
                                                      const std::string& actor) {
  if (run.kind != "selfplay") throw Error("run " + std::to_string(run.id) + " is not a self-play run");
  Continuation c{SelfplayPlan::FromJson(json::parse(run.config_json)), std::nullopt, 0};
  const selfplay::SelfplayConfig config = c.plan.Config();
  db.ClaimRun(run.id, store::kLeaseSeconds);
  int from = 0;
  if (auto ck = db.GetCheckpoint(run.id)) {
    const json j = json::parse(ck->second);
    selfplay::LoopState s;
    s.generation = j.at("generation").get<int>();
    s.spent = j.at("spent").get<double>();
    s.replay = j.at("replay").get<std::vector<std::string>>();
    if (j.contains("replay_values")) s.replay_values = j.at("replay_values").get<std::vector<std::vector<int>>>();
    const int versions = j.at("versions").get<int>();
    const lang::Shape shape = selfplay::EvaluatorShape(games::GetGame(config.game), config.evolution.shape);
    for (const store::SelfplayVersionRow& v : db.GetSelfplayVersions(run.id)) {
      if (v.version >= versions) break;
      const json meta = v.meta_json.empty() ? json::object() : json::parse(v.meta_json);
      s.versions.push_back({v.generation, selfplay::RestoreTrained(lang::Parse(v.program_text), shape, v.state,
                                                                   meta.value("examples", int64_t{0}),
                                                                   meta.value("diverged", false))});
    }
    from = s.generation;
    c.seconds = j.value("seconds", 0.0);
    c.state = std::move(s);
  }
  db.ReopenRun(run.id);
  db.TruncateSelfplayRows(run.id, from);
  db.AppendEvent(run.id, "resumed", actor, json{{"from_generation", from}, {"previous_status", run.status}}.dump());
  return c;
}

SelfplaySession::SelfplaySession(store::Store& db, int64_t run_id, SelfplayPlan plan, SessionIo io)
    : db_(db),
      run_(run_id),
      plan_(std::move(plan)),
      config_(plan_.Config()),
      say_(OrSilent(std::move(io.say))),
      control_(db, run_id, io.interrupt, say_) {}

void SelfplaySession::Record(const std::string& type, const json& content) {
  db_.AppendEvent(run_, type, "ouro", content.dump());
}

void SelfplaySession::StoreVersion(const selfplay::Version& v, int index) {
  const selfplay::TrainedProgram& t = *v.evaluator;
  store::SelfplayVersionRow row;
  row.version = index;
  row.generation = v.generation;
  row.program_text = lang::Print(t.program);
  row.program_hash = HexId(t.program.Hash());
  row.state = selfplay::SaveState(t);
  row.meta_json = json{{"examples", t.examples}, {"diverged", t.diverged}}.dump();
  db_.AddSelfplayVersion(run_, row);
}

void SelfplaySession::Store(const selfplay::GenerationReport& r, const selfplay::SelfplayLoop& loop, double seconds) {
  const json report = ReportJson(r, config_);
  store::Transaction tx(db_);
  db_.AddSelfplayGeneration(run_, {r.generation, report.dump()});
  const int versions = static_cast<int>(loop.versions().size());
  db_.AddSelfplayMatch(run_, {matches_, "gate", r.adopted ? versions - 1 : -1, versions - 1 - (r.adopted ? 1 : 0),
                              r.generation, report.dump()});
  Record("selfplay_gate", report);
  if (r.adopted) {
    StoreVersion(loop.versions().back(), versions - 1);
    Record("adopted", {{"generation", r.generation}, {"version", versions - 1}, {"program", r.candidate_hash}});
  }
  db_.PutCheckpoint(run_, r.generation, StateJson(loop.State(), seconds).dump());
  tx.Commit();
  ++matches_;
}

namespace {

// The versions the ladder measures: all after the first, or at most 8 spread evenly (the newest
// always among them).
std::vector<int> LadderVersions(int count) {
  std::vector<int> out;
  const int rest = count - 1;
  for (int k = 1; k <= std::min(rest, 8); ++k) out.push_back(rest <= 8 ? k : (k * rest + 7) / 8);
  return out;
}

}  // namespace

json SelfplaySession::Ladder(const selfplay::SelfplayLoop& loop) {
  json ladder = json::array({{{"version", 0}, {"generation", 0}, {"elo", 0}, {"elo_low", 0}, {"elo_high", 0}}});
  std::map<int, json> measured;  // by a run stopped during its ladder, before a resume
  for (const store::SelfplayMatchRow& m : db_.GetSelfplayMatches(run_))
    if (m.kind == "ladder") measured[m.version_a] = json::parse(m.result_json);
  for (int index : LadderVersions(static_cast<int>(loop.versions().size()))) {
    if (measured.count(index)) {
      ladder.push_back(measured[index]);
      continue;
    }
    const selfplay::Version& v = loop.versions()[static_cast<size_t>(index)];
    say_("ladder: version " + std::to_string(index) + " (generation " + std::to_string(v.generation) +
         ") against the first");
    const selfplay::MatchResult m = loop.Ladder(v, control_.stop());
    if (m.stopped) break;
    const selfplay::EloEstimate e = selfplay::EloFromPairs(m.pair_points, 0.95, 2000, DeriveSeed(plan_.Seed(), index));
    const json point = {{"version", index}, {"generation", v.generation}, {"elo", e.elo}, {"elo_low", e.low},
                        {"elo_high", e.high}, {"score", m.stats.score()}, {"games", m.stats.games()},
                        {"simulations", config_.ladder_mcts.simulations}, {"match", MatchJson(m)}};
    store::Transaction tx(db_);
    db_.AddSelfplayMatch(run_, {matches_++, "ladder", index, 0, v.generation, point.dump()});
    Record("selfplay_ladder", point);
    tx.Commit();
    ladder.push_back(point);
  }
  return ladder;
}

SelfplayOutcome SelfplaySession::Close(const selfplay::SelfplayLoop& loop, json ladder, double seconds, bool stopped) {
  SelfplayOutcome out;
  out.stopped = stopped;
  const json& last = ladder.back();
  out.summary = {{"run_id", run_}, {"game", config_.game}, {"generations", loop.generation()},
                 {"adopted", static_cast<int>(loop.versions().size()) - 1}, {"elo_vs_first", last["elo"]},
                 {"elo_ci_low", last["elo_low"]}, {"elo_ci_high", last["elo_high"]},
                 {"elo_version", last["version"]}, {"score_vs_first", last.value("score", 0.5)},
                 {"games_vs_first", last.value("games", 0)}, {"seconds", seconds},
                 {"expected_false_adoptions", loop.spent()}, {"ladder", ladder}, {"status", stopped ? "stopped" : "finished"}};
  for (json& p : out.summary["ladder"]) p.erase("match");
  db_.FinishRun(run_, stopped ? "stopped" : "finished", out.summary.dump());
  db_.SetProgress(run_, "");
  Record(stopped ? "stopped" : "finished",
         {{"reason", stopped ? control_.stop_reason() : "budget"}, {"summary", out.summary}});
  return out;
}

SelfplayOutcome SelfplaySession::Run(const Continuation* resume) {
  control_.Start();
  try {
    const uint64_t seed = plan_.Seed();
    auto loop = resume && resume->state ? std::make_unique<selfplay::SelfplayLoop>(config_, seed, *resume->state)
                                        : std::make_unique<selfplay::SelfplayLoop>(config_, seed);
    if (db_.GetSelfplayVersions(run_).empty()) StoreVersion(loop->versions()[0], 0);
    matches_ = static_cast<int>(db_.GetSelfplayMatches(run_).size());
    double seconds = resume ? resume->seconds : 0, last = 0;
    while (!(config_.generations > 0 && loop->generation() >= config_.generations) &&
           !(config_.max_seconds > 0 && seconds + last > config_.max_seconds)) {
      control_.PausePoint();
      if (control_.stopping()) break;
      const selfplay::GenerationReport r = loop->RunGeneration(control_.stop());
      if (r.stopped) break;
      seconds += last = r.seconds;
      Store(r, *loop, seconds);
      say_("generation " + std::to_string(r.generation) + ": " + std::to_string(r.games) + " games, fitness " +
           std::to_string(r.search_fitness) + ", gate " + std::to_string(r.gate.stats.wins) + "-" +
           std::to_string(r.gate.stats.losses) + "-" + std::to_string(r.gate.stats.draws) +
           (r.adopted ? ": adopted" : ": kept the incumbent"));
      control_.SetProgress({{"generation", r.generation}, {"versions", loop->versions().size()}, {"seconds", seconds}});
    }
    json ladder = control_.stopping() ? json::array({{{"version", 0}, {"elo", 0}, {"elo_low", 0}, {"elo_high", 0}}})
                                      : Ladder(*loop);
    const bool stopped = control_.stopping();
    control_.Finish();
    return Close(*loop, std::move(ladder), seconds, stopped);
  } catch (const Error& e) {
    control_.Finish();
    db_.FinishRun(run_, "failed", json{{"error", e.what()}}.dump());
    Record("failed", {{"error", e.what()}});
    throw;
  }
}

SelfplayReplayReport ReplaySelfplay(store::Store& db, int64_t run, const Say& say) {
  const std::optional<store::RunInfo> info = db.GetRun(run);
  if (!info) throw Error("no run " + std::to_string(run));
  if (info->kind != "selfplay") throw Error("run " + std::to_string(run) + " is not a self-play run");
  const SelfplayPlan plan = SelfplayPlan::FromJson(json::parse(info->config_json));
  selfplay::SelfplayLoop loop(plan.Config(), plan.Seed());
  const Say out = OrSilent(say);
  SelfplayReplayReport report;
  for (const store::SelfplayGenerationRow& row : db.GetSelfplayGenerations(run)) {
    const selfplay::GenerationReport r = loop.RunGeneration();
    json stored = json::parse(row.report_json), again = ReportJson(r, loop.config());
    for (json* j : {&stored, &again}) j->erase("seconds");
    if (stored != again)
      report.differences.push_back("generation " + std::to_string(row.generation) + ": stored " + stored.dump() +
                                   ", replayed " + again.dump());
    out("replayed generation " + std::to_string(r.generation) + (r.adopted ? ": adopted" : ""));
    ++report.generations;
  }
  const auto stored = db.GetSelfplayVersions(run);
  const auto& versions = loop.versions();
  report.versions = stored.size();
  if (stored.size() != versions.size())
    report.differences.push_back("versions: " + std::to_string(stored.size()) + " stored, " +
                                 std::to_string(versions.size()) + " replayed");
  for (size_t i = 0; i < std::min(stored.size(), versions.size()); ++i) {
    const selfplay::TrainedProgram& t = *versions[i].evaluator;
    if (stored[i].program_hash != HexId(t.program.Hash()) || stored[i].state != selfplay::SaveState(t))
      report.differences.push_back("version " + std::to_string(i) + ": the program or its learned state differs");
  }
  return report;
}

}  // namespace ouro::run
