// web/plot.h — pictures of a run without a browser, for papers and reports (`ouro plot`): the
// held-out curve of an rsi run (the adopted improver against the frozen initial one, with 95%
// intervals, per generation), its takeoff (the cost of each improvement and the returns), a
// self-play run's Elo ladder against its first version, or the
// lineage tree (improvers of an rsi run, the chosen program's ancestry of a search run). Written by
// a small SVG writer of our own: no dependencies, the same bytes for the same store. Pure functions
// of what they read from the store.
#pragma once

#include <cstdint>
#include <string>

#include "store/store.h"

namespace ouro::web {

// The SVG document; Error for an unknown run or one with nothing to draw (e.g. the curve of a
// search run).
std::string CurveSvg(store::Store& db, int64_t run);
std::string LineageSvg(store::Store& db, int64_t run);
// An rsi run read as a takeoff (run/rsi_takeoff.h): the verdict and its reason, log10 of the
// compute spent to find each adoption against k with the fitted line of f, and log10 held-out
// capability against log10 cumulative compute with the fitted line of slope r. Error for an
// unknown run, one that is not rsi, or one without adoptions.
std::string TakeoffSvg(store::Store& db, int64_t run);
// A self-play run's Elo ladder: each measured version's Elo against the first version, with its
// 95% interval, by the generation that adopted it. Error unless a self-play run with a ladder.
std::string EloSvg(store::Store& db, int64_t run);

}  // namespace ouro::web
