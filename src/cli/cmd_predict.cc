// cli/cmd_predict.cc — `ouro predict PROGRAM --train FILE.csv --data NEW.csv`: train a program on
// the training file as `ouro eval --data` does (run::TrainAndPredict) and write one prediction per
// row of the new file. PROGRAM is a program file, or a stored search or eval run (its id or
// "latest"), whose program, data options and seed are then the defaults.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "lang/text.h"
#include "run/predictor.h"
#include "run/search_plan.h"
#include "store/store.h"
#include "tasks/csv.h"

namespace ouro::cli {
namespace {

struct PredictArgs {
  std::string program, train, data, out, label, kind, db = kDefaultDb;
  int64_t seed = -1;
  bool no_standardize = false;
};

// The program and the defaults a stored run gives (its seed; its data spec's label, kind and
// standardization when it searched or evaluated user data).
struct Source {
  lang::Program program;
  std::optional<uint64_t> seed;
  std::optional<tasks::TaskSpec> data_spec;
  nlohmann::json standardization;  // what the run stored, if any
};

Source FromRun(const PredictArgs& a) {
  std::unique_ptr<store::Store> db = store::Store::Open(a.db);
  const store::RunInfo run = ResolveRun(*db, a.program);
  const std::string id = "run " + std::to_string(run.id);
  if (run.kind != "search" && run.kind != "eval")
    throw Error(id + " is a '" + run.kind + "' run: only search and eval runs hold a program to predict with");
  const nlohmann::json summary = nlohmann::json::parse(run.summary_json, nullptr, false);
  if (!summary.is_object() || !summary.contains("program") || !summary["program"].is_string())
    throw Error(id + " has no program (status " + run.status + ")");
  Source s{lang::Parse(summary["program"].get<std::string>()), run.seed, std::nullopt, nullptr};
  const nlohmann::json cfg = nlohmann::json::parse(run.config_json, nullptr, false);
  if (cfg.is_object() && cfg.contains("tasks") && cfg["tasks"].contains("data")) {
    const std::string text = cfg["tasks"]["data"].get<std::string>();
    if (text.rfind("csv:", 0) == 0) s.data_spec = tasks::ParseTaskSpec(text);
    s.standardization = cfg["tasks"].value("standardization", nlohmann::json());
  }
  return s;
}

Source ResolveSource(const PredictArgs& a) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(a.program, ec)) return {ReadProgram(a.program), std::nullopt, std::nullopt, nullptr};
  if (a.program == "latest" || a.program.find_first_not_of("0123456789") == std::string::npos) return FromRun(a);
  throw Error("program file '" + a.program + "' not found (PROGRAM is a program file, a run id or 'latest')");
}

// The training spec: `ouro eval --data`'s, or the run's data spec (its split, epochs, label, kind
// and standardization) on the training file; then the flags.
tasks::TaskSpec TrainSpec(const PredictArgs& a, const Source& s) {
  tasks::TaskSpec spec = run::CsvSpec(a.train, a.label, !a.no_standardize);
  if (s.data_spec) {
    spec = *s.data_spec;
    spec.path = a.train;
    if (!a.label.empty()) spec.label_column = a.label;
    spec.standardize = s.data_spec->standardize && !a.no_standardize;
  }
  if (!a.kind.empty()) spec.kind = a.kind;
  return spec;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void WriteCsv(std::FILE* f, const run::PredictionTable& p, int n) {
  const bool classify = p.kind == tasks::Kind::kClassification;
  const size_t k = p.classes.size();
  std::fprintf(f, classify ? "label,probability" : "prediction");
  for (size_t c = 0; classify && c < k; ++c) std::fprintf(f, ",probability_%s", Number(p.classes[c]).c_str());
  std::fprintf(f, "\n");
  for (int i = 0; i < n; ++i) {
    std::string line = Number(p.label[i]);
    if (classify) {
      const double* row = &p.proba[static_cast<size_t>(i) * k];
      const size_t best = std::find(p.classes.begin(), p.classes.end(), p.label[i]) - p.classes.begin();
      line += "," + Number(row[best]);
      for (size_t c = 0; c < k; ++c) line += "," + Number(row[c]);
    }
    std::fprintf(f, "%s\n", line.c_str());
  }
}

int RunPredict(const PredictArgs& a) {
  const Source s = ResolveSource(a);
  const tasks::TaskSpec spec = TrainSpec(a, s);
  tasks::CsvTable train = tasks::LoadCsv(a.train, spec.label_column);
  const tasks::CsvTable rows = tasks::LoadCsvColumns(a.data, train.feature_names);
  tasks::UserTable t{"csv[" + std::filesystem::path(a.train).filename().string() + "]", train.dim,
                     std::move(train.x), std::move(train.y), {}, "column '" + train.columns[train.label_index] + "'"};
  for (int line : train.lines) t.row_names.push_back("line " + std::to_string(line));
  const uint64_t seed = a.seed >= 0 ? static_cast<uint64_t>(a.seed) : s.seed.value_or(0);
  const run::PredictionTable p = run::TrainAndPredict(s.program, spec, std::move(t), rows.x.data(), rows.n(), seed);
  if (!s.standardization.is_null() && s.standardization["center"] != nlohmann::json(p.standardization.center))
    std::fprintf(stderr, "ouro predict: note: the training rows' statistics differ from those stored with run %s "
                 "(another file or seed)\n", a.program.c_str());
  if (a.out.empty()) {
    WriteCsv(stdout, p, rows.n());
    return 0;
  }
  std::FILE* f = std::fopen(a.out.c_str(), "w");
  if (!f) throw Error("cannot write '" + a.out + "'");
  WriteCsv(f, p, rows.n());
  if (std::fclose(f) != 0) throw Error("cannot write '" + a.out + "'");
  std::fprintf(stderr, "%d predictions written to %s\n", rows.n(), a.out.c_str());
  return 0;
}

}  // namespace

Action RegisterPredict(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  CLI::App* s = app.add_subcommand("predict", "Train a program on a CSV file and predict the rows of another");
  s->add_option("program", a->program, "Program file (text form), or a search/eval run: its id or 'latest'")->required();
  s->add_option("--train", a->train, "Training data: a CSV file with a header and a label column")->required();
  s->add_option("--data", a->data, "New rows: a CSV file with the training file's feature columns (by name)")->required();
  s->add_option("--out", a->out, "Write the predictions here (CSV); default: stdout");
  s->add_option("--label", a->label, "The label column of the training file, by name or 0-based index (default: the run's, else the first)");
  s->add_option("--kind", a->kind, "regression or classification (default: the run's, else guessed from the labels)")
      ->check(CLI::IsMember({"regression", "classification"}));
  s->add_flag("--no-standardize", a->no_standardize, "Keep the features as they are (default: standardized as in evaluation)");
  s->add_option("--seed", a->seed, "Seed of the training split and of the program's random ops (default: the run's, else 0)")
      ->check(kNonNegative);
  s->add_option("--db", a->db, "Run store, for a RUN")->capture_default_str();
  return [a] { return RunPredict(*a); };
}

}  // namespace ouro::cli
