// search/strategy_toml.cc — the strategy's TOML form and the docs table (see strategy_toml.h).
#include "search/strategy_toml.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <type_traits>

#include "search/strategy_internal.h"

namespace ouro::search {

using namespace strategy_internal;

// ---- TOML -------------------------------------------------------------------------------------

namespace {

// `[name, [name, weight], ...]`: a bare name has weight 1. `expand(name)` gives the keys a name
// stands for (several for "all"); errors are reported at the array.
template <class Key, class Expand>
std::vector<std::pair<Key, double>> WeightsFromToml(const TomlReader& r, const toml::node* n, const std::string& where,
                                                    Expand expand) {
  const toml::array* a = n->as_array();
  if (!a) r.Fail(n, where, "expected an array of strings (or [name, weight] pairs)");
  std::vector<std::pair<Key, double>> out;
  for (const toml::node& e : *a) {
    std::string name;
    double w = 1;
    if (e.is_string()) {
      name = *e.value<std::string>();
    } else if (const toml::array* p = e.as_array();
               p && p->size() == 2 && (*p)[0].is_string() && ((*p)[1].is_floating_point() || (*p)[1].is_integer())) {
      name = *(*p)[0].value<std::string>();
      w = *(*p)[1].value<double>();
      if (!(w >= 0 && std::isfinite(w))) r.Fail(&e, where, "a weight must be finite and >= 0");
    } else {
      r.Fail(&e, where, "expected an array of strings (or [name, weight] pairs)");
    }
    for (Key k : expand(name)) out.emplace_back(k, w);
  }
  return out;
}

template <class Pairs>
toml::array WeightsToToml(const Pairs& pairs, auto name_of) {
  toml::array a;
  for (const auto& [k, w] : pairs) {
    if (w == 1) a.push_back(std::string(name_of(k)));
    else a.push_back(toml::array{std::string(name_of(k)), w});
  }
  return a;
}

// Where a field is read from: the reader, [search], the field's key, its location for errors
// and its node (null when absent).
struct TomlIn {
  const TomlReader& r;
  const toml::table& t;
  const std::string& sec;
  const std::string& key;
  const std::string& where;
  const toml::node* n;
  const StrategyField& f;
};

template <class Int>
  requires std::is_integral_v<Int>
void ReadToml(const TomlIn& in, Int& out) {
  in.r.Int(in.t, in.sec, in.key, out, IntBound(in.f.lo), IntBound(in.f.hi));
}

void ReadToml(const TomlIn& in, double& out) { in.r.Double(in.t, in.sec, in.key, out, in.f.lo, in.f.hi); }

void ReadToml(const TomlIn& in, std::string& out) { in.r.String(in.t, in.sec, in.key, out); }

void ReadNumber(const TomlIn& in, const toml::table& st, const char* name, int& out) {
  in.r.Int(st, in.where, name, out, IntBound(in.f.lo), IntBound(in.f.hi));
}
void ReadNumber(const TomlIn& in, const toml::table& st, const char* name, double& out) {
  in.r.Double(st, in.where, name, out, in.f.lo, in.f.hi);
}

// A [search.KEY] table of named numbers, each within the field's bounds.
template <class T, size_t N>
void ReadNamed(const TomlIn& in, const std::array<const char*, N>& names, std::array<T, N>& out) {
  const toml::table* st = in.r.Table(in.t, in.key, "search.");
  if (!st) return;
  in.r.CheckKeys(*st, in.where, std::vector<std::string_view>(names.begin(), names.end()));
  for (size_t i = 0; i < N; ++i) ReadNumber(in, *st, names[i], out[i]);
}

void ReadToml(const TomlIn& in, ComponentSizes& out) { ReadNamed(in, lang::kComponentNames, out); }

void ReadToml(const TomlIn& in, std::array<double, 3>& out) {
  ReadNamed(in, std::array<const char*, 3>{kInsertNames[0], kInsertNames[1], kInsertNames[2]}, out);
}

void ReadToml(const TomlIn& in, MutationWeights& out) {
  const auto& r = in.r;
  const auto& where = in.where;
  const toml::node* n = in.n;
  if (!n) return;
  out = WeightsFromToml<Mutation>(r, n, where, [&](const std::string& name) {
    try {
      return std::vector<Mutation>{MutationFromName(name)};
    } catch (const Error& e) {
      r.Fail(n, where, e.what());
    }
  });
}

void ReadToml(const TomlIn& in, std::array<OpWeights, lang::kNumComponents>& out) {
  const auto& r = in.r;
  const auto& t = in.t;
  const auto& sec = in.sec;
  const char* keys[] = {"ops", "setup_ops", "predict_ops", "learn_ops"};
  for (int k = 0; k < 4; ++k) {
    const toml::node* o = t.get(keys[k]);
    if (!o) continue;
    const std::string at = sec + "." + keys[k];
    const OpWeights w = WeightsFromToml<lang::Op>(r, o, at, [&](const std::string& id) {
      std::vector<lang::Op> ops;
      if (id == "all")
        for (const auto& info : lang::kOpInfo) ops.push_back(info.op);
      else if (auto op = lang::OpFromId(id)) ops.push_back(*op);
      else r.Fail(o, at, "unknown operation '" + id + "' (see docs/language.md for the list)");
      return ops;
    });
    if (k == 0) out = {w, w, w};
    else out[k - 1] = w;
  }
}

void ReadToml(const TomlIn& in, std::optional<FilterConfig>& out) {
  const auto& r = in.r;
  const auto& t = in.t;
  const auto& key = in.key;
  const auto& where = in.where;
  const toml::table* ft = r.Table(t, key, "search.");
  if (!ft) return;
  r.CheckKeys(*ft, where, {"program", "threshold", "warmup", "explore"});
  FilterConfig fc;
  std::string text;
  r.String(*ft, where, "program", text);
  try {
    fc.program = lang::Parse(text, kFilterShape);
  } catch (const Error& e) {
    r.Fail(ft, where + ".program", e.what());
  }
  r.Double(*ft, where, "threshold", fc.threshold, in.f.lo, in.f.hi);
  r.Int(*ft, where, "warmup", fc.warmup, 0, std::numeric_limits<int>::max());
  r.Double(*ft, where, "explore", fc.explore, in.f.lo, in.f.hi);
  out = fc;
}

void ReadToml(const TomlIn& in, std::vector<Macro>& out) {
  const auto& r = in.r;
  const auto& where = in.where;
  const toml::node* n = in.n;
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a) r.Fail(n, where, "expected an array of { component, code } tables");
  out.clear();
  for (const toml::node& e : *a) {
    const toml::table* mt = e.as_table();
    if (!mt) r.Fail(&e, where, "expected an array of { component, code } tables");
    r.CheckKeys(*mt, where, {"component", "code"});
    std::string comp, code;
    r.String(*mt, where, "component", comp);
    r.String(*mt, where, "code", code);
    out.push_back(MacroFrom(comp, code, [&](const char* sub, const std::string& msg) {
      r.Fail(&e, where + sub, msg);
    }));
  }
}

// `[search.warm_start]`: `programs` (texts) and `share`.
void ReadToml(const TomlIn& in, std::optional<WarmStart>& out) {
  const auto& r = in.r;
  const toml::table* wt = r.Table(in.t, in.key, "search.");
  if (!wt) return;
  r.CheckKeys(*wt, in.where, {"programs", "share"});
  WarmStart ws;
  const toml::array* a = wt->get("programs") ? wt->get("programs")->as_array() : nullptr;
  if (!a || a->empty()) r.Fail(wt, in.where + ".programs", "expected a non-empty array of programs (text form)");
  for (const toml::node& e : *a) {
    if (!e.is_string()) r.Fail(&e, in.where + ".programs", "expected a program in the text form");
    try {
      ws.programs.push_back(lang::Parse(*e.value<std::string>()));
    } catch (const Error& err) {
      r.Fail(&e, in.where + ".programs", err.what());
    }
  }
  r.Double(*wt, in.where, "share", ws.share, in.f.lo, in.f.hi);
  if (!(ws.share > 0)) r.Fail(wt, in.where + ".share", "must be > 0");
  out = ws;
}

// `[search.model]`: `share` and `history`.
void ReadToml(const TomlIn& in, std::optional<ModelProposals>& out) {
  const auto& r = in.r;
  const toml::table* mt = r.Table(in.t, in.key, "search.");
  if (!mt) return;
  r.CheckKeys(*mt, in.where, {"share", "history"});
  ModelProposals mp;
  r.Double(*mt, in.where, "share", mp.share, in.f.lo, in.f.hi);
  r.Int(*mt, in.where, "history", mp.history, 0, 16);
  out = mp;
}

}  // namespace

void StrategyFromToml(const TomlReader& r, const toml::table& t, Strategy& s) {
  const std::string sec = "[search]";
  for (const StrategyField& f : kStrategyFields) {
    const std::string key = f.toml, where = sec + "." + key;
    const toml::node* n = t.get(key);
    std::visit([&](auto m) { ReadToml(TomlIn{r, t, sec, key, where, n, f}, s.*m); }, f.member);
  }
}

toml::table StrategyToToml(const Strategy& s) {
  toml::table t;
  for (const StrategyField& f : kStrategyFields) {
    const std::string key = f.toml;
    std::visit(Overload{
                   [&](ComponentSizes Strategy::*m) {
                     toml::table st;
                     for (int c = 0; c < lang::kNumComponents; ++c) st.insert(lang::kComponentNames[c], (s.*m)[c]);
                     t.insert(key, st);
                   },
                   [&](std::array<double, 3> Strategy::*m) {
                     toml::table st;
                     for (int i = 0; i < 3; ++i) st.insert(kInsertNames[i], (s.*m)[i]);
                     t.insert(key, st);
                   },
                   [&](MutationWeights Strategy::*m) { t.insert(key, WeightsToToml(s.*m, MutationName)); },
                   [&](std::array<OpWeights, lang::kNumComponents> Strategy::*m) {
                     for (int c = 0; c < lang::kNumComponents; ++c)
                       t.insert(std::string(lang::kComponentNames[c]) + "_ops",
                                WeightsToToml((s.*m)[c], [](lang::Op op) { return lang::Info(op).id; }));
                   },
                   [&](std::optional<FilterConfig> Strategy::*m) {
                     if (const auto& fc = s.*m)
                       t.insert(key, toml::table{{"program", lang::Print(fc->program)}, {"threshold", fc->threshold},
                                                 {"warmup", fc->warmup}, {"explore", fc->explore}});
                   },
                   [&](std::vector<Macro> Strategy::*m) {
                     toml::array a;
                     for (const Macro& mac : s.*m)
                       a.push_back(toml::table{{"component", lang::kComponentNames[static_cast<int>(mac.component)]},
                                               {"code", MacroText(mac)}});
                     t.insert(key, a);
                   },
                   [&](std::optional<WarmStart> Strategy::*m) {
                     if (!(s.*m)) return;
                     toml::array a;
                     for (const lang::Program& p : (s.*m)->programs) a.push_back(lang::Print(p));
                     t.insert(key, toml::table{{"programs", a}, {"share", (s.*m)->share}});
                   },
                   [&](std::optional<ModelProposals> Strategy::*m) {
                     if (s.*m) t.insert(key, toml::table{{"share", (s.*m)->share}, {"history", (s.*m)->history}});
                   },
                   [&](auto m) { t.insert(key, s.*m); },
               },
               f.member);
  }
  return t;
}

namespace {

// A TOML value on one line, tables in the order the docs use (components, insert positions).
std::string DocValue(const toml::node& n) {
  if (const toml::table* t = n.as_table()) {
    std::vector<std::string> keys;
    for (const char* k : {"setup", "predict", "learn", "start", "anywhere", "end"})
      if (t->contains(k)) keys.push_back(k);
    for (const auto& [k, v] : *t)
      if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) keys.emplace_back(k.str());
    std::string out;
    for (const std::string& k : keys) out += (out.empty() ? "{ " : ", ") + k + " = " + DocValue(*t->get(k));
    return out.empty() ? "{}" : out + " }";
  }
  if (const toml::array* a = n.as_array()) {
    std::string out;
    for (const toml::node& e : *a) out += (out.empty() ? "[" : ", ") + DocValue(e);
    return out.empty() ? "[]" : out + "]";
  }
  if (n.is_string()) return "\"" + *n.value<std::string>() + "\"";
  if (n.is_boolean()) return *n.value<bool>() ? "true" : "false";
  return Num(*n.value<double>());
}

std::string Bound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v == std::floor(v) && v < 1e15 ? "%.0f" : "%g", v);
  return buf;
}

}  // namespace

std::string StrategyDocTable(const Strategy& defaults) {
  const toml::table t = StrategyToToml(defaults);
  auto value = [&](const std::string& key) {
    const toml::node* n = t.get(key);
    return n ? "`" + DocValue(*n) + "`" : std::string("none");
  };
  std::ostringstream out;
  out << "| key | spec JSON | default | range | meaning |\n|---|---|---|---|---|\n";
  for (const StrategyField& f : kStrategyFields) {
    std::string keys, def;
    // Multi-key fields ("setup_ops, predict_ops, learn_ops") list each key's default.
    std::vector<std::string> defs;
    for (std::string rest = f.toml; !rest.empty();) {
      const size_t comma = rest.find(", ");
      const std::string key = rest.substr(0, comma);
      rest = comma == std::string::npos ? "" : rest.substr(comma + 2);
      keys += (keys.empty() ? "" : ", ") + ("`" + key + "`");
      defs.push_back(value(key));
    }
    if (std::all_of(defs.begin(), defs.end(), [&](const std::string& d) { return d == defs[0]; }))
      defs.resize(1);  // the same default for every key: say it once
    for (const std::string& d : defs) def += (def.empty() ? "" : "; ") + d;
    std::string range = "—";
    std::visit(Overload{[&](std::string Strategy::*) {}, [&](std::optional<FilterConfig> Strategy::*) {},
                        [&](std::vector<Macro> Strategy::*) {}, [&](std::optional<WarmStart> Strategy::*) {},
                        [&](std::optional<ModelProposals> Strategy::*) {},
                        [&](auto) { range = f.hi >= 9e18 ? "≥ " + Bound(f.lo) : Bound(f.lo) + "–" + Bound(f.hi); }},
               f.member);
    out << "| " << keys << " | `" << f.json << "` | " << def << " | " << range << " | " << f.doc << " |\n";
  }
  return out.str();
}

}  // namespace ouro::search
