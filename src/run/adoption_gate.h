// run/adoption_gate.h — how an rsi run carries out the judge's verdicts at the adoption seam,
// live or in replay. The seam (run/adoption_seam.h) decides nothing itself: oversight::Judge does;
// the gate is the part that differs between a live run and its replay.
//
// LiveGate writes through the store: audit events, the approval items people answer (waiting for
// `ouro approve|reject`, a stop ends the wait), programs to promote; it pauses and stops the run
// through its RunControl. ReplayGate writes nothing: people's decisions come from the items stored
// by the live run, a question with no stored answer is a replay problem, and the programs it would
// promote are collected for comparison with the stored chain. Both are used from the loop's thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "meta/rsi.h"
#include "run/run_control.h"
#include "store/store.h"

namespace ouro::run {

// A question to people about adopting a candidate.
struct Question {
  std::string kind;    // "adopt"
  std::string key;     // run/rsi_records.h AdoptKey
  std::string reason;  // why a person must decide (the judge's ask_reason)
  std::string summary;
  nlohmann::json evidence;
};

struct Answer {
  bool approved = false;
  std::string note;  // why it was not adopted (the candidate's note), "" to leave it as is
};

// A better program the promotion gate lets through or puts to a person.
struct PromotionCall {
  const meta::CandidateReport* candidate = nullptr;
  std::string program_hash, program_text;
  double gain = 0;
  std::string ask_reason;  // "" = promoted without asking
};

class AdoptionGate {
 public:
  virtual ~AdoptionGate() = default;
  // Appends one audit event of the seam (actor "ouro").
  virtual void Record(const std::string& type, const nlohmann::json& content) = 0;
  // A tripwire's actions on the run.
  virtual void Pause() = 0;
  virtual void Stop(const std::string& why) = 0;
  virtual bool stopping() const = 0;
  virtual Answer Ask(const Question& q) = 0;
  virtual void Promote(const PromotionCall& p) = 0;
};

class LiveGate : public AdoptionGate {
 public:
  LiveGate(store::Store& db, int64_t run_id, RunControl& control, Say say);
  void Record(const std::string& type, const nlohmann::json& content) override;
  void Pause() override { control_.PauseNow(); }
  void Stop(const std::string& why) override { control_.RequestStop(why); }
  bool stopping() const override { return control_.stopping(); }
  Answer Ask(const Question& q) override;
  void Promote(const PromotionCall& p) override;

 private:
  // Waits until item is decided or the run stops; returns the item's row as last read.
  std::optional<store::ItemRow> Wait(int64_t item, const std::string& summary);

  store::Store& db_;
  const int64_t run_;
  RunControl& control_;
  Say say_;
};

class ReplayGate : public AdoptionGate {
 public:
  ReplayGate(store::Store& db, int64_t run_id) : db_(db), run_(run_id) {}
  void Record(const std::string&, const nlohmann::json&) override {}
  void Pause() override {}
  void Stop(const std::string&) override {}
  bool stopping() const override { return false; }
  Answer Ask(const Question& q) override;
  void Promote(const PromotionCall& p) override { promotions_.push_back(p.program_hash); }

  const std::vector<std::string>& problems() const { return problems_; }
  const std::vector<std::string>& promotions() const {
    return promotions_;
  }  // program hashes, in order

 private:
  store::Store& db_;
  const int64_t run_;
  std::vector<std::string> problems_;
  std::vector<std::string> promotions_;
};

}  // namespace ouro::run
