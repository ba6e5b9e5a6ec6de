#include "meta/spec.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/hash.h"
#include "lang/prune.h"
#include "lang/text.h"

namespace ouro::meta {

using search::Mutation;

namespace {

constexpr Mutation kAllMutations[] = {Mutation::kAlter,  Mutation::kRandomize, Mutation::kInsert,
                                      Mutation::kRemove, Mutation::kSwap,      Mutation::kComponent,
                                      Mutation::kMacro,  Mutation::kCrossover};
constexpr const char* kInsertNames[] = {"start", "anywhere", "end"};

int MetaIndex(std::string_view name) {
  for (int i = 0; i < kNumMetaOperators; ++i)
    if (name == kMetaOperators[i]) return i;
  return -1;
}

Json Sizes(const std::array<int, lang::kNumComponents>& s) {
  Json j = Json::object();
  for (int c = 0; c < lang::kNumComponents; ++c) j[lang::kComponentNames[c]] = s[c];
  return j;
}

// Strict readers: every field is checked, errors name the path.
struct Reader {
  [[noreturn]] static void Fail(const std::string& path, const std::string& msg) {
    throw Error("improver spec: " + path + ": " + msg);
  }
  static const Json& Get(const Json& j, const char* key, const std::string& path) {
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
  static void Keys(const Json& j, const std::string& path, std::initializer_list<const char*> known) {
    if (!j.is_object()) Fail(path, "must be an object");
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool ok = false;
      for (const char* k : known) ok = ok || it.key() == k;
      if (!ok) Fail(path + "." + it.key(), "unknown field");
    }
  }
  static std::array<int, lang::kNumComponents> Sizes(const Json& j, const std::string& path) {
    Keys(j, path, {"setup", "predict", "learn"});
    std::array<int, lang::kNumComponents> out{};
    for (int c = 0; c < lang::kNumComponents; ++c)
      out[c] = Int32(Get(j, lang::kComponentNames[c], path), path + "." + lang::kComponentNames[c]);
    return out;
  }
};

Json CountsJson(const search::CreditCounts& c) { return Json::array({c.trials, c.gains}); }
search::CreditCounts CountsFrom(const Json& j, const std::string& path) {
  if (!j.is_array() || j.size() != 2) Reader::Fail(path, "must be [trials, gains]");
  search::CreditCounts c{Reader::Num(j[0], path), Reader::Num(j[1], path)};
  if (c.trials < 0 || c.gains < 0 || c.gains > c.trials) Reader::Fail(path, "needs 0 <= gains <= trials");
  return c;
}

}  // namespace

void ImproverSpec::Validate() const {
  auto fail = [](const std::string& m) { throw Error("improver spec: " + m); };
  if (scheme != "regularized" && scheme != "islands") fail("scheme must be 'regularized' or 'islands'");
  if (population < 2) fail("population must be >= 2");
  if (tournament < 1 || tournament > population) fail("tournament must be in [1, population]");
  if (!(mutate_prob >= 0 && mutate_prob <= 1)) fail("mutate_prob must be in [0, 1]");
  if (scheme == "islands" && (islands < 2 || islands > population / tournament))
    fail("islands must be in [2, population / tournament]");
  if (islands < 2) fail("islands must be >= 2");
  if (migrate_every < 0) fail("migrate_every must be >= 0 (0: never)");
  bool any = false;
  for (const auto& [m, w] : mutations) {
    if (!(w >= 0 && std::isfinite(w))) fail("mutation weights must be finite and >= 0");
    any = any || w > 0;
  }
  if (!any) fail("no mutation operator has a weight > 0");
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (const auto& [op, w] : operations[c])
      if (!(w >= 0 && std::isfinite(w))) fail("operation weights must be finite and >= 0");
  for (double w : meta_weights)
    if (!(w >= 0 && std::isfinite(w))) fail("meta-operator weights must be finite and >= 0");
  if (!(meta_step > 0 && meta_step < 10)) fail("meta step must be in (0, 10)");
  if (max_individuals < 1) fail("max_individuals must be >= 1");
  if (max_experiments < 0) fail("max_experiments must be >= 0");
  if (initial != "random" && initial != "empty" && initial != "given") fail("initial must be random, empty or given");
  // The rest (sizes, constants, cascade, filter, macros) is checked by EvolutionConfig::Validate
  // when the spec is applied to a config.
}

ImproverSpec SpecFromConfig(const search::EvolutionConfig& e) {
  ImproverSpec s;
  s.scheme = e.islands > 1 ? "islands" : "regularized";
  s.population = e.population;
  s.tournament = e.tournament;
  s.mutate_prob = e.mutate_prob;
  if (e.islands > 1) s.islands = e.islands, s.migrate_every = e.migrate_every;
  for (size_t i = 0; i < e.mutations.size(); ++i)
    s.mutations.emplace_back(e.mutations[i], e.policy.kind_weights.empty() ? 1.0 : e.policy.kind_weights[i]);
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (size_t i = 0; i < e.space.ops[c].size(); ++i)
      s.operations[c].emplace_back(e.space.ops[c][i], e.policy.op_weights[c].empty() ? 1.0 : e.policy.op_weights[c][i]);
  s.const_fresh_prob = e.policy.const_fresh_prob;
  s.const_sigma = e.policy.const_sigma;
  s.insert_at = e.policy.insert_at;
  s.init_size = e.init_size;
  s.min_size = e.space.min_size;
  s.max_size = e.space.max_size;
  s.initial = e.initial;
  s.max_individuals = e.max_individuals;
  s.max_experiments = e.max_experiments;
  s.cascade_tasks = e.cascade_tasks;
  s.cascade_ratio = e.cascade_ratio;
  s.filter = e.filter;
  s.macros = e.policy.macros;
  return s;
}

ImproverSpec PlainSpec(const search::EvolutionConfig& base) {
  ImproverSpec s = SpecFromConfig(base);
  s.name = "plain";
  s.mutations.clear();
  for (Mutation m : kAllMutations)
    s.mutations.emplace_back(m, m == Mutation::kMacro || m == Mutation::kCrossover ? 0.0 : 1.0);
  for (int c = 0; c < lang::kNumComponents; ++c) {
    s.operations[c].clear();
    for (const auto& info : lang::kOpInfo) {
      // Matrix operations only where the shape has matrix registers.
      bool matrix = false;
      for (lang::RegType t : {info.out, info.in1, info.in2}) matrix = matrix || t == lang::RegType::kMatrix;
      if (!matrix || base.space.shape.matrices > 0) s.operations[c].emplace_back(info.op, 1.0);
    }
  }
  s.filter.reset();
  s.macros.clear();
  return s;
}

search::EvolutionConfig ApplySpec(const ImproverSpec& spec, const search::EvolutionConfig& base) {
  spec.Validate();
  search::EvolutionConfig e = base;
  e.population = spec.population;
  e.tournament = spec.tournament;
  e.mutate_prob = spec.mutate_prob;
  e.islands = spec.scheme == "islands" ? spec.islands : 1;
  e.migrate_every = spec.scheme == "islands" ? spec.migrate_every : 0;
  e.mutations.clear();
  e.policy = search::ProposalPolicy{};
  bool uniform = true;
  for (const auto& [m, w] : spec.mutations)
    if (w > 0) {
      e.mutations.push_back(m);
      e.policy.kind_weights.push_back(w);
      uniform = uniform && w == spec.mutations.front().second;
    }
  if (uniform) e.policy.kind_weights.clear();
  for (int c = 0; c < lang::kNumComponents; ++c) {
    e.space.ops[c].clear();
    for (const auto& [op, w] : spec.operations[c])
      if (w > 0) {
        e.space.ops[c].push_back(op);
        e.policy.op_weights[c].push_back(w);
      }
    const auto& w = e.policy.op_weights[c];
    if (std::all_of(w.begin(), w.end(), [&](double x) { return x == w.front(); })) e.policy.op_weights[c].clear();
  }
  e.policy.const_fresh_prob = spec.const_fresh_prob;
  e.policy.const_sigma = spec.const_sigma;
  e.policy.insert_at = spec.insert_at;
  e.policy.macros = spec.macros;
  e.init_size = spec.init_size;
  e.space.min_size = spec.min_size;
  e.space.max_size = spec.max_size;
  if (spec.initial != "given" || !base.initial_programs.empty()) e.initial = spec.initial;
  e.max_individuals = spec.max_individuals;
  e.max_experiments = spec.max_experiments;
  e.cascade_tasks = spec.cascade_tasks;
  e.cascade_ratio = spec.cascade_ratio;
  e.filter = spec.filter;
  // Components with no allowed operation cannot grow.
  for (int c = 0; c < lang::kNumComponents; ++c)
    if (e.space.ops[c].empty()) e.space.max_size[c] = e.space.min_size[c] = e.init_size[c] = 0;
  // Macros whose registers do not exist in this shape are dropped (a spec travels across shapes).
  std::erase_if(e.policy.macros, [&](const search::Macro& m) {
    lang::Program p;
    p[m.component] = m.code;
    try {
      p.Validate(e.space.shape);
      return false;
    } catch (const Error&) {
      return true;
    }
  });
  e.Validate();
  return e;
}

Json ToJson(const ImproverSpec& s) {
  Json j;
  j["name"] = s.name;
  j["selection"] = {{"scheme", s.scheme},   {"population", s.population},  {"tournament", s.tournament},
                    {"mutate_prob", s.mutate_prob}, {"islands", s.islands}, {"migrate_every", s.migrate_every}};
  Json muts = Json::object();
  for (const auto& [m, w] : s.mutations) muts[std::string(search::MutationName(m))] = w;
  j["mutations"] = muts;
  Json ops = Json::object();
  for (int c = 0; c < lang::kNumComponents; ++c) {
    Json o = Json::object();
    for (const auto& [op, w] : s.operations[c]) o[std::string(lang::Info(op).id)] = w;
    ops[lang::kComponentNames[c]] = o;
  }
  j["operations"] = ops;
  j["constants"] = {{"fresh_prob", s.const_fresh_prob}, {"sigma", s.const_sigma}};
  j["insert_at"] = {{"start", s.insert_at[0]}, {"anywhere", s.insert_at[1]}, {"end", s.insert_at[2]}};
  j["sizes"] = {{"init", Sizes(s.init_size)}, {"min", Sizes(s.min_size)}, {"max", Sizes(s.max_size)}};
  j["initial"] = s.initial;
  j["restart"] = {{"max_individuals", s.max_individuals}, {"max_experiments", s.max_experiments}};
  j["cascade"] = {{"tasks", s.cascade_tasks}, {"ratio", s.cascade_ratio}};
  if (s.filter)
    j["filter"] = {{"program", lang::Print(s.filter->program)},
                   {"threshold", s.filter->threshold},
                   {"warmup", s.filter->warmup},
                   {"explore", s.filter->explore}};
  else
    j["filter"] = nullptr;
  Json macros = Json::array();
  for (const auto& m : s.macros) {
    lang::Program p;
    p[m.component] = m.code;
    macros.push_back({{"component", lang::kComponentNames[static_cast<int>(m.component)]}, {"code", lang::Print(p)}});
  }
  j["macros"] = macros;
  Json learned;
  learned["credit_runs"] = s.credit_runs;
  Json kinds = Json::object();
  for (Mutation m : kAllMutations)
    if (s.credit.kind[static_cast<int>(m)].trials > 0)
      kinds[std::string(search::MutationName(m))] = CountsJson(s.credit.kind[static_cast<int>(m)]);
  learned["kinds"] = kinds;
  Json lops = Json::object();
  for (int c = 0; c < lang::kNumComponents; ++c) {
    Json o = Json::object();
    for (const auto& info : lang::kOpInfo)
      if (s.credit.op[c][static_cast<int>(info.op)].trials > 0)
        o[std::string(info.id)] = CountsJson(s.credit.op[c][static_cast<int>(info.op)]);
    lops[lang::kComponentNames[c]] = o;
  }
  learned["operations"] = lops;
  Json pos = Json::array();
  for (const auto& c : s.credit.position) pos.push_back(CountsJson(c));
  learned["positions"] = pos;
  j["learned"] = learned;
  Json mw = Json::object();
  for (int i = 0; i < kNumMetaOperators; ++i) mw[kMetaOperators[i]] = s.meta_weights[i];
  j["meta"] = {{"weights", mw}, {"step", s.meta_step}};
  return j;
}

ImproverSpec SpecFromJson(const Json& j) {
  using R = Reader;
  R::Keys(j, "spec", {"name", "selection", "mutations", "operations", "constants", "insert_at", "sizes", "initial",
                      "restart", "cascade", "filter", "macros", "learned", "meta"});
  ImproverSpec s;
  s.name = R::Str(R::Get(j, "name", "spec"), "name");
  const Json& sel = R::Get(j, "selection", "spec");
  R::Keys(sel, "selection", {"scheme", "population", "tournament", "mutate_prob", "islands", "migrate_every"});
  s.scheme = R::Str(R::Get(sel, "scheme", "selection"), "selection.scheme");
  s.population = R::Int32(R::Get(sel, "population", "selection"), "selection.population");
  s.tournament = R::Int32(R::Get(sel, "tournament", "selection"), "selection.tournament");
  s.mutate_prob = R::Num(R::Get(sel, "mutate_prob", "selection"), "selection.mutate_prob");
  s.islands = R::Int32(R::Get(sel, "islands", "selection"), "selection.islands");
  s.migrate_every = R::Int(R::Get(sel, "migrate_every", "selection"), "selection.migrate_every");
  const Json& muts = R::Get(j, "mutations", "spec");
  if (!muts.is_object()) R::Fail("mutations", "must be an object");
  std::set<Mutation> seen;
  for (auto it = muts.begin(); it != muts.end(); ++it) {
    Mutation m;
    try {
      m = search::MutationFromName(it.key());
    } catch (const Error& e) {
      R::Fail("mutations." + it.key(), e.what());
    }
    if (!seen.insert(m).second) R::Fail("mutations." + it.key(), "listed twice");
    const double w = R::Num(it.value(), "mutations." + it.key());
    if (w < 0) R::Fail("mutations." + it.key(), "must be >= 0");
    s.mutations.emplace_back(m, w);
  }
  const Json& ops = R::Get(j, "operations", "spec");
  R::Keys(ops, "operations", {"setup", "predict", "learn"});
  for (int c = 0; c < lang::kNumComponents; ++c) {
    const std::string path = std::string("operations.") + lang::kComponentNames[c];
    const Json& o = R::Get(ops, lang::kComponentNames[c], "operations");
    if (!o.is_object()) R::Fail(path, "must be an object");
    for (auto it = o.begin(); it != o.end(); ++it) {
      auto op = lang::OpFromId(it.key());
      if (!op) R::Fail(path + "." + it.key(), "unknown operation");
      const double w = R::Num(it.value(), path + "." + it.key());
      if (w < 0) R::Fail(path + "." + it.key(), "must be >= 0");
      s.operations[c].emplace_back(*op, w);
    }
  }
  const Json& k = R::Get(j, "constants", "spec");
  R::Keys(k, "constants", {"fresh_prob", "sigma"});
  s.const_fresh_prob = R::Num(R::Get(k, "fresh_prob", "constants"), "constants.fresh_prob");
  s.const_sigma = R::Num(R::Get(k, "sigma", "constants"), "constants.sigma");
  const Json& ia = R::Get(j, "insert_at", "spec");
  R::Keys(ia, "insert_at", {"start", "anywhere", "end"});
  for (int i = 0; i < 3; ++i)
    s.insert_at[i] = R::Num(R::Get(ia, kInsertNames[i], "insert_at"), std::string("insert_at.") + kInsertNames[i]);
  const Json& sz = R::Get(j, "sizes", "spec");
  R::Keys(sz, "sizes", {"init", "min", "max"});
  s.init_size = R::Sizes(R::Get(sz, "init", "sizes"), "sizes.init");
  s.min_size = R::Sizes(R::Get(sz, "min", "sizes"), "sizes.min");
  s.max_size = R::Sizes(R::Get(sz, "max", "sizes"), "sizes.max");
  s.initial = R::Str(R::Get(j, "initial", "spec"), "initial");
  const Json& rs = R::Get(j, "restart", "spec");
  R::Keys(rs, "restart", {"max_individuals", "max_experiments"});
  s.max_individuals = R::Int(R::Get(rs, "max_individuals", "restart"), "restart.max_individuals");
  s.max_experiments = R::Int32(R::Get(rs, "max_experiments", "restart"), "restart.max_experiments");
  const Json& cs = R::Get(j, "cascade", "spec");
  R::Keys(cs, "cascade", {"tasks", "ratio"});
  s.cascade_tasks = R::Int32(R::Get(cs, "tasks", "cascade"), "cascade.tasks");
  s.cascade_ratio = R::Num(R::Get(cs, "ratio", "cascade"), "cascade.ratio");
  const Json& f = R::Get(j, "filter", "spec");
  if (!f.is_null()) {
    R::Keys(f, "filter", {"program", "threshold", "warmup", "explore"});
    search::FilterConfig fc;
    try {
      fc.program = lang::Parse(R::Str(R::Get(f, "program", "filter"), "filter.program"), search::kFilterShape);
    } catch (const Error& e) {
      R::Fail("filter.program", e.what());
    }
    fc.threshold = R::Num(R::Get(f, "threshold", "filter"), "filter.threshold");
    fc.warmup = R::Int32(R::Get(f, "warmup", "filter"), "filter.warmup");
    fc.explore = R::Num(R::Get(f, "explore", "filter"), "filter.explore");
    s.filter = fc;
  }
  const Json& ms = R::Get(j, "macros", "spec");
  if (!ms.is_array()) R::Fail("macros", "must be an array");
  for (size_t i = 0; i < ms.size(); ++i) {
    const std::string path = "macros[" + std::to_string(i) + "]";
    R::Keys(ms[i], path, {"component", "code"});
    const std::string comp = R::Str(R::Get(ms[i], "component", path), path + ".component");
    int c = -1;
    for (int k2 = 0; k2 < lang::kNumComponents; ++k2)
      if (comp == lang::kComponentNames[k2]) c = k2;
    if (c < 0) R::Fail(path + ".component", "must be setup, predict or learn");
    lang::Program p;
    try {
      p = lang::Parse(R::Str(R::Get(ms[i], "code", path), path + ".code"));
    } catch (const Error& e) {
      R::Fail(path + ".code", e.what());
    }
    if (p.fn[c].empty() || p.Size() != p.fn[c].size()) R::Fail(path + ".code", "must hold instructions of its component only");
    s.macros.push_back({static_cast<lang::Component>(c), p.fn[c]});
  }
  const Json& l = R::Get(j, "learned", "spec");
  R::Keys(l, "learned", {"credit_runs", "kinds", "operations", "positions"});
  s.credit_runs = R::Int(R::Get(l, "credit_runs", "learned"), "learned.credit_runs");
  const Json& lk = R::Get(l, "kinds", "learned");
  if (!lk.is_object()) R::Fail("learned.kinds", "must be an object");
  for (auto it = lk.begin(); it != lk.end(); ++it) {
    Mutation m;
    try {
      m = search::MutationFromName(it.key());
    } catch (const Error& e) {
      R::Fail("learned.kinds." + it.key(), e.what());
    }
    s.credit.kind[static_cast<int>(m)] = CountsFrom(it.value(), "learned.kinds." + it.key());
  }
  const Json& lo = R::Get(l, "operations", "learned");
  R::Keys(lo, "learned.operations", {"setup", "predict", "learn"});
  for (auto it = lo.begin(); it != lo.end(); ++it) {
    int c = 0;
    while (it.key() != lang::kComponentNames[c]) ++c;
    if (!it.value().is_object()) R::Fail("learned.operations." + it.key(), "must be an object");
    for (auto o = it.value().begin(); o != it.value().end(); ++o) {
      auto op = lang::OpFromId(o.key());
      if (!op) R::Fail("learned.operations." + it.key() + "." + o.key(), "unknown operation");
      s.credit.op[c][static_cast<int>(*op)] = CountsFrom(o.value(), "learned.operations." + it.key() + "." + o.key());
    }
  }
  const Json& lp = R::Get(l, "positions", "learned");
  if (!lp.is_array() || lp.size() != 4) R::Fail("learned.positions", "must be 4 [trials, gains] pairs");
  for (int i = 0; i < 4; ++i) s.credit.position[i] = CountsFrom(lp[i], "learned.positions");
  const Json& meta = R::Get(j, "meta", "spec");
  R::Keys(meta, "meta", {"weights", "step"});
  const Json& mw = R::Get(meta, "weights", "meta");
  if (!mw.is_object()) R::Fail("meta.weights", "must be an object");
  for (auto it = mw.begin(); it != mw.end(); ++it) {
    if (it.key() == "perturb_meta") continue;  // removed operator; stores before it was removed list it
    const int i = MetaIndex(it.key());
    if (i < 0) R::Fail("meta.weights." + it.key(), "unknown meta-operator");
    s.meta_weights[i] = R::Num(it.value(), "meta.weights." + it.key());
    if (s.meta_weights[i] < 0) R::Fail("meta.weights." + it.key(), "must be >= 0");
  }
  s.meta_step = R::Num(R::Get(meta, "step", "meta"), "meta.step");
  s.Validate();
  return s;
}

ImproverSpec LoadSpec(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": not a regular file (an improver spec must be a JSON file)");
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read improver spec");
  std::stringstream ss;
  ss << in.rdbuf();
  Json j;
  try {
    j = Json::parse(ss.str());
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number like 1e309
    throw Error(path + ": not valid JSON: " + e.what());
  }
  try {
    return SpecFromJson(j);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  } catch (const Json::exception& e) {
    throw Error(path + ": malformed improver spec: " + e.what());
  }
}

std::string SpecHash(const ImproverSpec& spec) { return HexId(Hash64(ToJson(spec).dump())); }

std::string DiffText(const ImproverSpec& from, const ImproverSpec& to) {
  Json a = ToJson(from), b = ToJson(to);
  // Learned credit changes every generation; summarise it instead of listing every counter.
  auto total = [](const ImproverSpec& s) {
    double t = 0;
    for (const auto& c : s.credit.kind) t += c.trials;
    return t;
  };
  a.erase("learned");
  b.erase("learned");
  std::ostringstream out;
  const Json patch = nlohmann::json::diff(nlohmann::json::parse(a.dump()), nlohmann::json::parse(b.dump()));
  for (const auto& p : patch) {
    const std::string path = p["path"].get<std::string>();
    const std::string op = p["op"].get<std::string>();
    const nlohmann::json ptr_a = nlohmann::json::parse(a.dump());
    const nlohmann::json::json_pointer ptr(path);
    std::string old_v = ptr_a.contains(ptr) ? ptr_a.at(ptr).dump() : "(none)";
    std::string new_v = op == "remove" ? "(none)" : p["value"].dump();
    if (old_v.size() > 200) old_v = old_v.substr(0, 197) + "...";
    if (new_v.size() > 200) new_v = new_v.substr(0, 197) + "...";
    out << path << ": " << old_v << " -> " << new_v << "\n";
  }
  if (total(from) != total(to))
    out << "/learned: credit from " << from.credit_runs << " runs (" << total(from) << " edits) -> "
        << to.credit_runs << " runs (" << total(to) << " edits)\n";
  return out.str();
}

// ---- meta-operators ------------------------------------------------------------------------

void ApplyCredit(ImproverSpec& spec, double strength, double prior, double floor) {
  auto reweight = [&](auto& weights, auto&& counts_of) {
    double t = 0, g = 0;
    for (const auto& [key, w] : weights) {
      const search::CreditCounts& c = counts_of(key);
      t += c.trials;
      g += c.gains;
    }
    if (t <= 0 || g <= 0) return;
    const double mean = g / t;
    double top = 0;
    std::vector<double> nw;
    for (const auto& [key, w] : weights) {
      const search::CreditCounts& c = counts_of(key);
      const double rate = (c.gains + prior * mean) / (c.trials + prior);
      nw.push_back(std::pow(rate / mean, strength));
      if (w > 0) top = std::max(top, nw.back());  // switched-off entries stay off and do not scale
    }
    if (top <= 0) return;
    for (size_t i = 0; i < weights.size(); ++i)
      if (weights[i].second > 0) weights[i].second = std::max(floor, nw[i] / top);
  };
  for (int c = 0; c < lang::kNumComponents; ++c)
    reweight(spec.operations[c], [&](lang::Op op) -> const search::CreditCounts& {
      return spec.credit.op[c][static_cast<int>(op)];
    });
  reweight(spec.mutations, [&](Mutation m) -> const search::CreditCounts& {
    return spec.credit.kind[static_cast<int>(m)];
  });
}

std::vector<search::Macro> MineMacros(const std::vector<lang::Program>& programs, const lang::Shape& shape,
                                      int max_macros, int min_count) {
  // Count each distinct sequence once per program. Sequences are told apart by operations and
  // registers only: constants and element indices are tuned per program, so keyed with them no
  // sequence recurs across independently evolved programs (measured: none among 16 best programs
  // of 3,000-evaluation searches, 13 recurring without). The first program's instance is kept,
  // constants included.
  auto key_of = [](lang::Instruction in) {
    in.c1 = in.c2 = 0;
    in.row = in.col = 0;
    return lang::PrintInstruction(in) + "\n";
  };
  std::map<std::pair<int, std::string>, std::pair<int, search::Macro>> counts;
  for (const lang::Program& prog : programs) {
    const lang::Program live = lang::LiveProgram(prog);
    std::set<std::pair<int, std::string>> here;
    for (int c = 0; c < lang::kNumComponents; ++c) {
      const auto& fn = live.fn[c];
      for (size_t len = 2; len <= 3; ++len)
        for (size_t i = 0; i + len <= fn.size(); ++i) {
          std::string key;
          for (size_t k = 0; k < len; ++k) key += key_of(fn[i + k]);
          if (!here.insert({c, key}).second) continue;
          auto& entry = counts[{c, key}];
          if (entry.first == 0)
            entry.second = {static_cast<lang::Component>(c), std::vector<lang::Instruction>(fn.begin() + i, fn.begin() + i + len)};
          ++entry.first;
        }
    }
  }
  std::vector<std::pair<int, search::Macro>> ranked;
  for (auto& [key, entry] : counts) {
    if (entry.first < min_count) continue;
    lang::Program p;
    p[entry.second.component] = entry.second.code;
    try {
      p.Validate(shape);
    } catch (const Error&) {
      continue;
    }
    ranked.push_back(entry);
  }
  // Most frequent first, longer first on ties; the map order makes the rest deterministic.
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second.code.size() > b.second.code.size();
  });
  std::vector<search::Macro> out;
  for (const auto& [n, m] : ranked) {
    if (static_cast<int>(out.size()) >= max_macros) break;
    out.push_back(m);
  }
  return out;
}

namespace {

double& MutationWeight(ImproverSpec& s, Mutation m) {
  for (auto& [k, w] : s.mutations)
    if (k == m) return w;
  s.mutations.emplace_back(m, 0.0);
  return s.mutations.back().second;
}

double MeanPositive(const std::vector<double>& v) {
  double sum = 0;
  int n = 0;
  for (double x : v)
    if (x > 0) sum += x, ++n;
  return n ? sum / n : 1.0;
}

// Applies meta-operator i; false if it cannot apply (then another is drawn).
bool ApplyMeta(int i, ImproverSpec& s, Rng& rng, const ProposalContext& ctx) {
  const double step = s.meta_step;
  auto scale = [&] { return std::exp(rng.Gaussian(0.0, step)); };
  switch (i) {
    case 0: {  // credit_weights
      double trials = 0;
      for (const auto& c : s.credit.kind) trials += c.trials;
      if (trials < 100) return false;
      constexpr double kStrengths[] = {0.5, 1.0, 2.0, 4.0};
      ApplyCredit(s, kStrengths[rng.Below(4)]);
      return true;
    }
    case 1: {  // perturb_kinds
      std::vector<double> w;
      for (const auto& [m, x] : s.mutations) w.push_back(x);
      auto& [m, x] = s.mutations[rng.Below(static_cast<uint32_t>(s.mutations.size()))];
      if (m == Mutation::kMacro && s.macros.empty()) return false;
      x = x > 0 ? x * scale() : MeanPositive(w) * 0.5;
      return true;
    }
    case 2: {  // perturb_ops
      const int c = static_cast<int>(rng.Below(lang::kNumComponents));
      auto& ops = s.operations[c];
      if (ops.empty()) return false;
      std::vector<double> w;
      for (const auto& [op, x] : ops) w.push_back(x);
      const double mean = MeanPositive(w);
      const int n = 1 + static_cast<int>(rng.Below(4));
      for (int k = 0; k < n; ++k) {
        double& x = ops[rng.Below(static_cast<uint32_t>(ops.size()))].second;
        const double u = rng.Uniform();
        if (x > 0 && u < 0.2) x = 0;          // switch off
        else if (x == 0) x = mean * 0.5;      // back on
        else x *= scale();
      }
      bool any = false;
      for (const auto& [op, x] : ops) any = any || x > 0;
      return any;
    }
    case 3: {  // perturb_params
      switch (rng.Below(7)) {
        case 0: s.population = std::clamp(static_cast<int>(std::lround(s.population * scale())), std::max(2 * s.tournament, 8), 5000); break;
        case 1:
          s.tournament = std::clamp(static_cast<int>(std::lround(s.tournament * scale())), 1,
                                    s.scheme == "islands" ? s.population / s.islands : s.population);
          break;
        case 2: s.mutate_prob = std::clamp(s.mutate_prob + rng.Gaussian(0.0, 0.1), 0.05, 1.0); break;
        case 3: s.const_sigma = std::clamp(s.const_sigma * scale(), 1e-3, 2.0); break;
        case 4: s.const_fresh_prob = std::clamp(s.const_fresh_prob + rng.Gaussian(0.0, 0.1), 0.0, 1.0); break;
        case 5:
          s.cascade_tasks = s.cascade_tasks > 0 && rng.Bernoulli(0.3) ? 0 : 1 + static_cast<int>(rng.Below(3));
          s.cascade_ratio = std::clamp(s.cascade_ratio + rng.Gaussian(0.0, 0.05), 0.5, 1.0);
          break;
        default: {
          auto& w = s.insert_at[rng.Below(3)];
          w = w > 0 ? w * scale() : 0.5;
          if (s.insert_at[0] + s.insert_at[1] + s.insert_at[2] <= 0) s.insert_at[1] = 1;
          break;
        }
      }
      return true;
    }
    case 4:  // toggle_scheme
      if (s.scheme == "regularized") {
        s.scheme = "islands";
        s.islands = std::clamp(s.islands, 2, std::max(2, s.population / std::max(1, s.tournament)));
        if (s.population / s.islands < s.tournament) return false;
      } else {
        s.scheme = "regularized";
      }
      return true;
    case 5: {  // mine_macros
      auto macros = MineMacros(ctx.good_programs, ctx.shape);
      if (macros.empty() || macros == s.macros) return false;
      s.macros = std::move(macros);
      double& w = MutationWeight(s, Mutation::kMacro);
      if (w == 0) {
        std::vector<double> all;
        for (const auto& [m, x] : s.mutations) all.push_back(x);
        w = MeanPositive(all);
      }
      return true;
    }
    case 6:  // discover_filter
      if (!ctx.discovered_filter) return false;
      if (!s.filter) s.filter = search::FilterConfig{};
      if (s.filter->program == *ctx.discovered_filter) return false;
      s.filter->program = *ctx.discovered_filter;
      return true;
  }
  return false;
}

}  // namespace

ImproverSpec ProposeCandidate(const ImproverSpec& spec, Rng& rng, const ProposalContext& ctx, std::string* op_name) {
  std::vector<double> w(spec.meta_weights.begin(), spec.meta_weights.end());
  for (int i = 0; i < kNumMetaOperators; ++i)
    if (ctx.disabled[i]) w[i] = 0;
  if (std::all_of(w.begin(), w.end(), [](double x) { return x <= 0; })) throw Error("improver spec: every meta-operator has weight 0");
  for (int attempt = 0; attempt < 64; ++attempt) {
    if (std::all_of(w.begin(), w.end(), [](double x) { return x <= 0; })) break;
    const int i = static_cast<int>(search::WeightedIndex(rng, w, w.size()));
    ImproverSpec cand = spec;
    if (!ApplyMeta(i, cand, rng, ctx)) {
      w[i] = 0;  // cannot apply to this spec in this context: draw among the others
      continue;
    }
    {
      try {
        cand.Validate();
      } catch (const Error&) {
        continue;
      }
      if (SpecHash(cand) == SpecHash(spec)) continue;
      if (op_name) *op_name = kMetaOperators[i];
      return cand;
    }
  }
  throw Error("improver spec: no meta-operator could change the spec");
}

}  // namespace ouro::meta
