#include "search/evolution.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"
#include "eval/fec_cache.h"
#include "search/population.h"
#include "search/proposal_filter.h"

namespace ouro::search {

using Clock = std::chrono::steady_clock;

namespace {

class Runner {
 public:
  Runner(const EvolutionConfig& cfg, const tasks::Partition& tasks, uint64_t seed, int threads,
         const Budget& budget, const Callbacks& cb)
      : cfg_(cfg), tasks_(tasks), seed_(seed), pool_(threads), budget_(budget), cb_(cb),
        mutator_(cfg.compiled.space, cfg.compiled.kinds, cfg.compiled.policy), cache_(cfg.fec ? cfg.fec_capacity : 0),
        machines_(static_cast<size_t>(pool_->Size())), eval_seed_(eval::EvalSeed(seed)) {
    // Search evaluations end mid-task on a stop request (those children score 0 and the run ends
    // after the batch); select checks and the final held-out score always run to the end.
    search_limits_ = cfg.limits;
    search_limits_.stop = budget.stop;
    if (cfg.filter) filter_.emplace(*cfg.filter, DeriveSeed(seed, 0xf117));
    max_size_ = 0;
    for (int c = 0; c < lang::kNumComponents; ++c) max_size_ += cfg.compiled.space.max_size[c];
  }

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
    uint64_t fingerprint = 0;
    int dup_of = -1;  // index of an earlier child in the batch with the same fingerprint
    bool needs_eval = false;
    bool filtered = false;   // dropped by the filter: not scored, not kept
    bool rejected = false;   // cascade: kept its partial score
    bool rescore = false;    // a member re-scored after warmup: not a proposal
    std::array<float, kFilterFeatures> features{};
  };

  const std::vector<tasks::Dataset>& SearchTasks() const { return warm_ ? tasks_.warmup : tasks_.search; }

  // Enters or leaves warmup. Fingerprints and cached scores belong to one task set, so a change
  // of set empties the cache; the run's best-fitness trace starts over on the new scale.
  void SetWarmup(bool warm) {
    if (warm == warm_) return;
    warm_ = warm;
    progress_.warmup = warm;
    cache_.Clear();
    memo_.Clear();
    run_best_ = -1;
  }

  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  // Stops for budget or external request; sets stop_reason.
  bool OutOfBudget() {
    if (budget_.stop && budget_.stop->load(std::memory_order_relaxed)) {
      result_.stop_reason = "stopped";
      return true;
    }
    if (budget_.max_evaluations > 0 && progress_.eval_cost >= static_cast<double>(budget_.max_evaluations)) {
      result_.stop_reason = "max_evals";
      return true;
    }
    if (budget_.max_seconds > 0 && Elapsed() >= budget_.max_seconds) {
      result_.stop_reason = "max_seconds";
      return true;
    }
    return false;
  }

  // Cache resolution, in child order: a hit takes the cached fitness; among the misses, the first
  // child with a fingerprint needs an evaluation and later ones become its duplicates. (Sorting
  // (fingerprint, index) pairs in a reused buffer finds the first of each fingerprint without a
  // hash-map node per child.)
  void ResolveCache(std::vector<Child>& batch) {
    misses_.clear();
    for (size_t i = 0; i < batch.size(); ++i) {
      Child& c = batch[i];
      if (!cfg_.fec) c.needs_eval = true;
      else if (auto hit = cache_.Lookup(c.fingerprint)) c.ind->fitness = *hit;
      else misses_.emplace_back(c.fingerprint, static_cast<int>(i));
    }
    std::sort(misses_.begin(), misses_.end());
    int first = -1;
    for (size_t j = 0; j < misses_.size(); ++j) {
      if (j == 0 || misses_[j].first != misses_[j - 1].first) first = misses_[j].second;
      Child& c = batch[static_cast<size_t>(misses_[j].second)];
      if (misses_[j].second == first) c.needs_eval = true;
      else c.dup_of = first;
    }
  }

  // Scores a batch of children: fingerprints in parallel, cache resolution in order, full
  // evaluations of the misses in parallel, then the bookkeeping in order.
  void Score(std::vector<Child>& batch) {
    Fingerprint(batch);
    ResolveCache(batch);
    if (filter_) FilterProposals(batch);
    Evaluate(batch);
    for (Child& c : batch) Account(batch, c);
  }

  // Compiles each child once (into the executables of earlier batches, reusing their buffers);
  // its executable serves the fingerprint and the full evaluation. A child whose executable is
  // its parent's (the mutation hit dead code, or there was none) has its parent's fingerprint:
  // the fingerprint is a function of the executable and the task set, so it is taken over
  // instead of recomputed (not across the warmup switch, where the task set changes).
  void Fingerprint(std::vector<Child>& batch) {
    const auto& search = SearchTasks();
    if (exes_.size() < batch.size()) exes_.resize(batch.size());
    pool_->ParallelFor(static_cast<int64_t>(batch.size()), [&](int64_t i, int w) {
      Child& c = batch[i];
      lang::CompileInto(c.ind->program, cfg_.shape, &exes_[i]);
      if (!cfg_.fec) return;
      c.ind->exe_hash = lang::Hash(exes_[i]);
      const Individual* parent = c.ind->parent.get();
      if (parent && !c.rescore && parent->exe_hash == c.ind->exe_hash) {
        c.fingerprint = parent->fingerprint;
      } else if (auto known = memo_.Lookup(c.ind->exe_hash)) {
        c.fingerprint = *known;
      } else {
        c.fingerprint = eval::Fingerprint(exes_[i], search, machines_[w], eval_seed_, cfg_.fec_tasks,
                                          cfg_.fec_train, cfg_.fec_valid, cfg_.limits);
      }
      c.ind->fingerprint = c.fingerprint;
    });
    if (cfg_.fec)
      for (const Child& c : batch) memo_.Insert(c.ind->exe_hash, c.fingerprint);
  }

  // The filter judges the proposals that would cost an evaluation, in child order.
  void FilterProposals(std::vector<Child>& batch) {
    for (Child& c : batch) {
      if (!c.needs_eval || !c.ind->parent || c.rescore) continue;
      c.features = Features(*c.ind);
      if (filter_->Drop(filter_->Predict(c.features))) {
        c.filtered = true;
        c.needs_eval = false;
        ++progress_.filtered;
      }
    }
  }

  // Full evaluations of the children that need one, in parallel. Task fitnesses are summed in
  // task order with EvaluateSet's per-task seeds, so a full score is bit for bit EvaluateSet's
  // (without its per-task vector). Cascade: the first k tasks, then the rest only if the child
  // looks competitive.
  void Evaluate(std::vector<Child>& batch) {
    const auto& search = SearchTasks();
    const int nt = static_cast<int>(search.size());
    const int k = CascadeTasks();
    pool_->ParallelFor(static_cast<int64_t>(batch.size()), [&](int64_t i, int w) {
      Child& c = batch[i];
      if (!c.needs_eval) return;
      double sum = 0;
      auto add_tasks = [&](int from, int to) {
        for (int t = from; t < to; ++t)
          sum += eval::EvaluateTask(exes_[i], search[t], machines_[w], DeriveSeed(eval_seed_, t), search_limits_).fitness;
      };
      if (k > 0 && c.ind->parent && !c.rescore) {
        add_tasks(0, k);
        if (sum / k < cfg_.cascade_ratio * c.ind->parent->fitness) {
          c.rejected = true;
          c.ind->fitness = sum / k;
          return;
        }
        add_tasks(k, nt);
      } else {
        add_tasks(0, nt);
      }
      c.ind->fitness = sum / static_cast<double>(nt);
    });
  }

  int CascadeTasks() const {
    const int nt = static_cast<int>(SearchTasks().size());
    return cfg_.cascade_tasks > 0 && cfg_.cascade_tasks < nt ? cfg_.cascade_tasks : 0;
  }

  // One scored child's bookkeeping, in child order: its share of a duplicate's fate, the
  // counters and eval cost, the cache, credit trials, the filter's lesson and the best trace.
  void Account(const std::vector<Child>& batch, Child& c) {
    // A duplicate shares its original's fate: dropped with it, or its (possibly partial) score.
    if (c.dup_of >= 0 && batch[c.dup_of].filtered) {
      c.filtered = true;
      ++progress_.filtered;
    }
    if (c.filtered) return;
    if (c.dup_of >= 0) c.ind->fitness = batch[c.dup_of].ind->fitness;
    if (c.rejected) {
      ++progress_.cascade_rejects;
      progress_.eval_cost += static_cast<double>(CascadeTasks()) / static_cast<double>(SearchTasks().size());
    } else if (c.needs_eval) {
      ++progress_.evaluations;
      progress_.eval_cost += 1;
      if (cfg_.fec) cache_.Insert(c.fingerprint, c.ind->fitness);
    } else {
      ++progress_.cache_hits;
    }
    ++progress_.individuals;
    if (c.ind->parent && !c.rescore) LearnFromProposal(c);
    if (c.ind->fitness > run_best_) {
      run_best_ = c.ind->fitness;
      result_.trace.push_back({progress_.eval_cost, run_best_, Elapsed()});
    }
  }

  void LearnFromProposal(Child& c) {
    const bool gain = c.ind->fitness > c.ind->parent->fitness;
    if (c.ind->mutation != Mutation::kNone)
      result_.credit.Record(c.ind->edit, 0.0);  // a trial; gains come from the lineage (Finish)
    if (c.ind->proposed) {
      result_.proposer.trials += 1;
      if (gain) ++result_.proposer.improved;
    }
    if (c.needs_eval && (filter_ || cfg_.record_proposals)) {
      if (!filter_) c.features = Features(*c.ind);
      if (filter_) filter_->Learn(c.features, gain);
      if (cfg_.record_proposals) result_.proposals.emplace_back(c.features, gain);
    }
  }

  // What the filter sees of a proposal: bias, parent fitness, parent's distance below the
  // experiment's best, operator, component, operation, relative position, program size.
  std::array<float, kFilterFeatures> Features(const Individual& ind) const {
    const Edit& e = ind.edit;
    const double best = exp_best_ ? exp_best_->fitness : 0.0;
    const double pf = ind.parent ? ind.parent->fitness : 0.0;
    return {1.0f,
            static_cast<float>(pf),
            static_cast<float>(pf - best),
            static_cast<float>(static_cast<int>(e.kind)) / kNumMutations,
            e.component < 0 ? -1.0f : static_cast<float>(e.component) / 2.0f,
            e.op == lang::Op::kCount ? -1.0f : static_cast<float>(static_cast<int>(e.op)) / lang::kNumOps,
            static_cast<float>(e.position),
            max_size_ > 0 ? static_cast<float>(ind.program.Size()) / static_cast<float>(max_size_) : 0.0f};
  }

  std::shared_ptr<Individual> NewIndividual(lang::Program p, std::shared_ptr<const Individual> parent,
                                            Mutation m, const Edit& edit = {}) {
    auto ind = std::make_shared<Individual>();
    ind->program = std::move(p);
    ind->id = next_id_++;
    ind->mutation = m;
    ind->edit = edit;
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
  bool CheckSelect(const std::vector<Population>* islands) {
    std::vector<std::shared_ptr<const Individual>> cands;
    auto consider = [&](const std::shared_ptr<const Individual>& ind) {
      if (checked_.insert(ind->program.Hash()).second) cands.push_back(ind);
    };
    if (exp_best_ && !best_checked_) consider(exp_best_);
    best_checked_ = true;
    if (islands && cfg_.select_top > 1) {
      std::vector<const std::shared_ptr<const Individual>*> order;
      for (const auto& population : *islands)
        for (size_t k = 0; k < population.size(); ++k) order.push_back(&population[k]);
      std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
        return (*a)->fitness != (*b)->fitness ? (*a)->fitness > (*b)->fitness : (*a)->id < (*b)->id;
      });
      for (size_t i = 0; i < order.size() && static_cast<int>(i) < cfg_.select_top; ++i) consider(*order[i]);
    }
    if (cands.empty()) return false;
    const auto& select = tasks_.select;
    std::vector<lang::Executable> exes;
    for (const auto& c : cands) exes.push_back(lang::Compile(c->program, cfg_.shape));
    const int64_t nt = static_cast<int64_t>(select.size());
    std::vector<double> per(cands.size() * select.size());
    pool_->ParallelFor(static_cast<int64_t>(per.size()), [&](int64_t k, int w) {
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
      if (fitness >= cfg_.sufficient_fitness &&
          (cfg_.held_out_target <= 0 || HeldOutFitness(*cands[c]) >= cfg_.held_out_target)) {
        result_.best = cands[c];  // an earlier candidate may score higher on select but failed held-out
        result_.fitness_select = fitness;
        result_.fitness_search = cands[c]->fitness;
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

  // One experiment's state: its Rng, its islands (child i of the experiment lives in island
  // i mod n) and the batch being made.
  struct Experiment {
    Experiment(uint64_t seed, int n_islands, size_t island_size)
        : rng(seed), islands(static_cast<size_t>(n_islands), Population(island_size)) {}
    Rng rng;
    std::vector<Population> islands;
    std::vector<Child> batch;
    std::vector<int> home;  // island of each child in the batch
    int64_t individuals = 0;
    int64_t next_check = 0;
    int64_t next_migration = -1;
  };

  // Returns true when the run must end (solved or out of budget).
  bool RunExperiment(int e) {
    const int n_islands = cfg_.compiled.islands;
    Experiment x(DeriveSeed(seed_, static_cast<uint64_t>(e) + 1), n_islands,
                 static_cast<size_t>(cfg_.population / n_islands));
    x.next_check = cfg_.check_every;
    if (cfg_.compiled.migrate_every > 0 && n_islands > 1) x.next_migration = cfg_.compiled.migrate_every;
    SetWarmup(cfg_.warmup_individuals > 0);
    ResetExperimentBest();
    if (SeedPopulation(x)) return true;
    while (x.individuals < cfg_.max_individuals) {
      if (warm_ && x.individuals >= cfg_.warmup_individuals) EndWarmup(x);
      else BreedBatch(x);
      if (Step(x)) return true;
    }
    // End of experiment: always give its best a select check.
    const bool solved = CheckSelect(&x.islands);
    Report();
    return solved || OutOfBudget();
  }

  void ResetExperimentBest() {
    exp_best_.reset();
    best_checked_ = false;
    progress_.best_fitness = 0;
  }

  // The initial population, scored a batch at a time; true when the run must end. Its first
  // warm_count members are the warm-start programs, cycled; the rest follow `initial`.
  bool SeedPopulation(Experiment& x) {
    for (int i = 0; i < cfg_.population; ++i) {
      lang::Program p;
      const auto& warm = cfg_.compiled.warm_programs;
      if (i < cfg_.compiled.warm_count) p = warm[static_cast<size_t>(i) % warm.size()];
      else if (cfg_.initial == "random") p = mutator_.RandomProgram(x.rng, cfg_.compiled.init_size);
      else if (cfg_.initial == "given") p = cfg_.initial_programs[i % cfg_.initial_programs.size()];
      x.batch.emplace_back().ind = NewIndividual(std::move(p), nullptr, Mutation::kNone);
      x.home.push_back(i % cfg_.compiled.islands);
      if ((static_cast<int>(x.batch.size()) == cfg_.batch || i + 1 == cfg_.population) && Step(x)) return true;
    }
    return false;
  }

  // End of warmup: every member, oldest first within its island, is re-scored on the search
  // tasks as a child of itself; the experiment's best starts over on that scale.
  void EndWarmup(Experiment& x) {
    SetWarmup(false);
    ResetExperimentBest();
    std::vector<Population> old(x.islands.size(), Population(x.islands[0].capacity()));
    old.swap(x.islands);
    for (size_t i = 0; i < old.size(); ++i)
      for (size_t k = 0; k < old[i].size(); ++k) {
        const std::shared_ptr<const Individual>& member = old[i][k];
        Child& c = x.batch.emplace_back();
        c.ind = NewIndividual(member->program, member, Mutation::kNone);
        c.rescore = true;
        x.home.push_back(static_cast<int>(i));
      }
  }

  // The next batch of children: a tournament winner of the child's island, copied and, with
  // probability mutate_prob, mutated (crossover takes a second winner as its mate) — or, with the
  // strategy's model share, asked of the proposer (AskProposer, at the end of the batch).
  void BreedBatch(Experiment& x) {
    const int64_t until = warm_ ? cfg_.warmup_individuals : cfg_.max_individuals;
    const int n = static_cast<int>(std::min<int64_t>(cfg_.batch, until - x.individuals));
    std::vector<size_t> asked;  // children (batch indices) the proposer is asked for
    for (int k = 0; k < n; ++k) {
      const int island = static_cast<int>((x.individuals + k) % cfg_.compiled.islands);
      const Population& pop = x.islands[static_cast<size_t>(island)];
      if (pop.empty()) continue;  // every island is seeded by the initial population
      const std::shared_ptr<const Individual>& winner = pop[pop.Tournament(x.rng, cfg_.tournament)];
      const bool ask = cfg_.compiled.model && x.rng.Bernoulli(cfg_.compiled.model->share);
      if (ask) asked.push_back(x.batch.size());
      x.batch.emplace_back().ind = NewIndividual(winner->program, winner, Mutation::kNone);
      x.home.push_back(island);
      if (!ask) MaybeMutate(x, *x.batch.back().ind, pop);
    }
    if (!asked.empty()) AskProposer(x, asked);
  }

  // With probability mutate_prob, mutates the child (a copy of its parent) in place.
  void MaybeMutate(Experiment& x, Individual& child, const Population& pop) {
    if (!x.rng.Bernoulli(cfg_.mutate_prob)) return;
    const bool crossover = mutator_.HasKind(Mutation::kCrossover);
    const lang::Program* mate = crossover ? &pop[pop.Tournament(x.rng, cfg_.tournament)]->program : nullptr;
    child.mutation = mutator_.Mutate(x.rng, child.program, mate, &child.edit);
  }

  // The proposer's programs for the children drawn for it, asked in one call; a child whose answer
  // is a rejection (or outside the search space) is mutated instead, in child order.
  void AskProposer(Experiment& x, const std::vector<size_t>& asked) {
    std::vector<ScoredProgram> best;
    for (const std::shared_ptr<const Individual>& m : Best(x.islands, cfg_.compiled.model->history))
      best.push_back({&m->program, m->fitness});
    std::vector<ProposalRequest> requests;
    for (size_t i : asked) {
      const Individual& c = *x.batch[i].ind;
      requests.push_back({c.id, {&c.parent->program, c.parent->fitness}, best});
    }
    const auto start = std::chrono::steady_clock::now();
    std::vector<ProposalAnswer> answers =
        cfg_.proposer ? cfg_.proposer->Propose(requests, cfg_.compiled.space, budget_.stop)
                      : std::vector<ProposalAnswer>(asked.size(), ProposalAnswer{std::nullopt, "no proposer"});
    result_.proposer.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (answers.size() != asked.size()) throw Error("search: the proposer gave a wrong number of answers");
    for (size_t j = 0; j < asked.size(); ++j) {
      Individual& child = *x.batch[asked[j]].ind;
      ProposalAnswer& a = answers[j];
      if (a.program) a.rejection = OutsideSpace(*a.program, cfg_.compiled.space);
      result_.proposer.Count(a);
      if (a.program && a.rejection.empty()) {
        child.program = std::move(*a.program);
        child.proposed = true;
      } else {
        MaybeMutate(x, child, x.islands[static_cast<size_t>(x.home[asked[j]])]);
      }
    }
  }

  // The `n` fittest members over the islands, fittest first (the earlier member wins ties).
  static std::vector<std::shared_ptr<const Individual>> Best(const std::vector<Population>& islands, int n) {
    std::vector<std::shared_ptr<const Individual>> all;
    for (const Population& pop : islands)
      for (size_t k = 0; k < pop.size(); ++k) all.push_back(pop[k]);
    const size_t keep = std::min(all.size(), static_cast<size_t>(std::max(n, 0)));
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a->fitness > b->fitness; });
    all.resize(keep);
    return all;
  }

  // Scores the batch, adds it to the islands, migrates when due and checks select when due;
  // true when the run must end.
  bool Step(Experiment& x) {
    Score(x.batch);
    for (size_t i = 0; i < x.batch.size(); ++i) {
      Child& c = x.batch[i];
      if (c.filtered) continue;
      ConsiderBest(c.ind);
      x.islands[static_cast<size_t>(x.home[i])].PushBack(c.ind);
    }
    x.individuals += static_cast<int64_t>(x.batch.size());
    progress_.experiment_individuals = x.individuals;
    x.batch.clear();
    x.home.clear();
    if (x.next_migration > 0 && x.individuals >= x.next_migration) {
      x.next_migration = x.individuals + cfg_.compiled.migrate_every;
      Migrate(x.islands);
    }
    if (x.individuals >= x.next_check) {
      x.next_check = x.individuals + cfg_.check_every;
      const bool solved = CheckSelect(&x.islands);
      Report();
      if (solved) return true;
    }
    return OutOfBudget();
  }

  // Each island's best is copied into the next island (as its newest member).
  static void Migrate(std::vector<Population>& islands) {
    std::vector<std::shared_ptr<const Individual>> emigrants;
    for (const Population& pop : islands) {
      const std::shared_ptr<const Individual>* best = nullptr;
      for (size_t k = 0; k < pop.size(); ++k)
        if (!best || pop.fitness(k) > (*best)->fitness) best = &pop[k];
      emigrants.push_back(best ? *best : nullptr);
    }
    for (size_t i = 0; i < islands.size(); ++i)
      if (emigrants[i]) islands[(i + 1) % islands.size()].PushBack(emigrants[i]);
  }

  // Mean fitness on the held-out tasks (their test split when they have one).
  double HeldOutFitness(const Individual& ind) {
    const lang::Executable exe = lang::Compile(ind.program, cfg_.shape);
    const auto& held = tasks_.held_out;
    std::vector<double> per(held.size());
    const bool has_test = !held.empty() && held[0].test.n() > 0;
    pool_->ParallelFor(static_cast<int64_t>(held.size()), [&](int64_t t, int w) {
      per[t] = eval::EvaluateTask(exe, held[t], machines_[w], DeriveSeed(eval_seed_, t), cfg_.limits,
                                  has_test ? eval::ScoreOn::kTest : eval::ScoreOn::kValid).fitness;
    });
    double sum = 0;
    for (double f : per) sum += f;
    return held.empty() ? 0.0 : sum / static_cast<double>(held.size());
  }

  void Finish() {
    if (!result_.best && exp_best_) {
      best_checked_ = false;
      CheckSelect(nullptr);
    }
    if (result_.best) {
      result_.fitness_final = HeldOutFitness(*result_.best);
      for (std::shared_ptr<const Individual> p = result_.best; p; p = p->parent) result_.lineage.push_back(p);
      std::reverse(result_.lineage.begin(), result_.lineage.end());
      // Delayed credit: the edits that built the chosen program earn the gains they made.
      for (size_t i = 1; i < result_.lineage.size(); ++i)
        if (result_.lineage[i]->mutation != Mutation::kNone)
          result_.credit.Record(result_.lineage[i]->edit, result_.lineage[i]->fitness - result_.lineage[i - 1]->fitness, 0.0);
        else if (result_.lineage[i]->proposed)
          result_.proposer.gains += std::clamp(result_.lineage[i]->fitness - result_.lineage[i - 1]->fitness, 0.0, 1.0);
    }
    progress_.seconds = Elapsed();
    progress_.individuals_per_second = progress_.seconds > 0 ? progress_.individuals / progress_.seconds : 0;
    result_.progress = progress_;
  }

  const EvolutionConfig& cfg_;
  eval::Limits search_limits_;
  const tasks::Partition& tasks_;
  uint64_t seed_;
  PooledThreads pool_;  // borrowed from the process-wide cache
  Budget budget_;
  const Callbacks& cb_;
  Mutator mutator_;
  eval::FecCache cache_;
  eval::FingerprintMemo memo_{16};  // exe hash -> fingerprint on the current task set
  std::vector<lang::Machine> machines_;
  std::vector<lang::Executable> exes_;                // per child of the batch being scored; reused
  std::vector<std::pair<uint64_t, int>> misses_;       // (fingerprint, child) of cache misses; reused
  uint64_t eval_seed_;
  Clock::time_point start_;
  Progress progress_;
  EvolutionResult result_;
  std::shared_ptr<const Individual> exp_best_;
  std::optional<Filter> filter_;
  int max_size_ = 0;
  double run_best_ = -1;
  std::unordered_set<uint64_t> checked_;  // program hashes already scored on select
  bool best_checked_ = false;
  bool warm_ = false;
  int64_t next_id_ = 0;
};

}  // namespace

EvolutionResult RunEvolution(const EvolutionConfig& config, const tasks::Partition& tasks,
                             uint64_t seed, int threads, const Budget& budget,
                             const Callbacks& callbacks) {
  config.Validate();
  if (tasks.search.empty()) throw Error("search: no search tasks");
  if (config.warmup_individuals > 0 && tasks.warmup.empty())
    throw Error("search: warmup_individuals is set but there are no warmup tasks");
  for (const auto* set : {&tasks.search, &tasks.select, &tasks.warmup})
    for (const auto& t : *set)
      if (t.train.n() < 1 || t.valid.n() < 1)
        throw Error("task '" + t.name + "' needs at least one training and one validation example");
  for (const auto* set : {&tasks.search, &tasks.select, &tasks.held_out, &tasks.warmup})
    for (const auto& t : *set)
      if (t.dim != config.shape.dim)
        throw Error("task '" + t.name + "' has " + std::to_string(t.dim) +
                    " features but the search shape has dim " + std::to_string(config.shape.dim));
  Runner runner(config, tasks, seed, threads, budget, callbacks);
  return runner.Run();
}

}  // namespace ouro::search
