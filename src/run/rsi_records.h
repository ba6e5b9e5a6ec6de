// run/rsi_records.h — what an rsi run writes about itself: its store rows (improvers, candidates,
// curve points), the evidence shown to people and the summary, built from the loop's reports.
// Pure functions: the same report gives the same bytes, which is what lets a replay compare.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "meta/rsi.h"
#include "store/store.h"

namespace ouro::run {

// The paired games, the candidate's gate (test, alpha, P(accept | equal), bounds), its metrics and
// note.
nlohmann::json CandidateEvidence(const meta::CandidateReport& r, const meta::RsiConfig& cfg);
// CandidateEvidence plus the test's verdict (operator, LLR, W/L/D): an adopted improver's evidence.
nlohmann::json DecisionEvidence(const meta::CandidateReport& r, const meta::RsiConfig& cfg);

nlohmann::json CurvePointJson(const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen);

// The keys of the questions put to people: "adopt:g<gen>c<idx>:<spec hash>" and
// "promote:g<gen>c<idx>:<program hash>" (a resumed run asks again and finds the earlier answer).
std::string AdoptKey(const meta::CandidateReport& r);
std::string PromoteKey(const meta::CandidateReport& r, const std::string& program_hash);

// parent_hash: the parent as it was stored (its credit has grown since); evidence may be null
// (generation 0).
store::ImproverRow ImproverRowOf(int generation, const meta::ImproverSpec& spec,
                                 const std::string& parent_hash,
                                 const meta::CandidateReport* evidence, const meta::RsiConfig& cfg);
store::CandidateRow CandidateRowOf(const meta::CandidateReport& r, const meta::RsiConfig& cfg);
store::CurveRow CurveRowOf(const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen);

// The audit events' contents for an adopted improver and a judged candidate.
nlohmann::json ImproverEvent(const store::ImproverRow& row);
nlohmann::json CandidateEvent(const store::CandidateRow& row);

// The progress object readers see while the run is going (after each checkpoint).
nlohmann::json CheckpointProgress(const meta::RsiState& s,
                                  const meta::RsiConfig::Budget& run_budget);

// The summary object of an rsi result (stored with the run; the --json line). null_control: true
// in a null control, absent otherwise.
nlohmann::json RsiSummary(int64_t run_id, const meta::RsiConfig& cfg, const meta::RsiResult& r);

}  // namespace ouro::run
