// The adapters hold no SQL: src/cli and src/web reach the store only through store::Store and the
// run layer (run/), so every write keeps the run layer's rules (one transaction per change and its
// audit event). Fails naming the file, line and keyword of any SQL found there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<std::string> SqlIn(const fs::path& dir) {
  static const char* const kKeywords[] = {"SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "sqlite3"};
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".cc" && ext != ".h" && ext != ".txt" && ext != ".cmake") continue;
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
      for (const char* k : kKeywords)
        if (line.find(k) != std::string::npos)
          found.push_back(entry.path().string() + ":" + std::to_string(n) + ": '" + k + "' in: " + line);
  }
  return found;
}

TEST(Layering, CliAndWebHoldNoSql) {
  for (const char* sub : {"src/cli", "src/web"}) {
    const fs::path dir = fs::path(OURO_SOURCE_DIR) / sub;
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    const auto found = SqlIn(dir);
    std::string all;
    for (const auto& f : found) all += f + "\n";
    EXPECT_TRUE(found.empty()) << "SQL belongs in store/ (through the run layer), found:\n" << all;
  }
}

// The check itself finds SQL where there is some.
TEST(Layering, TheCheckFindsSqlInTheStore) {
  EXPECT_FALSE(SqlIn(fs::path(OURO_SOURCE_DIR) / "src/store").empty());
}

}  // namespace
