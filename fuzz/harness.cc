// fuzz/harness.cc — the fuzz targets' bodies (see harness.h).

#include "harness.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "core/error.h"
#include "lang/program.h"
#include "lang/text.h"
#include "meta/rsi_config.h"
#include "meta/spec.h"
#include "oversight/policy.h"
#include "search/run_config.h"
#include "tasks/csv.h"
#include "tasks/idx.h"
#include "tasks/task_spec.h"

namespace ouro::fuzz {
namespace {

[[noreturn]] void Fail(std::string_view target, const std::string& what) {
  throw Bug(std::string(target) + ": " + what);
}

// Runs `load`; true if it returned, false if it threw a proper ouro::Error. Any other exception
// propagates (the caller reports it with the input).
bool Accepts(std::string_view target, const std::function<void()>& load) {
  try {
    load();
    return true;
  } catch (const Error& e) {
    if (*e.what() == '\0') Fail(target, "ouro::Error with an empty message");
    return false;
  }
}

// A per-process scratch directory for the loaders that only read files, on tmpfs when there is one
// (a file write per input is then a few microseconds). Removed at exit.
class Scratch {
 public:
  static Scratch& Get() {
    static Scratch scratch;
    return scratch;
  }
  std::string Write(const std::string& name, std::string_view bytes) const {
    const std::string path = (dir_ / name).string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) throw Bug("cannot write scratch file " + path);
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (std::fclose(f) != 0 || !ok) throw Bug("cannot write scratch file " + path);
    return path;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  Scratch() {
    std::error_code ec;
    std::filesystem::path base = "/dev/shm";
    if (!std::filesystem::is_directory(base, ec) || ::access(base.c_str(), W_OK) != 0)
      base = std::filesystem::temp_directory_path();
    dir_ = base / ("ouro-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

// ---- targets ----------------------------------------------------------------------------------

bool ProgramText(std::string_view in) {
  constexpr std::string_view kName = "program_text";
  lang::Program p;
  if (!Accepts(kName, [&] { p = lang::Parse(in); })) {
    // Refused without a shape: it must be refused with one as well.
    if (Accepts(kName, [&] { lang::Parse(in, lang::Shape{}); }))
      Fail(kName, "accepted with a shape but refused without one");
    return false;
  }
  // The text form round-trips: Parse(Print(p)) == p and Print is a fixed point.
  const std::string text = lang::Print(p);
  lang::Program back;
  if (!Accepts(kName, [&] { back = lang::Parse(text); }))
    Fail(kName, "the printed form of an accepted program does not parse:\n" + text);
  if (!(back == p)) Fail(kName, "Parse(Print(p)) != p for:\n" + text);
  if (lang::Print(back) != text) Fail(kName, "Print(Parse(Print(p))) != Print(p) for:\n" + text);
  // The smallest shape that fits must fit; the default shape may or may not.
  const lang::Shape fit = lang::MinimalShape(p, 4);
  if (!Accepts(kName, [&] {
        fit.Validate();
        p.Validate(fit);
      }))
    Fail(kName, "MinimalShape does not fit its own program:\n" + text);
  Accepts(kName, [&] { lang::Parse(in, lang::Shape{}); });
  return true;
}

bool RunConfig(std::string_view in) {
  return Accepts("run_config", [&] {
    const search::RunConfig c = search::ParseRunConfig(in, "fuzz.toml");
    (void)search::ToJson(c).dump();  // what a run stores
  });
}

bool RsiConfig(std::string_view in) {
  return Accepts("rsi_config", [&] {
    const meta::RsiFileConfig c = meta::ParseRsiConfig(in, "fuzz.toml");
    (void)meta::ToJson(c.rsi).dump();  // what a run stores
  });
}

bool Policy(std::string_view in) {
  return Accepts("policy", [&] {
    const oversight::Policy p = oversight::ParsePolicy(in, "fuzz.toml");
    (void)oversight::ToJson(p).dump();  // what a run stores
    // What the supervisor asks of a parsed policy, with every metric present.
    std::map<std::string, double> metrics;
    for (const auto& m : oversight::kMetrics) metrics[m.name] = 1.0;
    (void)oversight::CheckTripwires(p, metrics);
    (void)oversight::GateReason(p.adopt, metrics);
    (void)oversight::GateReason(p.promote, metrics);
    (void)oversight::InvariantViolations(p.invariants, metrics, false);
  });
}

// An improver spec file (`ouro search --improver`, [improver] initial = PATH in an rsi config).
bool ImproverSpec(std::string_view in) {
  constexpr std::string_view kName = "improver_spec";
  const std::string path = Scratch::Get().Write("in.json", in);
  meta::ImproverSpec spec;
  if (!Accepts(kName, [&] { spec = meta::LoadSpec(path); })) return false;
  // What a run stores reads back to the same spec.
  const std::string json = meta::ToJson(spec).dump();
  meta::ImproverSpec back;
  if (!Accepts(kName, [&] { back = meta::SpecFromJson(meta::Json::parse(json)); }))
    Fail(kName, "the JSON of an accepted spec is refused: " + json);
  if (meta::ToJson(back).dump() != json)
    Fail(kName, "the JSON of an accepted spec does not round-trip");
  return true;
}

// A loaded table feeds the csv task family: split, shuffled, optionally projected.
void GenerateFromCsv(std::string_view in, size_t variant) {
  tasks::TaskSpec spec = tasks::ParseTaskSpec("csv:path=unused");
  spec.path = Scratch::Get().Write("in.csv", in);
  spec.label_column = variant % 2 ? "1" : "";
  if (variant % 3 == 1) spec.project_dim = 3;
  if (variant % 5 == 2) spec.kind = "classification";
  Accepts("csv", [&] { tasks::Generate(spec); });
}

bool Csv(std::string_view in) {
  constexpr std::string_view kName = "csv";
  bool any = false;
  size_t variant = 0;
  for (const char* label : {"", "1", "y", "123456789"}) {
    tasks::CsvTable t;
    if (!Accepts(kName, [&] { t = tasks::ParseCsv(in, "fuzz.csv", label); })) continue;
    const size_t n = static_cast<size_t>(t.n());
    if (t.columns.size() < 2 || t.dim != static_cast<int>(t.columns.size()) - 1 ||
        t.feature_names.size() != static_cast<size_t>(t.dim) || t.label_index < 0 ||
        t.label_index >= static_cast<int>(t.columns.size()))
      Fail(kName, "inconsistent columns");
    if (n == 0 || t.x.size() != n * t.dim || t.lines.size() != n) Fail(kName, "inconsistent rows");
    for (double v : t.x)
      if (!std::isfinite(v)) Fail(kName, "non-finite feature accepted");
    for (double v : t.y)
      if (!std::isfinite(v)) Fail(kName, "non-finite label accepted");
    any = true;
    variant += in.size();
  }
  if (any) GenerateFromCsv(in, variant);
  return any;
}

bool SameArray(const tasks::IdxArray& a, const tasks::IdxArray& b) {
  return a.type == b.type && a.dims == b.dims && a.bytes == b.bytes;
}

bool Idx(std::string_view in) {
  constexpr std::string_view kName = "idx";
  Scratch& scratch = Scratch::Get();
  const std::string path = scratch.Write("in.idx", in);
  tasks::IdxArray a;
  if (!Accepts(kName, [&] { a = tasks::ReadIdx(path); })) return false;
  const int elem = tasks::IdxTypeSize(a.type);
  if (elem == 0 || a.dims.empty() || a.dims.size() > 255) Fail(kName, "bad type or rank accepted");
  if (a.bytes.size() != a.size() * elem) Fail(kName, "element bytes do not match the dimensions");
  if (a.size() != (a.dims.empty() ? 0 : a.dims[0] * a.item_size()))
    Fail(kName, "size() != dims[0] * item_size()");
  for (size_t i = 0; i < a.size(); ++i) (void)a.at(i);
  // Writing it back gives the same array, plain and compressed.
  for (const char* name : {"out.idx", "out.idx.gz"}) {
    tasks::IdxArray b;
    if (!Accepts(kName,
                 [&] {
                   tasks::WriteIdx(scratch.Path(name), a);
                   b = tasks::ReadIdx(scratch.Path(name));
                 }) ||
        !SameArray(a, b))
      Fail(kName, std::string("an accepted array does not round-trip through ") + name);
  }
  // An accepted images file feeds the idx task family (with as many labels as it has items).
  if (a.size() <= (1u << 16) && a.dims[0] <= (1u << 16)) {
    tasks::IdxArray labels;
    labels.type = tasks::IdxType::kUByte;
    labels.dims = {a.dims[0]};
    for (uint32_t i = 0; i < a.dims[0]; ++i) labels.bytes.push_back(i % 2);
    tasks::WriteIdx(scratch.Path("labels.idx"), labels);
    tasks::TaskSpec spec = tasks::ParseTaskSpec("idx:path=unused,labels=unused");
    spec.path = path;
    spec.labels_path = scratch.Path("labels.idx");
    if (in.size() % 3 == 1) spec.project_dim = 2;
    Accepts(kName, [&] { tasks::Generate(spec); });
  }
  return true;
}

struct Target {
  std::string name;
  bool (*run)(std::string_view);
};

const std::vector<Target>& Targets() {
  static const std::vector<Target> targets = {
      {"program_text", ProgramText},
      {"run_config", RunConfig},
      {"rsi_config", RsiConfig},
      {"csv", Csv},
      {"idx", Idx},
      {"policy", Policy},
      {"improver_spec", ImproverSpec},
  };
  return targets;
}

}  // namespace

const std::vector<std::string>& TargetNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Target& t : Targets()) out.push_back(t.name);
    return out;
  }();
  return names;
}

bool Run(std::string_view name, std::string_view input) {
  for (const Target& t : Targets())
    if (t.name == name) return t.run(input);
  throw Bug("no fuzz target '" + std::string(name) + "'");
}

}  // namespace ouro::fuzz
