#include "python/arrays.h"

#include <cmath>

namespace ouro::python {
namespace {

Array AsDoubles(const py::handle& obj, const std::string& what) {
  Array a = Array::ensure(obj);  // numpy's own conversion; null (error cleared) when it fails
  if (!a) throw py::value_error(what + ": not an array of numbers");
  return a;
}

void CheckFinite(const Array& a, const std::string& what) {
  const double* p = a.data();
  const py::ssize_t cols = a.ndim() == 2 ? a.shape(1) : 1;
  for (py::ssize_t i = 0; i < a.size(); ++i) {
    if (std::isfinite(p[i])) continue;
    const std::string cell = a.ndim() == 2 ? "[" + std::to_string(i / cols) + ", " + std::to_string(i % cols) + "]"
                                           : "[" + std::to_string(i) + "]";
    throw py::value_error(what + cell + " is " + (std::isnan(p[i]) ? "NaN" : "infinite") +
                          ": missing or infinite values are not allowed");
  }
}

}  // namespace

Array Matrix(const py::handle& obj, const std::string& what) {
  Array a = AsDoubles(obj, what);
  if (a.ndim() != 2)
    throw py::value_error(what + " must be 2-dimensional (rows × features), got " + std::to_string(a.ndim()) + " dimensions");
  if (a.shape(0) < 1) throw py::value_error(what + " is empty (0 rows)");
  if (a.shape(1) < 1) throw py::value_error(what + " has no features (0 columns)");
  if (a.shape(0) > (1 << 30) || a.shape(1) > (1 << 20)) throw py::value_error(what + " is too large");
  CheckFinite(a, what);
  return a;
}

tasks::UserTable TableFromArrays(const py::handle& x, const py::handle& y, const std::string& name) {
  const Array xa = Matrix(x, "X");
  const Array ya = AsDoubles(y, "y");
  if (ya.ndim() != 1) throw py::value_error("y must be 1-dimensional, got " + std::to_string(ya.ndim()) + " dimensions");
  if (ya.shape(0) != xa.shape(0))
    throw py::value_error("X has " + std::to_string(xa.shape(0)) + " rows but y has " + std::to_string(ya.shape(0)));
  CheckFinite(ya, "y");
  tasks::UserTable t;
  t.name = name;
  t.dim = static_cast<int>(xa.shape(1));
  t.x.assign(xa.data(), xa.data() + xa.size());
  t.y.assign(ya.data(), ya.data() + ya.size());
  t.label_name = "y";
  t.row_names.reserve(t.y.size());
  for (size_t i = 0; i < t.y.size(); ++i) t.row_names.push_back("row " + std::to_string(i));
  return t;
}

py::array_t<double> ToArray(const std::vector<double>& values, py::ssize_t rows, py::ssize_t cols) {
  py::array_t<double> out = cols > 0 ? py::array_t<double>({rows, cols}) : py::array_t<double>(rows);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

}  // namespace ouro::python
