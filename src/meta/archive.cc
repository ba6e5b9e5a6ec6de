#include "meta/archive.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "lang/prune.h"
#include "lang/text.h"

namespace ouro::meta {

void ProgramArchive::Offer(const lang::Program& program, double held_fitness, int generation) {
  if (!std::isfinite(held_fitness)) return;
  const uint64_t live = lang::LiveProgram(program).Hash();
  const int64_t order = offers_++;
  auto same = std::find_if(entries_.begin(), entries_.end(), [&](const ArchiveEntry& e) { return e.live_hash == live; });
  if (same != entries_.end()) {
    if (held_fitness <= same->held_fitness) return;
    same->held_fitness = held_fitness;  // keeps its program, generation and first offer
  } else {
    entries_.push_back({program, held_fitness, generation, order, live});
  }
  std::stable_sort(entries_.begin(), entries_.end(), [](const ArchiveEntry& a, const ArchiveEntry& b) {
    return a.held_fitness != b.held_fitness ? a.held_fitness > b.held_fitness : a.order < b.order;
  });
  if (static_cast<int>(entries_.size()) > capacity_) entries_.resize(static_cast<size_t>(capacity_));
}

std::vector<lang::Program> ProgramArchive::Programs() const {
  std::vector<lang::Program> out;
  for (const ArchiveEntry& e : entries_) out.push_back(e.program);
  return out;
}

nlohmann::json ProgramArchive::ToJson() const {
  nlohmann::json entries = nlohmann::json::array();
  for (const ArchiveEntry& e : entries_)
    entries.push_back({{"program", lang::Print(e.program)},
                       {"held_fitness", e.held_fitness},
                       {"generation", e.generation},
                       {"order", e.order}});
  return {{"capacity", capacity_}, {"offers", offers_}, {"entries", entries}};
}

ProgramArchive ProgramArchive::FromJson(const nlohmann::json& j) {
  try {
    ProgramArchive a(j.at("capacity").get<int>());
    if (a.capacity_ < 1) throw Error("capacity must be >= 1");
    a.offers_ = j.at("offers").get<int64_t>();
    for (const auto& e : j.at("entries")) {
      ArchiveEntry x;
      x.program = lang::Parse(e.at("program").get<std::string>());
      x.held_fitness = e.at("held_fitness").get<double>();
      x.generation = e.at("generation").get<int>();
      x.order = e.at("order").get<int64_t>();
      x.live_hash = lang::LiveProgram(x.program).Hash();
      a.entries_.push_back(std::move(x));
    }
    if (static_cast<int>(a.entries_.size()) > a.capacity_) throw Error("more entries than its capacity");
    return a;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("program archive: ") + e.what());
  } catch (const Error& e) {
    throw Error(std::string("program archive: ") + e.what());
  }
}

bool IsLearner(const RunOutcome& outcome, const tasks::TaskSpec& family) {
  const bool regression = family.family == "linear" || family.family == "nonlinear" || family.kind == "regression";
  return regression && outcome.held_fitness >= kLearnerFitness;
}

void CountLearner(const lang::Program& program, ImproverSpec& spec) {
  const lang::Program live = lang::LiveProgram(program);
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (const lang::Instruction& in : live.fn[c]) spec.learner_ops[c][static_cast<int>(in.op)] += 1;
  ++spec.learner_runs;
}

}  // namespace ouro::meta
