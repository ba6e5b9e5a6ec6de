#include "selfplay/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "eval/evaluator.h"
#include "lang/ops.h"

namespace ouro::selfplay {
namespace {

// The memory predict writes: one (offset, length) per live instruction, by its output's type.
std::vector<std::pair<uint32_t, uint32_t>> WrittenByPredict(const lang::Executable& exe) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  const uint32_t dim = static_cast<uint32_t>(exe.shape.dim);
  for (const lang::CompiledInstr& in : exe.fn[static_cast<int>(lang::Component::kPredict)]) {
    const lang::OpInfo& info = lang::Info(in.op);
    const uint32_t len = info.partial                          ? 1
                         : info.out == lang::RegType::kScalar ? 1
                         : info.out == lang::RegType::kVector ? dim
                                                              : dim * dim;
    out.emplace_back(in.out, len);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

lang::Shape EvaluatorShape(const games::Game& game, lang::Shape shape) {
  shape.dim = game.observation_size();
  shape.Validate();
  return shape;
}

std::shared_ptr<const TrainedProgram> Train(const lang::Program& program, const lang::Shape& shape,
                                            const tasks::Dataset& data, uint64_t seed,
                                            int64_t max_instructions) {
  if (data.kind != tasks::Kind::kRegression || data.dim != shape.dim)
    throw Error("self-play training data must be a regression set of dim " + std::to_string(shape.dim));
  auto t = std::make_shared<TrainedProgram>();
  t->program = program;
  t->exe = lang::Compile(program, shape);
  eval::Limits limits;
  limits.max_instructions = max_instructions;
  lang::Machine m;
  const eval::Predictions p = eval::Predict(t->exe, data, nullptr, 0, m, seed, limits);
  if (p.over_budget)
    throw Error("training the evaluator on " + std::to_string(data.train.n()) + " positions is over its budget of " +
                std::to_string(max_instructions) + " instructions");
  t->diverged = p.diverged;
  t->memory.assign(m.mem(), m.mem() + t->exe.memory_doubles);
  t->rng.assign(m.rng(), m.rng() + t->exe.rng_streams.size());
  t->written = WrittenByPredict(t->exe);
  t->examples = data.train.n();
  return t;
}

namespace {

constexpr uint64_t kStateMagic = 0x3174617473757271;  // marks a trained state, layout version 1

void Put(std::string& out, const void* p, size_t bytes) {
  if (bytes > 0) out.append(static_cast<const char*>(p), bytes);
}

}  // namespace

std::string SaveState(const TrainedProgram& t) {
  std::string out;
  const uint64_t header[3] = {kStateMagic, t.memory.size(), t.rng.size()};
  Put(out, header, sizeof header);
  Put(out, t.memory.data(), t.memory.size() * sizeof(double));
  Put(out, t.rng.data(), t.rng.size() * sizeof(uint64_t));
  return out;
}

std::shared_ptr<const TrainedProgram> RestoreTrained(const lang::Program& program, const lang::Shape& shape,
                                                     std::string_view state, int64_t examples, bool diverged) {
  auto t = std::make_shared<TrainedProgram>();
  t->program = program;
  t->exe = lang::Compile(program, shape);
  uint64_t header[3] = {0, 0, 0};
  if (state.size() >= sizeof header) std::memcpy(header, state.data(), sizeof header);
  const size_t want = sizeof header + t->exe.memory_doubles * sizeof(double) + t->exe.rng_streams.size() * sizeof(uint64_t);
  if (header[0] != kStateMagic || header[1] != t->exe.memory_doubles || header[2] != t->exe.rng_streams.size() ||
      state.size() != want)
    throw Error("the stored evaluator state does not fit its program (" + std::to_string(state.size()) + " bytes, " +
                std::to_string(want) + " expected)");
  t->memory.resize(t->exe.memory_doubles);
  t->rng.resize(t->exe.rng_streams.size());
  if (!t->memory.empty())  // (memcpy of nothing still needs valid pointers)
    std::memcpy(t->memory.data(), state.data() + sizeof header, t->memory.size() * sizeof(double));
  if (!t->rng.empty())
    std::memcpy(t->rng.data(), state.data() + sizeof header + t->memory.size() * sizeof(double),
                t->rng.size() * sizeof(uint64_t));
  t->written = WrittenByPredict(t->exe);
  t->examples = examples;
  t->diverged = diverged;
  return t;
}

ProgramEvaluator::ProgramEvaluator(std::shared_ptr<const TrainedProgram> trained)
    : trained_(std::move(trained)), mem_(trained_->memory), rng_(trained_->rng) {}

std::unique_ptr<Evaluator> ProgramEvaluator::Clone() const { return std::make_unique<ProgramEvaluator>(trained_); }

double ProgramEvaluator::Value(const double* observation) {
  const TrainedProgram& t = *trained_;
  if (t.diverged) return 0;
  const lang::Executable& exe = t.exe;
  const int dim = exe.shape.dim;
  double* mem = mem_.data();
  std::copy_n(observation, dim, mem + exe.vector_base + lang::kFeatureVector * dim);
  mem[lang::kLabelScalar] = 0.0;
  const auto& fn = exe.fn[static_cast<int>(lang::Component::kPredict)];
  lang::Execute<0>(fn.data(), fn.data() + fn.size(), mem, rng_.data(), dim, exe.scratch);
  const double v = mem[lang::kPredictionScalar];
  for (const auto& [offset, len] : t.written) std::copy_n(t.memory.data() + offset, len, mem + offset);
  std::copy(t.rng.begin(), t.rng.end(), rng_.begin());
  if (!std::isfinite(v)) return 0;
  return std::clamp(v, -1.0, 1.0);
}

double ProgramEvaluator::Evaluate(const games::State& s, std::span<double>, Rng&) {
  thread_local std::vector<double> obs;
  obs.resize(static_cast<size_t>(trained_->exe.shape.dim));
  s.Observe(obs.data());
  return Value(obs.data());
}

double RolloutEvaluator::Evaluate(const games::State& s, std::span<double>, Rng& rng) {
  std::unique_ptr<games::State> play = s.Clone();
  const int me = s.ToMove();
  while (!play->Terminal()) {
    const std::vector<int> legal = play->LegalMoves();
    play->Apply(legal[rng.Below(static_cast<uint32_t>(legal.size()))]);
  }
  return play->Result(me);
}

}  // namespace ouro::selfplay
