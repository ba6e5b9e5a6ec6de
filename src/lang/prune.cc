#include "lang/prune.h"

#include <cstdint>

namespace ouro::lang {
namespace {

struct RegSet {
  uint64_t bits[4] = {0, 0, 0, 0};  // indexed by RegType (kNone unused)
  bool Has(RegType t, int r) const { return (bits[static_cast<int>(t)] >> r) & 1; }
  void Add(RegType t, int r) {
    if (t != RegType::kNone) bits[static_cast<int>(t)] |= uint64_t{1} << r;
  }
  void Remove(RegType t, int r) { bits[static_cast<int>(t)] &= ~(uint64_t{1} << r); }
  RegSet& operator|=(const RegSet& o) {
    for (int i = 0; i < 4; ++i) bits[i] |= o.bits[i];
    return *this;
  }
  bool operator==(const RegSet&) const = default;
};

// Backward pass over one component; returns live-in and marks live instructions.
RegSet Backward(const std::vector<Instruction>& fn, RegSet live, std::vector<bool>* keep) {
  if (keep) keep->assign(fn.size(), false);
  for (size_t k = fn.size(); k-- > 0;) {
    const Instruction& in = fn[k];
    const OpInfo& info = Info(in.op);
    if (!live.Has(info.out, in.out)) continue;
    if (keep) (*keep)[k] = true;
    if (!info.partial) live.Remove(info.out, in.out);
    live.Add(info.in1, in.in1);
    live.Add(info.in2, in.in2);
  }
  return live;
}

RegSet WithoutInputs(RegSet s) {  // v0 and s0 are overwritten by the evaluator before predict
  s.Remove(RegType::kVector, kFeatureVector);
  s.Remove(RegType::kScalar, kLabelScalar);
  return s;
}

}  // namespace

std::array<std::vector<bool>, kNumComponents> LiveInstructions(const Program& program) {
  std::array<std::vector<bool>, kNumComponents> live;
  LiveInstructions(program, &live);
  return live;
}

void LiveInstructions(const Program& p, std::array<std::vector<bool>, kNumComponents>* live) {
  const auto& setup = p[Component::kSetup];
  const auto& predict = p[Component::kPredict];
  const auto& learn = p[Component::kLearn];
  RegSet predict_in, learn_in;
  RegSet predict_out, learn_out;
  // Live sets only grow, so this reaches the fixed point in a few rounds.
  for (;;) {
    predict_out = RegSet{};
    predict_out.Add(RegType::kScalar, kPredictionScalar);
    RegSet l = learn_in;
    l.Remove(RegType::kScalar, kLabelScalar);
    predict_out |= l;
    predict_out |= WithoutInputs(predict_in);
    learn_out = WithoutInputs(predict_in);
    RegSet new_predict_in = predict_in, new_learn_in = learn_in;
    new_predict_in |= Backward(predict, predict_out, nullptr);
    new_learn_in |= Backward(learn, learn_out, nullptr);
    if (new_predict_in == predict_in && new_learn_in == learn_in) break;
    predict_in = new_predict_in;
    learn_in = new_learn_in;
  }
  Backward(setup, WithoutInputs(predict_in), &(*live)[0]);
  Backward(predict, predict_out, &(*live)[1]);
  Backward(learn, learn_out, &(*live)[2]);
}

Program LiveProgram(const Program& program) {
  const auto live = LiveInstructions(program);
  Program out;
  for (int c = 0; c < kNumComponents; ++c)
    for (size_t i = 0; i < program.fn[c].size(); ++i)
      if (live[c][i]) out.fn[c].push_back(program.fn[c][i]);
  return out;
}

}  // namespace ouro::lang
