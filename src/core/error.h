// core/error.h — the one error type a user can cause.
//
// ouro::Error is thrown for every problem that comes from outside the program: malformed program
// text, bad config, unreadable data, unknown task, corrupt database, bad flag. Its message is one
// line that names the problem (file, line, column where they are known). The CLI catches it at the
// top, prints "ouro: <message>" and exits non-zero. Broken internal invariants are not Errors: they
// are OURO_CHECK failures (abort with both values printed), because they are bugs, not input.
// Why exceptions and not Status values: errors only arise at the boundaries (parsing, loading,
// storing), far from the hot path, and every caller would just propagate them.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace ouro {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ouro

#define OURO_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
