#include "run/search_plan.h"

#include <filesystem>
#include <iterator>
#include <utility>

#include "core/error.h"
#include "core/file.h"
#include "core/rng.h"
#include "llm/config.h"
#include "llm/proposer.h"
#include "meta/spec.h"
#include "tasks/partition.h"

namespace ouro::run {
namespace {

// The user data a request names (--data, a csv/idx task spec, or a table), if any.
std::optional<tasks::TaskSpec> UserDataSpec(const SearchRequest& r, search::RunConfig& cfg) {
  const int sources = !r.task.empty() + !r.data.empty() + r.table.has_value();
  if (sources > 1) throw Error("give one of a task, a data file or a table, not more");
  if (!r.data.empty()) {
    tasks::TaskSpec spec = CsvSpec(r.data, r.label, r.standardize);
    spec.epochs = r.epochs;
    return spec;
  }
  if (r.table) {
    tasks::TaskSpec spec = CsvSpec("", "", r.standardize);
    spec.kind = r.kind;
    spec.epochs = r.epochs;
    spec.train_fraction = r.train_fraction;
    spec.valid_fraction = r.valid_fraction;
    spec.test_fraction = r.test_fraction;
    return spec;
  }
  if (r.task.empty()) return std::nullopt;
  tasks::TaskSpec spec = tasks::ParseTaskSpec(r.task);
  if (spec.family == "csv" || spec.family == "idx") return spec;
  search::ApplyTaskFlag(cfg, spec);
  return std::nullopt;
}

// The improver's strategy replaces the config's (shape, tasks and mechanics stay); returns what
// the run stores of it.
nlohmann::json ApplyImprover(const std::string& path, search::RunConfig& cfg) {
  const meta::ImproverSpec spec = meta::LoadSpec(path);
  try {
    cfg.evolution = meta::ApplySpec(spec, cfg.evolution);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  return {{"path", path}, {"hash", meta::SpecHash(spec)}, {"spec", nlohmann::json::parse(meta::ToJson(spec).dump())}};
}

// A table as `splits` shuffles and splits of its rows, each partitioned by PartitionRows.
tasks::Partition PartitionTable(const tasks::UserTable& table, tasks::TaskSpec spec, uint64_t seed, int splits) {
  if (splits < 1 || splits > 100) throw Error("splits must be between 1 and 100, got " + std::to_string(splits));
  tasks::Partition all;
  for (int k = 0; k < splits; ++k) {
    spec.seed = k == 0 ? seed : DeriveSeed(seed, static_cast<uint64_t>(k));
    tasks::Dataset d = tasks::FromTable(spec, table, table.name);
    if (splits > 1) d.name += "@" + std::to_string(k);
    tasks::Partition p = PartitionRows(d);
    for (auto [to, from] : {std::pair{&all.search, &p.search}, {&all.select, &p.select}, {&all.held_out, &p.held_out}})
      std::move(from->begin(), from->end(), std::back_inserter(*to));
  }
  return all;
}

nlohmann::json StandardizationJson(const tasks::Dataset& d) {
  if (d.standardization.empty()) return nullptr;
  return {{"center", d.standardization.center}, {"scale", d.standardization.scale}};
}

// The config's [llm] section as the search's proposer (replaying `llm_replay` if given); returns
// what the run stores of it (null without one).
nlohmann::json PlanModel(const SearchRequest& r, search::RunConfig& cfg, SearchPlan& plan) {
  std::optional<llm::LlmConfig> lc;
  if (!r.config.empty()) lc = llm::ReadLlmConfig(ReadTextFile(r.config, "config file"), r.config);
  else if (!r.config_text.empty()) lc = llm::ReadLlmConfig(r.config_text, "<config text>");
  if (!lc) {
    if (!r.llm_replay.empty()) throw Error("--llm-replay: the config has no [llm] section (no model to replay)");
    return nullptr;
  }
  const std::string dir = r.config.empty() ? "" : std::filesystem::path(r.config).parent_path().string();
  plan.llm = llm::MakeLlmProposer(*lc, r.llm_replay, dir);
  cfg.evolution.proposer = plan.llm;
  nlohmann::json j = llm::ToJson(*lc);
  j["replay"] = r.llm_replay.empty() ? nlohmann::json() : nlohmann::json(r.llm_replay);
  return j;
}

}  // namespace

tasks::TaskSpec CsvSpec(const std::string& path, const std::string& label, bool standardize) {
  tasks::TaskSpec spec;
  spec.family = "csv";
  spec.path = path;
  spec.label_column = label;
  spec.train_fraction = 0.6;
  spec.valid_fraction = 0.2;
  spec.test_fraction = 0.2;
  spec.standardize = standardize;
  return spec;
}

tasks::Partition PartitionRows(const tasks::Dataset& d) {
  if (d.train.n() < 1 || d.valid.n() < 2)
    throw Error(d.name + ": too few rows to split into train and valid rows (need at least 3 and 2 valid)");
  auto slice = [&](const tasks::Split& s, int from, int to) {
    tasks::Split out;
    out.x.assign(s.x.begin() + static_cast<size_t>(from) * d.dim, s.x.begin() + static_cast<size_t>(to) * d.dim);
    out.y.assign(s.y.begin() + from, s.y.begin() + to);
    return out;
  };
  const int half = d.valid.n() / 2;
  tasks::Partition p;
  tasks::Dataset search = d, select = d, held = d;
  search.name = d.name + "[search]";
  search.valid = slice(d.valid, 0, half);
  search.test = {};
  select.name = d.name + "[select]";
  select.valid = slice(d.valid, half, d.valid.n());
  select.test = {};
  held.name = d.name + "[held_out]";
  held.valid = {};
  p.search.push_back(std::move(search));
  p.select.push_back(std::move(select));
  if (d.test.n() > 0) p.held_out.push_back(std::move(held));
  return p;
}

tasks::Partition PartitionUserData(tasks::TaskSpec spec, uint64_t seed) {
  if (spec.test_fraction == 0 || (spec.test_fraction < 0 && spec.n_test == 0))
    throw Error(spec.family + " task '" + spec.path +
                "': held-out rows are needed; give a test split, e.g. train=0.6,valid=0.2,test=0.2");
  spec.seed = seed;
  std::vector<tasks::Dataset> sets = tasks::Generate(spec);
  if (sets.size() != 1) throw Error(spec.path + ": expected one dataset");
  if (sets[0].test.n() < 1) throw Error(sets[0].name + ": too few rows for a held-out row (need at least 5)");
  return PartitionRows(sets[0]);
}

SearchPlan PlanSearch(const SearchRequest& r) {
  SearchPlan plan;
  search::RunConfig& cfg = plan.config;
  if (!r.config.empty() && !r.config_text.empty()) throw Error("give a config file or a config text, not both");
  cfg = !r.config.empty()        ? search::LoadRunConfig(r.config)
        : !r.config_text.empty() ? search::ParseRunConfig(r.config_text, "<config text>", {"llm"})
                                 : search::DefaultRunConfig();
  const std::optional<tasks::TaskSpec> user_data = UserDataSpec(r, cfg);
  if (user_data) {  // the config's warmup tasks were chosen for its own task sets
    cfg.warmup_tasks.reset();
    cfg.evolution.warmup_individuals = 0;
  }
  const uint64_t seed = r.seed ? *r.seed : cfg.seed ? *cfg.seed : RandomSeed();
  cfg.seed = seed;
  if (r.max_evals >= 0) cfg.budget.max_evaluations = r.max_evals;
  if (r.max_seconds >= 0) cfg.budget.max_seconds = r.max_seconds;
  if (r.threads >= 0) cfg.threads = r.threads;
  cfg.budget.stop = r.stop;

  if (r.table) {
    plan.partition = PartitionTable(*r.table, *user_data, seed, r.splits);
  } else if (user_data) {
    plan.partition = PartitionUserData(*user_data, seed);
  } else {
    plan.partition = tasks::MakePartition(cfg.search_tasks, cfg.select_tasks, cfg.held_out_tasks,
                                          cfg.warmup_tasks ? &*cfg.warmup_tasks : nullptr);
  }
  if (user_data) {
    cfg.evolution.shape.dim = plan.partition.search[0].dim;
    cfg.evolution.Compile();
  }
  const nlohmann::json improver = r.improver.empty() ? nlohmann::json() : ApplyImprover(r.improver, cfg);
  if (!r.warm_start.empty()) {
    cfg.evolution.warm_start = search::WarmStart{r.warm_start, r.warm_share};
    cfg.evolution.Compile();
  }
  const nlohmann::json model = PlanModel(r, cfg, plan);
  plan.config_json = search::ToJson(cfg);
  if (!r.improver.empty()) plan.config_json["improver"] = improver;
  if (!model.is_null()) plan.config_json["llm"] = model;
  if (user_data) {
    nlohmann::json& t = plan.config_json["tasks"];
    t = {{"data", r.table ? "table[" + r.table->name + "]" : tasks::TaskSpecToString(*user_data)}};
    t["standardization"] = StandardizationJson(plan.partition.search[0]);
    if (!plan.partition.search[0].class_values.empty()) t["classes"] = plan.partition.search[0].class_values;
  }
  return plan;
}

}  // namespace ouro::run
