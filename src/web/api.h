// web/api.h — the dashboard's JSON API over the run store, independent of HTTP: each read returns
// the JSON body of one GET endpoint, each action carries out one POST (approve, reject, pause,
// resume, stop) through run::ControlService, the same code as the `ouro` control commands.
//
// Large runs stay cheap to watch: the curve and the candidates are decimated to at most
// `max_points` (first, last, every adoption and evenly spaced others), the lineage and the audit
// chain are paged, and everything derived from a run is cached until the run changes (its status,
// control word, progress or audit head), so a page polling every 2 s costs a few cheap queries.
// Thread-safety: an Api owns no connection; it uses the Store it was given, from one thread at a
// time (the server serialises calls with a mutex). Errors a client can cause are HttpError values
// (400 bad input, 404 unknown run/item/node, 409 a state that does not allow the action).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace ouro::web {

using nlohmann::json;

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Parses a path or query id: a positive decimal integer that fits int64, else HttpError 400.
int64_t ParseId(const std::string& text, const char* what);

class Api {
 public:
  explicit Api(store::Store& db) : db_(db) {}

  json Runs();                                         // GET /api/runs
  json Run(int64_t run);                               // GET /api/runs/R
  json Curve(int64_t run, int max_points);             // GET /api/runs/R/curve?max=N
  json Candidates(int64_t run, int max_points);        // GET /api/runs/R/candidates?max=N
  json Lineage(int64_t run, int limit);                // GET /api/runs/R/lineage?limit=N
  json Node(int64_t run, const std::string& hash);     // GET /api/runs/R/node/HASH
  json Items(int64_t run);                             // GET /api/runs/R/items
  json Audit(int64_t run, int64_t offset, int limit);  // GET /api/runs/R/audit?offset=&limit=
  // GET /api/runs/R/takeoff: the run read as a takeoff (run::TakeoffJson); 404 unless an rsi run.
  json Takeoff(int64_t run);
  // GET /api/runs/R/elo: a self-play run's Elo ladder against its first version (with 95%
  // intervals) and its generations (run::SelfplayRunJson); 404 unless a self-play run.
  json Elo(int64_t run);
  // GET /api/runs/R/llm?offset=&limit=: the run's exchanges with a language model (issue 19),
  // newest first: each request body as sent, its outcome (reply, status, attempts, tokens) and what
  // became of the reply (the program it produced, or why it was rejected), with the child it was
  // for; `total`, and `proposed` / `rejected` counts over all of them.
  json Llm(int64_t run, int64_t offset, int limit);

  // POST /api/runs/R/items/I/approve|reject. A rejection needs a non-empty note (its reason).
  json Decide(int64_t run, int64_t item, bool approve, const std::string& actor, const std::string& note);
  // POST /api/runs/R/pause|resume|stop.
  json Control(int64_t run, const std::string& action, const std::string& actor, const std::string& note);

 private:
  struct RunCache {
    std::string version;
    json curve_points;  // every point, with intervals
    json candidates;    // every candidate, without specs
    json lineage;       // every node
    json takeoff;
    bool have_curve = false, have_candidates = false, have_lineage = false, have_takeoff = false;
    int64_t tripwires = 0;
    bool have_tripwires = false;
  };
  store::RunInfo GetRun(int64_t run);
  RunCache& Cache(const store::RunInfo& r);  // the run's cache, cleared if the run changed
  int64_t Tripwires(const store::RunInfo& r);
  nlohmann::json RunFields(const store::RunInfo& r);

  store::Store& db_;
  std::map<int64_t, RunCache> cache_;
};

// Indices of at most max_points of n items, evenly spaced, always with the first and the last,
// plus every index in `keep` (sorted, unique).
std::vector<size_t> Decimate(size_t n, size_t max_points, const std::vector<size_t>& keep = {});

// A line diff of two texts (LCS), as lines prefixed with "  ", "- " or "+ ".
std::string LineDiff(const std::string& from, const std::string& to);

}  // namespace ouro::web
