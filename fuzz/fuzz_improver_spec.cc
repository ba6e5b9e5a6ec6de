// fuzz/fuzz_improver_spec.cc — libFuzzer entry point of the "improver_spec" target (see harness.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ouro::fuzz::Run("improver_spec", std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
