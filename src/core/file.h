// core/file.h — reading a whole text file with the project's error rule: a missing, unreadable
// or non-regular file (a directory, a FIFO, /dev/zero) is an ouro::Error naming it, never an
// empty text or a hang. The one definition every loader uses.
#pragma once

#include <string>

namespace ouro {

// The bytes of the file at `path`. Throws ouro::Error "WHAT 'PATH' is not a regular file" or
// "cannot read WHAT 'PATH'", `what` being e.g. "config file".
std::string ReadTextFile(const std::string& path, const std::string& what);

}  // namespace ouro
