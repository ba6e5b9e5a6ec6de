#include "core/file.h"
#include "search/run_config.h"

#include <charconv>
#include <cstdio>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/toml_reader.h"
#include "lang/text.h"
#include "search/strategy_toml.h"
#include "tasks/partition.h"

namespace ouro::search {
namespace {

class Reader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  tasks::TaskSpec Tasks(const toml::table& t, const std::string& section, int default_dim) const {
    CheckKeys(t, section, {"family", "dim", "tasks", "train", "valid", "test", "seed", "hidden",
                           "pairs", "views", "path", "labels", "label", "kind", "data_dir"});
    // Build the compact form and reuse its parser, so both spellings accept exactly the same keys.
    std::string family = "linear";
    String(t, section, "family", family);
    std::string spec = family + ":";
    bool first = true;
    auto add = [&](const std::string& k, const std::string& v) {
      if (v.find(',') != std::string::npos)
        Fail(t.get(k), section + "." + k, "value may not contain ','");
      spec += (first ? "" : ",") + k + "=" + v;
      first = false;
    };
    if (!t.contains("dim") && family != "csv" && family != "idx") add("dim", std::to_string(default_dim));
    for (const auto& [k, v] : t) {
      const std::string key(k.str());
      if (key == "family") continue;
      if (key == "pairs" && v.is_array()) {
        std::string pairs;
        for (const auto& p : *v.as_array()) {
          const toml::array* ab = p.as_array();
          if (!ab || ab->size() != 2 || !(*ab)[0].is_integer() || !(*ab)[1].is_integer())
            Fail(&p, section + ".pairs", "expected [[a, b], ...] class pairs");
          pairs += (pairs.empty() ? "" : ";") + std::to_string(*(*ab)[0].value<int64_t>()) + "-" +
                   std::to_string(*(*ab)[1].value<int64_t>());
        }
        add(key, pairs);
      } else if (v.is_integer()) {
        add(key, std::to_string(*v.value<int64_t>()));
      } else if (v.is_floating_point()) {
        // Shortest exact text, always with a '.' so that 1.0 stays a fraction, not a count.
        char buf[64];
        const auto res = std::to_chars(buf, buf + sizeof buf, *v.value<double>());
        std::string text(buf, res.ptr);
        if (text.find_first_of(".en") == std::string::npos) text += ".0";
        add(key, text);
      } else if (v.is_string()) {
        add(key, *v.value<std::string>());
      } else {
        Fail(&v, section + "." + key, "expected a number or a string");
      }
    }
    try {
      return tasks::ParseTaskSpec(spec);
    } catch (const Error& e) {
      Fail(&t, section, e.what());
    }
  }
};

// The program files of [search].initial_programs.
std::vector<lang::Program> ReadPrograms(const Reader& r, const toml::node* n, const std::string& where) {
  std::vector<lang::Program> out;
  for (const std::string& path : r.Strings(n, where)) {
    // Regular files only: a directory used to read as an empty program, a FIFO or /dev/zero hung.
    std::string text;
    try {
      text = ReadTextFile(path, "program file");
    } catch (const Error& e) {
      r.Fail(n, where, e.what());
    }
    try {
      out.push_back(lang::Parse(text));
    } catch (const Error& err) {
      throw Error(path + ":" + err.what());
    }
  }
  return out;
}

// [search]: the strategy keys (kStrategyFields) and the run mechanics.
void ReadSearch(const Reader& r, const toml::table& t, const std::string& source, EvolutionConfig& e) {
  const std::string sec = "[search]";
  std::vector<std::string_view> known = {"ops", "initial_programs", "warmup_individuals", "sufficient_fitness",
                                         "check_every", "select_top", "batch", "fec"};
  for (const StrategyField& f : kStrategyFields)
    for (std::string_view k = f.toml; !k.empty();) {
      const size_t comma = k.find(", ");
      known.push_back(k.substr(0, comma));
      k = comma == std::string_view::npos ? "" : k.substr(comma + 2);
    }
  r.CheckKeys(t, sec, known);
  if (const toml::node* n = t.get("initial_programs")) e.initial_programs = ReadPrograms(r, n, sec + ".initial_programs");
  StrategyFromToml(r, t, e);
  try {
    e.Compile();
  } catch (const Error& err) {  // cross-field rules: no one line to point at
    throw Error(source + ": " + err.what());
  }
  r.Int(t, sec, "warmup_individuals", e.warmup_individuals, 0, INT64_MAX);
  r.Double(t, sec, "sufficient_fitness", e.sufficient_fitness, 0, 2);
  r.Int(t, sec, "check_every", e.check_every, 1, INT64_MAX);
  r.Int(t, sec, "select_top", e.select_top, 1, 1'000'000);
  r.Int(t, sec, "batch", e.batch, 1, 1'000'000);
  if (const toml::table* f = r.Table(t, "fec", "search.")) {
    const std::string fs = "[search.fec]";
    r.CheckKeys(*f, fs, {"enabled", "tasks", "train", "valid", "capacity"});
    r.Bool(*f, fs, "enabled", e.fec);
    r.Int(*f, fs, "tasks", e.fec_tasks, 0, 1'000'000);
    r.Int(*f, fs, "train", e.fec_train, 0, 1'000'000);
    r.Int(*f, fs, "valid", e.fec_valid, 1, 1'000'000);
    r.Int(*f, fs, "capacity", e.fec_capacity, 0, 1'000'000'000);
  }
}

// [tasks]: all three roles, or none (the defaults at the shape's dim).
void ReadTasks(const Reader& r, const toml::table& root, RunConfig& c) {
  const int dim = c.evolution.shape.dim;
  const toml::table* t = r.Table(root, "tasks", "");
  if (!t) {
    for (auto* spec : {&c.search_tasks, &c.select_tasks, &c.held_out_tasks}) spec->dim = dim;
    return;
  }
  r.CheckKeys(*t, "[tasks]", {"search", "select", "held_out", "warmup"});
  const toml::table* s = r.Table(*t, "search", "tasks.");
  const toml::table* sel = r.Table(*t, "select", "tasks.");
  const toml::table* h = r.Table(*t, "held_out", "tasks.");
  if (!s || !sel || !h) r.Fail(t, "[tasks]", "needs all three of [tasks.search], [tasks.select], [tasks.held_out]");
  c.search_tasks = r.Tasks(*s, "[tasks.search]", dim);
  c.select_tasks = r.Tasks(*sel, "[tasks.select]", dim);
  c.held_out_tasks = r.Tasks(*h, "[tasks.held_out]", dim);
  if (const toml::table* w = r.Table(*t, "warmup", "tasks.")) c.warmup_tasks = r.Tasks(*w, "[tasks.warmup]", dim);
}

}  // namespace

RunConfig DefaultRunConfig() {
  RunConfig c;
  auto& e = c.evolution;
  e.shape = lang::Shape{4, 3, 1, 4};
  OpWeights ops;
  for (lang::Op op : {lang::Op::kScalarConst, lang::Op::kVectorDot, lang::Op::kScalarSub, lang::Op::kScalarMul,
                      lang::Op::kScalarVectorMul, lang::Op::kVectorAdd})
    ops.emplace_back(op, 1.0);
  e.operations = {ops, ops, ops};
  e.Compile();
  c.search_tasks.family = "linear";
  c.search_tasks.dim = 4;
  c.search_tasks.num_tasks = 10;
  c.search_tasks.n_train = 100;
  c.search_tasks.n_valid = 100;
  c.search_tasks.seed = 1000000;
  c.select_tasks = c.search_tasks;
  c.select_tasks.num_tasks = 100;
  c.select_tasks.n_train = 1000;
  c.held_out_tasks = c.select_tasks;
  return c;
}

RunConfig ParseRunConfig(std::string_view text, const std::string& source,
                         const std::vector<std::string>& extra_sections) {
  Reader r(source);
  toml::table root = ParseTomlText(text, source);
  RunConfig c = DefaultRunConfig();
  auto& e = c.evolution;
  for (const auto& extra : extra_sections) root.erase(extra);
  r.CheckKeys(root, "config", {"seed", "threads", "shape", "tasks", "search", "limits", "budget"});
  if (const toml::node* n = root.get("seed")) {
    if (!n->is_integer() || *n->value<int64_t>() < 0) r.Fail(n, "seed", "expected a non-negative integer");
    c.seed = static_cast<uint64_t>(*n->value<int64_t>());
  }
  r.Int(root, "config", "threads", c.threads, 0, 256);
  if (const toml::table* t = r.Table(root, "shape", "")) {
    r.CheckKeys(*t, "[shape]", {"scalars", "vectors", "matrices", "dim"});
    r.Int(*t, "[shape]", "scalars", e.shape.scalars, 2, lang::kMaxRegisters);
    r.Int(*t, "[shape]", "vectors", e.shape.vectors, 1, lang::kMaxRegisters);
    r.Int(*t, "[shape]", "matrices", e.shape.matrices, 0, lang::kMaxRegisters);
    r.Int(*t, "[shape]", "dim", e.shape.dim, 1, lang::kMaxDim);
  }
  ReadTasks(r, root, c);
  if (const toml::table* t = r.Table(root, "search", "")) ReadSearch(r, *t, source, e);
  else e.Compile();  // the default strategy on this file's shape
  if (const toml::table* t = r.Table(root, "limits", "")) {
    r.CheckKeys(*t, "[limits]", {"max_instructions", "max_abs_prediction"});
    r.Int(*t, "[limits]", "max_instructions", e.limits.max_instructions, 1, INT64_MAX);
    r.Double(*t, "[limits]", "max_abs_prediction", e.limits.max_abs_prediction, 1, 1e300);
  }
  if (const toml::table* t = r.Table(root, "budget", "")) {
    r.CheckKeys(*t, "[budget]", {"max_evals", "max_seconds"});
    r.Int(*t, "[budget]", "max_evals", c.budget.max_evaluations, 0, INT64_MAX);
    r.Double(*t, "[budget]", "max_seconds", c.budget.max_seconds, 0, 1e9);
  }
  if (c.warmup_tasks.has_value() != (e.warmup_individuals > 0))
    throw Error(source + ": [tasks.warmup] and [search] warmup_individuals go together: " +
                (c.warmup_tasks ? "set warmup_individuals > 0, or drop [tasks.warmup]"
                                : "add a [tasks.warmup] table, or drop warmup_individuals"));
  try {
    e.Validate();
  } catch (const Error& err) {
    throw Error(source + ": " + err.what());
  }
  return c;
}

RunConfig LoadRunConfig(const std::string& path) {
  // [arena]: what `ouro evidence` measures on this config (run/arena.h); a search ignores it.
  // [llm]: the language model as a proposer (llm/config.h), read by the run layer.
  return ParseRunConfig(ReadTextFile(path, "config file"), path, {"arena", "llm"});
}

void ApplyTaskFlag(RunConfig& c, const tasks::TaskSpec& spec) {
  c.warmup_tasks.reset();
  c.evolution.warmup_individuals = 0;
  c.search_tasks = spec;
  c.select_tasks = spec;
  c.held_out_tasks = spec;
  if (spec.family == "fmnist") {
    if (spec.pairs.empty()) {
      const auto split = tasks::SplitPairs(spec.seed, 5, 5);
      c.search_tasks.pairs = split.search;
      c.select_tasks.pairs = split.select;
      c.held_out_tasks.pairs = split.held_out;
    } else {
      // The user's pairs are the search pairs; select and held-out take the rest.
      std::vector<std::pair<int, int>> rest;
      for (const auto& p : tasks::AllFashionPairs()) {
        bool used = false;
        for (const auto& q : spec.pairs)
          used |= (std::min(q.first, q.second) == p.first && std::max(q.first, q.second) == p.second);
        if (!used) rest.push_back(p);
      }
      if (rest.size() < 2)
        throw Error("--task fmnist: leave at least two class pairs out of 'pairs' for the select and held-out sets");
      const size_t half = std::min<size_t>(rest.size() / 2, 5);
      c.select_tasks.pairs.assign(rest.begin(), rest.begin() + half);
      c.held_out_tasks.pairs.assign(rest.begin() + half, rest.end());
    }
  } else if (spec.family == "linear" || spec.family == "nonlinear") {
    c.select_tasks.num_tasks = std::max(spec.num_tasks, 10);
    c.held_out_tasks.num_tasks = std::max(spec.num_tasks, 10);
  }
  c.evolution.shape.dim = spec.dim;
  c.evolution.Compile();
}

nlohmann::json ToJson(const RunConfig& c) {
  using nlohmann::json;
  const auto& e = c.evolution;
  const CompiledStrategy& s = e.compiled;  // the strategy as it runs, as runs have always stored it
  auto ops = [](const std::vector<lang::Op>& v) {
    json a = json::array();
    for (auto op : v) a.push_back(std::string(lang::Info(op).id));
    return a;
  };
  json muts = json::array();
  for (auto m : s.kinds) muts.push_back(std::string(MutationName(m)));
  json j = {
      {"seed", c.seed ? json(*c.seed) : json(nullptr)},
      {"threads", c.threads},
      {"shape", {{"scalars", e.shape.scalars}, {"vectors", e.shape.vectors},
                 {"matrices", e.shape.matrices}, {"dim", e.shape.dim}}},
      {"tasks", {{"search", tasks::TaskSpecToString(c.search_tasks)},
                 {"select", tasks::TaskSpecToString(c.select_tasks)},
                 {"held_out", tasks::TaskSpecToString(c.held_out_tasks)}}},
      {"search",
       {{"setup_ops", ops(s.space.ops[0])}, {"predict_ops", ops(s.space.ops[1])},
        {"learn_ops", ops(s.space.ops[2])},
        {"init_size", {{"setup", s.init_size[0]}, {"predict", s.init_size[1]}, {"learn", s.init_size[2]}}},
        {"min_size", {{"setup", s.space.min_size[0]}, {"predict", s.space.min_size[1]}, {"learn", s.space.min_size[2]}}},
        {"max_size", {{"setup", s.space.max_size[0]}, {"predict", s.space.max_size[1]}, {"learn", s.space.max_size[2]}}},
        {"initial", e.initial}, {"initial_programs", e.initial_programs.size()},
        {"population", e.population}, {"tournament", e.tournament}, {"mutate_prob", e.mutate_prob},
        {"mutations", muts}, {"max_individuals", e.max_individuals},
        {"warmup_individuals", e.warmup_individuals},
        {"max_experiments", e.max_experiments}, {"sufficient_fitness", e.sufficient_fitness},
        {"check_every", e.check_every}, {"select_top", e.select_top}, {"batch", e.batch},
        {"fec", {{"enabled", e.fec}, {"tasks", e.fec_tasks}, {"train", e.fec_train},
                 {"valid", e.fec_valid}, {"capacity", e.fec_capacity}}}}},
      {"limits", {{"max_instructions", e.limits.max_instructions},
                  {"max_abs_prediction", e.limits.max_abs_prediction}}},
      {"budget", {{"max_evals", c.budget.max_evaluations}, {"max_seconds", c.budget.max_seconds}}},
  };
  if (c.warmup_tasks) j["tasks"]["warmup"] = tasks::TaskSpecToString(*c.warmup_tasks);
  return j;
}

}  // namespace ouro::search
