// cli/cmd_selfplay.cc — `ouro selfplay` (a self-play run: a game's evaluator improves by playing
// itself, each version admitted by the exact sequential test; an Elo ladder against the first
// version at the end) and `ouro arena` (a match between two agents, with the gate's verdict).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/rsi.h"
#include "cli/selfplay.h"
#include "core/error.h"
#include "games/solve.h"
#include "meta/spec.h"
#include "meta/stats.h"
#include "run/selfplay_agents.h"
#include "run/selfplay_session.h"
#include "selfplay/agent.h"
#include "selfplay/config.h"
#include "selfplay/elo.h"
#include "selfplay/match.h"
#include "store/store.h"

namespace ouro::cli {

int ExecuteSelfplay(store::Store& db, int64_t run_id, const run::SelfplayPlan& plan,
                    const run::SelfplaySession::Continuation* resume, const SelfplayOutput& out) {
  run::SessionIo io;
  if (!out.quiet) io.say = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  io.interrupt = &StopFlag();
  run::SelfplaySession session(db, run_id, plan, io);
  const run::SelfplayOutcome o = session.Run(resume);
  const nlohmann::json& s = o.summary;
  if (out.json) {
    std::printf("%s\n", s.dump().c_str());
    return 0;
  }
  std::printf("run %lld (selfplay, %s): %s after %d generations, %.0f s; %d versions adopted "
              "(expected false adoptions %.3f)\n",
              static_cast<long long>(run_id), s["game"].get<std::string>().c_str(),
              o.stopped ? "stopped" : "finished", s["generations"].get<int>(), s["seconds"].get<double>(),
              s["adopted"].get<int>(), s["expected_false_adoptions"].get<double>());
  std::printf("Elo against the first version (95%% bootstrap interval over game pairs):\n");
  for (const auto& p : s["ladder"])
    std::printf("  version %3d (generation %4d): %+7.0f  [%+.0f, %+.0f]\n", p["version"].get<int>(),
                p.value("generation", 0), p["elo"].get<double>(), p["elo_low"].get<double>(), p["elo_high"].get<double>());
  if (o.stopped) std::printf("continue it: ouro resume %lld --db %s\n", static_cast<long long>(run_id), db.path().c_str());
  return 0;
}

int ReplaySelfplay(store::Store& db, int64_t run_id, const SelfplayOutput& out) {
  run::Say say;
  if (!out.quiet) say = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  const run::SelfplayReplayReport r = run::ReplaySelfplay(db, run_id, say);
  if (out.json) {
    std::printf("%s\n", nlohmann::json{{"run_id", run_id}, {"reproduced", r.reproduced()}, {"generations", r.generations},
                                       {"versions", r.versions}, {"differences", r.differences}}.dump().c_str());
  } else {
    std::printf("replay of run %lld (%d generations): %s\n", static_cast<long long>(run_id), r.generations,
                r.reproduced() ? "every generation and version reproduced" : "DIFFERENT");
    for (const auto& d : r.differences) std::printf("  %s\n", d.c_str());
  }
  return r.reproduced() ? 0 : 1;
}

void PrintSelfplayRun(store::Store& db, const store::RunInfo& run) {
  const nlohmann::json j = run::SelfplayRunJson(db, run.id);
  std::printf("  generations (%zu):\n", j["generations"].size());
  for (const auto& g : j["generations"]) {
    const auto& m = g["match"];
    std::printf("    %4d  %6lld positions  fitness %.4f  gate %lld-%lld-%lld (%s, alpha %.3g)%s\n", g["generation"].get<int>(),
                static_cast<long long>(g["positions"].get<int64_t>()), g["search_fitness"].get<double>(),
                static_cast<long long>(m["wins"].get<int64_t>()), static_cast<long long>(m["losses"].get<int64_t>()),
                static_cast<long long>(m["draws"].get<int64_t>()), m["decision"].get<std::string>().c_str(),
                g["gate"]["alpha"].get<double>(), g["adopted"].get<bool>() ? "  adopted" : "");
  }
  std::printf("  versions: %zu (version 0 is the first, untrained)\n", j["versions"].size());
  if (j["ladder"].empty()) return;
  std::printf("  Elo against the first version (95%% bootstrap interval over game pairs):\n");
  for (const auto& p : j["ladder"]) {
    const double elo = p["elo"].get<double>();
    const int bar = std::clamp(static_cast<int>(elo / 25), 0, 40);
    std::printf("    version %3d (generation %4d) %+7.0f [%+6.0f, %+6.0f] %s\n", p["version"].get<int>(),
                p["generation"].get<int>(), elo, p["elo_low"].get<double>(), p["elo_high"].get<double>(),
                std::string(static_cast<size_t>(bar), '#').c_str());
  }
}

namespace {

struct SelfplayArgs {
  std::string config, db = kDefaultDb, game, improver;
  int64_t seed = -1;
  int generations = -1, threads = -1;
  double max_seconds = -1;
  bool json = false, quiet = false;
};

int RunSelfplay(const SelfplayArgs& a) {
  run::SelfplayPlan plan;
  if (a.config.empty()) {
    plan.config_text = std::string(selfplay::DefaultSelfplayConfigText());
    plan.source = "configs/selfplay.toml (embedded)";
  } else {
    plan.config_text = ReadTextFile(a.config, "self-play config");
    plan.source = a.config;
  }
  if (a.seed >= 0) plan.seed = static_cast<uint64_t>(a.seed);
  if (!a.game.empty()) plan.game = a.game;
  if (a.generations >= 0) plan.generations = a.generations;
  if (a.max_seconds >= 0) plan.max_seconds = a.max_seconds;
  if (a.threads > 0) plan.threads = a.threads;
  if (!a.improver.empty()) plan.improver = meta::ToJson(meta::LoadSpec(a.improver)).dump();
  const selfplay::SelfplayConfig config = plan.Config();  // every error before the run exists
  auto db = store::Store::Open(a.db);
  const int64_t run_id = run::SelfplaySession::Create(*db, plan, Actor(""));
  if (!a.quiet)
    std::fprintf(stderr, "run %lld (selfplay %s, seed %llu, db %s): %s, %d games a generation at %d simulations\n",
                 static_cast<long long>(run_id), config.game.c_str(), static_cast<unsigned long long>(plan.Seed()),
                 a.db.c_str(),
                 config.generations > 0 ? (std::to_string(config.generations) + " generations").c_str()
                                        : (std::to_string(static_cast<int>(config.max_seconds)) + " s").c_str(),
                 config.games, config.selfplay_mcts.simulations);
  return ExecuteSelfplay(*db, run_id, plan, nullptr, SelfplayOutput{a.json, a.quiet});
}

struct ArenaArgs {
  std::string a, b, game, db = kDefaultDb, record;
  int games = 200, simulations = 800, plies = 4;
  int64_t seed = 1;
  int threads = 2;
  double elo0 = 0, elo1 = 50, alpha = 0.05, beta = 0.1, prior_temperature = 0;
  bool json = false, all_openings = false, check_values = false;
};

// Against the solver's value of each opening for A's side: the games A scored below it, and the
// games A lost from an opening that was not lost for it (value draw or win).
struct ValueCheck {
  int64_t below = 0, lost_not_lost = 0;
};
ValueCheck CheckValues(const games::Game& game, const std::vector<std::string>& openings, const selfplay::MatchResult& m) {
  ValueCheck c;
  games::PositionSolver solver(game);
  for (size_t i = 0; i < m.results.size(); ++i) {
    const int v = solver.Solve(*game.Parse(openings[i])).value;
    for (const auto& [result, value] : {std::pair{m.results[i][0], v}, std::pair{m.results[i][1], -v}}) {
      c.below += result < value;
      c.lost_not_lost += result < 0 && value >= 0;
    }
  }
  return c;
}

// The first pair at which the exact test on pairs decides, or -1.
int DecisionPair(const std::vector<int>& points, const meta::SprtParams& p, meta::SprtDecision* decision) {
  int64_t w = 0, l = 0, t = 0;
  const meta::SprtBounds bounds = meta::SprtLimits(p.alpha, p.beta);
  for (size_t i = 0; i < points.size(); ++i) {
    (points[i] > 2 ? w : points[i] < 2 ? l : t) += 1;
    *decision = meta::SprtDecide(meta::ExactSprtLlr(w, l, t, p.elo0, p.elo1), bounds);
    if (*decision != meta::SprtDecision::kContinue) return static_cast<int>(i) + 1;
  }
  return -1;
}

// opening,first,moves,result: each game of the match (first: "A" or "B"; result for the first
// player to move after the opening: 1, 0 or -1).
void WriteRecord(const std::string& path, const std::vector<std::string>& openings, const selfplay::MatchResult& m) {
  std::ofstream f(path);
  f << "opening,first,moves,result\n";
  for (size_t i = 0; i < m.games.size(); ++i) {
    f << openings[i] << ",A," << m.games[i][0] << "," << m.results[i][0] << "\n";
    f << openings[i] << ",B," << m.games[i][1] << "," << -m.results[i][1] << "\n";
  }
  if (!f.flush()) throw Error("cannot write '" + path + "'");
}

int RunArena(const ArenaArgs& a) {
  const games::Game& game = games::GetGame(a.game);
  if (!a.all_openings && (a.games < 2 || a.games % 2))
    throw Error("--games must be an even number >= 2 (pairs of games, colours swapped)");
  const meta::SprtParams params{a.elo0, a.elo1, a.alpha, a.beta};
  meta::SprtLimits(a.alpha, a.beta);
  if (!(a.elo1 > a.elo0)) throw Error("--elo1 must be above --elo0");
  std::unique_ptr<store::Store> db;
  if (run::NamesStoredVersion(a.a) || run::NamesStoredVersion(a.b)) db = store::Store::OpenExisting(a.db);
  const run::AgentSource sa = run::ResolveAgent(db.get(), a.a, game), sb = run::ResolveAgent(db.get(), a.b, game);
  selfplay::MctsParams mcts;
  mcts.simulations = a.simulations;
  mcts.prior_temperature = a.prior_temperature;
  mcts.Validate();
  if (a.check_values) selfplay::MakePerfectAgent(game);  // refuses a game without a solver, before any game
  const auto openings = a.all_openings ? selfplay::AllOpenings(game, a.plies)
                                       : selfplay::RandomOpenings(game, a.games / 2, a.plies,
                                                                  DeriveSeed(static_cast<uint64_t>(a.seed), 0x0be7));
  if (!a.all_openings && static_cast<int>(openings.size()) < a.games / 2)
    throw Error(game.name() + " has only " + std::to_string(openings.size()) + " distinct openings of " +
                std::to_string(a.plies) + " moves: ask for at most " + std::to_string(2 * openings.size()) + " games");
  const selfplay::MatchResult m = selfplay::PlayMatch(game, *run::MakeAgent(sa, game, mcts), *run::MakeAgent(sb, game, mcts),
                                                      openings, static_cast<uint64_t>(a.seed), a.threads, nullptr, &StopFlag());
  if (m.pair_points.empty()) throw Error("the match was stopped before its first pair");
  meta::SprtDecision decision = meta::SprtDecision::kContinue;
  const int at = DecisionPair(m.pair_points, params, &decision);
  const selfplay::EloEstimate e = selfplay::EloFromPairs(m.pair_points, 0.95, 2000, static_cast<uint64_t>(a.seed));
  const char* verdict = decision == meta::SprtDecision::kAccept ? "accept" : decision == meta::SprtDecision::kReject ? "reject" : "undecided";
  nlohmann::json j = run::MatchJson(m);
  j.update({{"a", sa.describe}, {"b", sb.describe}, {"game", game.name()}, {"games", m.stats.games()},
            {"elo", e.elo}, {"elo_ci_low", e.low}, {"elo_ci_high", e.high}, {"verdict", verdict},
            {"decided_after_pairs", at < 0 ? nlohmann::json(nullptr) : nlohmann::json(at)},
            {"false_accept_rate", meta::FalseAcceptRate(meta::SprtTest::kExact, params, static_cast<int64_t>(openings.size()))}});
  j.erase("pair_points");
  j["openings"] = openings.size();
  if (!a.record.empty()) WriteRecord(a.record, openings, m);
  if (a.check_values) {
    const ValueCheck c = CheckValues(game, openings, m);
    j["below_value"] = c.below;
    j["lost_not_lost"] = c.lost_not_lost;
  }
  if (a.json) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("%s against %s at %s, %d simulations, %lld games on %zu openings (colours swapped):\n",
              sa.describe.c_str(), sb.describe.c_str(), game.name().c_str(), a.simulations,
              static_cast<long long>(m.stats.games()), m.pair_points.size());
  std::printf("  %lld wins, %lld losses, %lld draws: score %.3f, Elo %+.0f [%+.0f, %+.0f] (95%% bootstrap over pairs)\n",
              static_cast<long long>(m.stats.wins), static_cast<long long>(m.stats.losses),
              static_cast<long long>(m.stats.draws), m.stats.score(), e.elo, e.low, e.high);
  std::printf("  gate (exact SPRT on pairs, Elo %g/%g, alpha %g, beta %g): %s", a.elo0, a.elo1, a.alpha, a.beta, verdict);
  if (at > 0) std::printf(" after %d pairs", at);
  std::printf("\n");
  if (a.check_values)
    std::printf("  against the solver: %lld games below the opening's value for %s's side; %lld lost from an "
                "opening that was not lost\n",
                static_cast<long long>(j["below_value"].get<int64_t>()), sa.describe.c_str(),
                static_cast<long long>(j["lost_not_lost"].get<int64_t>()));
  return 0;
}

}  // namespace

Action RegisterSelfplay(CLI::App& app) {
  auto a = std::make_shared<SelfplayArgs>();
  CLI::App* s = app.add_subcommand("selfplay", "Learn a game by self-play: versions admitted by the exact sequential test, an Elo ladder against the first");
  s->add_option("--config", a->config, "Self-play config file (default: configs/selfplay.toml, embedded)");
  s->add_option("--game", a->game, "Game: tictactoe, connect4, ... (overrides the config)");
  s->add_option("--seed", a->seed, "Seed (default: the config's)")->check(CLI::NonNegativeNumber);
  s->add_option("--generations", a->generations, "Generations (0: until --max-seconds)")->check(CLI::NonNegativeNumber);
  s->add_option("--max-seconds", a->max_seconds, "Time budget of the loop, in seconds")->check(kNonNegative);
  s->add_option("--threads", a->threads, "Threads")->check(CLI::PositiveNumber);
  s->add_option("--improver", a->improver, "Improver spec (JSON, e.g. from `ouro improver export`): the evaluator search's strategy");
  s->add_option("--db", a->db, "Run store")->capture_default_str();
  s->add_flag("--json", a->json, "Print the result as one JSON line");
  s->add_flag("--quiet", a->quiet, "No progress on stderr");
  return [a] { return RunSelfplay(*a); };
}

Action RegisterArena(CLI::App& app) {
  auto a = std::make_shared<ArenaArgs>();
  CLI::App* s = app.add_subcommand("arena", "A match between two agents on paired openings, with the gate's verdict");
  s->add_option("A", a->a, "Agent: RUN[:GEN], FILE.ouro, random, rollout or perfect")->required();
  s->add_option("B", a->b, "Agent: RUN[:GEN], FILE.ouro, random, rollout or perfect")->required();
  s->add_option("--game", a->game, "Game")->required();
  s->add_option("--games", a->games, "Games (an even number: pairs with colours swapped)")->capture_default_str();
  s->add_option("--simulations", a->simulations, "MCTS simulations per move")->capture_default_str()->check(CLI::PositiveNumber);
  s->add_option("--prior-temperature", a->prior_temperature,
                "MCTS priors from the children's values at this temperature (0: the evaluator's own)")
      ->capture_default_str();
  s->add_option("--opening-plies", a->plies, "Random moves of each opening")->capture_default_str()->check(CLI::Range(0, 20));
  s->add_option("--seed", a->seed, "Seed of the openings and games")->capture_default_str()->check(CLI::NonNegativeNumber);
  s->add_option("--threads", a->threads, "Threads")->capture_default_str()->check(CLI::PositiveNumber);
  s->add_option("--elo0", a->elo0, "Gate: Elo of H0")->capture_default_str();
  s->add_option("--elo1", a->elo1, "Gate: Elo of H1")->capture_default_str();
  s->add_option("--alpha", a->alpha, "Gate: false-acceptance rate")->capture_default_str();
  s->add_option("--beta", a->beta, "Gate: false-rejection rate")->capture_default_str();
  s->add_flag("--all-openings", a->all_openings, "Every distinct opening of --opening-plies moves (two games each) instead of --games");
  s->add_flag("--check-values", a->check_values, "Count A's games below the solver's value of their opening, and those lost from an opening not lost (games with a solver)");
  s->add_option("--record", a->record, "Write every game to this CSV file: opening,first,moves,result");
  s->add_option("--db", a->db, "Run store (for RUN[:GEN] agents)")->capture_default_str();
  s->add_flag("--json", a->json, "Print the result as one JSON line");
  return [a] { return RunArena(*a); };
}

}  // namespace ouro::cli
