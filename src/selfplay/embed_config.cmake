# Generates a header holding the text of configs/selfplay.toml as the embedded default self-play
# config (run at build time, so the file and the default cannot drift apart).
file(READ "${SRC}" text)
file(WRITE "${OUT}.tmp" "// Generated from configs/selfplay.toml by src/selfplay/embed_config.cmake.\n#pragma once\n#include <string_view>\nnamespace ouro::selfplay::internal {\ninline constexpr std::string_view kDefaultSelfplayConfig = R\"ouro_embed(${text})ouro_embed\";\n}  // namespace ouro::selfplay::internal\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
