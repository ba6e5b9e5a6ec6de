// run/arena.cc — see arena.h.
#include "core/file.h"
#include "run/arena.h"

#include <toml++/toml.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/hash.h"
#include "core/toml_reader.h"
#include "lang/ops.h"

namespace ouro::run {
namespace {

void ReadArenaTable(const TomlReader& r, const toml::table& t, Arena& a) {
  const std::string sec = "[arena]";
  r.CheckKeys(
      t, sec,
      {"name", "seeds", "cap_seconds", "select_target", "final_target", "op_floor", "threads"});
  for (const char* key : {"name", "seeds", "cap_seconds", "select_target", "final_target"})
    if (!t.contains(key)) r.Fail(&t, sec, std::string("missing key '") + key + "'");
  r.String(t, sec, "name", a.name);
  if (a.name.empty() ||
      a.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
    r.Fail(t.get("name"), sec + ".name", "expected lower-case letters, digits, '_' or '-'");
  const toml::array* seeds = t.get("seeds")->as_array();
  if (!seeds || seeds->empty())
    r.Fail(t.get("seeds"), sec + ".seeds", "expected a non-empty array of seeds");
  std::set<uint64_t> seen;
  for (const auto& s : *seeds) {
    if (!s.is_integer() || *s.value<int64_t>() < 0)
      r.Fail(&s, sec + ".seeds", "expected non-negative integers");
    const uint64_t seed = static_cast<uint64_t>(*s.value<int64_t>());
    if (!seen.insert(seed).second)
      r.Fail(&s, sec + ".seeds", "seed " + std::to_string(seed) + " is repeated");
    a.seeds.push_back(seed);
  }
  r.Double(t, sec, "cap_seconds", a.cap_seconds, 1e-3, 1e7);
  r.Double(t, sec, "select_target", a.select_target, 1e-9, 2);
  r.Double(t, sec, "final_target", a.final_target, 0, 2);
  r.Double(t, sec, "op_floor", a.op_floor, 0, 1);
  r.Int(t, sec, "threads", a.threads, 1, 256);
}

}  // namespace

Arena ParseArena(std::string_view text, const std::string& source) {
  TomlReader r(source);
  toml::table root = ParseTomlText(text, source);
  Arena a;
  const toml::table* t = r.Table(root, "arena", "");
  if (!t)
    throw Error(
        source +
        ": not an arena: no [arena] table (name, seeds, cap_seconds, select_target, final_target)");
  ReadArenaTable(r, *t, a);
  a.config = search::ParseRunConfig(text, source, {"arena"});
  a.hash = HexId(Hash64(text));
  ArenaEvolution(a,
                 meta::SpecFromConfig(a.config.evolution));  // the config's own strategy must fit
  return a;
}

Arena LoadArena(const std::string& path) {
  return ParseArena(ReadTextFile(path, "arena file"), path);
}

void OverrideCap(Arena& arena, double cap_seconds) {
  if (!(cap_seconds > 0 && cap_seconds <= 1e7))
    throw Error("arena cap must be in (0, 1e7] seconds");
  arena.cap_seconds = cap_seconds;
  arena.hash =
      HexId(HashCombine(std::stoull(arena.hash, nullptr, 16), Hash64(std::to_string(cap_seconds))));
}

void FloorOperations(search::Strategy& strategy, double floor) {
  for (search::OpWeights& ops : strategy.operations) {
    double top = 0;
    for (const auto& [op, w] : ops) top = std::max(top, w);
    const double least = floor * (top > 0 ? top : 1);
    for (const lang::OpInfo& info : lang::kOpInfo) {
      auto it =
          std::find_if(ops.begin(), ops.end(), [&](const auto& e) { return e.first == info.op; });
      if (it == ops.end())
        ops.emplace_back(info.op, least);
      else
        it->second = std::max(it->second, least);
    }
  }
}

search::EvolutionConfig ArenaEvolution(const Arena& arena, const meta::ImproverSpec& spec) {
  meta::ImproverSpec s = spec;
  if (arena.op_floor > 0) FloorOperations(s, arena.op_floor);
  search::EvolutionConfig e = meta::ApplySpec(s, arena.config.evolution);
  e.sufficient_fitness = arena.select_target;
  e.held_out_target = arena.final_target;
  e.Validate();
  return e;
}

}  // namespace ouro::run
