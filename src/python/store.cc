// python/store.cc — reading a run store from Python (see bindings.h): runs, a search's metric rows
// (its curve), a search's lineage, an rsi run's curve. Columns come back as dicts of lists, which
// the package turns into pandas DataFrames.
#include <memory>

#include <pybind11/stl.h>

#include "python/bindings.h"
#include "store/store.h"

namespace ouro::python {
namespace {

using nlohmann::json;

std::unique_ptr<store::Store> Open(const std::string& db) { return store::Store::OpenExisting(db); }

json Parsed(const std::string& text) {
  return text.empty() ? json(nullptr) : json::parse(text, nullptr, false);
}

py::object Runs(const std::string& db) {
  json rows = json::array();
  for (const store::RunInfo& r : Open(db)->ListRuns())
    rows.push_back({{"run_id", r.id}, {"kind", r.kind}, {"status", r.status}, {"created_at", r.created_at},
                    {"finished_at", r.finished_at}, {"seed", r.seed}, {"summary", Parsed(r.summary_json)}});
  return FromJson(rows);
}

py::object Metrics(const std::string& db, int64_t run) {
  json cols = {{"seconds", json::array()}, {"individuals", json::array()}, {"evaluations", json::array()},
               {"best_fitness", json::array()}, {"cache_hit_rate", json::array()}, {"experiment", json::array()}};
  for (const store::MetricRow& r : Open(db)->GetMetrics(run)) {
    cols["seconds"].push_back(r.seconds);
    cols["individuals"].push_back(r.individuals);
    cols["evaluations"].push_back(r.evaluations);
    cols["best_fitness"].push_back(r.best_fitness);
    cols["cache_hit_rate"].push_back(r.cache_hit_rate);
    cols["experiment"].push_back(r.experiment);
  }
  return FromJson(cols);
}

py::object Lineage(const std::string& db, int64_t run) {
  json cols = {{"individual", json::array()}, {"child_hash", json::array()}, {"parent_hash", json::array()},
               {"mutation", json::array()}, {"fitness", json::array()}, {"program", json::array()}};
  std::unique_ptr<store::Store> s = Open(db);
  for (const store::LineageRow& r : s->GetLineage(run)) {
    cols["individual"].push_back(r.individual);
    cols["child_hash"].push_back(r.child_hash);
    cols["parent_hash"].push_back(r.parent_hash);
    cols["mutation"].push_back(r.mutation);
    cols["fitness"].push_back(r.fitness);
    cols["program"].push_back(s->GetProgram(r.child_hash).value_or(""));
  }
  return FromJson(cols);
}

py::object RsiCurve(const std::string& db, int64_t run) {
  json rows = json::array();  // each generation's stored point, with its generation, compute and time
  for (const store::CurveRow& r : Open(db)->GetCurve(run)) {
    json point = Parsed(r.point_json);
    if (!point.is_object()) point = json::object();
    point["generation"] = r.generation;
    point["cumulative_evaluations"] = r.cumulative_evaluations;
    point["seconds"] = r.seconds;
    rows.push_back(std::move(point));
  }
  return FromJson(rows);
}

}  // namespace

py::object FromJson(const json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

void BindStore(py::module_& m) {
  m.def("runs", &Runs, py::arg("db"), "The runs of a store (list of dicts)");
  m.def("metrics", &Metrics, py::arg("db"), py::arg("run"), "A search run's progress rows (columns)");
  m.def("lineage", &Lineage, py::arg("db"), py::arg("run"), "A search run's lineage of its chosen program (columns)");
  m.def("rsi_curve", &RsiCurve, py::arg("db"), py::arg("run"), "An rsi run's test-arena curve (one dict per generation)");
}

}  // namespace ouro::python
