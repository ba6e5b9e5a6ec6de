#include "search/strategy.h"

#include "search/strategy_internal.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "core/error.h"
#include "lang/text.h"

namespace ouro::search {
namespace {

using namespace strategy_internal;

using Json = nlohmann::ordered_json;


std::vector<std::string> Split(const char* path) {
  std::vector<std::string> out(1);
  for (const char* p = path; *p; ++p)
    if (*p == '.') out.emplace_back();
    else out.back().push_back(*p);
  return out;
}




// Strict JSON readers: every field is checked, errors name the path.
struct JsonIn {
  [[noreturn]] static void Fail(const std::string& path, const std::string& msg) {
    throw Error("improver spec: " + path + ": " + msg);
  }
  static const Json& Get(const Json& j, const std::string& key, const std::string& path) {
    if (!j.is_object()) Fail(path, "must be an object");
    auto it = j.find(key);
    if (it == j.end()) Fail(path + "." + key, "missing");
    return *it;
  }
  static double Num(const Json& j, const std::string& path) {
    if (!j.is_number()) Fail(path, "must be a number");
    const double v = j.get<double>();
    if (!std::isfinite(v)) Fail(path, "must be finite");
    return v;
  }
  static int64_t Int(const Json& j, const std::string& path) {
    if (!j.is_number_integer()) Fail(path, "must be an integer");
    if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      Fail(path, "is out of range");
    return j.get<int64_t>();
  }
  // An integer that must fit an int (checked before the cast: 2^32 + 100 is not 100).
  static int Int32(const Json& j, const std::string& path) {
    const int64_t v = Int(j, path);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) Fail(path, "is out of range");
    return static_cast<int>(v);
  }
  static std::string Str(const Json& j, const std::string& path) {
    if (!j.is_string()) Fail(path, "must be a string");
    return j.get<std::string>();
  }
  static void Keys(const Json& j, const std::string& path, const std::vector<std::string>& known) {
    if (!j.is_object()) Fail(path, "must be an object");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (std::find(known.begin(), known.end(), it.key()) == known.end()) Fail(path + "." + it.key(), "unknown field");
  }
  static double Weight(const Json& j, const std::string& path) {
    const double w = Num(j, path);
    if (w < 0) Fail(path, "must be >= 0");
    return w;
  }
};

const std::vector<std::string> kComponentKeys = {"setup", "predict", "learn"};

Json SizesJson(const ComponentSizes& s) {
  Json j = Json::object();
  for (int c = 0; c < lang::kNumComponents; ++c) j[lang::kComponentNames[c]] = s[c];
  return j;
}



// One reader per field type: the value at `path`, checked, into `out`.
using R = JsonIn;

void ReadJson(const Json& v, const std::string& path, int& out) {
  out = R::Int32(v, path);
}

void ReadJson(const Json& v, const std::string& path, int64_t& out) {
  out = R::Int(v, path);
}

void ReadJson(const Json& v, const std::string& path, double& out) {
  out = R::Num(v, path);
}

void ReadJson(const Json& v, const std::string& path, std::string& out) {
  out = R::Str(v, path);
}

void ReadJson(const Json& v, const std::string& path, ComponentSizes& out) {
  R::Keys(v, path, kComponentKeys);
  for (int c = 0; c < lang::kNumComponents; ++c)
    out[c] = R::Int32(R::Get(v, kComponentKeys[c], path), path + "." + kComponentKeys[c]);
}

void ReadJson(const Json& v, const std::string& path, std::array<double, 3>& out) {
  R::Keys(v, path, {"start", "anywhere", "end"});
  for (int i = 0; i < 3; ++i)
    out[i] = R::Num(R::Get(v, kInsertNames[i], path), path + "." + kInsertNames[i]);
}

void ReadJson(const Json& v, const std::string& path, MutationWeights& out) {
  if (!v.is_object()) R::Fail(path, "must be an object");
  out.clear();
  std::set<Mutation> seen;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string at = path + "." + it.key();
    Mutation k;
    try {
      k = MutationFromName(it.key());
    } catch (const Error& e) {
      R::Fail(at, e.what());
    }
    if (!seen.insert(k).second) R::Fail(at, "listed twice");
    out.emplace_back(k, R::Weight(it.value(), at));
  }
}

void ReadJson(const Json& v, const std::string& path, std::array<OpWeights, lang::kNumComponents>& out) {
  R::Keys(v, path, kComponentKeys);
  for (int c = 0; c < lang::kNumComponents; ++c) {
    const std::string at = path + "." + kComponentKeys[c];
    const Json& o = R::Get(v, kComponentKeys[c], path);
    if (!o.is_object()) R::Fail(at, "must be an object");
    out[c].clear();
    for (auto it = o.begin(); it != o.end(); ++it) {
      auto op = lang::OpFromId(it.key());
      if (!op) R::Fail(at + "." + it.key(), "unknown operation");
      out[c].emplace_back(*op, R::Weight(it.value(), at + "." + it.key()));
    }
  }
}

void ReadJson(const Json& v, const std::string& path, std::optional<FilterConfig>& out) {
  out.reset();
  if (v.is_null()) return;
  R::Keys(v, path, {"program", "threshold", "warmup", "explore"});
  FilterConfig fc;
  try {
    fc.program = lang::Parse(R::Str(R::Get(v, "program", path), path + ".program"), kFilterShape);
  } catch (const Error& e) {
    R::Fail(path + ".program", e.what());
  }
  fc.threshold = R::Num(R::Get(v, "threshold", path), path + ".threshold");
  fc.warmup = R::Int32(R::Get(v, "warmup", path), path + ".warmup");
  fc.explore = R::Num(R::Get(v, "explore", path), path + ".explore");
  out = fc;
}

void ReadJson(const Json& v, const std::string& path, std::vector<Macro>& out) {
  if (!v.is_array()) R::Fail(path, "must be an array");
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    R::Keys(v[i], at, {"component", "code"});
    out.push_back(MacroFrom(R::Str(R::Get(v[i], "component", at), at + ".component"),
                               R::Str(R::Get(v[i], "code", at), at + ".code"),
                               [&](const char* sub, const std::string& msg) { R::Fail(at + sub, msg); }));
  }
}

void ReadJson(const Json& v, const std::string& path, std::optional<WarmStart>& out) {
  out.reset();
  if (v.is_null()) return;
  R::Keys(v, path, {"programs", "share"});
  WarmStart ws;
  const Json& progs = R::Get(v, "programs", path);
  if (!progs.is_array()) R::Fail(path + ".programs", "must be an array");
  for (size_t i = 0; i < progs.size(); ++i) {
    const std::string at = path + ".programs[" + std::to_string(i) + "]";
    try {
      ws.programs.push_back(lang::Parse(R::Str(progs[i], at)));
    } catch (const Error& e) {
      R::Fail(at, e.what());
    }
  }
  ws.share = R::Num(R::Get(v, "share", path), path + ".share");
  out = ws;
}

void ReadJson(const Json& v, const std::string& path, std::optional<ModelProposals>& out) {
  out.reset();
  if (v.is_null()) return;
  R::Keys(v, path, {"share", "history"});
  ModelProposals mp;
  mp.share = R::Num(R::Get(v, "share", path), path + ".share");
  mp.history = R::Int32(R::Get(v, "history", path), path + ".history");
  out = mp;
}

Json WarmStartJson(const WarmStart& ws) {
  Json programs = Json::array();
  for (const lang::Program& p : ws.programs) programs.push_back(lang::Print(p));
  return {{"programs", programs}, {"share", ws.share}};
}

// A field the JSON form leaves out when it is unset, so that specs without it keep the canonical
// form (and hash) they had before it existed.
bool OmittedInJson(const Strategy& s, const StrategyField& f) {
  if (auto m = std::get_if<std::optional<WarmStart> Strategy::*>(&f.member)) return !(s.**m);
  if (auto m = std::get_if<std::optional<ModelProposals> Strategy::*>(&f.member)) return !(s.**m);
  return false;
}

// The fields OmittedInJson may leave out: absent from a spec, they are unset.
bool OmittableInJson(const StrategyField& f) {
  return std::holds_alternative<std::optional<WarmStart> Strategy::*>(f.member) ||
         std::holds_alternative<std::optional<ModelProposals> Strategy::*>(f.member);
}

}  // namespace

// ---- validation -------------------------------------------------------------------------------

void Strategy::Validate() const {
  auto fail = [](const std::string& m) { throw Error("strategy: " + m); };
  auto range = [&](const StrategyField& f, double v, const char* part = "") {
    if (!(v >= f.lo && v <= f.hi && std::isfinite(v)))
      fail(std::string(f.name) + part + " = " + Num(v) + " is out of range [" + Num(f.lo) + ", " + Num(f.hi) + "]");
  };
  for (const StrategyField& f : kStrategyFields) {
    std::visit(Overload{
                   [&](int Strategy::*m) { range(f, this->*m); },
                   [&](int64_t Strategy::*m) { range(f, static_cast<double>(this->*m)); },
                   [&](double Strategy::*m) { range(f, this->*m); },
                   [&](ComponentSizes Strategy::*m) { for (int v : this->*m) range(f, v); },
                   [&](std::array<double, 3> Strategy::*m) { for (double v : this->*m) range(f, v); },
                   [&](MutationWeights Strategy::*m) { for (const auto& [k, w] : this->*m) range(f, w); },
                   [&](std::array<OpWeights, lang::kNumComponents> Strategy::*m) {
                     for (const auto& ops : this->*m)
                       for (const auto& [op, w] : ops) range(f, w);
                   },
                   [&](std::optional<FilterConfig> Strategy::*m) {
                     if (!(this->*m)) return;
                     const FilterConfig& fc = *(this->*m);
                     range(f, fc.threshold, ".threshold");
                     range(f, fc.explore, ".explore");
                     if (fc.warmup < 0) fail("filter.warmup must be >= 0");
                     fc.program.Validate(kFilterShape);
                   },
                   [&](std::optional<WarmStart> Strategy::*m) {
                     if (!(this->*m)) return;
                     if ((this->*m)->programs.empty()) fail("warm_start needs at least one program");
                     if (!((this->*m)->share > 0)) fail("warm_start.share must be > 0");
                     range(f, (this->*m)->share, ".share");
                   },
                   [&](std::optional<ModelProposals> Strategy::*m) {
                     if (!(this->*m)) return;
                     range(f, (this->*m)->share, ".share");
                     if ((this->*m)->history < 0 || (this->*m)->history > 16) fail("model.history must be in [0, 16]");
                   },
                   [&](auto) {},  // strings: below; macros: on the compiled form (they need a shape)
               },
               f.member);
  }
  if (scheme != "regularized" && scheme != "islands") fail("scheme must be 'regularized' or 'islands'");
  if (tournament > population) fail("tournament must be in [1, population]");
  if (scheme == "islands" && islands > population / tournament) fail("islands must be in [2, population / tournament]");
  if (std::none_of(mutations.begin(), mutations.end(), [](const auto& m) { return m.second > 0; }))
    fail("no mutation operator has a weight > 0");
  if (initial != "random" && initial != "empty" && initial != "given") fail("initial must be random, empty or given");
}

// ---- JSON -------------------------------------------------------------------------------------

void StrategyToJson(const Strategy& s, Json& j) {
  for (const StrategyField& f : kStrategyFields) {
    if (OmittedInJson(s, f)) continue;
    const std::vector<std::string> path = Split(f.json);
    Json* node = &j;
    for (size_t i = 0; i + 1 < path.size(); ++i) node = &(*node)[path[i]];
    Json& out = (*node)[path.back()];
    std::visit(Overload{
                   [&](ComponentSizes Strategy::*m) { out = SizesJson(s.*m); },
                   [&](std::array<double, 3> Strategy::*m) {
                     out = Json::object();
                     for (int i = 0; i < 3; ++i) out[kInsertNames[i]] = (s.*m)[i];
                   },
                   [&](MutationWeights Strategy::*m) {
                     out = Json::object();
                     for (const auto& [k, w] : s.*m) out[std::string(MutationName(k))] = w;
                   },
                   [&](std::array<OpWeights, lang::kNumComponents> Strategy::*m) {
                     for (int c = 0; c < lang::kNumComponents; ++c) {
                       Json o = Json::object();
                       for (const auto& [op, w] : (s.*m)[c]) o[std::string(lang::Info(op).id)] = w;
                       out[lang::kComponentNames[c]] = o;
                     }
                   },
                   [&](std::optional<FilterConfig> Strategy::*m) {
                     const auto& fc = s.*m;
                     if (!fc) return void(out = nullptr);
                     out = {{"program", lang::Print(fc->program)}, {"threshold", fc->threshold},
                            {"warmup", fc->warmup}, {"explore", fc->explore}};
                   },
                   [&](std::vector<Macro> Strategy::*m) {
                     out = Json::array();
                     for (const Macro& mac : s.*m)
                       out.push_back({{"component", lang::kComponentNames[static_cast<int>(mac.component)]},
                                      {"code", MacroText(mac)}});
                   },
                   [&](std::optional<WarmStart> Strategy::*m) { out = WarmStartJson(*(s.*m)); },
                   [&](std::optional<ModelProposals> Strategy::*m) {
                     out = {{"share", (s.*m)->share}, {"history", (s.*m)->history}};
                   },
                   [&](auto m) { out = s.*m; },
               },
               f.member);
  }
}

std::vector<std::string> StrategyJsonTopKeys() {
  std::vector<std::string> keys;
  for (const StrategyField& f : kStrategyFields) {
    const std::string top = Split(f.json).front();
    if (std::find(keys.begin(), keys.end(), top) == keys.end()) keys.push_back(top);
  }
  return keys;
}

void StrategyFromJson(const Json& j, Strategy& s, std::initializer_list<const char*> known_top) {
  // Unknown keys, at the top and in every object the table nests fields in.
  std::vector<std::string> top(known_top.begin(), known_top.end());
  for (const std::string& k : StrategyJsonTopKeys()) top.push_back(k);
  R::Keys(j, "spec", top);
  for (const std::string& group : StrategyJsonTopKeys()) {
    std::vector<std::string> children;
    for (const StrategyField& f : kStrategyFields)
      if (auto p = Split(f.json); p.size() == 2 && p[0] == group) children.push_back(p[1]);
    if (!children.empty()) R::Keys(R::Get(j, group, "spec"), group, children);
  }
  for (const StrategyField& f : kStrategyFields) {
    const std::vector<std::string> parts = Split(f.json);
    // An omitted optional field (OmittedInJson) is unset.
    if (OmittableInJson(f) && !j.contains(parts.front())) {
      std::visit(Overload{[&](std::optional<WarmStart> Strategy::*m) { (s.*m).reset(); },
                          [&](std::optional<ModelProposals> Strategy::*m) { (s.*m).reset(); }, [](auto) {}},
                 f.member);
      continue;
    }
    const Json* node = &j;
    std::string parent = "spec", path;
    for (const std::string& part : parts) {
      node = &R::Get(*node, part, parent);
      path += (path.empty() ? "" : ".") + part;
      parent = path;
    }
    const Json& v = *node;
    std::visit([&](auto m) { ReadJson(v, path, s.*m); }, f.member);
  }
}




// ---- the strategy as it runs --------------------------------------------------------------------

namespace {

// The warm-start rule of EffectiveStrategy (strategy.h): on the effective sizes of `e`.
void DropUnfitWarmStart(Strategy& e, const lang::Shape& shape) {
  if (!e.warm_start) return;
  std::erase_if(e.warm_start->programs, [&](const lang::Program& p) {
    for (int c = 0; c < lang::kNumComponents; ++c)
      if (static_cast<int>(p.fn[c].size()) > e.max_size[c]) return true;
    try {
      p.Validate(shape);
      return false;
    } catch (const Error&) {
      return true;
    }
  });
  if (e.warm_start->programs.empty() || WarmCount(e) == 0) e.warm_start.reset();
}

}  // namespace

int WarmCount(const Strategy& s) {
  if (!s.warm_start || s.warm_start->programs.empty()) return 0;
  return static_cast<int>(std::clamp<long>(std::lround(s.warm_start->share * s.population), 0, s.population));
}

Strategy EffectiveStrategy(const Strategy& s, const lang::Shape& shape) {
  Strategy e = s;
  if (s.scheme != "islands") {
    const Strategy defaults;
    e.islands = defaults.islands, e.migrate_every = defaults.migrate_every;
  }
  // Enabled entries only, each at weight 1 when all equal `reference`.
  auto enabled = [](auto& weighted, double reference) {
    std::erase_if(weighted, [](const auto& kw) { return !(kw.second > 0); });
    if (std::all_of(weighted.begin(), weighted.end(), [&](const auto& kw) { return kw.second == reference; }))
      for (auto& kw : weighted) kw.second = 1;
  };
  enabled(e.mutations, s.mutations.empty() ? 0 : s.mutations.front().second);
  for (int c = 0; c < lang::kNumComponents; ++c) {
    OpWeights& ops = e.operations[c];
    const auto first = std::find_if(ops.begin(), ops.end(), [](const auto& o) { return o.second > 0; });
    enabled(ops, first == ops.end() ? 0 : first->second);
    // Components with no allowed operation cannot grow.
    if (ops.empty()) e.init_size[c] = e.min_size[c] = e.max_size[c] = 0;
  }
  // Macros whose registers do not exist in this shape are dropped (a spec travels across shapes).
  std::erase_if(e.macros, [&](const Macro& m) {
    lang::Program p;
    p[m.component] = m.code;
    try {
      p.Validate(shape);
      return false;
    } catch (const Error&) {
      return true;
    }
  });
  DropUnfitWarmStart(e, shape);
  return e;
}

CompiledStrategy CompileStrategy(const Strategy& s, const lang::Shape& shape) {
  const Strategy e = EffectiveStrategy(s, shape);
  CompiledStrategy c;
  c.space.shape = shape;
  for (const auto& [kind, w] : e.mutations) c.kinds.push_back(kind), c.policy.kind_weights.push_back(w);
  for (int k = 0; k < lang::kNumComponents; ++k)
    for (const auto& [op, w] : e.operations[k]) c.space.ops[k].push_back(op), c.policy.op_weights[k].push_back(w);
  c.space.min_size = e.min_size;
  c.space.max_size = e.max_size;
  c.init_size = e.init_size;
  c.policy.const_fresh_prob = e.const_fresh_prob;
  c.policy.const_sigma = e.const_sigma;
  c.policy.insert_at = e.insert_at;
  c.policy.macros = e.macros;
  const bool islands = e.scheme == "islands";
  c.islands = islands ? e.islands : 1;
  c.migrate_every = islands ? e.migrate_every : 0;
  if (e.warm_start) c.warm_programs = e.warm_start->programs, c.warm_count = WarmCount(e);
  c.model = e.model;
  return c;
}

}  // namespace ouro::search
