#include "search/proposer.h"

#include <algorithm>

#include "lang/ops.h"

namespace ouro::search {

void ProposerStats::Count(const ProposalAnswer& a) {
  ++requests;
  if (a.program && a.rejection.empty()) {
    ++programs;
    return;
  }
  ++rejections;
  if (std::find(reasons.begin(), reasons.end(), a.rejection) == reasons.end() && reasons.size() < 100)
    reasons.push_back(a.rejection);
}

nlohmann::json ProposerStats::ToJson() const {
  return {{"requests", requests}, {"programs", programs}, {"rejections", rejections}, {"improved", improved},
          {"trials", trials},     {"gains", gains},       {"reasons", reasons}, {"seconds", seconds}};
}

ProposerStats ProposerStats::FromJson(const nlohmann::json& j) {
  ProposerStats p;
  p.requests = j.at("requests").get<int64_t>();
  p.programs = j.at("programs").get<int64_t>();
  p.rejections = j.at("rejections").get<int64_t>();
  p.improved = j.at("improved").get<int64_t>();
  p.trials = j.at("trials").get<double>();
  p.gains = j.at("gains").get<double>();
  p.reasons = j.at("reasons").get<std::vector<std::string>>();
  p.seconds = j.value("seconds", 0.0);
  return p;
}

std::string OutsideSpace(const lang::Program& p, const SearchSpace& space) {
  for (int c = 0; c < lang::kNumComponents; ++c) {
    const auto& code = p.fn[static_cast<size_t>(c)];
    const std::string name = lang::kComponentNames[static_cast<size_t>(c)];
    const int n = static_cast<int>(code.size());
    const int lo = space.min_size[static_cast<size_t>(c)], hi = space.max_size[static_cast<size_t>(c)];
    if (n < lo || n > hi)
      return name + " has " + std::to_string(n) + " instructions (allowed: " + std::to_string(lo) + " to " +
             std::to_string(hi) + ")";
    const auto& ops = space.ops[static_cast<size_t>(c)];
    for (const lang::Instruction& i : code)
      if (std::find(ops.begin(), ops.end(), i.op) == ops.end())
        return name + " uses the operation " + std::string(lang::Info(i.op).id) +
               ", which the search does not allow there";
  }
  return "";
}

}  // namespace ouro::search
