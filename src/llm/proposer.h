// llm/proposer.h — the language model as a proposer of programs for the object-level search
// (search/proposer.h). Each request becomes a prompt — the template (llm/prompt.h) filled with the
// register shape, the operations each function may use, the population's best programs (the
// search's recent history) and the parent with its fitness — sent through a ChatBackend (live,
// recording to a cassette, or replaying one), and the reply is read as a program (llm/reply.h).
// Requests are sent one at a time, in request order, so that a recorded run replays in the same
// order. Every exchange is kept for the store (TakeExchanges). When a budget is spent, the rest of
// the run's requests are rejections ("llm budget spent: ...") without a request, so the run goes on
// with mutations; the budget counts what the server reported (in replay: what it reported then).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "llm/chat.h"
#include "llm/config.h"
#include "llm/prompt.h"
#include "search/proposer.h"

namespace ouro::llm {

struct LlmUsage {
  int64_t requests = 0;  // exchanges carried out (each may have been several HTTP attempts)
  int64_t failed = 0;    // of those, ones without a reply
  int64_t prompt_tokens = 0, completion_tokens = 0;
  double cost = 0;
  nlohmann::json ToJson() const;
};

// One exchange as the store keeps it: the child it was for, the request body, the outcome, and
// what became of the reply (the program text, or why it was rejected).
struct Exchange {
  int64_t individual = 0;
  nlohmann::json request;
  ChatOutcome outcome;
  std::string program;    // the accepted program's text ("" if none)
  std::string rejection;  // why none
};

class LlmProposer : public search::Proposer {
 public:
  LlmProposer(std::unique_ptr<ChatBackend> backend, ServerConfig server, PromptTemplate prompt,
              int64_t max_program_bytes, LlmBudget budget = {});
  std::vector<search::ProposalAnswer> Propose(const std::vector<search::ProposalRequest>& requests,
                                              const search::SearchSpace& space,
                                              const std::atomic<bool>* stop) override;
  std::vector<Exchange> TakeExchanges();  // the exchanges since the last call, in order
  const LlmUsage& usage() const { return usage_; }
  // The reason the budget allows no further request, or "".
  std::string BudgetSpent() const;

 private:
  search::ProposalAnswer Ask(const search::ProposalRequest& r, const search::SearchSpace& space,
                             const std::atomic<bool>* stop);

  std::unique_ptr<ChatBackend> backend_;
  ServerConfig server_;
  PromptTemplate prompt_;
  int64_t max_program_bytes_;
  LlmBudget budget_;
  LlmUsage usage_;
  std::vector<Exchange> exchanges_;
};

// The proposer a config's [llm] section describes: its prompt template (`prompt`, relative to
// `base_dir` unless absolute; none: the built-in prompts/program.txt) and a backend that answers
// from the cassette `replay` when that is not empty (never a server), else asks the server and
// appends every exchange to the section's cassette. Throws ouro::Error for a prompt or cassette
// that cannot be read (or written).
std::shared_ptr<LlmProposer> MakeLlmProposer(const LlmConfig& c, const std::string& replay, const std::string& base_dir);
PromptTemplate DefaultPrompt();

// The template's values for one request: dim, registers, operations, history, parents.
std::map<std::string, std::string> PromptValues(const search::ProposalRequest& r, const search::SearchSpace& space);

}  // namespace ouro::llm
