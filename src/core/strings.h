// core/strings.h — small string helpers shared by the text parsers (task specs, CSV).
// Thread-safe: pure functions.
#pragma once

#include <cctype>
#include <string_view>

namespace ouro {

// s without leading and trailing white space (std::isspace: space, \t, \n, \v, \f, \r).
inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace ouro
