// lang/reference.h — the reference programs (programs/*.ouro), compiled into the binary so
// benchmarks and baselines do not depend on the working directory.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace ouro::lang {

// Text of programs/NAME.ouro (e.g. "linear_regression"), or nullopt.
std::optional<std::string_view> ReferenceProgram(std::string_view name);
std::vector<std::string_view> ReferenceProgramNames();

}  // namespace ouro::lang
