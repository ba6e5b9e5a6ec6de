// run/rsi_takeoff.h — an rsi run read from the store as a takeoff (meta/takeoff.h): the compute
// spent to find each adoption, the held-out curve, and the estimate. Reads only.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "meta/takeoff.h"
#include "store/store.h"

namespace ouro::run {

// From the run's curve (generation 0 and one point per adoption, in order):
// - costs: c_k = the cumulative meta evaluations at adoption k's point minus those at the point
//   before (generation 0 or the previous adoption), i.e. everything the loop counted between the
//   two adoptions: the games of every candidate tried since the previous adoption and of the
//   incumbent, filter discovery, the validation runs of candidates that passed the test, re-runs
//   (test runs are not counted);
// - the curve: each point's cumulative evaluations and the incumbent's test capability;
// - since_last_adoption: the run's cumulative evaluations (its summary once it has ended, else
//   its last progress report) minus the last point's; 0 when neither is stored.
// Error for an unknown run, or one that is not an rsi run.
meta::TakeoffInput LoadTakeoffInput(store::Store& db, int64_t run_id);

struct RunTakeoff {
  int64_t run_id = 0;
  meta::TakeoffInput input;
  meta::Takeoff estimate;
};

// LoadTakeoffInput, then meta::EstimateTakeoff.
RunTakeoff LoadTakeoff(store::Store& db, int64_t run_id);

// The object `ouro takeoff --json` prints and GET /api/runs/R/takeoff answers: "run_id" and the
// fields of meta::ToJson (docs/cli.md).
nlohmann::json TakeoffJson(const RunTakeoff& t);

}  // namespace ouro::run
