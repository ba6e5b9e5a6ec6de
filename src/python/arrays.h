// python/arrays.h — numpy arrays handed to the module, checked and turned into the engine's types.
//
// Every check raises ValueError with what is wrong and where (shape, an empty array, the first
// non-finite cell with its row and column); nothing a caller passes can crash the interpreter.
#pragma once

#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "tasks/user_data.h"

namespace ouro::python {

namespace py = pybind11;
using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// A 2-D array of finite numbers with at least one row and one column; `what` names it in errors.
Array Matrix(const py::handle& obj, const std::string& what);

// X (n × d) and y (n) as a user table named `name` (rows "row i").
tasks::UserTable TableFromArrays(const py::handle& x, const py::handle& y, const std::string& name);

// A 1-D (or n × k, row-major) array of doubles copied from `values`.
py::array_t<double> ToArray(const std::vector<double>& values, py::ssize_t rows, py::ssize_t cols = 0);

}  // namespace ouro::python
