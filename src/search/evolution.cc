#include "search/evolution.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"
#include "eval/fec_cache.h"

namespace ouro::search {

using Clock = std::chrono::steady_clock;

Individual::~Individual() {
  // Unlink the chain while we hold the only reference, so destruction does not recurse.
  std::shared_ptr<const Individual> p = std::move(parent);
  while (p && p.use_count() == 1) {
    std::shared_ptr<const Individual> next = std::move(const_cast<Individual&>(*p).parent);
    p = std::move(next);
  }
}

void EvolutionConfig::Validate() const {
  space.Validate();
  if (population < 1) throw Error("search: population must be >= 1");
  if (tournament < 1 || tournament > population)
    throw Error("search: tournament must be in [1, population]");
  if (mutate_prob < 0 || mutate_prob > 1) throw Error("search: mutate_prob must be in [0, 1]");
  if (batch < 1) throw Error("search: batch must be >= 1");
  if (max_individuals < 1) throw Error("search: max_individuals must be >= 1");
  if (check_every < 1) throw Error("search: check_every must be >= 1");
  if (select_top < 1) throw Error("search: select_top must be >= 1");
  if (initial != "random" && initial != "empty" && initial != "given")
    throw Error("search: initial must be 'random', 'empty' or 'given'");
  if (initial == "given" && initial_programs.empty())
    throw Error("search: initial = 'given' but no initial programs");
  for (const auto& p : initial_programs) p.Validate(space.shape);
  // Random initial programs must respect the size bounds; empty and given ones need only fit
  // under max_size (min_size only stops `remove` from shrinking a component further).
  for (int c = 0; c < lang::kNumComponents; ++c) {
    const std::string name = lang::kComponentNames[c];
    if (initial == "random" && (init_size[c] < space.min_size[c] || init_size[c] > space.max_size[c]))
      throw Error("search: init_size." + name + " = " + std::to_string(init_size[c]) + " is outside [min_size, max_size] = [" +
                  std::to_string(space.min_size[c]) + ", " + std::to_string(space.max_size[c]) + "]");
    for (const auto& p : initial_programs)
      if (initial == "given" && static_cast<int>(p.fn[c].size()) > space.max_size[c])
        throw Error("search: an initial program's " + name + " has " + std::to_string(p.fn[c].size()) +
                    " instructions, more than max_size." + name + " = " + std::to_string(space.max_size[c]));
  }
}

namespace {

class Runner {
 public:
  Runner(const EvolutionConfig& cfg, const tasks::Partition& tasks, uint64_t seed, int threads,
         const Budget& budget, const Callbacks& cb)
      : cfg_(cfg), tasks_(tasks), seed_(seed), pool_(threads), budget_(budget), cb_(cb),
        mutator_(cfg.space, cfg.mutations), cache_(cfg.fec ? cfg.fec_capacity : 0),
        machines_(static_cast<size_t>(pool_.Size())), eval_seed_(DeriveSeed(seed, 0xe7a1)) {}

  EvolutionResult Run() {
    start_ = Clock::now();
    for (int e = 0; cfg_.max_experiments == 0 || e < cfg_.max_experiments; ++e) {
      progress_.experiment = e;
      if (RunExperiment(e)) break;
    }
    if (result_.stop_reason.empty()) result_.stop_reason = "max_experiments";
    Finish();
    return std::move(result_);
  }

 private:
  struct Child {
    std::shared_ptr<Individual> ind;
    lang::Executable exe;
    uint64_t fingerprint = 0;
    int dup_of = -1;  // index of an earlier child in the batch with the same fingerprint
    bool needs_eval = false;
  };

  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  // Stops for budget or external request; sets stop_reason.
  bool OutOfBudget() {
    if (budget_.stop && budget_.stop->load(std::memory_order_relaxed)) {
      result_.stop_reason = "stopped";
      return true;
    }
    if (budget_.max_evaluations > 0 && progress_.evaluations >= budget_.max_evaluations) {
      result_.stop_reason = "max_evals";
      return true;
    }
    if (budget_.max_seconds > 0 && Elapsed() >= budget_.max_seconds) {
      result_.stop_reason = "max_seconds";
      return true;
    }
    return false;
  }

  // Scores a batch of children: fingerprints in parallel, cache resolution in order, full
  // evaluations of the misses in parallel, then cache insertion in order.
  void Score(std::vector<Child>& batch) {
    const auto& search = tasks_.search;
    // Compile each child once; its executable serves the fingerprint and the full evaluation.
    pool_.ParallelFor(static_cast<int64_t>(batch.size()), [&](int64_t i, int w) {
      batch[i].exe = lang::Compile(batch[i].ind->program, cfg_.space.shape);
      if (cfg_.fec)
        batch[i].fingerprint = eval::Fingerprint(batch[i].exe, search, machines_[w], eval_seed_,
                                                 cfg_.fec_tasks, cfg_.fec_train, cfg_.fec_valid, cfg_.limits);
    });
    std::unordered_map<uint64_t, int> first_in_batch;
    for (size_t i = 0; i < batch.size(); ++i) {
      Child& c = batch[i];
      if (!cfg_.fec) {
        c.needs_eval = true;
      } else if (auto hit = cache_.Lookup(c.fingerprint)) {
        c.ind->fitness = *hit;
      } else if (auto it = first_in_batch.find(c.fingerprint); it != first_in_batch.end()) {
        c.dup_of = it->second;
      } else {
        first_in_batch.emplace(c.fingerprint, static_cast<int>(i));
        c.needs_eval = true;
      }
    }
    pool_.ParallelFor(static_cast<int64_t>(batch.size()), [&](int64_t i, int w) {
      if (batch[i].needs_eval)
        batch[i].ind->fitness = eval::EvaluateSet(batch[i].exe, search, machines_[w], eval_seed_, cfg_.limits).fitness;
    });
    for (Child& c : batch) {
      if (c.dup_of >= 0) c.ind->fitness = batch[c.dup_of].ind->fitness;
      if (c.needs_eval) {
        ++progress_.evaluations;
        if (cfg_.fec) cache_.Insert(c.fingerprint, c.ind->fitness);
      } else {
        ++progress_.cache_hits;
      }
      ++progress_.individuals;
    }
  }

  std::shared_ptr<Individual> NewIndividual(lang::Program p, std::shared_ptr<const Individual> parent,
                                            Mutation m) {
    auto ind = std::make_shared<Individual>();
    ind->program = std::move(p);
    ind->id = next_id_++;
    ind->mutation = m;
    ind->parent = std::move(parent);
    return ind;
  }

  void ConsiderBest(const std::shared_ptr<Individual>& ind) {
    if (!exp_best_ || ind->fitness > exp_best_->fitness) {
      exp_best_ = ind;
      progress_.best_fitness = ind->fitness;
      best_checked_ = false;
    }
  }

  // Scores candidates on the select tasks; true if one reaches sufficient_fitness. Candidates: the
  // experiment's best (when it changed since the last check) and, with select_top > 1, the next
  // best members of the population. A program (by hash) is scored at most once per run: scores are
  // deterministic, so a second look would only cost time.
  bool CheckSelect(const std::deque<std::shared_ptr<const Individual>>* population) {
    std::vector<std::shared_ptr<const Individual>> cands;
    auto consider = [&](const std::shared_ptr<const Individual>& ind) {
      if (checked_.insert(ind->program.Hash()).second) cands.push_back(ind);
    };
    if (exp_best_ && !best_checked_) consider(exp_best_);
    best_checked_ = true;
    if (population && cfg_.select_top > 1) {
      std::vector<const std::shared_ptr<const Individual>*> order;
      for (const auto& ind : *population) order.push_back(&ind);
      std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
        return (*a)->fitness != (*b)->fitness ? (*a)->fitness > (*b)->fitness : (*a)->id < (*b)->id;
      });
      for (size_t i = 0; i < order.size() && static_cast<int>(i) < cfg_.select_top; ++i) consider(*order[i]);
    }
    if (cands.empty()) return false;
    const auto& select = tasks_.select;
    std::vector<lang::Executable> exes;
    for (const auto& c : cands) exes.push_back(lang::Compile(c->program, cfg_.space.shape));
    const int64_t nt = static_cast<int64_t>(select.size());
    std::vector<double> per(cands.size() * select.size());
    pool_.ParallelFor(static_cast<int64_t>(per.size()), [&](int64_t k, int w) {
      const int64_t t = k % nt;
      per[k] = eval::EvaluateTask(exes[k / nt], select[t], machines_[w], DeriveSeed(eval_seed_, t), cfg_.limits).fitness;
    });
    for (size_t c = 0; c < cands.size(); ++c) {
      double sum = 0;
      for (int64_t t = 0; t < nt; ++t) sum += per[c * nt + t];
      const double fitness = select.empty() ? cands[c]->fitness : sum / static_cast<double>(nt);
      if (cb_.on_select) cb_.on_select(*cands[c], fitness);
      if (!result_.best || fitness > result_.fitness_select) {
        result_.best = cands[c];
        result_.fitness_select = fitness;
        result_.fitness_search = cands[c]->fitness;
        progress_.best_select = fitness;
      }
      if (fitness >= cfg_.sufficient_fitness) {
        result_.solved = true;
        result_.stop_reason = "solved";
        return true;
      }
    }
    return false;
  }

  void Report() {
    progress_.seconds = Elapsed();
    progress_.individuals_per_second = progress_.seconds > 0 ? progress_.individuals / progress_.seconds : 0;
    if (cb_.on_progress) cb_.on_progress(progress_);
  }

  // Returns true when the run must end (solved or out of budget).
  bool RunExperiment(int e) {
    Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(e) + 1));
    exp_best_.reset();
    best_checked_ = false;
    progress_.best_fitness = 0;
    std::deque<std::shared_ptr<const Individual>> population;
    int64_t exp_individuals = 0;
    int64_t next_check = cfg_.check_every;

    std::vector<Child> batch;
    auto flush = [&]() {
      Score(batch);
      for (Child& c : batch) {
        ConsiderBest(c.ind);
        population.push_back(c.ind);
        if (static_cast<int>(population.size()) > cfg_.population) population.pop_front();
      }
      exp_individuals += static_cast<int64_t>(batch.size());
      progress_.experiment_individuals = exp_individuals;
      batch.clear();
    };
    auto checkpoint = [&]() -> bool {
      if (exp_individuals < next_check) return false;
      next_check = exp_individuals + cfg_.check_every;
      const bool solved = CheckSelect(&population);
      Report();
      return solved;
    };

    // Initial population.
    for (int i = 0; i < cfg_.population; ++i) {
      lang::Program p;
      if (cfg_.initial == "random") p = mutator_.RandomProgram(rng, cfg_.init_size);
      else if (cfg_.initial == "given") p = cfg_.initial_programs[i % cfg_.initial_programs.size()];
      batch.emplace_back().ind = NewIndividual(std::move(p), nullptr, Mutation::kNone);
      if (static_cast<int>(batch.size()) == cfg_.batch || i + 1 == cfg_.population) {
        flush();
        if (checkpoint() || OutOfBudget()) return true;
      }
    }
    // Evolution.
    while (exp_individuals < cfg_.max_individuals) {
      const int n = static_cast<int>(std::min<int64_t>(cfg_.batch, cfg_.max_individuals - exp_individuals));
      for (int k = 0; k < n; ++k) {
        const std::shared_ptr<const Individual>* winner = nullptr;
        for (int t = 0; t < cfg_.tournament; ++t) {
          const auto& cand = population[rng.Below(static_cast<uint32_t>(population.size()))];
          if (!winner || cand->fitness > (*winner)->fitness) winner = &cand;
        }
        lang::Program child = (*winner)->program;
        Mutation m = Mutation::kNone;
        if (rng.Bernoulli(cfg_.mutate_prob)) m = mutator_.Mutate(rng, child);
        batch.emplace_back().ind = NewIndividual(std::move(child), *winner, m);
      }
      flush();
      if (checkpoint() || OutOfBudget()) return true;
    }
    // End of experiment: always give its best a select check.
    const bool solved = CheckSelect(&population);
    Report();
    return solved || OutOfBudget();
  }

  void Finish() {
    if (!result_.best && exp_best_) {
      best_checked_ = false;
      CheckSelect(nullptr);
    }
    if (result_.best) {
      const lang::Executable exe = lang::Compile(result_.best->program, cfg_.space.shape);
      const auto& held = tasks_.held_out;
      std::vector<double> per(held.size());
      const bool has_test = !held.empty() && held[0].test.n() > 0;
      pool_.ParallelFor(static_cast<int64_t>(held.size()), [&](int64_t t, int w) {
        per[t] = eval::EvaluateTask(exe, held[t], machines_[w], DeriveSeed(eval_seed_, t), cfg_.limits,
                                    has_test ? eval::ScoreOn::kTest : eval::ScoreOn::kValid).fitness;
      });
      double sum = 0;
      for (double f : per) sum += f;
      result_.fitness_final = held.empty() ? 0.0 : sum / static_cast<double>(held.size());
      for (std::shared_ptr<const Individual> p = result_.best; p; p = p->parent) result_.lineage.push_back(p);
      std::reverse(result_.lineage.begin(), result_.lineage.end());
    }
    progress_.seconds = Elapsed();
    progress_.individuals_per_second = progress_.seconds > 0 ? progress_.individuals / progress_.seconds : 0;
    result_.progress = progress_;
  }

  const EvolutionConfig& cfg_;
  const tasks::Partition& tasks_;
  uint64_t seed_;
  ThreadPool pool_;
  Budget budget_;
  const Callbacks& cb_;
  Mutator mutator_;
  eval::FecCache cache_;
  std::vector<lang::Machine> machines_;
  uint64_t eval_seed_;
  Clock::time_point start_;
  Progress progress_;
  EvolutionResult result_;
  std::shared_ptr<const Individual> exp_best_;
  std::unordered_set<uint64_t> checked_;  // program hashes already scored on select
  bool best_checked_ = false;
  int64_t next_id_ = 0;
};

}  // namespace

EvolutionResult RunEvolution(const EvolutionConfig& config, const tasks::Partition& tasks,
                             uint64_t seed, int threads, const Budget& budget,
                             const Callbacks& callbacks) {
  config.Validate();
  if (tasks.search.empty()) throw Error("search: no search tasks");
  for (const auto* set : {&tasks.search, &tasks.select})
    for (const auto& t : *set)
      if (t.train.n() < 1 || t.valid.n() < 1)
        throw Error("task '" + t.name + "' needs at least one training and one validation example");
  for (const auto* set : {&tasks.search, &tasks.select, &tasks.held_out})
    for (const auto& t : *set)
      if (t.dim != config.space.shape.dim)
        throw Error("task '" + t.name + "' has " + std::to_string(t.dim) +
                    " features but the search shape has dim " + std::to_string(config.space.shape.dim));
  Runner runner(config, tasks, seed, threads, budget, callbacks);
  return runner.Run();
}

}  // namespace ouro::search
