// fuzz/harness.h — what each fuzz target feeds to its loader and which contract it checks.
//
// The contract of every loader of outside input: for any bytes it either returns a result or
// throws ouro::Error with a non-empty message. Anything else is a bug: another exception type
// (std::out_of_range from a std::stoi, a toml++ or nlohmann exception leaking), a crash, a
// sanitizer report, a hang or absurd memory use. Where a loader has a cheap round-trip property,
// the target checks that too (a parsed program prints and parses back to itself; a loaded IDX array
// writes and reads back to itself).
//
// Run(name, input) is shared by the libFuzzer entry points (fuzz/fuzz_<name>.cc, built with
// OURO_FUZZ=ON) and the seeded mutation test that CI runs (tests/fuzz/fuzz_test.cc). A broken
// contract throws ouro::fuzz::Bug (not an ouro::Error), or lets the loader's own exception escape;
// under libFuzzer either ends in std::terminate, which it reports as a crash with the input saved.
// Thread-compatible: the loaders that read files (csv, idx) share one scratch directory per
// process.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ouro::fuzz {

class Bug : public std::logic_error {
 public:
  explicit Bug(const std::string& message) : std::logic_error(message) {}
};

// The fuzz target names, one per loader: "program_text", "run_config", "rsi_config", "csv", "idx",
// "policy", "improver_spec".
// Each has a seed corpus fuzz/corpus/<name>/ and a dictionary fuzz/<name>.dict.
const std::vector<std::string>& TargetNames();

// Feeds `input` to the loader of target `name` and checks its contract. Returns normally when the
// loader accepted the input or refused it with a proper ouro::Error; returns whether it accepted.
// REQUIRES: name is one of TargetNames().
bool Run(std::string_view name, std::string_view input);

}  // namespace ouro::fuzz
