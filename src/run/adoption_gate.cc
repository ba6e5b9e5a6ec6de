#include "run/adoption_gate.h"

#include <chrono>
#include <thread>

#include "oversight/judge.h"
#include "run/rsi_records.h"

namespace ouro::run {

using nlohmann::json;

namespace {

std::string RejectionNote(const store::ItemRow& row) {
  return "rejected by " + row.decided_by + ": " + row.note;
}

}  // namespace

LiveGate::LiveGate(store::Store& db, int64_t run_id, RunControl& control, Say say)
    : db_(db), run_(run_id), control_(control), say_(std::move(say)) {}

void LiveGate::Record(const std::string& type, const json& content) {
  db_.AppendEvent(run_, type, "ouro", content.dump());
}

Answer LiveGate::Ask(const Question& q) {
  const bool existed = db_.FindItem(run_, q.key).has_value();
  const int64_t item = db_.AddItem(run_, q.kind, q.key, q.summary, q.evidence.dump());
  if (!existed)
    Record("gate", {{"item", item}, {"key", q.key}, {"gate", q.kind}, {"reason", q.reason}});
  auto row = db_.GetItem(run_, item);
  if (row && row->status == "pending") {
    row = Wait(item, q.summary);
    if (!row) return {};  // stopped while waiting
  }
  say_("item " + std::to_string(item) + " " + row->status + " by " + row->decided_by +
       (row->note.empty() ? "" : ": " + row->note));
  return {row->status == "approved", row->status == "rejected" ? RejectionNote(*row) : ""};
}

std::optional<store::ItemRow> LiveGate::Wait(int64_t item, const std::string& summary) {
  db_.SetRunStatus(run_, "waiting");
  control_.SetWaiting(item);
  const std::string run = std::to_string(run_), id = std::to_string(item);
  say_("waiting for a decision on item " + id + ": " + summary + "\n  ouro approve " + run + " " +
       id + "   or   ouro reject " + run + " " + id + " --reason ...");
  std::optional<store::ItemRow> row;
  while (!control_.stopping()) {
    row = db_.GetItem(run_, item);
    if (row && row->status != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  control_.SetWaiting(0);
  if (control_.stopping()) return std::nullopt;
  db_.SetRunStatus(run_, "running");
  return row;
}

void LiveGate::Promote(const PromotionCall& p) {
  const meta::CandidateReport& c = *p.candidate;
  db_.PutProgram(p.program_hash, p.program_text);
  const json content = {
      {"program", p.program_hash},  {"fitness", c.best_fitness}, {"gain", p.gain},
      {"generation", c.generation}, {"candidate", c.index},      {"text", p.program_text}};
  if (p.ask_reason.empty()) {
    Record("promoted", content);
    return;
  }
  const std::string key = PromoteKey(c, p.program_hash);
  const bool existed = db_.FindItem(run_, key).has_value();
  json evidence = content;
  evidence["reason"] = p.ask_reason;
  const int64_t item = db_.AddItem(run_, "promote", key,
                                   "promote program " + p.program_hash + " (search fitness " +
                                       oversight::Num(c.best_fitness) + "): " + p.ask_reason,
                                   evidence.dump());
  if (!existed)
    Record("gate", {{"item", item},
                    {"key", key},
                    {"gate", "promote"},
                    {"reason", p.ask_reason},
                    {"fitness", c.best_fitness}});
}

Answer ReplayGate::Ask(const Question& q) {
  const auto item = db_.FindItem(run_, q.key);
  if (!item || item->status == "pending") {
    problems_.push_back("the run asked people about " + q.key + " and no decision is stored");
    return {false, "undecided in the store"};
  }
  return {item->status == "approved", item->status == "rejected" ? RejectionNote(*item) : ""};
}

}  // namespace ouro::run
