// tests/fuzz/fuzz_test.cc — the bounded, deterministic version of the fuzzers that CI runs.
//
// For each fuzz target (fuzz/harness.h: program text, run config, rsi config, CSV, IDX, policy,
// improver spec) the seed corpus fuzz/corpus/<name>/ is run as is (every seed must be accepted),
// then a fixed number of seeded mutations of it (see mutator.h). Every input must be accepted or
// refused with an ouro::Error that has a message; anything else fails the test with the input
// (escaped) and writes it to fuzz_test_failure_<name>.bin in the working directory, for replay
// under the libFuzzer target. Bounded by iteration count, not time, so that every run sees the
// same inputs.

#include <cxxabi.h>
#include <gtest/gtest.h>

#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "core/hash.h"
#include "core/rng.h"
#include "harness.h"
#include "mutator.h"

namespace ouro::fuzz {
namespace {

const std::string kSourceDir = OURO_SOURCE_DIR;

// Mutated inputs per target. Chosen so that the whole test takes about 5 s in release and 30 s
// under ASan+UBSan on 2 cores; the targets that load files cost more per input.
int Iterations(const std::string& target) {
  if (target == "program_text") return 200000;
  if (target == "run_config") return 30000;
  if (target == "rsi_config") return 15000;
  if (target == "csv") return 100000;
  if (target == "policy") return 30000;
  if (target == "improver_spec") return 20000;
  return 40000;  // idx: a file write, read, write-back and task generation per input
}
// One small input using more CPU than this is a hang. CPU time of this thread, not wall time: a
// loaded machine (CI, a sanitizer build) must not turn a slow clock into a failure.
constexpr double kSlowSeconds = 10.0;

// The seed files of dir, sorted by name (directory order is not deterministic).
std::vector<std::filesystem::path> SeedFiles(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Escape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 4000; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return s.size() > 4000 ? out + "... (" + std::to_string(s.size()) + " bytes)" : out;
}

std::string TypeName(const std::type_info& t) {
  int status = 0;
  char* name = abi::__cxa_demangle(t.name(), nullptr, nullptr, &status);
  std::string out = status == 0 && name ? name : t.name();
  std::free(name);
  return out;
}

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Runs one input; on a broken contract records a failure with the input. Returns whether the
// loader accepted it.
bool Check(const std::string& target, const std::string& input) {
  std::string failure;
  bool accepted = false;
  const double start = ThreadCpuSeconds();
  try {
    accepted = Run(target, input);
  } catch (const Bug& e) {
    failure = e.what();
  } catch (const std::exception& e) {
    failure = "a " + TypeName(typeid(e)) + " escaped the loader: " + e.what();
  } catch (...) {
    failure = "an exception that is not a std::exception escaped the loader";
  }
  const double seconds = ThreadCpuSeconds() - start;
  if (failure.empty() && seconds > kSlowSeconds)
    failure = "took " + std::to_string(seconds) + " s of CPU on one input of " +
              std::to_string(input.size()) + " bytes";
  if (!failure.empty()) {
    const std::string file = "fuzz_test_failure_" + target + ".bin";
    std::ofstream(file, std::ios::binary) << input;
    ADD_FAILURE() << failure << "\ninput (also in " << file << "):\n" << Escape(input);
  }
  return accepted;
}

class FuzzTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzTest, EveryInputParsesOrThrowsError) {
  const std::string target = GetParam();
  const std::vector<std::filesystem::path> seeds = SeedFiles(kSourceDir + "/fuzz/corpus/" + target);
  ASSERT_FALSE(seeds.empty()) << "no seeds in fuzz/corpus/" << target;
  std::vector<std::string> corpus;
  for (const auto& seed : seeds) {
    corpus.push_back(ReadFile(seed));
    // Seeds are valid inputs, so that mutations start next to the accepting paths.
    EXPECT_TRUE(Check(target, corpus.back())) << "seed " << seed << " is refused";
  }

  testing::Mutator mutator(Hash64(target), corpus,
                           testing::ReadDictionary(kSourceDir + "/fuzz/" + target + ".dict"));
  const int n = Iterations(target);
  int accepted = 0;
  std::string input;
  for (int i = 0; i < n && !HasFailure(); ++i) {
    // Mostly fresh mutations of a seed; sometimes keep mutating the last input to drift further.
    if (i % 3 == 0 || input.size() > (1u << 16)) {
      input = corpus[mutator.rng().Below(static_cast<uint32_t>(corpus.size()))];
    }
    input = mutator.Mutate(input);
    accepted += Check(target, input);
  }
  std::printf("%s: %d seeds, %d mutated inputs (%d accepted)\n", target.c_str(),
              static_cast<int>(corpus.size()), n, accepted);
  // Not a contract, but a fuzz test that never gets past the first error is not testing much.
  EXPECT_GT(accepted, n / 1000) << "almost every mutated input is refused; are the seeds valid?";
}

INSTANTIATE_TEST_SUITE_P(Loaders, FuzzTest, ::testing::ValuesIn(TargetNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace ouro::fuzz
