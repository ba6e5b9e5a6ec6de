// cli/cmd_audit.cc — `ouro audit verify RUN` (recompute a run's audit chain, exit 1 if broken) and
// `ouro audit export RUN [--out FILE]` (the events as JSON lines). Both only read the store.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "oversight/audit.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

// Strings in the store may hold any bytes (a tampered row, say): never let invalid UTF-8 throw.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// RUN is a run id or "latest".
int64_t ResolveRun(store::Store& db, const std::string& arg, const char* cmd) {
  if (arg == "latest") {
    auto run = db.LatestRun();
    if (!run) throw Error(db.path() + ": no runs");
    return run->id;
  }
  int64_t id = 0;
  try {
    size_t used = 0;
    id = std::stoll(arg, &used);
    if (used != arg.size()) throw std::invalid_argument("");
  } catch (const std::exception&) {
    throw Error(std::string(cmd) + ": RUN must be a run id or 'latest', got '" + arg + "'");
  }
  if (!db.GetRun(id)) throw Error(db.path() + ": no run " + arg);
  return id;
}

int RunVerify(const std::string& db_path, const std::string& run_arg, bool json) {
  auto db = store::Store::OpenExisting(db_path);
  const int64_t id = ResolveRun(*db, run_arg, "audit verify");
  const auto check = oversight::VerifyChain(id, db->GetEvents(id), db->GetAuditHead(id));
  if (json) {
    nlohmann::json out = {{"run_id", id},         {"ok", check.ok},
                          {"events", check.rows}, {"first_bad_row", nullptr},
                          {"problem", nullptr},   {"head", check.head_hash}};
    if (!check.ok) {
      out["first_bad_row"] = check.first_bad_seq;
      out["problem"] = check.problem;
    }
    std::printf("%s\n", Dump(out).c_str());
  } else if (check.ok) {
    std::printf("audit chain of run %lld: OK (%lld events, head %s)\n", static_cast<long long>(id),
                static_cast<long long>(check.rows), check.head_hash.c_str());
  } else {
    std::printf("audit chain of run %lld: BROKEN at row %lld: %s\n", static_cast<long long>(id),
                static_cast<long long>(check.first_bad_seq), check.problem.c_str());
  }
  return check.ok ? 0 : 1;
}

int RunExport(const std::string& db_path, const std::string& run_arg, const std::string& out_path) {
  auto db = store::Store::OpenExisting(db_path);
  const int64_t id = ResolveRun(*db, run_arg, "audit export");
  const auto events = db->GetEvents(id);
  std::FILE* out = stdout;
  if (!out_path.empty()) {
    out = std::fopen(out_path.c_str(), "w");
    if (!out) throw Error("audit export: cannot write " + out_path + ": " + std::strerror(errno));
  }
  for (const auto& e : events) {
    nlohmann::json line = {{"run_id", id},
                           {"seq", e.seq},
                           {"at", e.at},
                           {"type", e.type},
                           {"actor", e.actor},
                           {"content", nullptr},
                           {"prev_hash", e.prev_hash},
                           {"hash", e.hash}};
    auto content = nlohmann::json::parse(e.content_json, nullptr, /*allow_exceptions=*/false);
    if (content.is_discarded()) {  // only a tampered row: the store appends valid JSON only
      line["content"] = e.content_json;
      line["content_is_not_json"] = true;
    } else {
      line["content"] = std::move(content);
    }
    std::fprintf(out, "%s\n", Dump(line).c_str());
  }
  if (out != stdout) {
    const bool failed = std::ferror(out) != 0;
    if (std::fclose(out) != 0 || failed)
      throw Error("audit export: cannot write " + out_path + ": " + std::strerror(errno));
    std::printf("wrote %zu events of run %lld to %s\n", events.size(), static_cast<long long>(id),
                out_path.c_str());
  } else if (std::fflush(stdout) != 0) {
    throw Error(std::string("audit export: cannot write stdout: ") + std::strerror(errno));
  }
  // Export is not verification, but an export of a broken chain must not pass unremarked.
  const auto check = oversight::VerifyChain(id, events, db->GetAuditHead(id));
  if (!check.ok)
    std::fprintf(stderr, "ouro: warning: the audit chain of run %lld is BROKEN at row %lld: %s\n",
                 static_cast<long long>(id), static_cast<long long>(check.first_bad_seq),
                 check.problem.c_str());
  return 0;
}

}  // namespace

Action RegisterAudit(CLI::App& app) {
  CLI::App* audit = app.add_subcommand("audit", "Verify or export a run's audit chain");
  audit->require_subcommand(1);
  auto db = std::make_shared<std::string>(kDefaultDb);
  auto run = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto action = std::make_shared<std::string>();
  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Recompute the run's audit chain; exit 1 if any event was edited, deleted or moved");
  verify->add_option("RUN", *run, "Run id or 'latest'")->required();
  verify->add_option("--db", *db, "Run store (SQLite file)")->capture_default_str();
  verify->add_flag("--json", *json, "Print one JSON object");
  verify->callback([action] { *action = "verify"; });
  CLI::App* exp = audit->add_subcommand("export", "Write the run's audit events as JSON lines");
  exp->add_option("RUN", *run, "Run id or 'latest'")->required();
  exp->add_option("--out", *out, "Output file (default: stdout)");
  exp->add_option("--db", *db, "Run store (SQLite file)")->capture_default_str();
  exp->callback([action] { *action = "export"; });
  return [=] {
    if (*action == "verify") return RunVerify(*db, *run, *json);
    if (*action == "export") return RunExport(*db, *run, *out);
    throw Error("audit: give a subcommand (verify, export)");
  };
}

}  // namespace ouro::cli
