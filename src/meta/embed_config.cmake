# Generates a header holding the text of a shipped file (a config, a prompt) as an embedded default (run at build
# time, so the file and the default cannot drift apart): SRC the file, OUT the header, NS the C++
# namespace and VAR the std::string_view's name. Used for configs/rsi-demo.toml (meta) and
# configs/selfplay.toml (selfplay) and prompts/program.txt (llm).
get_filename_component(name "${SRC}" NAME)
file(READ "${SRC}" text)
file(WRITE "${OUT}.tmp" "// Generated from ${name} by src/meta/embed_config.cmake.\n#pragma once\n#include <string_view>\nnamespace ${NS} {\ninline constexpr std::string_view ${VAR} = R\"ouro_embed(${text})ouro_embed\";\n}  // namespace ${NS}\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
