// search/strategy_internal.h — helpers shared by the JSON (strategy.cc) and TOML
// (strategy_toml.cc) forms of the strategy. Not for use outside those two files.
#pragma once

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "core/error.h"
#include "lang/text.h"
#include "search/strategy.h"

namespace ouro::search::strategy_internal {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

inline constexpr const char* kInsertNames[] = {"start", "anywhere", "end"};

inline int64_t IntBound(double b) {
  return b >= 9e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(b);
}

inline std::string Num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

inline int ComponentIndex(const std::string& name) {
  for (int c = 0; c < lang::kNumComponents; ++c)
    if (name == lang::kComponentNames[c]) return c;
  return -1;
}

inline std::string MacroText(const Macro& m) {
  lang::Program p;
  p[m.component] = m.code;
  return lang::Print(p);
}

// A macro from its component name and code; `fail(msg)` reports a problem and does not return.
template <class Fail>
Macro MacroFrom(const std::string& component, const std::string& code, Fail fail) {
  const int c = ComponentIndex(component);
  if (c < 0) fail(".component", "must be setup, predict or learn");
  lang::Program p;
  try {
    p = lang::Parse(code);
  } catch (const Error& e) {
    fail(".code", e.what());
  }
  if (p.fn[c].empty() || p.Size() != p.fn[c].size()) fail(".code", "must hold instructions of its component only");
  return {static_cast<lang::Component>(c), p.fn[c]};
}

}  // namespace ouro::search::strategy_internal
