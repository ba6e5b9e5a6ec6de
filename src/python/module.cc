// python/module.cc — the `ouro._ouro` extension: searches and rsi runs, programs, the run store and
// control of runs, for the Python package `ouro` (python/ouro/), which wraps these in pandas
// DataFrames and scikit-learn estimators.
//
// Layer: python/ is an adapter like cli/ and web/: it may include every layer below it (core ..
// run); nothing includes it. Work runs with the GIL released; Ctrl-C (a pending Python signal) is
// noticed at each progress report and stops the run cleanly, then raises KeyboardInterrupt.
// ouro::Error becomes ouro.OuroError (a ValueError); bad arrays raise ValueError (arrays.h).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "core/error.h"
#include "python/bindings.h"

namespace py = pybind11;

PYBIND11_MODULE(_ouro, m) {
  m.doc() = "Ouro's engine: searches, rsi runs, programs and the run store (use the `ouro` package)";
  py::register_exception<ouro::Error>(m, "OuroError", PyExc_ValueError);
  ouro::python::BindRuns(m);
  ouro::python::BindPrograms(m);
  ouro::python::BindStore(m);
}
