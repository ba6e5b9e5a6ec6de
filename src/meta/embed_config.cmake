# Generates a header holding the text of configs/rsi-demo.toml as the embedded default rsi config
# (run at build time, so the file and the default cannot drift apart).
file(READ "${SRC}" text)
file(WRITE "${OUT}.tmp" "// Generated from configs/rsi-demo.toml by src/meta/embed_config.cmake.\n#pragma once\n#include <string_view>\nnamespace ouro::meta::internal {\ninline constexpr std::string_view kDefaultRsiConfig = R\"ouro_embed(${text})ouro_embed\";\n}  // namespace ouro::meta::internal\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
