#include "run/selfplay_agents.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "lang/text.h"
#include "run/selfplay_session.h"

namespace ouro::run {
namespace {

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

AgentSource FromProgramFile(const std::string& path, const games::Game& game) {
  lang::Program p;
  try {
    p = lang::Parse(ReadTextFile(path, "agent program"));
  } catch (const Error& e) {
    const std::string what = e.what();
    throw Error(what.rfind(path, 0) == 0 ? what : path + ":" + what);
  }
  // The smallest register files that hold the program, at the game's observation size.
  const lang::Shape shape = selfplay::EvaluatorShape(game, lang::MinimalShape(p, game.observation_size()));
  tasks::Dataset none;
  none.dim = shape.dim;
  return {path, "program", "", selfplay::Train(p, shape, none, 1), "program " + path + " (untrained)"};
}

AgentSource FromVersion(store::Store& db, const std::string& name, const std::string& run_part,
                        const std::string& gen_part, const games::Game& game) {
  std::optional<store::RunInfo> run =
      run_part == "latest" ? db.LatestRun() : db.GetRun(std::stoll(run_part));
  if (!run) throw Error("agent '" + name + "': no run " + run_part + " in " + db.path());
  if (run->kind != "selfplay") throw Error("agent '" + name + "': run " + std::to_string(run->id) + " is a " + run->kind + " run, not a self-play run");
  const SelfplayPlan plan = SelfplayPlan::FromJson(nlohmann::json::parse(run->config_json));
  const selfplay::SelfplayConfig config = plan.Config();
  if (config.game != game.name())
    throw Error("agent '" + name + "' plays " + config.game + ", not " + game.name());
  if (!gen_part.empty() && (!AllDigits(gen_part) || gen_part.size() > 9)) throw Error("agent '" + name + "': GEN must be a generation number");
  const int gen = gen_part.empty() ? -1 : std::stoi(gen_part);
  const auto versions = db.GetSelfplayVersions(run->id);
  const store::SelfplayVersionRow* pick = nullptr;
  for (const auto& v : versions)
    if (gen < 0 || v.generation <= gen) pick = &v;
  if (!pick) throw Error("agent '" + name + "': run " + std::to_string(run->id) + " has no stored version yet");
  const nlohmann::json meta = pick->meta_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(pick->meta_json);
  const lang::Shape shape = selfplay::EvaluatorShape(game, config.evolution.shape);
  return {name, "version", config.game,
          selfplay::RestoreTrained(lang::Parse(pick->program_text), shape, pick->state, meta.value("examples", int64_t{0}),
                                   meta.value("diverged", false)),
          "run " + std::to_string(run->id) + " version " + std::to_string(pick->version) + " (generation " +
              std::to_string(pick->generation) + ")"};
}

}  // namespace

bool NamesStoredVersion(const std::string& name) {
  const std::string run_part = name.substr(0, name.find(':'));
  return run_part == "latest" || (AllDigits(run_part) && run_part.size() < 16);
}

AgentSource ResolveAgent(store::Store* db, const std::string& name, const games::Game& game) {
  if (name == "random" || name == "rollout" || name == "perfect") {
    if (name == "perfect") selfplay::MakePerfectAgent(game);  // refuses a game without a solver
    return {name, name, "", nullptr, name};
  }
  if (name.size() > 5 && name.ends_with(".ouro")) return FromProgramFile(name, game);
  if (NamesStoredVersion(name)) {
    if (!db) throw Error("agent '" + name + "' names a stored run: give the store with --db");
    const size_t colon = name.find(':');
    return FromVersion(*db, name, name.substr(0, colon), colon == std::string::npos ? "" : name.substr(colon + 1), game);
  }
  throw Error("agent '" + name + "': expected RUN[:GEN], a program file FILE.ouro, random, rollout or perfect");
}

std::unique_ptr<selfplay::Agent> MakeAgent(const AgentSource& a, const games::Game& game,
                                           const selfplay::MctsParams& params) {
  if (a.kind == "random") return std::make_unique<selfplay::RandomAgent>();
  if (a.kind == "perfect") return selfplay::MakePerfectAgent(game);
  if (a.kind == "rollout")
    return std::make_unique<selfplay::MctsAgent>(std::make_unique<selfplay::RolloutEvaluator>(), params,
                                                 game.num_actions());
  return std::make_unique<selfplay::MctsAgent>(std::make_unique<selfplay::ProgramEvaluator>(a.evaluator), params,
                                               game.num_actions());
}

}  // namespace ouro::run
