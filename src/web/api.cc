// web/api.cc — the dashboard's JSON API (see api.h).
#include "web/api.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "meta/spec.h"
#include "meta/stats.h"
#include "oversight/audit.h"
#include "run/control_service.h"
#include "run/rsi_recipe.h"
#include "run/rsi_takeoff.h"
#include "run/selfplay_session.h"

namespace ouro::web {
namespace {

json ParseOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

json Budget(const json& progress) {
  json b = json::object();
  if (!progress.is_object() || !progress.contains("budget") || !progress["budget"].is_object()) return b;
  const json& lim = progress["budget"];
  auto add = [&](const char* name, const char* used_key) {
    const double limit = lim.value(name, 0.0);
    const double used = progress.value(used_key, 0.0);
    b[name] = {{"used", used}, {"limit", limit}, {"fraction", limit > 0 ? json(used / limit) : json(nullptr)}};
  };
  add("evaluations", "evaluations");
  add("cpu_seconds", "cpu_seconds");
  add("wall_seconds", "seconds");
  return b;
}

bool IsHex(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

int64_t ParseId(const std::string& text, const char* what) {
  const bool digits = !text.empty() && text.size() <= 18 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int64_t v = digits ? std::stoll(text) : 0;
  if (v < 1) throw HttpError(400, std::string(what) + " must be a positive integer, got '" + text.substr(0, 40) + "'");
  return v;
}

std::vector<size_t> Decimate(size_t n, size_t max_points, const std::vector<size_t>& keep) {
  std::vector<size_t> out;
  if (n == 0) return out;
  if (n <= max_points || max_points < 2) {
    if (n <= max_points) {
      for (size_t i = 0; i < n; ++i) out.push_back(i);
      return out;
    }
    max_points = 2;
  }
  for (size_t i = 0; i < max_points; ++i)
    out.push_back(static_cast<size_t>(std::llround(static_cast<double>(i) * (n - 1) / (max_points - 1))));
  for (size_t k : keep)
    if (k < n) out.push_back(k);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string LineDiff(const std::string& from, const std::string& to) {
  const auto a = Lines(from), b = Lines(to);
  // Common prefix and suffix first, so a long text with a small change costs little.
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
  const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  std::string out;
  for (size_t i = 0; i < pre; ++i) out += "  " + a[i] + "\n";
  if (n * m > 4'000'000) {  // too large for the table: everything in between changed
    for (size_t i = 0; i < n; ++i) out += "- " + a[pre + i] + "\n";
    for (size_t j = 0; j < m; ++j) out += "+ " + b[pre + j] + "\n";
  } else {
    std::vector<std::vector<int>> l(n + 1, std::vector<int>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        l[i][j] = a[pre + i] == b[pre + j] ? l[i + 1][j + 1] + 1 : std::max(l[i + 1][j], l[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        out += "  " + a[pre + i] + "\n", ++i, ++j;
      } else if (i < n && (j == m || l[i + 1][j] >= l[i][j + 1])) {
        out += "- " + a[pre + i] + "\n", ++i;
      } else {
        out += "+ " + b[pre + j] + "\n", ++j;
      }
    }
  }
  for (size_t i = a.size() - suf; i < a.size(); ++i) out += "  " + a[i] + "\n";
  return out;
}

store::RunInfo Api::GetRun(int64_t run) {
  auto r = db_.GetRun(run);
  if (!r) throw HttpError(404, "no run " + std::to_string(run));
  return *r;
}

Api::RunCache& Api::Cache(const store::RunInfo& r) {
  const auto head = db_.GetAuditHead(r.id);
  const std::string version = r.status + "|" + r.control + "|" + r.finished_at + "|" + r.progress_json + "|" +
                              (head ? std::to_string(head->first) + head->second : "");
  RunCache& c = cache_[r.id];
  if (c.version != version) {
    c = RunCache();
    c.version = version;
  }
  return c;
}

int64_t Api::Tripwires(const store::RunInfo& r) {
  RunCache& c = Cache(r);
  if (!c.have_tripwires) {
    c.tripwires = 0;
    for (const auto& e : db_.GetEvents(r.id)) c.tripwires += e.type == "tripwire";
    c.have_tripwires = true;
  }
  return c.tripwires;
}

// The fields a run's list entry and its page share.
json Api::RunFields(const store::RunInfo& r) {
  const json progress = ParseOrNull(r.progress_json);
  return {{"run_id", r.id},
          {"kind", r.kind},
          {"status", r.status},
          {"live", store::RunActive(r) && store::OwnerLive(r)},
          {"control", r.control},
          {"created_at", r.created_at},
          {"finished_at", r.finished_at},
          {"seed", r.seed},
          {"progress", progress},
          {"budget", Budget(progress)},
          {"tripwires_fired", Tripwires(r)},
          {"pending", db_.GetItems(r.id, true).size()}};
}

json Api::Runs() {
  json arr = json::array();
  for (const auto& r : db_.ListRuns()) {
    json summary = ParseOrNull(r.summary_json);
    if (summary.is_object()) summary.erase("program"), summary.erase("program_live");
    json j = RunFields(r);
    j["summary"] = summary;
    arr.push_back(std::move(j));
  }
  return arr;
}

json Api::Run(int64_t run) {
  const store::RunInfo r = GetRun(run);
  json j = RunFields(r);
  j["owner_pid"] = r.owner_pid;
  j["owner_host"] = r.owner_host;
  j["heartbeat_age_seconds"] = r.heartbeat_age_seconds;
  j["summary"] = ParseOrNull(r.summary_json);
  if (auto ck = db_.GetCheckpoint(r.id)) j["checkpoint_generation"] = ck->first;
  const json config = ParseOrNull(r.config_json);
  if (config.is_object() && config.contains("policy") && config["policy"].is_object())
    j["policy"] = config["policy"].value("name", "");
  if (run::IsNullControl(r)) j["null_control"] = true;
  return j;
}

json Api::Curve(int64_t run, int max_points) {
  const store::RunInfo r = GetRun(run);
  RunCache& c = Cache(r);
  if (!c.have_curve) {
    c.curve_points = json::array();
    for (const auto& p : db_.GetCurve(run)) {
      const json pj = json::parse(p.point_json, nullptr, false);
      if (!pj.is_object()) continue;
      auto measure = [](const json& m) {
        json out = {{"capability", nullptr}, {"lo", nullptr}, {"hi", nullptr}, {"n", 0}};
        if (!m.is_object()) return out;
        const double cap = m.value("capability", 0.0);
        std::vector<double> auc;
        if (m.contains("auc") && m["auc"].is_array())
          for (const auto& v : m["auc"])
            if (v.is_number()) auc.push_back(v.get<double>());
        // The 95% Student-t interval of the mean AUC, centred on the capability; none below 2 runs.
        double half = 0;
        if (auc.size() >= 2) {
          const meta::Interval iv = meta::MeanInterval(auc, 0.95);
          half = (iv.high - iv.low) / 2;
        }
        out = {{"capability", cap}, {"lo", cap - half}, {"hi", cap + half}, {"n", auc.size()}};
        return out;
      };
      c.curve_points.push_back({{"generation", p.generation},
                                {"cumulative_evaluations", p.cumulative_evaluations},
                                {"seconds", p.seconds},
                                {"improver", pj.value("improver", "")},
                                {"incumbent", measure(pj.value("incumbent", json()))},
                                {"frozen", measure(pj.value("frozen", json()))},
                                // Points stored before the validation arena: oversight read the
                                // held-out (now test) measure.
                                {"validation", measure(pj.value("validation", pj.value("incumbent", json())))}});
    }
    c.have_curve = true;
  }
  json points = json::array();
  for (size_t i : Decimate(c.curve_points.size(), static_cast<size_t>(max_points))) points.push_back(c.curve_points[i]);
  return {{"run_id", run}, {"total", c.curve_points.size()}, {"points", points}};
}

json Api::Candidates(int64_t run, int max_points) {
  const store::RunInfo r = GetRun(run);
  RunCache& c = Cache(r);
  if (!c.have_candidates) {
    c.candidates = json::array();
    for (const auto& k : db_.GetCandidates(run)) {
      const json ev = ParseOrNull(k.evidence_json);
      c.candidates.push_back({{"generation", k.generation},
                              {"idx", k.idx},
                              {"hash", k.hash},
                              {"meta_operator", k.meta_operator},
                              {"decision", k.decision},
                              {"llr", std::isfinite(k.llr) ? json(k.llr) : json(nullptr)},
                              {"wins", k.wins},
                              {"losses", k.losses},
                              {"draws", k.draws},
                              {"meta_utility", std::isfinite(k.meta_utility) ? json(k.meta_utility) : json(nullptr)},
                              {"incumbent_meta_utility",
                               ev.is_object() ? ev.value("incumbent_meta_utility", json(nullptr)) : json(nullptr)}});
    }
    c.have_candidates = true;
  }
  std::vector<size_t> adopted;
  std::map<std::string, int64_t> counts;
  for (size_t i = 0; i < c.candidates.size(); ++i) {
    const std::string d = c.candidates[i]["decision"];
    ++counts[d];
    if (d == "adopted" && adopted.size() < static_cast<size_t>(max_points)) adopted.push_back(i);
  }
  json points = json::array();
  for (size_t i : Decimate(c.candidates.size(), static_cast<size_t>(max_points), adopted)) points.push_back(c.candidates[i]);
  return {{"run_id", run}, {"total", c.candidates.size()}, {"counts", counts}, {"points", points}};
}

json Api::Lineage(int64_t run, int limit) {
  const store::RunInfo r = GetRun(run);
  RunCache& c = Cache(r);
  if (!c.have_lineage) {
    c.lineage = json::array();
    std::map<std::string, int64_t> index;  // hash -> node id (the latest with that hash)
    if (r.kind == "rsi") {
      for (const auto& i : db_.GetImprovers(run)) {
        const json ev = ParseOrNull(i.evidence_json);
        const auto p = index.find(i.parent_hash);
        const int64_t id = static_cast<int64_t>(c.lineage.size());
        c.lineage.push_back({{"id", id},
                             {"parent", p == index.end() ? json(nullptr) : json(p->second)},
                             {"hash", i.hash},
                             {"parent_hash", i.parent_hash},
                             {"kind", "improver"},
                             {"label", "gen " + std::to_string(i.generation)},
                             {"generation", i.generation},
                             {"meta_operator", ev.is_object() ? ev.value("meta_operator", "") : ""},
                             {"value", std::isfinite(i.meta_utility) ? json(i.meta_utility) : json(nullptr)}});
        index[i.hash] = id;
      }
      // Then the best programs, each the child of the record it beat.
      std::string prev;
      for (const auto& p : oversight::Promotions(db_.GetEvents(run))) {
        const auto parent = prev.empty() ? index.end() : index.find(prev);
        const int64_t id = static_cast<int64_t>(c.lineage.size());
        c.lineage.push_back({{"id", id},
                             {"parent", parent == index.end() ? json(nullptr) : json(parent->second)},
                             {"hash", p.program},
                             {"parent_hash", prev},
                             {"kind", "program"},
                             {"label", "best program, gen " + std::to_string(p.generation) + " candidate " + std::to_string(p.candidate)},
                             {"generation", p.generation},
                             {"value", std::isfinite(p.fitness) ? json(p.fitness) : json(nullptr)}});
        index[p.program] = id;
        prev = p.program;
      }
    } else {
      for (const auto& l : db_.GetLineage(run)) {
        const auto p = index.find(l.parent_hash);
        const int64_t id = static_cast<int64_t>(c.lineage.size());
        c.lineage.push_back({{"id", id},
                             {"parent", p == index.end() ? json(nullptr) : json(p->second)},
                             {"hash", l.child_hash},
                             {"parent_hash", l.parent_hash},
                             {"kind", "program"},
                             {"label", "#" + std::to_string(l.individual) + (l.mutation.empty() ? "" : " " + l.mutation)},
                             {"individual", l.individual},
                             {"mutation", l.mutation},
                             {"value", std::isfinite(l.fitness) ? json(l.fitness) : json(nullptr)}});
        index[l.child_hash] = id;
      }
    }
    c.have_lineage = true;
  }
  // The newest `limit` nodes (the end of the lineage is what people look at first).
  const size_t n = c.lineage.size();
  const size_t first = n > static_cast<size_t>(limit) ? n - limit : 0;
  json nodes = json::array();
  for (size_t i = first; i < n; ++i) {
    json node = c.lineage[i];
    if (node["parent"].is_number() && node["parent"].get<int64_t>() < static_cast<int64_t>(first)) {
      node["parent"] = nullptr;
      node["parent_hidden"] = true;
    }
    nodes.push_back(std::move(node));
  }
  return {{"run_id", run}, {"kind", r.kind}, {"total", n}, {"first", first}, {"nodes", nodes}};
}

json Api::Node(int64_t run, const std::string& hash) {
  if (!IsHex(hash)) throw HttpError(400, "a node is named by its hash (lowercase hex)");
  const store::RunInfo r = GetRun(run);
  if (r.kind == "rsi") {
    const auto improvers = db_.GetImprovers(run);
    for (size_t i = 0; i < improvers.size(); ++i) {
      if (improvers[i].hash != hash) continue;
      const auto spec = meta::SpecFromJson(meta::Json::parse(improvers[i].spec_json));
      json j = {{"run_id", run},
                {"kind", "improver"},
                {"hash", hash},
                {"generation", improvers[i].generation},
                {"parent_hash", improvers[i].parent_hash},
                {"text", meta::Json::parse(improvers[i].spec_json).dump(2)},
                {"evidence", ParseOrNull(improvers[i].evidence_json)}};
      for (const auto& p : improvers)
        if (p.hash == improvers[i].parent_hash)
          j["diff"] = meta::DiffText(meta::SpecFromJson(meta::Json::parse(p.spec_json)), spec);
      if (!j.contains("diff")) j["diff"] = nullptr;
      return j;
    }
  }
  const auto text = db_.GetProgram(hash);
  std::string parent_hash;
  bool in_run = false;
  if (r.kind == "rsi") {
    std::string prev;
    for (const auto& p : oversight::Promotions(db_.GetEvents(run))) {
      if (p.program == hash) {
        parent_hash = prev, in_run = true;
        break;
      }
      prev = p.program;
    }
    if (!in_run) throw HttpError(404, "run " + std::to_string(run) + " has no improver or best program " + hash);
  } else {
    for (const auto& l : db_.GetLineage(run))
      if (l.child_hash == hash) parent_hash = l.parent_hash, in_run = true;
  }
  if (!text || !in_run) throw HttpError(404, "run " + std::to_string(run) + " has no program " + hash);
  json j = {{"run_id", run}, {"kind", "program"}, {"hash", hash}, {"parent_hash", parent_hash}, {"text", *text}};
  const auto parent = parent_hash.empty() ? std::nullopt : db_.GetProgram(parent_hash);
  j["diff"] = parent ? json(LineDiff(*parent, *text)) : json(nullptr);
  return j;
}

json Api::Items(int64_t run) {
  GetRun(run);
  json arr = json::array();
  for (const auto& i : db_.GetItems(run, false))
    arr.push_back({{"run_id", run},
                   {"item", i.item},
                   {"kind", i.kind},
                   {"key", i.key},
                   {"summary", i.summary},
                   {"status", i.status},
                   {"created_at", i.created_at},
                   {"decided_by", i.decided_by},
                   {"decided_at", i.decided_at},
                   {"note", i.note},
                   {"evidence", ParseOrNull(i.evidence_json)}});
  return {{"run_id", run}, {"items", arr}};
}

json Api::Audit(int64_t run, int64_t offset, int limit) {
  GetRun(run);
  // Verified on every request, never cached: a tampered row must show at the next poll.
  const auto events = db_.GetEvents(run);
  const auto check = oversight::VerifyChain(run, events, db_.GetAuditHead(run));
  json page = json::array();
  // Newest first: offset 0 is the last event.
  for (int64_t k = offset; k < offset + limit && k < static_cast<int64_t>(events.size()); ++k) {
    const auto& e = events[events.size() - 1 - k];
    page.push_back({{"seq", e.seq}, {"at", e.at}, {"type", e.type}, {"actor", e.actor},
                    {"content", ParseOrNull(e.content_json)}, {"hash", e.hash}});
  }
  return {{"run_id", run},
          {"ok", check.ok},
          {"events", events.size()},
          {"first_bad_row", check.ok ? json(nullptr) : json(check.first_bad_seq)},
          {"problem", check.ok ? json(nullptr) : json(check.problem)},
          {"head", check.head_hash},
          {"offset", offset},
          {"page", page}};
}

json Api::Takeoff(int64_t run) {
  const store::RunInfo r = GetRun(run);
  RunCache& c = Cache(r);
  if (!c.have_takeoff) {
    try {
      c.takeoff = run::TakeoffJson(run::LoadTakeoff(db_, run));
    } catch (const Error& e) {  // not an rsi run
      throw HttpError(404, e.what());
    }
    c.have_takeoff = true;
  }
  return c.takeoff;
}

json Api::Elo(int64_t run) {
  const store::RunInfo r = GetRun(run);
  if (r.kind != "selfplay") throw HttpError(404, "run " + std::to_string(run) + " is not a self-play run");
  return run::SelfplayRunJson(db_, run);
}

json Api::Llm(int64_t run, int64_t offset, int limit) {
  GetRun(run);
  const std::vector<store::LlmExchangeRow> rows = db_.GetLlmExchanges(run);
  json page = json::array();
  int64_t proposed = 0;
  for (const store::LlmExchangeRow& x : rows) proposed += x.program.empty() ? 0 : 1;
  for (int64_t k = offset; k < offset + limit && k < static_cast<int64_t>(rows.size()); ++k) {
    const store::LlmExchangeRow& x = rows[rows.size() - 1 - static_cast<size_t>(k)];
    page.push_back({{"seq", x.seq},
                    {"individual", x.individual},
                    {"request", ParseOrNull(x.request_json)},
                    {"outcome", ParseOrNull(x.outcome_json)},
                    {"program", x.program.empty() ? json(nullptr) : json(x.program)},
                    {"rejection", x.rejection.empty() ? json(nullptr) : json(x.rejection)}});
  }
  return {{"run_id", run},
          {"total", rows.size()},
          {"proposed", proposed},
          {"rejected", static_cast<int64_t>(rows.size()) - proposed},
          {"offset", offset},
          {"page", page}};
}

namespace {

// The control service's refusals as HTTP statuses.
HttpError ToHttp(const run::ControlError& e) {
  switch (e.code()) {
    case run::ControlErrc::kNotFound: return HttpError(404, e.what());
    case run::ControlErrc::kConflict: return HttpError(409, e.what());
    case run::ControlErrc::kBadRequest: return HttpError(400, e.what());
  }
  return HttpError(500, e.what());
}

}  // namespace

json Api::Decide(int64_t run, int64_t item, bool approve, const std::string& actor, const std::string& note) {
  try {
    run::ControlService(db_).Decide(run, item, approve, actor, note);
  } catch (const run::ControlError& e) {
    throw ToHttp(e);
  } catch (const Error& e) {
    throw HttpError(409, e.what());  // as before the control service: a failed decision is a conflict
  }
  return {{"run_id", run}, {"item", item}, {"status", approve ? "approved" : "rejected"}, {"by", actor}};
}

json Api::Control(int64_t run, const std::string& action, const std::string& actor, const std::string& note) {
  const std::string id = std::to_string(run);
  run::ControlService control(db_);
  try {
    if (action == "pause") {
      control.Pause(run, actor, note);
      return {{"run_id", run}, {"requested", "pause"}};
    }
    if (action == "stop") {
      const bool marked = control.Stop(run, actor, note) == run::StopOutcome::kMarkedStopped;
      return {{"run_id", run}, {"requested", "stop"}, {"marked_stopped", marked}};
    }
    if (action == "resume") {
      const auto [outcome, r] = control.Resume(run, actor, note);
      if (outcome == run::ResumeOutcome::kNoLiveProcess)
        throw HttpError(409, "run " + id + " has no live process (" + r.status + "); continue it with `ouro resume " + id + "`");
      if (outcome == run::ResumeOutcome::kAlreadyRunning)
        return {{"run_id", run}, {"requested", nullptr}, {"message", "run " + id + " is running"}};
      return {{"run_id", run}, {"requested", "resume"}};
    }
  } catch (const run::ControlError& e) {
    throw ToHttp(e);
  }
  GetRun(run);
  throw HttpError(404, "no action '" + action + "'");
}

}  // namespace ouro::web
