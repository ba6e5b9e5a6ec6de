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

#include "llm/cassette.h"
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
  // Counts one exchange's outcome, its cost at the budget's prices.
  void Add(const ChatOutcome& o, const LlmBudget& prices);
};

// The budget `usage` has reached ("requests", "prompt tokens", "completion tokens", "cost"), or "".
std::string BudgetSpent(const LlmUsage& usage, const LlmBudget& budget);

// One exchange as the store keeps it: the child it was for, the request body, the outcome, and
// what became of the reply (the program text, or why it was rejected); in an rsi run, the job.
struct Exchange {
  int64_t individual = 0;
  nlohmann::json request;
  ChatOutcome outcome;
  std::string program;    // the accepted program's text ("" if none)
  std::string rejection;  // why none
  std::string context;    // ChatRequest::context
  nlohmann::json ToJson() const;
  static Exchange FromJson(const nlohmann::json& j);  // throws ouro::Error
};

class LlmProposer : public search::Proposer {
 public:
  // `backend` may be shared with other proposers of the run (it must then be thread-safe);
  // `context` goes with every request (ChatRequest::context).
  LlmProposer(std::shared_ptr<ChatBackend> backend, ServerConfig server, PromptTemplate prompt,
              int64_t max_program_bytes, LlmBudget budget = {}, std::string context = "");
  std::vector<search::ProposalAnswer> Propose(const std::vector<search::ProposalRequest>& requests,
                                              const search::SearchSpace& space,
                                              const std::atomic<bool>* stop) override;
  std::vector<Exchange> TakeExchanges();  // the exchanges since the last call, in order
  std::vector<nlohmann::json> TakeRecords() override;  // the same, as Exchange::ToJson
  const LlmUsage& usage() const { return usage_; }
  // The reason the budget allows no further request, or "".
  std::string BudgetSpent() const;

 private:
  search::ProposalAnswer Ask(const search::ProposalRequest& r, const search::SearchSpace& space,
                             const std::atomic<bool>* stop);

  std::shared_ptr<ChatBackend> backend_;
  ServerConfig server_;
  PromptTemplate prompt_;
  int64_t max_program_bytes_;
  LlmBudget budget_;
  std::string context_;
  RequestCounter counter_;  // this proposer's sendings: a job run again asks with the same keys
  LlmUsage usage_;
  std::vector<Exchange> exchanges_;
};

// The model of a run as a config's [llm] section describes it: its prompt template (`prompt`,
// relative to `base_dir` unless absolute; none: the built-in prompts/program.txt) and one backend
// that answers from the cassette `replay` when that is not empty (never a server), else asks the
// server and appends every exchange to the section's cassette. Make throws ouro::Error for a
// prompt or cassette that cannot be read (or written). A search run asks through one proposer
// (MakeLlmProposer, with the section's budget); an rsi run through one per job (ForJob: the job's
// context, no budget of its own — the run checks the section's budget between games).
class LlmService {
 public:
  // append: a live run continues the cassette it recorded before (RecordingBackend).
  static std::shared_ptr<LlmService> Make(const LlmConfig& c, const std::string& replay, const std::string& base_dir,
                                          bool append = false);
  std::shared_ptr<LlmProposer> ForJob(const std::string& context) const;
  const LlmConfig& config() const { return config_; }

 private:
  LlmService(LlmConfig c, PromptTemplate prompt, std::shared_ptr<ChatBackend> backend)
      : config_(std::move(c)), prompt_(std::move(prompt)), backend_(std::move(backend)) {}
  friend std::shared_ptr<LlmProposer> MakeLlmProposer(const LlmConfig&, const std::string&, const std::string&);
  LlmConfig config_;
  PromptTemplate prompt_;
  std::shared_ptr<ChatBackend> backend_;
};

std::shared_ptr<LlmProposer> MakeLlmProposer(const LlmConfig& c, const std::string& replay, const std::string& base_dir);
PromptTemplate DefaultPrompt();

// The template's values for one request: dim, registers, operations, history, parents.
std::map<std::string, std::string> PromptValues(const search::ProposalRequest& r, const search::SearchSpace& space);

}  // namespace ouro::llm
