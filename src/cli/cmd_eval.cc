// cli/cmd_eval.cc — `ouro eval PROGRAM_FILE`: score one program on tasks or on the user's data.
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "core/hash.h"
#include "eval/evaluator.h"
#include "lang/interpreter.h"
#include "lang/text.h"
#include "run/search_plan.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

struct EvalArgs {
  std::string program, task, data, label, db = kDefaultDb;
  int64_t seed = -1;
  bool json = false, no_store = false, no_standardize = false;
};

// The task instances to score: a task spec's as generated, or for --data one instance that trains
// on the train rows and scores on the valid and test rows.
std::vector<tasks::Dataset> LoadTasks(const EvalArgs& a, uint64_t seed) {
  std::vector<tasks::Dataset> sets;
  tasks::TaskSpec spec = a.task.empty() ? run::CsvSpec(a.data, a.label, !a.no_standardize) : tasks::ParseTaskSpec(a.task);
  if (spec.family != "csv" || !a.task.empty()) {
    // A task spec (csv and idx included) is evaluated as it is: train, then score valid and test.
    if (a.seed >= 0) spec.seed = seed;
    sets = tasks::Generate(spec);
  } else {
    // --data: train on the train rows, score on valid and test rows.
    tasks::Partition p = run::PartitionUserData(spec, seed);
    tasks::Dataset d = p.search[0];
    d.valid.x.insert(d.valid.x.end(), p.select[0].valid.x.begin(), p.select[0].valid.x.end());
    d.valid.y.insert(d.valid.y.end(), p.select[0].valid.y.begin(), p.select[0].valid.y.end());
    d.test = p.held_out[0].test;
    d.name = p.held_out[0].name.substr(0, p.held_out[0].name.rfind('['));
    sets.push_back(std::move(d));
  }
  if (sets.empty()) throw Error("eval: the task spec produced no task instances");
  return sets;
}

struct Scores {
  nlohmann::json per_task = nlohmann::json::array();
  double sum_valid = 0, sum_test = 0;
  int n_test = 0, diverged = 0;
};

Scores ScoreTasks(const lang::Executable& exe, const std::vector<tasks::Dataset>& sets, uint64_t seed) {
  Scores s;
  lang::Machine m;
  const uint64_t eval_seed = eval::EvalSeed(seed);
  eval::Limits limits;
  for (size_t t = 0; t < sets.size(); ++t) {
    const auto& d = sets[t];
    const auto rv = eval::EvaluateTask(exe, d, m, DeriveSeed(eval_seed, t), limits, eval::ScoreOn::kValid);
    nlohmann::json row = {{"task", d.name}, {"fitness_valid", rv.fitness}, {"diverged", rv.diverged}};
    s.sum_valid += rv.fitness;
    s.diverged += rv.diverged;
    if (d.test.n() > 0) {
      const auto rt = eval::EvaluateTask(exe, d, m, DeriveSeed(eval_seed, t), limits, eval::ScoreOn::kTest);
      row["fitness_test"] = rt.fitness;
      s.sum_test += rt.fitness;
      ++s.n_test;
    }
    s.per_task.push_back(row);
  }
  return s;
}

// Records the evaluation as a finished run and adds its id to `out`.
void RecordEval(const EvalArgs& a, const lang::Program& program, uint64_t seed, double fitness,
                const nlohmann::json& per_task, nlohmann::json& out) {
  std::unique_ptr<store::Store> db = store::Store::Open(a.db);
  nlohmann::json cfg = {{"program_file", a.program}, {"task", a.task}, {"data", a.data}};
  const int64_t run_id = db->CreateRun("eval", seed, cfg.dump());
  const std::string hash = HexId(program.Hash());
  db->PutProgram(hash, lang::Print(program));
  db->AddEvaluation(run_id, hash, a.task.empty() ? "data" : a.task, fitness, per_task.dump());
  out["run_id"] = run_id;
  db->FinishRun(run_id, "finished", out.dump());
}

void PrintScores(const Scores& s, size_t num_tasks, double valid, double test) {
  for (const auto& row : s.per_task) {
    std::printf("%-28s valid %.6f", row["task"].get<std::string>().c_str(), row["fitness_valid"].get<double>());
    if (row.contains("fitness_test")) std::printf("  test %.6f", row["fitness_test"].get<double>());
    std::printf("%s\n", row["diverged"].get<bool>() ? "  (diverged)" : "");
  }
  std::printf("mean over %zu tasks: valid %.6f", num_tasks, valid);
  if (s.n_test) std::printf(", test %.6f", test);
  std::printf("\n");
}

int RunEval(const EvalArgs& a) {
  if (a.task.empty() == a.data.empty()) throw Error("eval: give exactly one of --task SPEC or --data FILE.csv");
  const lang::Program program = ReadProgram(a.program);
  const uint64_t seed = ResolveSeed(a.seed, std::nullopt);
  const std::vector<tasks::Dataset> sets = LoadTasks(a, seed);
  const lang::Shape shape = lang::MinimalShape(program, sets[0].dim);
  const lang::Executable exe = lang::Compile(program, shape);
  const auto t0 = std::chrono::steady_clock::now();
  const Scores s = ScoreTasks(exe, sets, seed);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double valid = s.sum_valid / static_cast<double>(sets.size());
  const double test = s.n_test ? s.sum_test / s.n_test : valid;
  nlohmann::json out = {
      {"seed", seed},
      {"tasks", sets.size()},
      {"evaluations", sets.size()},
      {"seconds", seconds},
      {"fitness_valid", valid},
      {"fitness_test", s.n_test ? nlohmann::json(s.sum_test / s.n_test) : nlohmann::json(nullptr)},
      {"fitness_final", test},
      {"diverged", s.diverged},
      {"per_task", s.per_task},
      {"program", lang::Print(program)},
  };
  if (!a.no_store) RecordEval(a, program, seed, test, s.per_task, out);
  if (a.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    PrintScores(s, sets.size(), valid, test);
  }
  return 0;
}

}  // namespace

Action RegisterEval(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* s = app.add_subcommand("eval", "Evaluate one program file on tasks or on your data");
  s->add_option("program", a->program, "Program file (text form)")->required();
  s->add_option("--task", a->task, "Task spec, e.g. linear:dim=4,tasks=10 or fmnist:dim=16,pairs=0-6");
  CLI::Option* data = s->add_option("--data", a->data, "A CSV file: header row, label in the first column");
  s->add_option("--label", a->label, "With --data: the label column, by name or 0-based index (default: the first)")->needs(data);
  s->add_flag("--no-standardize", a->no_standardize, "With --data: keep the features as they are (default: standardized with the train rows' statistics)")->needs(data);
  s->add_option("--seed", a->seed, "Seed (task instances and random ops)")->check(kNonNegative);
  s->add_option("--db", a->db, "Run store (SQLite file)")->capture_default_str();
  s->add_flag("--no-store", a->no_store, "Do not record this evaluation in the run store");
  s->add_flag("--json", a->json, "Print one JSON object as the last line of stdout");
  return [a] { return RunEval(*a); };
}

}  // namespace ouro::cli
