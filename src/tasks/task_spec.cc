// tasks/task_spec.cc — the task-spec grammar (ParseTaskSpec, TaskSpecToString) and Generate, which
// validates a spec and hands it to its family's generator.

#include "tasks/task_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/strings.h"
#include "tasks/families.h"

namespace ouro::tasks {
namespace {

constexpr int kMaxDim = 256;
constexpr int kMaxTasks = 100000;
constexpr int kMaxHidden = 1024;
constexpr int kMaxCount = 10'000'000;

const char* const kFamilies[] = {"linear", "nonlinear", "leaky", "fmnist", "csv", "idx"};
const char* const kKeys[] = {"dim",   "tasks", "train",  "valid", "test", "seed",    "hidden",
                             "pairs", "views", "path",   "labels", "label", "kind", "data_dir",
                             "standardize", "epochs"};

// The keys each family takes, in kKeys order.
std::vector<std::string> FamilyKeys(const std::string& family) {
  if (family == "linear" || family == "leaky") return {"dim", "tasks", "train", "valid", "test", "seed"};
  if (family == "nonlinear") return {"dim", "tasks", "train", "valid", "test", "seed", "hidden"};
  if (family == "fmnist") return {"dim", "train", "valid", "test", "seed", "pairs", "views", "data_dir"};
  if (family == "csv") return {"dim", "train", "valid", "test", "seed", "path", "label", "kind", "standardize", "epochs"};
  if (family == "idx") return {"dim", "train", "valid", "test", "seed", "path", "labels", "kind", "standardize", "epochs"};
  return {};
}

bool IsUserData(const std::string& family) { return family == "csv" || family == "idx"; }

template <typename Range>
std::string Join(const Range& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

bool ParseInt64(std::string_view v, int64_t* out) {
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  return ec == std::errc() && p == v.data() + v.size() && !v.empty();
}

bool ParseDouble(std::string_view v, double* out) {
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  return ec == std::errc() && p == v.data() + v.size() && !v.empty() && std::isfinite(*out);
}

std::string FormatFraction(double f) {
  char buf[64];
  const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, f);
  std::string s(buf, p);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // keep it a fraction, not a count
  return s;
}

std::string FormatPairs(const std::vector<std::pair<int, int>>& pairs) {
  if (pairs.empty()) return "all";
  std::string out;
  for (auto [a, b] : pairs) {
    out += (out.empty() ? "" : ";") + std::to_string(a) + "-" + std::to_string(b);
  }
  return out;
}

// Range checks shared by ParseTaskSpec (per key) and Generate (whole spec). Returns "" if fine.
std::string CheckRange(const std::string& what, int64_t v, int64_t lo, int64_t hi) {
  if (v >= lo && v <= hi) return "";
  if (v < 0 && lo == 0) return what + " must not be negative, got " + std::to_string(v);
  return what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
         std::to_string(v);
}

// Everything wrong with a spec's values, or "" if it can be generated.
std::string CheckSpec(const TaskSpec& s) {
  const std::vector<std::string> keys = FamilyKeys(s.family);
  if (keys.empty()) return "unknown family '" + s.family + "' (known: " + Join(kFamilies) + ")";
  const bool user = IsUserData(s.family);
  std::string e;
  if (!user && !(e = CheckRange("dim", s.dim, 1, kMaxDim)).empty()) return e;
  if (user && !(e = CheckRange("dim", s.project_dim, 0, kMaxDim)).empty()) return e;
  if (s.family == "linear" || s.family == "nonlinear" || s.family == "leaky") {
    if (!(e = CheckRange("tasks", s.num_tasks, 1, kMaxTasks)).empty()) return e;
  }
  if (s.family == "nonlinear" && !(e = CheckRange("hidden", s.hidden, 1, kMaxHidden)).empty()) {
    return e;
  }
  if (s.family == "fmnist" && !(e = CheckRange("views", s.views, 1, 100)).empty()) return e;
  if (user && !(e = CheckRange("epochs", s.epochs, 1, 1000)).empty()) return e;
  // A csv/idx split given as a fraction has no count to check.
  auto check_split = [&](const char* what, int count, double fraction, int lo) {
    return user && fraction >= 0 ? std::string() : CheckRange(what, count, lo, kMaxCount);
  };
  if (!(e = check_split("train", s.n_train, s.train_fraction, 1)).empty()) return e;
  if (!(e = check_split("valid", s.n_valid, s.valid_fraction, 0)).empty()) return e;
  if (!(e = check_split("test", s.n_test, s.test_fraction, 0)).empty()) return e;
  if (user) {
    double sum = 0;
    for (double f : {s.train_fraction, s.valid_fraction, s.test_fraction}) {
      if (f > 1 || std::isnan(f)) return "split fractions must be between 0 and 1";
      if (f > 0) sum += f;
    }
    if (sum > 1 + 1e-9) return "split fractions add up to more than 1";
    if (s.path.empty()) return s.family + " needs a data file (key path=)";
    if (s.family == "idx" && s.labels_path.empty()) return "idx needs a labels file (key labels=)";
    if (!s.kind.empty() && s.kind != "regression" && s.kind != "classification") {
      return "kind must be regression or classification, got '" + s.kind + "'";
    }
  }
  return "";
}

std::vector<std::pair<int, int>> ParsePairs(std::string_view v, const std::string& where) {
  if (v == "all") return {};
  std::vector<std::pair<int, int>> pairs;
  std::set<std::pair<int, int>> seen;  // ordered: a-b and b-a are two tasks (the labels swapped)
  while (true) {
    const size_t semi = v.find(';');
    const std::string_view item = Trim(v.substr(0, semi));
    const size_t dash = item.find('-');
    int64_t a = -1, b = -1;
    if (dash == std::string_view::npos || !ParseInt64(Trim(item.substr(0, dash)), &a) ||
        !ParseInt64(Trim(item.substr(dash + 1)), &b) || a < 0 || a > 9 || b < 0 || b > 9 ||
        a == b) {
      throw Error(where + "pairs: bad class pair '" + std::string(item) +
                  "' (expected a-b with two different classes 0-9, pairs separated by ';', or "
                  "'all')");
    }
    if (!seen.insert({a, b}).second) {
      throw Error(where + "pairs: class pair " + std::string(item) + " listed twice");
    }
    pairs.emplace_back(static_cast<int>(a), static_cast<int>(b));
    if (semi == std::string_view::npos) break;
    v.remove_prefix(semi + 1);
  }
  return pairs;
}

// An integer value for `key` in [lo, hi].
int ParseBoundedInt(const std::string& key, const std::string& value, int64_t lo, int64_t hi,
                    const std::string& where) {
  int64_t v;
  if (!ParseInt64(value, &v)) throw Error(where + key + ": not an integer: '" + value + "'");
  if (std::string e = CheckRange(key, v, lo, hi); !e.empty()) throw Error(where + e);
  return static_cast<int>(v);
}

// A split size: an integer count, or for csv/idx a fraction with a decimal point ("0.8").
void ParseSplit(const std::string& key, const std::string& value, bool user, int lo, int* count,
                double* fraction, const std::string& where) {
  int64_t v;
  if (ParseInt64(value, &v) || !user) {
    *count = ParseBoundedInt(key, value, lo, kMaxCount, where);
    *fraction = -1;
    return;
  }
  double f;
  if (!ParseDouble(value, &f)) {
    throw Error(where + key + ": not a count or fraction: '" + value + "'");
  }
  if (f < 0 || f > 1 || (lo > 0 && f == 0)) {
    throw Error(where + key + ": fraction must be " + (lo > 0 ? "above 0" : "at least 0") +
                " and at most 1, got " + value);
  }
  *fraction = f;
}

// The family before the colon, with its split defaults set; throws if missing or unknown.
TaskSpec ParseFamily(std::string_view family, const std::string& where) {
  TaskSpec s;
  s.family = std::string(family);
  if (s.family.empty()) throw Error(where + "missing family (known: " + Join(kFamilies) + ")");
  if (FamilyKeys(s.family).empty()) {
    throw Error(where + "unknown family '" + s.family + "' (known: " + Join(kFamilies) + ")");
  }
  if (IsUserData(s.family)) {
    s.train_fraction = 0.8;
    s.valid_fraction = 0.2;
    s.test_fraction = 0.0;
    s.standardize = true;
  }
  return s;
}

// Splits one "key=value" entry and checks the key is known, applies to the family and is new.
std::pair<std::string, std::string> ParseEntry(std::string_view item, const std::string& family,
                                               std::set<std::string>* given,
                                               const std::string& where) {
  const size_t eq = item.find('=');
  if (eq == std::string_view::npos) {
    throw Error(where + (item.empty() ? std::string("empty entry (expected key=value)")
                                      : "expected key=value, got '" + std::string(item) + "'"));
  }
  std::string key(Trim(item.substr(0, eq)));
  std::string value(Trim(item.substr(eq + 1)));
  if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
    throw Error(where + "unknown key '" + key + "' (known: " + Join(kKeys) + ")");
  }
  const std::vector<std::string> keys = FamilyKeys(family);
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
    std::string hint = key == "tasks" && family == "fmnist" ? "; choose instances with pairs=" : "";
    throw Error(where + "key '" + key + "' does not apply to family '" + family +
                "' (its keys: " + Join(keys) + ")" + hint);
  }
  if (!given->insert(key).second) throw Error(where + "key '" + key + "' given twice");
  if (value.empty()) throw Error(where + key + ": empty value");
  return {std::move(key), std::move(value)};
}

// Parses `value` and stores it in the field of `s` that `key` names.
void SetKey(const std::string& key, const std::string& value, TaskSpec* s,
            const std::string& where) {
  const bool user = IsUserData(s->family);
  if (key == "dim") {
    (user ? s->project_dim : s->dim) = ParseBoundedInt(key, value, 1, kMaxDim, where);
  } else if (key == "tasks") {
    s->num_tasks = ParseBoundedInt(key, value, 1, kMaxTasks, where);
  } else if (key == "train") {
    ParseSplit(key, value, user, 1, &s->n_train, &s->train_fraction, where);
  } else if (key == "valid") {
    ParseSplit(key, value, user, 0, &s->n_valid, &s->valid_fraction, where);
  } else if (key == "test") {
    ParseSplit(key, value, user, 0, &s->n_test, &s->test_fraction, where);
  } else if (key == "seed") {
    const std::string_view v = value;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s->seed);
    if (ec != std::errc() || p != v.data() + v.size()) {
      throw Error(where + "seed: not a non-negative 64-bit integer: '" + value + "'");
    }
  } else if (key == "hidden") {
    s->hidden = ParseBoundedInt(key, value, 1, kMaxHidden, where);
  } else if (key == "pairs") {
    s->pairs = ParsePairs(value, where);
  } else if (key == "views") {
    s->views = ParseBoundedInt(key, value, 1, 100, where);
  } else if (key == "path") {
    s->path = value;
  } else if (key == "labels") {
    s->labels_path = value;
  } else if (key == "label") {
    s->label_column = value;
  } else if (key == "kind") {
    if (value != "regression" && value != "classification") {
      throw Error(where + "kind must be regression or classification, got '" + value + "'");
    }
    s->kind = value;
  } else if (key == "data_dir") {
    s->data_dir = value;
  } else if (key == "epochs") {
    s->epochs = ParseBoundedInt(key, value, 1, 1000, where);
  } else if (key == "standardize") {
    if (value != "true" && value != "false")
      throw Error(where + "standardize must be true or false, got '" + value + "'");
    s->standardize = value == "true";
  }
}

}  // namespace

TaskSpec ParseTaskSpec(std::string_view text) {
  const std::string where = "task spec '" + std::string(text) + "': ";
  text = Trim(text);
  const size_t colon = text.find(':');
  TaskSpec s = ParseFamily(Trim(text.substr(0, colon)), where);
  std::set<std::string> given;
  std::string_view rest =
      colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  while (colon != std::string_view::npos) {
    const size_t comma = rest.find(',');
    const auto [key, value] = ParseEntry(Trim(rest.substr(0, comma)), s.family, &given, where);
    SetKey(key, value, &s, where);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (std::string e = CheckSpec(s); !e.empty()) throw Error(where + e);
  return s;
}

std::string TaskSpecToString(const TaskSpec& s) {
  const bool user = IsUserData(s.family);
  std::string out = s.family;
  char sep = ':';
  auto add = [&](const std::string& key, const std::string& value) {
    out += sep + key + "=" + value;
    sep = ',';
  };
  auto split = [&](const char* key, int count, double fraction) {
    add(key, user && fraction >= 0 ? FormatFraction(fraction) : std::to_string(count));
  };
  for (const std::string& key : FamilyKeys(s.family)) {
    if (key == "dim") {
      if (!user) add(key, std::to_string(s.dim));
      if (user && s.project_dim > 0) add(key, std::to_string(s.project_dim));
    } else if (key == "tasks") {
      add(key, std::to_string(s.num_tasks));
    } else if (key == "train") {
      split("train", s.n_train, s.train_fraction);
    } else if (key == "valid") {
      split("valid", s.n_valid, s.valid_fraction);
    } else if (key == "test") {
      split("test", s.n_test, s.test_fraction);
    } else if (key == "seed") {
      add(key, std::to_string(s.seed));
    } else if (key == "hidden") {
      add(key, std::to_string(s.hidden));
    } else if (key == "pairs") {
      add(key, FormatPairs(s.pairs));
    } else if (key == "views") {
      if (s.views != 1) add(key, std::to_string(s.views));
    } else if (key == "data_dir") {
      if (s.data_dir != TaskSpec().data_dir) add(key, s.data_dir);
    } else if (key == "path") {
      if (!s.path.empty()) add(key, s.path);
    } else if (key == "labels") {
      if (!s.labels_path.empty()) add(key, s.labels_path);
    } else if (key == "label") {
      if (!s.label_column.empty()) add(key, s.label_column);
    } else if (key == "kind") {
      if (!s.kind.empty()) add(key, s.kind);
    } else if (key == "epochs") {
      if (s.epochs != 1) add(key, std::to_string(s.epochs));
    } else if (key == "standardize") {
      if (!s.standardize) add(key, "false");  // true is what the text form means without the key
    }
  }
  return out;
}

bool FamiliesOverlap(const TaskSpec& a, const TaskSpec& b) {
  if (a.family != b.family) return false;
  if (a.family == "fmnist") {
    if (a.pairs.empty() || b.pairs.empty()) return true;  // all 45 pairs
    auto unordered = [](std::pair<int, int> p) { return std::minmax(p.first, p.second); };
    for (const auto& p : a.pairs)
      for (const auto& q : b.pairs)
        if (unordered(p) == unordered(q)) return true;
    return false;
  }
  if (a.family == "csv" || a.family == "idx") return a.path == b.path;
  return a.dim == b.dim && (a.family != "nonlinear" || a.hidden == b.hidden);
}

std::vector<Dataset> Generate(const TaskSpec& spec) {
  if (std::string e = CheckSpec(spec); !e.empty()) {
    throw Error("task spec '" + TaskSpecToString(spec) + "': " + e);
  }
  if (spec.family == "linear") return internal::GenerateLinear(spec);
  if (spec.family == "leaky") return internal::GenerateLeaky(spec);
  if (spec.family == "nonlinear") return internal::GenerateNonlinear(spec);
  if (spec.family == "fmnist") return internal::GenerateFashion(spec);
  if (spec.family == "csv") return internal::GenerateCsv(spec);
  return internal::GenerateIdx(spec);
}

}  // namespace ouro::tasks
