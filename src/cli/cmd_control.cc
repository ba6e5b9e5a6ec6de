// cli/cmd_control.cc — control of rsi runs from outside the running process, through the store:
// `ouro status [RUN]`, `ouro pause RUN`, `ouro resume RUN`, `ouro stop RUN`,
// `ouro approve RUN ITEM [--note]`, `ouro reject RUN ITEM --reason`, `ouro pending [RUN]`, and
// `ouro replay RUN`. A run whose process is gone (killed, stopped, out of budget) is continued by
// `ouro resume` in this process from its last checkpoint.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/rsi.h"
#include "cli/selfplay.h"
#include "core/error.h"
#include "meta/rsi.h"
#include "run/control_service.h"
#include "run/rsi_session.h"
#include "store/lease.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

using nlohmann::json;


struct Args {
  std::string db = kDefaultDb, run, note, reason, as, llm_replay;
  int64_t item = 0;
  bool json = false, quiet = false;
};

std::string Describe(const store::RunInfo& r) { return run::DescribeRun(r); }

json StatusJson(store::Store& db, const store::RunInfo& r) {
  json j = {{"run_id", r.id},       {"kind", r.kind},         {"status", r.status},
            {"live", store::OwnerLive(r)}, {"control", r.control},   {"created_at", r.created_at},
            {"finished_at", r.finished_at}, {"owner_pid", r.owner_pid}, {"owner_host", r.owner_host},
            {"heartbeat_age_seconds", r.heartbeat_age_seconds}};
  j["progress"] = r.progress_json.empty() ? json(nullptr) : json::parse(r.progress_json, nullptr, false);
  if (auto ck = db.GetCheckpoint(r.id)) j["checkpoint_generation"] = ck->first;
  json pending = json::array();
  for (const auto& i : db.GetItems(r.id, true)) pending.push_back({{"item", i.item}, {"summary", i.summary}});
  j["pending"] = pending;
  int tripwires = 0;
  for (const auto& e : db.GetEvents(r.id)) tripwires += e.type == "tripwire";
  j["tripwires_fired"] = tripwires;
  j["summary"] = r.summary_json.empty() ? json(nullptr) : json::parse(r.summary_json, nullptr, false);
  return j;
}

int RunStatus(const Args& a) {
  auto db = store::Store::OpenExisting(a.db);
  if (a.run.empty()) {
    const auto runs = db->ListRuns();
    if (a.json) {
      json arr = json::array();
      for (const auto& r : runs) arr.push_back(StatusJson(*db, r));
      std::printf("%s\n", arr.dump().c_str());
      return 0;
    }
    std::printf("%5s  %-7s %-9s %6s %8s  %s\n", "run", "kind", "status", "gen", "pending", "");
    for (const auto& r : runs) {
      const auto ck = db->GetCheckpoint(r.id);
      const auto pend = db->GetItems(r.id, true);
      std::printf("%5lld  %-7s %-9s %6s %8zu  %s\n", static_cast<long long>(r.id), r.kind.c_str(), r.status.c_str(),
                  ck ? std::to_string(ck->first).c_str() : "-", pend.size(),
                  Describe(r) == r.status ? "" : Describe(r).substr(r.status.size() + 1).c_str());
    }
    if (runs.empty()) std::printf("(no runs in %s)\n", a.db.c_str());
    return 0;
  }
  const store::RunInfo r = ResolveRun(*db, a.run);
  const json j = StatusJson(*db, r);
  if (a.json) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("run %lld (%s): %s\n", static_cast<long long>(r.id), r.kind.c_str(), Describe(r).c_str());
  if (r.owner_pid) std::printf("  process %lld on %s, heartbeat %.1f s ago\n", static_cast<long long>(r.owner_pid),
                               r.owner_host.c_str(), r.heartbeat_age_seconds);
  if (j.contains("checkpoint_generation"))
    std::printf("  last checkpoint: generation %d\n", j["checkpoint_generation"].get<int>());
  if (j["progress"].is_object()) {
    const json& p = j["progress"];
    std::printf("  generation %d, %d adopted, capability %.4f, %.0f evaluations (%.0f on oversight), %.0f s wall, %.0f s cpu\n",
                p.value("generation", 0), p.value("adopted", 0), p.value("capability", 0.0), p.value("evaluations", 0.0),
                p.value("oversight_evaluations", 0.0), p.value("seconds", 0.0), p.value("cpu_seconds", 0.0));
    if (p.contains("budget") && p["budget"].is_object()) {
      const json& b = p["budget"];
      auto show = [&](const char* what, double used, double limit) {
        if (limit > 0) std::printf("  budget %s: %.0f of %.0f (%.0f%%)\n", what, used, limit, 100 * used / limit);
      };
      show("evaluations", p.value("evaluations", 0.0), b.value("evaluations", 0.0));
      show("cpu_seconds", p.value("cpu_seconds", 0.0), b.value("cpu_seconds", 0.0));
      show("wall_seconds", p.value("seconds", 0.0), b.value("wall_seconds", 0.0));
    }
    if (p.contains("waiting_for_item") && p["waiting_for_item"].is_number())
      std::printf("  waiting for a decision on item %lld\n", static_cast<long long>(p["waiting_for_item"].get<int64_t>()));
  }
  for (const auto& i : j["pending"])
    std::printf("  pending item %lld: %s\n", static_cast<long long>(i["item"].get<int64_t>()),
                i["summary"].get<std::string>().c_str());
  std::printf("  tripwires fired: %d\n", j["tripwires_fired"].get<int>());
  return 0;
}

int RunPause(const Args& a) {
  auto db = store::Store::OpenExisting(a.db);
  const store::RunInfo r = ResolveRun(*db, a.run);
  run::ControlService(*db).Pause(r.id, Actor(a.as), a.note);
  std::printf("run %lld: pause requested (it pauses at its next safe point, between games)\n", static_cast<long long>(r.id));
  return 0;
}

int RunStop(const Args& a) {
  auto db = store::Store::OpenExisting(a.db);
  const store::RunInfo r = ResolveRun(*db, a.run);
  if (run::ControlService(*db).Stop(r.id, Actor(a.as), a.note) == run::StopOutcome::kMarkedStopped) {
    std::printf("run %lld: its process is gone; marked stopped (resume it with `ouro resume %lld`)\n",
                static_cast<long long>(r.id), static_cast<long long>(r.id));
  } else {
    std::printf("run %lld: stop requested\n", static_cast<long long>(r.id));
  }
  return 0;
}

int RunResume(const Args& a) {
  auto db = store::Store::OpenExisting(a.db);
  const store::RunInfo arg = ResolveRun(*db, a.run);
  const auto [outcome, r] = run::ControlService(*db).Resume(arg.id, Actor(a.as), a.note);
  if (outcome == run::ResumeOutcome::kAlreadyRunning) {
    std::printf("run %lld is running (process %lld); nothing to resume\n", static_cast<long long>(r.id),
                static_cast<long long>(r.owner_pid));
    return 0;
  }
  if (outcome == run::ResumeOutcome::kRequested) {
    std::printf("run %lld: resume requested\n", static_cast<long long>(r.id));
    return 0;
  }
  if (r.status == "finished") throw Error("run " + std::to_string(r.id) + " finished; there is nothing to resume");
  if (r.kind == "selfplay") {
    const run::SelfplaySession::Continuation c = run::SelfplaySession::Reopen(*db, r, Actor(a.as));
    if (!a.quiet)
      std::fprintf(stderr, "run %lld: resuming %s\n", static_cast<long long>(r.id),
                   c.state ? ("after generation " + std::to_string(c.state->generation)).c_str() : "from the beginning");
    return ExecuteSelfplay(*db, r.id, c.plan, &c, SelfplayOutput{a.json, a.quiet});
  }
  // Continue it here, from its last checkpoint.
  const run::Continuation c = run::RsiSession::Reopen(*db, r, Actor(a.as));
  if (!a.quiet)
    std::fprintf(stderr, "run %lld: resuming %s\n", static_cast<long long>(r.id),
                 c.state ? ("after generation " + std::to_string(c.state->generation)).c_str() : "from the beginning");
  return ExecuteRsi(*db, r.id, c.cfg, c.policy, c.state ? &*c.state : nullptr, RsiOutput{a.json, a.quiet});
}

int Decide(const Args& a, bool approve) {
  auto db = store::Store::OpenExisting(a.db);
  const store::RunInfo r = ResolveRun(*db, a.run);
  const std::string actor = Actor(a.as);
  run::ControlService(*db).Decide(r.id, a.item, approve, actor, approve ? a.note : a.reason);
  std::printf("run %lld item %lld %s by %s\n", static_cast<long long>(r.id), static_cast<long long>(a.item),
              approve ? "approved" : "rejected", actor.c_str());
  return 0;
}

int RunPending(const Args& a) {
  auto db = store::Store::OpenExisting(a.db);
  std::vector<std::pair<int64_t, store::ItemRow>> items;
  if (a.run.empty()) {
    items = db->GetPendingItemsAllRuns();
  } else {
    const store::RunInfo r = ResolveRun(*db, a.run);
    for (auto& i : db->GetItems(r.id, true)) items.emplace_back(r.id, i);
  }
  if (a.json) {
    json arr = json::array();
    for (const auto& [run, i] : items)
      arr.push_back({{"run_id", run}, {"item", i.item}, {"kind", i.kind}, {"key", i.key}, {"summary", i.summary},
                     {"created_at", i.created_at},
                     {"evidence", i.evidence_json.empty() ? json(nullptr) : json::parse(i.evidence_json, nullptr, false)}});
    std::printf("%s\n", arr.dump().c_str());
    return 0;
  }
  if (items.empty()) std::printf("nothing is waiting for a decision\n");
  for (const auto& [run, i] : items) {
    std::printf("run %lld item %lld (%s, since %s): %s\n", static_cast<long long>(run), static_cast<long long>(i.item),
                i.kind.c_str(), i.created_at.c_str(), i.summary.c_str());
    const json ev = json::parse(i.evidence_json.empty() ? "null" : i.evidence_json, nullptr, false);
    if (ev.is_object()) {
      std::printf("    LLR %.3f (bounds %.3f, %.3f), W/L/D %lld/%lld/%lld, meta-utility %.4f vs %.4f, validation %.4f vs %.4f\n",
                  ev.value("llr", 0.0), ev.value("lower", 0.0), ev.value("upper", 0.0),
                  static_cast<long long>(ev.value("wins", 0)), static_cast<long long>(ev.value("losses", 0)),
                  static_cast<long long>(ev.value("draws", 0)), ev.value("meta_utility", 0.0),
                  ev.value("incumbent_meta_utility", 0.0), ev.value("validation_capability", ev.value("heldout_capability", 0.0)),
                  ev.value("incumbent_validation_capability", ev.value("incumbent_heldout_capability", 0.0)));
      if (ev.contains("diff") && ev["diff"].is_string()) std::printf("    changes:\n%s", ev["diff"].get<std::string>().c_str());
    }
    std::printf("    ouro approve %lld %lld [--note ...]   |   ouro reject %lld %lld --reason ...\n",
                static_cast<long long>(run), static_cast<long long>(i.item), static_cast<long long>(run),
                static_cast<long long>(i.item));
  }
  return 0;
}

int RunReplay(const Args& a) {
  auto db = store::Store::OpenExisting(a.db);
  const store::RunInfo r = ResolveRun(*db, a.run);
  if (r.kind == "selfplay") return ReplaySelfplay(*db, r.id, SelfplayOutput{a.json, a.quiet});
  return ReplayRsi(*db, r.id, RsiOutput{a.json, a.quiet}, a.llm_replay);
}

CLI::App* Sub(CLI::App& app, const char* name, const char* help, std::shared_ptr<Args> a, bool run_required) {
  CLI::App* s = app.add_subcommand(name, help);
  auto* o = s->add_option("RUN", a->run, "Run id or 'latest'");
  if (run_required) o->required();
  s->add_option("--db", a->db, "Run store (SQLite file)")->capture_default_str();
  return s;
}

}  // namespace

Action RegisterStatus(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "status", "Status of runs (or one run): process, progress, budget, pending approvals", a, false);
  s->add_flag("--json", a->json, "Print JSON");
  return [a] { return RunStatus(*a); };
}

Action RegisterPause(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "pause", "Pause a running rsi run at its next safe point", a, true);
  s->add_option("--note", a->note, "Why (recorded in the audit chain)");
  s->add_option("--as", a->as, "Who is acting (default: $OURO_ACTOR or $USER)");
  return [a] { return RunPause(*a); };
}

Action RegisterResume(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "resume", "Resume a paused run, or continue a stopped/killed run from its checkpoint", a, true);
  s->add_option("--note", a->note, "Why (recorded in the audit chain)");
  s->add_option("--as", a->as, "Who is acting (default: $OURO_ACTOR or $USER)");
  s->add_flag("--json", a->json, "When continuing here: the result as one JSON line");
  s->add_flag("--quiet", a->quiet, "No progress display");
  return [a] { return RunResume(*a); };
}

Action RegisterStop(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "stop", "Stop a run (within a second; it keeps its last checkpoint)", a, true);
  s->add_option("--note", a->note, "Why (recorded in the audit chain)");
  s->add_option("--as", a->as, "Who is acting (default: $OURO_ACTOR or $USER)");
  return [a] { return RunStop(*a); };
}

Action RegisterApprove(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "approve", "Approve a pending item (e.g. adopting an improver)", a, true);
  s->add_option("ITEM", a->item, "Item number (see `ouro pending`)")->required()->check(CLI::PositiveNumber);
  s->add_option("--note", a->note, "A note recorded with the approval");
  s->add_option("--as", a->as, "Who approves (default: $OURO_ACTOR or $USER)");
  return [a] { return Decide(*a, true); };
}

Action RegisterReject(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "reject", "Reject a pending item", a, true);
  s->add_option("ITEM", a->item, "Item number (see `ouro pending`)")->required()->check(CLI::PositiveNumber);
  s->add_option("--reason", a->reason, "Why (recorded in the audit chain)")->required();
  s->add_option("--as", a->as, "Who rejects (default: $OURO_ACTOR or $USER)");
  return [a] { return Decide(*a, false); };
}

Action RegisterPending(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "pending", "Items waiting for a person's decision, with their evidence", a, false);
  s->add_flag("--json", a->json, "Print JSON");
  return [a] { return RunPending(*a); };
}

Action RegisterReplay(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* s = Sub(app, "replay", "Re-execute a stored rsi run and check that it reproduces", a, true);
  s->add_flag("--json", a->json, "Print one JSON report as the last line");
  s->add_flag("--quiet", a->quiet, "No progress display");
  s->add_option("--llm-replay", a->llm_replay,
                "A run that used a language model: the cassette to answer from (default: the one it replayed, else the "
                "one it recorded)")
      ->check(CLI::ExistingFile);
  return [a] { return RunReplay(*a); };
}

}  // namespace ouro::cli
