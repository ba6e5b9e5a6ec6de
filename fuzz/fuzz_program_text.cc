// fuzz/fuzz_program_text.cc — libFuzzer entry point of the "program_text" target (see harness.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ouro::fuzz::Run("program_text", std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
