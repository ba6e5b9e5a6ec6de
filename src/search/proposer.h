// search/proposer.h — a source of proposals other than the mutation operators: the object-level
// search asks it for programs (a language model, llm/proposer.h, is the one there is).
//
// The search decides which children to ask for (Strategy::model: a Bernoulli(share) draw per
// child from the run's Rng), gathers the requests of one batch and asks them all at once, on its
// own thread, at the batch boundary; each answer is a program or a rejection with its reason. A
// rejected request's child is made by a mutation instead, drawn after the batch's other children.
// So the lineage depends on the seed, the config and the answers only — a proposer that replays
// recorded answers (a cassette) reproduces a run bit for bit, on any number of threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/program.h"
#include "search/mutator.h"

namespace ouro::search {

struct ScoredProgram {
  const lang::Program* program = nullptr;
  double fitness = 0;
};

struct ProposalRequest {
  int64_t individual = 0;             // the child's number in the run (Individual::id)
  ScoredProgram parent;               // the tournament winner the child replaces a mutation of
  std::vector<ScoredProgram> best;    // the population's best programs, best first (history)
};

struct ProposalAnswer {
  std::optional<lang::Program> program;  // an acceptable program of the search space
  std::string rejection;                 // otherwise, why: one line ("HTTP 500", "parse error: ...")
};

class Proposer {
 public:
  virtual ~Proposer() = default;
  // One answer per request, in order. Must not throw for the proposer's own failures (a server
  // that is down, a reply that is not a program): those are rejections. `stop` ends waits early.
  virtual std::vector<ProposalAnswer> Propose(const std::vector<ProposalRequest>& requests,
                                              const SearchSpace& space, const std::atomic<bool>* stop) = 0;
  // What the proposer exchanged since the last call, one JSON object per exchange in order (for
  // the store and the audit chain of a run whose searches run as jobs); none by default.
  virtual std::vector<nlohmann::json> TakeRecords() { return {}; }
};

// A proposer for each search of a run that runs many (an rsi run's jobs): `context` names the job
// (its arena, family, seed and improver), so that what the proposer records can be told apart and
// replayed whatever order the jobs ran in.
using ProposerFactory = std::function<std::shared_ptr<Proposer>(const std::string& context)>;

// What the proposer did in a run. `trials` and `gains` are credit as CreditStats counts it: every
// scored proposed child is a trial, and the proposed programs on the chosen program's lineage
// earn the fitness they gained over their parents.
struct ProposerStats {
  int64_t requests = 0;
  int64_t programs = 0;    // answers with an acceptable program
  int64_t rejections = 0;  // answers without one (their children were mutated instead)
  int64_t improved = 0;    // proposed children fitter than their parents
  double trials = 0;
  double gains = 0;
  double seconds = 0;      // wall time spent asking (measured; not part of any lineage)
  std::vector<std::string> reasons;  // the distinct rejection reasons, in order of first sight
  void Count(const ProposalAnswer& a);  // one request and its answer
  nlohmann::json ToJson() const;
  static ProposerStats FromJson(const nlohmann::json& j);  // throws nlohmann::json::exception
};

// Why `p` is outside the search space (a component's size out of bounds, an operation the
// component does not allow), or "" if it is inside. Every proposer's program is checked with it.
std::string OutsideSpace(const lang::Program& p, const SearchSpace& space);

}  // namespace ouro::search
