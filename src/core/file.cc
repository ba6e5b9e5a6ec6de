#include "core/file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ouro {

std::string ReadTextFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw Error(what + " '" + path + "' is not a regular file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot read " + what + " '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace ouro
