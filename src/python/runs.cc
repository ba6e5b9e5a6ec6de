// python/runs.cc — search(...), rsi(...) and stop(...) of the `_ouro` module (see bindings.h).
#include <atomic>
#include <memory>
#include <optional>

#include <pybind11/stl.h>

#include "core/error.h"
#include "lang/text.h"
#include "meta/rsi_config.h"
#include "python/arrays.h"
#include "python/bindings.h"
#include "run/control_service.h"
#include "run/rsi_recipe.h"
#include "run/rsi_session.h"
#include "run/search_plan.h"
#include "run/search_session.h"
#include "store/store.h"

namespace ouro::python {
namespace {

// Ctrl-C while the engine runs without the GIL: Poll (from the engine's thread, at each progress
// report) takes the GIL, sees a pending signal and sets the run's stop flag; Raise afterwards turns
// it into KeyboardInterrupt.
class Interrupts {
 public:
  const std::atomic<bool>* flag() const { return &stop_; }
  void Poll() {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      stop_ = true;
    }
  }
  void Raise() const {
    if (!stop_) return;
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }

 private:
  std::atomic<bool> stop_{false};
};

std::unique_ptr<store::Store> OpenStore(const std::string& db) { return store::Store::Open(db.empty() ? ":memory:" : db); }

py::object Search(const py::object& x, const py::object& y, run::SearchRequest r, const std::string& db) {
  if (x.is_none() != y.is_none()) throw py::value_error("give both X and y, or neither");
  if (!x.is_none()) r.table = TableFromArrays(x, y, "arrays");
  Interrupts interrupts;
  r.stop = interrupts.flag();
  run::SearchPlan plan = run::PlanSearch(r);
  const nlohmann::json tasks = plan.config_json.value("tasks", nlohmann::json::object());
  std::unique_ptr<store::Store> store = OpenStore(db);
  nlohmann::json summary;
  {
    py::gil_scoped_release release;
    run::SearchSession session(*store, std::move(plan));
    summary = session.Run([&](const search::Progress&) { interrupts.Poll(); }).summary;
    summary["run_id"] = session.run_id();
  }
  interrupts.Raise();
  summary["tasks"] = tasks;
  return FromJson(summary);
}

py::object Rsi(const run::RecipeRequest& request, const std::string& db) {
  const meta::RsiFileConfig file = request.config.empty() ? meta::DefaultRsiConfig() : meta::LoadRsiConfig(request.config);
  const run::RsiRecipe recipe = run::MakeRecipe(request, file);
  const meta::RsiConfig cfg = run::BuildConfig(recipe);
  const oversight::Policy policy = run::BuildPolicy(recipe);
  std::unique_ptr<store::Store> store = OpenStore(db);
  Interrupts interrupts;
  nlohmann::json summary;
  {
    py::gil_scoped_release release;
    const int64_t id = run::RsiSession::Create(*store, recipe, cfg, policy, "python");
    run::RsiSession session(*store, id, cfg, policy, {[&](const std::string&) { interrupts.Poll(); }, interrupts.flag()});
    const run::RsiOutcome o = session.Run();
    summary = o.summary.is_object() ? o.summary : nlohmann::json::object();
    summary["run_id"] = id;
    summary["stopped"] = o.stopped;
  }
  interrupts.Raise();
  return FromJson(summary);
}

std::string Stop(const std::string& db, int64_t run, const std::string& actor, const std::string& note) {
  std::unique_ptr<store::Store> store = store::Store::OpenExisting(db);
  const run::StopOutcome o = run::ControlService(*store).Stop(run, actor, note);
  return o == run::StopOutcome::kRequested ? "requested" : "marked_stopped";
}

// The keyword arguments of search() as a request; an unknown keyword is an error.
run::SearchRequest Request(const py::kwargs& kw) {
  run::SearchRequest r;
  for (const auto& [key, value] : kw) {
    const std::string k = py::cast<std::string>(key);
    if (k == "config") r.config = py::cast<std::string>(value);
    else if (k == "config_text") r.config_text = py::cast<std::string>(value);
    else if (k == "task") r.task = py::cast<std::string>(value);
    else if (k == "data") r.data = py::cast<std::string>(value);
    else if (k == "label") r.label = py::cast<std::string>(value);
    else if (k == "kind") r.kind = py::cast<std::string>(value);
    else if (k == "standardize") r.standardize = py::cast<bool>(value);
    else if (k == "epochs") r.epochs = py::cast<int>(value);
    else if (k == "train_fraction") r.train_fraction = py::cast<double>(value);
    else if (k == "valid_fraction") r.valid_fraction = py::cast<double>(value);
    else if (k == "test_fraction") r.test_fraction = py::cast<double>(value);
    else if (k == "warm_start")
      for (const std::string& text : py::cast<std::vector<std::string>>(value)) r.warm_start.push_back(lang::Parse(text));
    else if (k == "warm_share") r.warm_share = py::cast<double>(value);
    else if (k == "splits") r.splits = py::cast<int>(value);
    else if (k == "improver") r.improver = py::cast<std::string>(value);
    else if (k == "seed") r.seed = value.is_none() ? std::nullopt : std::optional<uint64_t>(py::cast<uint64_t>(value));
    else if (k == "max_evaluations") r.max_evals = py::cast<int64_t>(value);
    else if (k == "max_seconds") r.max_seconds = py::cast<double>(value);
    else if (k == "threads") r.threads = py::cast<int>(value);
    else throw py::type_error("search() got an unexpected keyword argument '" + k + "'");
  }
  return r;
}

}  // namespace

void BindRuns(py::module_& m) {
  m.def(
      "search",
      [](const py::object& x, const py::object& y, const std::string& db, const py::kwargs& kw) {
        return Search(x, y, Request(kw), db);
      },
      py::arg("X") = py::none(), py::arg("y") = py::none(), py::arg("db") = "",
      "Runs a search and returns its summary (a dict); db '' keeps the run in memory. Keywords: config, config_text, "
      "task, data, label, kind, standardize, epochs, train_fraction, valid_fraction, test_fraction, "
      "warm_start (program texts), warm_share, splits, improver, seed, max_evaluations, max_seconds, threads.");
  m.def(
      "rsi",
      [](const std::string& config, uint64_t seed, const std::string& db, double max_seconds, int threads,
         bool null_control, const std::string& policy) {
        if (db.empty()) throw py::value_error("rsi: give db, the run store (a SQLite file)");
        return Rsi({config, policy, seed, threads, max_seconds, {}, null_control, ""}, db);
      },
      py::arg("config") = "", py::arg("seed") = 1, py::arg("db") = "", py::arg("max_seconds") = -1.0,
      py::arg("threads") = -1, py::arg("null_control") = false, py::arg("policy") = "",
      "Runs an rsi loop to its end and returns its summary (a dict).");
  m.def("stop", &Stop, py::arg("db"), py::arg("run"), py::arg("actor") = "python", py::arg("note") = "",
        "Asks run `run` of the store `db` to stop; returns 'requested' or 'marked_stopped'.");
}

}  // namespace ouro::python
