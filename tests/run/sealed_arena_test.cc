// The sealed test arenas named in code (meta::kSealedTestArenas, what the rsi config loader refuses
// in train and validation) against the shipped arena files (configs/arenas/t1..t3.toml, what the
// evidence measurement runs): the same kind and size, read with the arenas' own loader, so the two
// lists cannot drift apart.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>

#include "meta/rsi_config.h"
#include "run/arena.h"

namespace ouro::run {
namespace {

TEST(SealedArenas, CodeListMatchesTheShippedArenaFiles) {
  const std::filesystem::path dir = std::filesystem::path(OURO_SOURCE_DIR) / "configs" / "arenas";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.path().extension() == ".toml";
  EXPECT_EQ(files, static_cast<int>(std::size(meta::kSealedTestArenas)));  // no arena file without its entry
  for (const meta::SealedArena& sealed : meta::kSealedTestArenas) {
    std::string name = sealed.name;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const Arena arena = LoadArena((dir / (name + ".toml")).string());
    EXPECT_EQ(arena.name, name);
    // Every task set of the arena (search, select, held out) is of the sealed kind and size.
    for (const tasks::TaskSpec* t : {&arena.config.search_tasks, &arena.config.select_tasks, &arena.config.held_out_tasks}) {
      EXPECT_EQ(t->family, sealed.family) << sealed.name;
      EXPECT_EQ(t->dim, sealed.dim) << sealed.name;
    }
  }
}

}  // namespace
}  // namespace ouro::run
