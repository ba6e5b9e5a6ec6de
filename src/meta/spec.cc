#include "core/file.h"
#include "meta/spec.h"

#include <algorithm>
#include <cmath>
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

[[noreturn]] void Fail(const std::string& path, const std::string& msg) {
  throw Error("improver spec: " + path + ": " + msg);
}
const Json& Get(const Json& j, const char* key, const std::string& path) {
  if (!j.is_object()) Fail(path, "must be an object");
  auto it = j.find(key);
  if (it == j.end()) Fail(path + "." + key, "missing");
  return *it;
}
double Num(const Json& j, const std::string& path) {
  if (!j.is_number()) Fail(path, "must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) Fail(path, "must be finite");
  return v;
}
int64_t Int64(const Json& j, const std::string& path) {
  if (!j.is_number_integer()) Fail(path, "must be an integer");
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    Fail(path, "is out of range");
  return j.get<int64_t>();
}
void Keys(const Json& j, const std::string& path, std::initializer_list<const char*> known) {
  if (!j.is_object()) Fail(path, "must be an object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; }))
      Fail(path + "." + it.key(), "unknown field");
}

Json CountsJson(const search::CreditCounts& c) { return Json::array({c.trials, c.gains}); }
search::CreditCounts CountsFrom(const Json& j, const std::string& path) {
  if (!j.is_array() || j.size() != 2) Fail(path, "must be [trials, gains]");
  search::CreditCounts c{Num(j[0], path), Num(j[1], path)};
  if (c.trials < 0 || c.gains < 0 || c.gains > c.trials) Fail(path, "needs 0 <= gains <= trials");
  return c;
}

}  // namespace

int MetaIndex(std::string_view name) {
  for (int i = 0; i < kNumMetaOperators; ++i)
    if (name == kMetaOperators[i]) return i;
  return -1;
}

void ImproverSpec::Validate() const {
  try {
    Strategy::Validate();
  } catch (const Error& e) {
    const std::string msg = e.what();
    throw Error("improver spec: " + msg.substr(msg.find(": ") + 2));
  }
  for (double w : meta_weights)
    if (!(w >= 0 && std::isfinite(w))) throw Error("improver spec: meta-operator weights must be finite and >= 0");
  if (!(meta_step > 0 && meta_step < 10)) throw Error("improver spec: meta step must be in (0, 10)");
}

ImproverSpec SpecFromConfig(const search::EvolutionConfig& e) {
  ImproverSpec s;
  static_cast<search::Strategy&>(s) = search::EffectiveStrategy(e, e.shape);
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
      if (!matrix || base.shape.matrices > 0) s.operations[c].emplace_back(info.op, 1.0);
    }
  }
  s.filter.reset();
  s.macros.clear();
  return s;
}

search::EvolutionConfig ApplySpec(const ImproverSpec& spec, const search::EvolutionConfig& base) {
  spec.Validate();
  search::EvolutionConfig e = base;
  static_cast<search::Strategy&>(e) = spec;
  // A spec's "given" needs programs only a config can give: without them the base's choice stays.
  if (spec.initial == "given" && base.initial_programs.empty()) e.initial = base.initial;
  e.Compile();
  e.Validate();
  return e;
}

Json ToJson(const ImproverSpec& s) {
  Json j;
  j["name"] = s.name;
  search::StrategyToJson(s, j);
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
  if (s.learner_runs > 0) {  // absent until a learner was seen: older specs keep their form
    Json lo = Json::object();
    for (int c = 0; c < lang::kNumComponents; ++c) {
      Json o = Json::object();
      for (const auto& info : lang::kOpInfo)
        if (const double n = s.learner_ops[c][static_cast<int>(info.op)]; n > 0) o[std::string(info.id)] = n;
      lo[lang::kComponentNames[c]] = o;
    }
    learned["learners"] = {{"runs", s.learner_runs}, {"operations", lo}};
  }
  j["learned"] = learned;
  Json mw = Json::object();
  // The compound operators' weights only when they differ from their defaults, so that a spec of
  // an earlier era (which never changes them) keeps its canonical JSON and hash.
  for (int i = 0; i < kNumMetaOperators; ++i)
    if (i < kNumLegacyMetaOperators || s.meta_weights[i] != kDefaultMetaWeights[i])
      mw[kMetaOperators[i]] = s.meta_weights[i];
  j["meta"] = {{"weights", mw}, {"step", s.meta_step}};
  return j;
}

namespace {

// learned.learners: { runs, operations: { component: { op: count } } }.
void ReadLearners(const Json& j, ImproverSpec& s) {
  Keys(j, "learned.learners", {"runs", "operations"});
  s.learner_runs = Int64(Get(j, "runs", "learned.learners"), "learned.learners.runs");
  if (s.learner_runs < 0) Fail("learned.learners.runs", "must be >= 0");
  const Json& lo = Get(j, "operations", "learned.learners");
  Keys(lo, "learned.learners.operations", {"setup", "predict", "learn"});
  for (auto it = lo.begin(); it != lo.end(); ++it) {
    int c = 0;
    while (it.key() != lang::kComponentNames[c]) ++c;
    const std::string path = "learned.learners.operations." + it.key();
    if (!it.value().is_object()) Fail(path, "must be an object");
    for (auto o = it.value().begin(); o != it.value().end(); ++o) {
      auto op = lang::OpFromId(o.key());
      if (!op) Fail(path + "." + o.key(), "unknown operation");
      const double n = Num(o.value(), path + "." + o.key());
      if (n < 0) Fail(path + "." + o.key(), "must be >= 0");
      s.learner_ops[c][static_cast<int>(*op)] = n;
    }
  }
}

// The learned part: credit per operator, operation and position.
void ReadLearned(const Json& l, ImproverSpec& s) {
  Keys(l, "learned", {"credit_runs", "kinds", "operations", "positions", "learners"});
  s.credit_runs = Int64(Get(l, "credit_runs", "learned"), "learned.credit_runs");
  const Json& lk = Get(l, "kinds", "learned");
  if (!lk.is_object()) Fail("learned.kinds", "must be an object");
  for (auto it = lk.begin(); it != lk.end(); ++it) {
    Mutation m;
    try {
      m = search::MutationFromName(it.key());
    } catch (const Error& e) {
      Fail("learned.kinds." + it.key(), e.what());
    }
    s.credit.kind[static_cast<int>(m)] = CountsFrom(it.value(), "learned.kinds." + it.key());
  }
  const Json& lo = Get(l, "operations", "learned");
  Keys(lo, "learned.operations", {"setup", "predict", "learn"});
  for (auto it = lo.begin(); it != lo.end(); ++it) {
    int c = 0;
    while (it.key() != lang::kComponentNames[c]) ++c;
    if (!it.value().is_object()) Fail("learned.operations." + it.key(), "must be an object");
    for (auto o = it.value().begin(); o != it.value().end(); ++o) {
      auto op = lang::OpFromId(o.key());
      if (!op) Fail("learned.operations." + it.key() + "." + o.key(), "unknown operation");
      s.credit.op[c][static_cast<int>(*op)] = CountsFrom(o.value(), "learned.operations." + it.key() + "." + o.key());
    }
  }
  const Json& lp = Get(l, "positions", "learned");
  if (!lp.is_array() || lp.size() != 4) Fail("learned.positions", "must be 4 [trials, gains] pairs");
  for (int i = 0; i < 4; ++i) s.credit.position[i] = CountsFrom(lp[i], "learned.positions");
  if (l.contains("learners")) ReadLearners(l["learners"], s);
}

}  // namespace

ImproverSpec SpecFromJson(const Json& j) {
  ImproverSpec s;
  search::StrategyFromJson(j, s, {"name", "learned", "meta"});
  if (!Get(j, "name", "spec").is_string()) Fail("name", "must be a string");
  s.name = j["name"].get<std::string>();
  ReadLearned(Get(j, "learned", "spec"), s);
  const Json& meta = Get(j, "meta", "spec");
  Keys(meta, "meta", {"weights", "step"});
  const Json& mw = Get(meta, "weights", "meta");
  if (!mw.is_object()) Fail("meta.weights", "must be an object");
  for (auto it = mw.begin(); it != mw.end(); ++it) {
    if (it.key() == "perturb_meta") continue;  // removed operator; stores before it was removed list it
    const int i = MetaIndex(it.key());
    if (i < 0) Fail("meta.weights." + it.key(), "unknown meta-operator");
    s.meta_weights[i] = Num(it.value(), "meta.weights." + it.key());
    if (s.meta_weights[i] < 0) Fail("meta.weights." + it.key(), "must be >= 0");
  }
  s.meta_step = Num(Get(meta, "step", "meta"), "meta.step");
  s.Validate();
  return s;
}
ImproverSpec LoadSpec(const std::string& path) {
  const std::string text = ReadTextFile(path, "improver spec (a JSON file)");
  Json j;
  try {
    j = Json::parse(text);
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

}  // namespace ouro::meta
