#include "selfplay/loop.h"

#include <chrono>

#include "core/error.h"
#include "core/hash.h"
#include "search/mutator.h"

namespace ouro::selfplay {

void SelfplayConfig::Validate() const {
  games::GetGame(game);
  if (generations < 0) throw Error("selfplay: generations must be >= 0");
  if (!(max_seconds >= 0)) throw Error("selfplay: max_seconds must be >= 0");
  if (generations == 0 && max_seconds == 0) throw Error("selfplay: set generations or max_seconds");
  if (threads < 1 || threads > 256) throw Error("selfplay: threads must be in [1, 256]");
  if (games < 1 || games > 100000) throw Error("selfplay: games must be in [1, 100000]");
  if (window < games) throw Error("selfplay: window must hold at least one generation's games");
  if (valid_every < 2) throw Error("selfplay: valid_every must be >= 2");
  if (epochs < 1 || epochs > 100) throw Error("selfplay: epochs must be in [1, 100]");
  selfplay_mcts.Validate();
  match_mcts.Validate();
  if (search_evaluations < 1) throw Error("selfplay: search_evaluations must be >= 1");
  if (search_rows < 0) throw Error("selfplay: search_rows must be >= 0");
  if (!(warm_share > 0 && warm_share <= 1)) throw Error("selfplay: warm_share must be in (0, 1]");
  if (!(root_value_weight >= 0 && root_value_weight <= 1)) throw Error("selfplay: root_value_weight must be in [0, 1]");
  if (gate_openings < 1 || gate_openings > 100000) throw Error("selfplay: gate_openings must be in [1, 100000]");
  if (opening_plies < 0 || opening_plies > 20) throw Error("selfplay: opening_plies must be in [0, 20]");
  ladder_mcts.Validate();
  if (ladder_openings < 1 || ladder_openings > 100000) throw Error("selfplay: ladder openings must be in [1, 100000]");
  if (ladder_plies < 0 || ladder_plies > 20) throw Error("selfplay: ladder opening_plies must be in [0, 20]");
  meta::SprtLimits(gate.alpha, gate.beta);
  if (!(gate.elo1 > gate.elo0)) throw Error("selfplay: the gate's elo1 must be above elo0");
  if (!(alpha_budget > 0 && alpha_budget <= 10)) throw Error("selfplay: alpha_budget must be in (0, 10]");
  if (!(alpha_share > 0 && alpha_share <= 1)) throw Error("selfplay: alpha_share must be in (0, 1]");
}

namespace {

enum Stage : uint64_t { kGames = 1, kData = 2, kSearch = 3, kTrain = 4, kGate = 5 };

uint64_t StageSeed(uint64_t seed, int generation, Stage stage) {
  return DeriveSeed(DeriveSeed(seed, static_cast<uint64_t>(generation)), stage);
}

}  // namespace

SelfplayLoop::SelfplayLoop(SelfplayConfig config, uint64_t seed)
    : config_(std::move(config)), seed_(seed), game_(games::GetGame(config_.game)), replay_(config_.window) {
  config_.Validate();
  shape_ = EvaluatorShape(game_, config_.evolution.shape);
  config_.evolution.shape = shape_;
  config_.evolution.Compile();
  for (const lang::Program& p : config_.start_programs) p.Validate(shape_);
  // Version 0: a random program of the search's initial size, untrained.
  const search::CompiledStrategy& cs = config_.evolution.compiled;
  search::Mutator mutator(cs.space, cs.kinds, cs.policy);
  Rng rng(DeriveSeed(seed_, 0x5e1f));
  const lang::Program first = mutator.RandomProgram(rng, cs.init_size);
  tasks::Dataset none;
  none.dim = shape_.dim;
  versions_.push_back(Version{0, Train(first, shape_, none, DeriveSeed(seed_, 0x7a1))});
  openings_ = RandomOpenings(game_, config_.gate_openings, config_.opening_plies, DeriveSeed(seed_, 0x0be7));
  ladder_openings_ = RandomOpenings(game_, config_.ladder_openings, config_.ladder_plies, DeriveSeed(seed_, 0x1add));
  ladder_ = meta::AlphaLadder(meta::SprtTest::kExact, config_.gate, static_cast<int64_t>(openings_.size()));
}

SelfplayLoop::SelfplayLoop(SelfplayConfig config, uint64_t seed, const LoopState& resume)
    : SelfplayLoop(std::move(config), seed) {
  if (resume.versions.empty()) throw Error("selfplay: a resumed run needs its versions");
  versions_ = resume.versions;
  generation_ = resume.generation;
  spent_ = resume.spent;
  if (config_.root_value_weight > 0 && resume.replay_values.size() != resume.replay.size())
    throw Error("selfplay: the checkpoint has no root values for its games (root_value_weight is not 0)");
  std::vector<GameRecord> games;
  for (size_t g = 0; g < resume.replay.size(); ++g) {
    games.push_back(RecordFromMoves(game_, resume.replay[g]));
    if (config_.root_value_weight == 0) continue;
    games.back().root_values = RootValuesFromCodes(resume.replay_values[g]);
    if (games.back().root_values.size() != games.back().y.size())
      throw Error("selfplay: the checkpoint's root values of game " + std::to_string(g) + " do not match its moves");
  }
  replay_.Add(std::move(games));
}

LoopState SelfplayLoop::State() const {
  LoopState s;
  s.generation = generation_;
  s.spent = spent_;
  for (const GameRecord& g : replay_.records()) {
    s.replay.push_back(g.moves);
    if (config_.root_value_weight > 0) s.replay_values.push_back(RootValueCodes(g.root_values));
  }
  s.versions = versions_;
  return s;
}

MatchResult SelfplayLoop::Ladder(const Version& v, const std::atomic<bool>* stop) const {
  return PlayMatch(game_, *MatchAgent(v, config_.ladder_mcts), *MatchAgent(versions_[0], config_.ladder_mcts),
                   ladder_openings_, DeriveSeed(DeriveSeed(seed_, 0x1adde), static_cast<uint64_t>(v.generation)),
                   config_.threads, nullptr, stop);
}

std::unique_ptr<Agent> SelfplayLoop::MatchAgent(const Version& v, const MctsParams& params) const {
  return std::make_unique<MctsAgent>(std::make_unique<ProgramEvaluator>(v.evaluator), params, game_.num_actions());
}

lang::Program SelfplayLoop::SearchCandidate(const tasks::Dataset& data, uint64_t seed, GenerationReport& r,
                                            const std::atomic<bool>* stop) const {
  search::EvolutionConfig evo = config_.evolution;
  search::WarmStart warm;
  warm.programs.push_back(incumbent().evaluator->program);
  for (const lang::Program& p : config_.start_programs) warm.programs.push_back(p);
  warm.share = config_.warm_share;
  evo.warm_start = warm;
  evo.Compile();
  tasks::Partition part;
  part.search = {data};
  part.select = {data};
  search::Budget budget;
  budget.max_evaluations = config_.search_evaluations;
  budget.stop = stop;
  const search::EvolutionResult res = search::RunEvolution(evo, part, seed, config_.threads, budget);
  if (!res.best) return incumbent().evaluator->program;  // stopped before its first program
  r.search_fitness = res.fitness_select;
  r.search_evaluations = res.progress.evaluations;
  r.candidate_hash = HexId(res.best->program.Hash());
  return res.best->program;
}

GenerationReport SelfplayLoop::RunGeneration(const std::atomic<bool>* stop) {
  const auto start = std::chrono::steady_clock::now();
  GenerationReport r;
  r.generation = generation_ + 1;
  auto stopped = [&] {
    r.stopped = stop && stop->load();
    return r.stopped;
  };
  MctsAgent player(std::make_unique<ProgramEvaluator>(incumbent().evaluator), config_.selfplay_mcts,
                   game_.num_actions(), /*selfplay=*/true);
  std::vector<GameRecord> games =
      PlaySelfplay(game_, player, config_.games, StageSeed(seed_, r.generation, kGames), config_.threads, stop);
  if (stopped()) return r;
  r.games = static_cast<int64_t>(games.size());
  Replay replay = replay_;  // the loop changes only when the generation completes
  replay.Add(std::move(games));
  r.positions = replay.positions();
  const uint64_t data_seed = StageSeed(seed_, r.generation, kData);
  const tasks::Dataset sample =
      replay.ToDataset(shape_.dim, config_.valid_every, config_.epochs, data_seed, config_.search_rows,
                       config_.root_value_weight);
  const auto program = SearchCandidate(sample, StageSeed(seed_, r.generation, kSearch), r, stop);
  if (stopped()) return r;
  const Version next{r.generation, Train(program, shape_, replay.ToDataset(shape_.dim, config_.valid_every,
                                                                           config_.epochs, data_seed, 0,
                                                                           config_.root_value_weight),
                                         StageSeed(seed_, r.generation, kTrain))};
  r.rung = meta::SpendAlpha(ladder_, spent_, config_.alpha_budget, config_.alpha_share);
  MatchGate gate{config_.gate};
  gate.params.alpha = r.rung.alpha;
  r.gate = PlayMatch(game_, *MatchAgent(next, config_.match_mcts), *MatchAgent(incumbent(), config_.match_mcts),
                     openings_, StageSeed(seed_, r.generation, kGate), config_.threads, &gate, stop);
  if (stopped()) return r;
  r.adopted = r.gate.decision == meta::SprtDecision::kAccept;
  replay_ = std::move(replay);
  spent_ += r.rung.false_accept;
  generation_ = r.generation;
  if (r.adopted) versions_.push_back(next);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace ouro::selfplay
