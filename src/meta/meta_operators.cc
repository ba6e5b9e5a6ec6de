// The meta-operators of an improver spec (ProposeCandidate) and the two learned transforms they
// draw on: credit-derived weights (ApplyCredit) and the macro library (MineMacros). See spec.h.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "lang/prune.h"
#include "lang/text.h"
#include "meta/spec.h"

namespace ouro::meta {

using search::Mutation;

// ---- meta-operators ------------------------------------------------------------------------

void ApplyCredit(ImproverSpec& spec, double strength, double prior, double floor) {
  auto reweight = [&](auto& weights, auto&& counts_of) {
    double t = 0, g = 0;
    for (const auto& [key, w] : weights) {
      const search::CreditCounts c = counts_of(key);
      t += c.trials;
      g += c.gains;
    }
    if (t <= 0 || g <= 0) return;
    const double mean = g / t;
    double top = 0;
    std::vector<double> nw;
    for (const auto& [key, w] : weights) {
      const search::CreditCounts c = counts_of(key);
      const double rate = (c.gains + prior * mean) / (c.trials + prior);
      nw.push_back(std::pow(rate / mean, strength));
      if (w > 0) top = std::max(top, nw.back());  // switched-off entries stay off and do not scale
    }
    if (top <= 0) return;
    for (size_t i = 0; i < weights.size(); ++i)
      if (weights[i].second > 0) weights[i].second = std::max(floor, nw[i] / top);
  };
  for (int c = 0; c < lang::kNumComponents; ++c)
    reweight(spec.operations[c], [&](lang::Op op) {
      // The learner rule (spec.h): each appearance in a learner is one trial with gain 1.
      search::CreditCounts n = spec.credit.op[c][static_cast<int>(op)];
      const double learned = spec.learner_ops[c][static_cast<int>(op)];
      n.trials += learned;
      n.gains += learned;
      return n;
    });
  reweight(spec.mutations, [&](Mutation m) -> const search::CreditCounts& {
    return spec.credit.kind[static_cast<int>(m)];
  });
}

std::vector<search::Macro> MineMacros(const std::vector<lang::Program>& programs, const lang::Shape& shape,
                                      int max_macros, int min_count) {
  // Count each distinct sequence once per program. Sequences are told apart by operations and
  // registers only: constants and element indices are tuned per program, so keyed with them no
  // sequence recurs across independently evolved programs (measured: none among 16 best programs
  // of 3,000-evaluation searches, 13 recurring without). The first program's instance is kept,
  // constants included.
  auto key_of = [](lang::Instruction in) {
    in.c1 = in.c2 = 0;
    in.row = in.col = 0;
    return lang::PrintInstruction(in) + "\n";
  };
  std::map<std::pair<int, std::string>, std::pair<int, search::Macro>> counts;
  for (const lang::Program& prog : programs) {
    const lang::Program live = lang::LiveProgram(prog);
    std::set<std::pair<int, std::string>> here;
    for (int c = 0; c < lang::kNumComponents; ++c) {
      const auto& fn = live.fn[c];
      for (size_t len = 2; len <= 3; ++len)
        for (size_t i = 0; i + len <= fn.size(); ++i) {
          std::string key;
          for (size_t k = 0; k < len; ++k) key += key_of(fn[i + k]);
          if (!here.insert({c, key}).second) continue;
          auto& entry = counts[{c, key}];
          if (entry.first == 0)
            entry.second = {static_cast<lang::Component>(c), std::vector<lang::Instruction>(fn.begin() + i, fn.begin() + i + len)};
          ++entry.first;
        }
    }
  }
  std::vector<std::pair<int, search::Macro>> ranked;
  for (auto& [key, entry] : counts) {
    if (entry.first < min_count) continue;
    lang::Program p;
    p[entry.second.component] = entry.second.code;
    try {
      p.Validate(shape);
    } catch (const Error&) {
      continue;
    }
    ranked.push_back(entry);
  }
  // Most frequent first, longer first on ties; the map order makes the rest deterministic.
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second.code.size() > b.second.code.size();
  });
  std::vector<search::Macro> out;
  for (const auto& [n, m] : ranked) {
    if (static_cast<int>(out.size()) >= max_macros) break;
    out.push_back(m);
  }
  return out;
}

namespace {

double& MutationWeight(ImproverSpec& s, Mutation m) {
  for (auto& [k, w] : s.mutations)
    if (k == m) return w;
  s.mutations.emplace_back(m, 0.0);
  return s.mutations.back().second;
}

double MeanPositive(const std::vector<double>& v) {
  double sum = 0;
  int n = 0;
  for (double x : v)
    if (x > 0) sum += x, ++n;
  return n ? sum / n : 1.0;
}

// A log-normal factor exp(N(0, step)) for multiplicative perturbations; one Gaussian draw.
double Scale(Rng& rng, double step) { return std::exp(rng.Gaussian(0.0, step)); }

// Each meta-operator below returns false if it cannot apply (then another is drawn). Their draws
// from rng are part of a run's lineage: keep their number and order.

// credit_weights
bool CreditWeights(ImproverSpec& s, Rng& rng) {
  double trials = 0;
  for (const auto& c : s.credit.kind) trials += c.trials;
  if (trials < 100) return false;
  constexpr double kStrengths[] = {0.5, 1.0, 2.0, 4.0};
  ApplyCredit(s, kStrengths[rng.Below(4)]);
  return true;
}

// perturb_kinds
bool PerturbKinds(ImproverSpec& s, Rng& rng) {
  std::vector<double> w;
  for (const auto& [m, x] : s.mutations) w.push_back(x);
  auto& [m, x] = s.mutations[rng.Below(static_cast<uint32_t>(s.mutations.size()))];
  if (m == Mutation::kMacro && s.macros.empty()) return false;
  x = x > 0 ? x * Scale(rng, s.meta_step) : MeanPositive(w) * 0.5;
  return true;
}

// perturb_ops
bool PerturbOps(ImproverSpec& s, Rng& rng) {
  const int c = static_cast<int>(rng.Below(lang::kNumComponents));
  auto& ops = s.operations[c];
  if (ops.empty()) return false;
  std::vector<double> w;
  for (const auto& [op, x] : ops) w.push_back(x);
  const double mean = MeanPositive(w);
  const int n = 1 + static_cast<int>(rng.Below(4));
  for (int k = 0; k < n; ++k) {
    double& x = ops[rng.Below(static_cast<uint32_t>(ops.size()))].second;
    const double u = rng.Uniform();
    if (x > 0 && u < 0.2) x = 0;          // switch off
    else if (x == 0) x = mean * 0.5;      // back on
    else x *= Scale(rng, s.meta_step);
  }
  bool any = false;
  for (const auto& [op, x] : ops) any = any || x > 0;
  return any;
}

// perturb_params
bool PerturbParams(ImproverSpec& s, Rng& rng) {
  const double step = s.meta_step;
  // A spec that asks a model has an eighth parameter, the model's share; the draw of one without
  // stays the one it always was.
  switch (rng.Below(s.model ? 8 : 7)) {
    case 0: s.population = std::clamp(static_cast<int>(std::lround(s.population * Scale(rng, step))), std::max(2 * s.tournament, 8), 5000); break;
    case 1:
      s.tournament = std::clamp(static_cast<int>(std::lround(s.tournament * Scale(rng, step))), 1,
                                s.scheme == "islands" ? s.population / s.islands : s.population);
      break;
    case 2: s.mutate_prob = std::clamp(s.mutate_prob + rng.Gaussian(0.0, 0.1), 0.05, 1.0); break;
    case 3: s.const_sigma = std::clamp(s.const_sigma * Scale(rng, step), 1e-3, 2.0); break;
    case 4: s.const_fresh_prob = std::clamp(s.const_fresh_prob + rng.Gaussian(0.0, 0.1), 0.0, 1.0); break;
    case 5:
      s.cascade_tasks = s.cascade_tasks > 0 && rng.Bernoulli(0.3) ? 0 : 1 + static_cast<int>(rng.Below(3));
      s.cascade_ratio = std::clamp(s.cascade_ratio + rng.Gaussian(0.0, 0.05), 0.5, 1.0);
      break;
    case 6: {
      auto& w = s.insert_at[rng.Below(3)];
      w = w > 0 ? w * Scale(rng, step) : 0.5;
      if (s.insert_at[0] + s.insert_at[1] + s.insert_at[2] <= 0) s.insert_at[1] = 1;
      break;
    }
    default: s.model->share = std::clamp(std::max(s.model->share, 1e-3) * Scale(rng, step), 1e-3, 1.0); break;
  }
  return true;
}

// toggle_scheme
bool ToggleScheme(ImproverSpec& s) {
  if (s.scheme == "regularized") {
    s.scheme = "islands";
    s.islands = std::clamp(s.islands, 2, std::max(2, s.population / std::max(1, s.tournament)));
    if (s.population / s.islands < s.tournament) return false;
  } else {
    s.scheme = "regularized";
  }
  return true;
}

// mine_macros
bool AdoptMinedMacros(ImproverSpec& s, const ProposalContext& ctx) {
  auto macros = MineMacros(ctx.good_programs, ctx.shape);
  if (macros.empty() || macros == s.macros) return false;
  s.macros = std::move(macros);
  double& w = MutationWeight(s, Mutation::kMacro);
  if (w == 0) {
    std::vector<double> all;
    for (const auto& [m, x] : s.mutations) all.push_back(x);
    w = MeanPositive(all);
  }
  return true;
}

// discover_filter
bool AdoptDiscoveredFilter(ImproverSpec& s, const ProposalContext& ctx) {
  if (!ctx.discovered_filter) return false;
  if (!s.filter) s.filter = search::FilterConfig{};
  if (s.filter->program == *ctx.discovered_filter) return false;
  s.filter->program = *ctx.discovered_filter;
  return true;
}

// warm_start: the archive's best 1-3 programs that fit the shape (the share kept and nudged, 0.1
// for a new warm start); a spec with a warm start drops it with probability 1/4 (always when no
// archive program fits).
bool SetWarmStart(ImproverSpec& s, Rng& rng, const ProposalContext& ctx) {
  std::vector<lang::Program> fit;
  for (const lang::Program& p : ctx.archive) {
    try {
      p.Validate(ctx.shape);
      fit.push_back(p);
    } catch (const Error&) {
    }
  }
  if (s.warm_start && (fit.empty() || rng.Bernoulli(0.25))) {
    s.warm_start.reset();
    return true;
  }
  if (fit.empty()) return false;
  search::WarmStart ws;
  const size_t n = 1 + rng.Below(static_cast<uint32_t>(std::min<size_t>(3, fit.size())));
  ws.programs.assign(fit.begin(), fit.begin() + static_cast<std::ptrdiff_t>(n));
  ws.share = s.warm_start ? std::clamp(s.warm_start->share * Scale(rng, s.meta_step), 0.01, 0.5) : 0.1;
  s.warm_start = std::move(ws);
  return true;
}

// perturb_sizes: one of init / min / max of one component with operations, scaled (at least by
// one), then min <= init <= max restored by moving the others; sizes stay within [0, 100].
bool PerturbSizes(ImproverSpec& s, Rng& rng) {
  const int c = static_cast<int>(rng.Below(lang::kNumComponents));
  if (std::none_of(s.operations[c].begin(), s.operations[c].end(), [](const auto& o) { return o.second > 0; }))
    return false;
  const int which = static_cast<int>(rng.Below(3));
  int& v = which == 0 ? s.init_size[c] : which == 1 ? s.min_size[c] : s.max_size[c];
  int nv = std::clamp(static_cast<int>(std::lround(std::max(v, 1) * Scale(rng, s.meta_step))), 0, 100);
  if (nv == v) nv = v < 100 ? v + 1 : v - 1;
  v = nv;
  if (which == 0) s.min_size[c] = std::min(s.min_size[c], v), s.max_size[c] = std::max(s.max_size[c], v);
  if (which == 1) s.init_size[c] = std::max(s.init_size[c], v), s.max_size[c] = std::max(s.max_size[c], v);
  if (which == 2) s.init_size[c] = std::min(s.init_size[c], v), s.min_size[c] = std::min(s.min_size[c], v);
  return true;
}

// toggle_initial: "random" <-> "empty" ("given" needs a config's programs: left alone).
bool ToggleInitial(ImproverSpec& s) {
  if (s.initial == "given") return false;
  s.initial = s.initial == "random" ? "empty" : "random";
  return true;
}

// perturb_restart: max_individuals (a run that never restarts, >= 1e6, gets one of 1k, 2k, 5k,
// 10k; otherwise scaled, within [500, 1e6]) or, with probability 1/2 once it restarts,
// max_experiments (0 -> 1..8, otherwise -> 0). Without restarts max_experiments changes nothing.
bool PerturbRestart(ImproverSpec& s, Rng& rng) {
  if (s.max_individuals >= 1'000'000 || rng.Below(2) == 0) {
    constexpr int64_t kRungs[] = {1000, 2000, 5000, 10000};
    s.max_individuals = s.max_individuals >= 1'000'000
                            ? kRungs[rng.Below(4)]
                            : std::clamp<int64_t>(std::llround(static_cast<double>(s.max_individuals) *
                                                               Scale(rng, s.meta_step)),
                                                  500, 1'000'000);
  } else {
    s.max_experiments = s.max_experiments == 0 ? 1 + static_cast<int>(rng.Below(8)) : 0;
  }
  return true;
}

// perturb_filter: the filter's threshold (scaled, [0.05, 1]), warmup (scaled, [10, 100000]) or
// explore (+ N(0, 0.05), [0.01, 1]).
bool PerturbFilter(ImproverSpec& s, Rng& rng) {
  if (!s.filter) return false;
  search::FilterConfig& f = *s.filter;
  switch (rng.Below(3)) {
    case 0: f.threshold = std::clamp(f.threshold * Scale(rng, s.meta_step), 0.05, 1.0); break;
    case 1: f.warmup = std::clamp(static_cast<int>(std::lround(std::max(f.warmup, 1) * Scale(rng, s.meta_step))), 10, 100000); break;
    default: f.explore = std::clamp(f.explore + rng.Gaussian(0.0, 0.05), 0.01, 1.0); break;
  }
  return true;
}

// Applies meta-operator i (numbered as kMetaOperators in spec.h); false if it cannot apply.
bool ApplyMeta(int i, ImproverSpec& s, Rng& rng, const ProposalContext& ctx) {
  switch (i) {
    case 0: return CreditWeights(s, rng);
    case 1: return PerturbKinds(s, rng);
    case 2: return PerturbOps(s, rng);
    case 3: return PerturbParams(s, rng);
    case 4: return ToggleScheme(s);
    case 5: return AdoptMinedMacros(s, ctx);
    case 6: return AdoptDiscoveredFilter(s, ctx);
    case 7: return SetWarmStart(s, rng, ctx);
    case 8: return PerturbSizes(s, rng);
    case 9: return ToggleInitial(s);
    case 10: return PerturbRestart(s, rng);
    case 11: return PerturbFilter(s, rng);
  }
  return false;
}

}  // namespace

ImproverSpec ProposeCandidate(const ImproverSpec& spec, Rng& rng, const ProposalContext& ctx, std::string* op_name) {
  std::vector<double> w(spec.meta_weights.begin(), spec.meta_weights.begin() + ctx.operators);
  for (int i = 0; i < ctx.operators; ++i)
    if (ctx.disabled[i]) w[i] = 0;
  if (std::all_of(w.begin(), w.end(), [](double x) { return x <= 0; })) throw Error("improver spec: every meta-operator has weight 0");
  for (int attempt = 0; attempt < 64; ++attempt) {
    if (std::all_of(w.begin(), w.end(), [](double x) { return x <= 0; })) break;
    const int i = static_cast<int>(search::WeightedIndex(rng, w, w.size()));
    ImproverSpec cand = spec;
    if (!ApplyMeta(i, cand, rng, ctx)) {
      w[i] = 0;  // cannot apply to this spec in this context: draw among the others
      continue;
    }
    {
      try {
        cand.Validate();
        if (ctx.check) ctx.check(cand);
      } catch (const Error&) {
        continue;
      }
      if (SpecHash(cand) == SpecHash(spec)) continue;
      if (op_name) *op_name = kMetaOperators[i];
      return cand;
    }
  }
  throw Error("improver spec: no meta-operator could change the spec");
}

}  // namespace ouro::meta
