// python/programs.cc — the Program class of the `_ouro` module (see bindings.h): a program in
// Ouro's language, evaluated on a task spec as `ouro eval --task` does, or trained on arrays and
// applied to new rows as `ouro predict` does (run::TrainAndPredict).
#include <optional>

#include <pybind11/stl.h>

#include "core/hash.h"
#include "eval/evaluator.h"
#include "lang/interpreter.h"
#include "lang/prune.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "python/arrays.h"
#include "python/bindings.h"
#include "run/predictor.h"
#include "tasks/task_spec.h"

namespace ouro::python {
namespace {

// Mean fitness on the valid and (where the tasks have one) test splits, per task as ouro eval.
py::dict Evaluate(const lang::Program& program, const std::string& task, uint64_t seed) {
  tasks::TaskSpec spec = tasks::ParseTaskSpec(task);
  spec.seed = seed;
  const std::vector<tasks::Dataset> sets = tasks::Generate(spec);
  if (sets.empty()) throw py::value_error("the task spec produced no task instances");
  const lang::Executable exe = lang::Compile(program, lang::MinimalShape(program, sets[0].dim));
  double valid = 0, test = 0;
  int n_test = 0;
  {
    py::gil_scoped_release release;
    lang::Machine m;
    const uint64_t eval_seed = eval::EvalSeed(seed);
    for (size_t t = 0; t < sets.size(); ++t) {
      valid += eval::EvaluateTask(exe, sets[t], m, DeriveSeed(eval_seed, t), {}, eval::ScoreOn::kValid).fitness;
      if (sets[t].test.n() == 0) continue;
      test += eval::EvaluateTask(exe, sets[t], m, DeriveSeed(eval_seed, t), {}, eval::ScoreOn::kTest).fitness;
      ++n_test;
    }
  }
  py::dict out;
  out["tasks"] = sets.size();
  out["fitness_valid"] = valid / static_cast<double>(sets.size());
  out["fitness_test"] = n_test ? py::cast(test / n_test) : py::none();
  return out;
}

// Trains on all rows of (X, y) and predicts the rows of X_new.
py::dict FitPredict(const lang::Program& program, const py::object& x, const py::object& y, const py::object& x_new,
                    const std::string& kind, bool standardize, int epochs, uint64_t seed) {
  tasks::UserTable table = TableFromArrays(x, y, "arrays");
  const Array rows = Matrix(x_new, "X_new");
  if (rows.shape(1) != table.dim)
    throw py::value_error("X_new has " + std::to_string(rows.shape(1)) + " features, X has " + std::to_string(table.dim));
  tasks::TaskSpec spec;
  spec.family = "csv";
  spec.kind = kind;
  spec.standardize = standardize;
  spec.epochs = epochs;
  spec.train_fraction = 1;
  spec.valid_fraction = spec.test_fraction = 0;
  const int n = static_cast<int>(rows.shape(0));
  run::PredictionTable p;
  {
    py::gil_scoped_release release;
    p = run::TrainAndPredict(program, spec, std::move(table), rows.data(), n, seed);
  }
  const bool classify = p.kind == tasks::Kind::kClassification;
  py::dict out;
  out["kind"] = classify ? "classification" : "regression";
  out["label"] = ToArray(p.label, n);
  out["classes"] = p.classes;
  out["proba"] = classify ? py::object(ToArray(p.proba, n, static_cast<py::ssize_t>(p.classes.size()))) : py::none();
  out["center"] = p.standardization.center;
  out["scale"] = p.standardization.scale;
  return out;
}

// Trains on (X, y), predicts X_test and scores it against y_test with the evaluator's fitness.
py::dict Score(const lang::Program& program, const py::object& x, const py::object& y, const py::object& x_test,
               const py::object& y_test, const std::string& kind, bool standardize, int epochs, uint64_t seed) {
  const tasks::UserTable test = TableFromArrays(x_test, y_test, "test arrays");
  py::dict out = FitPredict(program, x, y, x_test, kind, standardize, epochs, seed);
  run::PredictionTable p;
  p.kind = py::cast<std::string>(out["kind"]) == "classification" ? tasks::Kind::kClassification : tasks::Kind::kRegression;
  const py::array_t<double> labels = out["label"].cast<py::array_t<double>>();
  p.label.assign(labels.data(), labels.data() + labels.size());
  out["fitness"] = run::Fitness(p, test.y.data(), test.n());
  return out;
}

}  // namespace

void BindPrograms(py::module_& m) {
  m.def(
      "reference_program",
      [](const std::string& name) {
        const auto text = lang::ReferenceProgram(name);
        if (!text) throw py::value_error("no reference program '" + name + "' (programs/NAME.ouro)");
        return lang::Parse(*text);
      },
      py::arg("name"), "A shipped reference program (programs/NAME.ouro), e.g. 'logistic_regression'");
  py::class_<lang::Program>(m, "Program", "A program in Ouro's language (setup, predict, learn)")
      .def(py::init([](const std::string& text) { return lang::Parse(text); }), py::arg("text"))
      .def_property_readonly("text", [](const lang::Program& p) { return lang::Print(p); })
      .def_property_readonly("live_text", [](const lang::Program& p) { return lang::Print(lang::LiveProgram(p)); },
                             "The text with dead instructions removed")
      .def_property_readonly("hash", [](const lang::Program& p) { return HexId(p.Hash()); })
      .def("evaluate", &Evaluate, py::arg("task"), py::arg("seed") = 0,
           "Fitness on a task spec (e.g. 'linear:dim=4,tasks=10'), as `ouro eval --task` scores it")
      .def("fit_predict", &FitPredict, py::arg("X"), py::arg("y"), py::arg("X_new"), py::arg("kind") = "",
           py::arg("standardize") = true, py::arg("epochs") = 1, py::arg("seed") = 0,
           "Trains on every row of (X, y) and predicts X_new: a dict with label, proba, classes, center, scale")
      .def("score", &Score, py::arg("X"), py::arg("y"), py::arg("X_test"), py::arg("y_test"), py::arg("kind") = "",
           py::arg("standardize") = true, py::arg("epochs") = 1, py::arg("seed") = 0,
           "Trains on (X, y) and scores (X_test, y_test) with the evaluator's fitness (accuracy, or "
           "1 - (2/pi) atan(RMSE)): fit_predict's dict plus 'fitness'")
      .def("__repr__", [](const lang::Program& p) { return "<ouro.Program " + HexId(p.Hash()) + ">"; })
      .def(py::pickle([](const lang::Program& p) { return lang::Print(p); },
                      [](const std::string& text) { return lang::Parse(text); }));
}

}  // namespace ouro::python
