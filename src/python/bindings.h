// python/bindings.h — the parts of the `_ouro` module, one function per file:
//   runs.cc      search(...), rsi(...), stop(...)
//   programs.cc  Program: parse, text, evaluate on a task, fit_predict on arrays
//   store.cc     runs(db), metrics(db, run), lineage(db, run), rsi_curve(db, run)
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

namespace ouro::python {

namespace py = pybind11;

void BindRuns(pybind11::module_& m);
void BindPrograms(pybind11::module_& m);
void BindStore(pybind11::module_& m);

// A JSON value as the Python object json.loads would give.
pybind11::object FromJson(const nlohmann::json& j);

}  // namespace ouro::python
