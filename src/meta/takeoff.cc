// meta/takeoff.cc — f, the multiplier, the returns and the verdict (see takeoff.h).
#include "meta/takeoff.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace ouro::meta {
namespace {

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// The least-squares line passes through the means.
double InterceptThroughMeans(const std::vector<double>& x, const std::vector<double>& y, double slope) {
  return Mean(y) - slope * Mean(x);
}

std::vector<double> Logs(const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v) out.push_back(std::log(x));
  return out;
}

std::string Fmt(double v) {
  if (!std::isfinite(v)) return "no finite bound";
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(v) >= 1000 ? "%.0f" : "%.3g", v);
  return buf;
}

// "0.31, 95% [0.12, 0.46]".
std::string Fmt(const Interval& i) {
  return Fmt(i.estimate) + ", 95% [" + Fmt(i.low) + ", " + Fmt(i.high) + "]";
}

std::string Percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100 * std::fabs(fraction));
  return buf;
}

// b, a, f and the multiplier from the costs; nothing with fewer than 3 or a cost <= 0.
void FitCosts(const std::vector<double>& costs, Takeoff& t) {
  if (costs.size() < static_cast<size_t>(kTakeoffMinPoints)) return;
  for (double c : costs)
    if (!(c > 0)) return;
  std::vector<double> k;
  for (size_t i = 0; i < costs.size(); ++i) k.push_back(static_cast<double>(i + 1));
  const std::vector<double> log_c = Logs(costs);
  const Interval b = LinearSlope(k, log_c, kTakeoffConfidence);
  t.log_cost_slope = b;
  t.log_cost_intercept = InterceptThroughMeans(k, log_c, b.estimate);
  // Both maps are monotone: f = 1 - e^b falls as b grows, 1 / (1 - f) = e^-b too.
  t.f = Interval{1 - std::exp(b.estimate), 1 - std::exp(b.high), 1 - std::exp(b.low)};
  if (t.f->estimate < 1) t.multiplier = Interval{std::exp(-b.estimate), std::exp(-b.high), std::exp(-b.low)};
}

std::string InsufficientReason(const Takeoff& t, size_t usable_points) {
  const std::string need = std::to_string(kTakeoffMinPoints);
  if (t.adoptions < kTakeoffMinPoints)
    return "Too few adoptions to say: " + std::to_string(t.adoptions) + " (at least " + need +
           " are needed to tell whether improvements got cheaper).";
  if (!t.f) return "Too little to say: an adoption has no recorded compute behind it.";
  return "Too few held-out curve points to say: " + std::to_string(usable_points) +
         " with compute > 0 and capability > 0 (at least " + need + " are needed for the returns).";
}

// Sets verdict and reason; see takeoff.h for the rule.
void Decide(Takeoff& t, const TakeoffInput& in, size_t usable_points) {
  if (!t.f || !t.returns) {
    t.verdict = "insufficient";
    t.reason = InsufficientReason(t, usable_points);
    return;
  }
  const Interval& f = *t.f;
  const Interval& r = *t.returns;
  const std::string fs = "f = " + Fmt(f), rs = "r = " + Fmt(r);
  if (f.high < 0) {
    t.verdict = "diminishing";
    t.reason = "The run hit diminishing returns: each improvement cost about " + Percent(f.estimate) +
               " more to find than the one before (" + fs + ").";
    return;
  }
  t.verdict = "steady";
  if (f.low <= 0) {
    t.reason = "The run held steady: the cost of finding an improvement did not change significantly from one to the next (" +
               fs + ", which includes 0).";
  } else if (r.low <= 0) {
    t.reason = "Counted as steady: improvements got cheaper to find (" + fs +
               "), but held-out capability did not rise significantly with compute (" + rs + ").";
  } else if (t.stalled) {
    t.reason = "Counted as steady: improvements got cheaper to find (" + fs + "), but since the last adoption the run has spent " +
               Fmt(in.since_last_adoption) + " evaluations without another, more than that adoption cost (" +
               Fmt(in.costs.back()) + ").";
  } else {
    t.verdict = "accelerating";
    t.reason = "The run accelerated: each improvement cost about " + Percent(f.estimate) +
               " less to find than the one before (" + fs + "), and held-out capability rose with compute (" + rs + ").";
  }
}

nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// key, key_ci_low, key_ci_high: numbers, or null.
void PutInterval(nlohmann::json& j, const std::string& key, const std::optional<Interval>& i) {
  j[key] = i ? Num(i->estimate) : nullptr;
  j[key + "_ci_low"] = i ? Num(i->low) : nullptr;
  j[key + "_ci_high"] = i ? Num(i->high) : nullptr;
}

std::string Row(const char* name, const std::optional<Interval>& i, const std::string& note) {
  char head[40];
  std::snprintf(head, sizeof head, "  %-20s ", name);
  if (!i) return head + std::string("-  (not estimated)\n");
  return head + Fmt(*i) + (note.empty() ? "" : "  " + note) + "\n";
}

}  // namespace

PositivePoints PositiveOnly(const std::vector<double>& x, const std::vector<double>& y) {
  PositivePoints p;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (x[i] > 0 && y[i] > 0) p.x.push_back(x[i]), p.y.push_back(y[i]);
  return p;
}

std::optional<Interval> FitReturns(const std::vector<double>& compute, const std::vector<double>& capability) {
  const PositivePoints p = PositiveOnly(compute, capability);
  if (p.x.size() < static_cast<size_t>(kTakeoffMinPoints)) return std::nullopt;
  try {
    return LogLogSlope(p.x, p.y, kTakeoffConfidence);
  } catch (const Error&) {  // every point at the same compute, or a non-finite value
    return std::nullopt;
  }
}

TakeoffInput TakeoffInputFromCurve(const std::vector<TakeoffPoint>& curve, double total) {
  TakeoffInput in;
  double previous = 0;
  for (const TakeoffPoint& p : curve) {
    if (p.generation > 0) in.costs.push_back(p.cumulative_evaluations - previous);
    previous = p.cumulative_evaluations;
    in.compute.push_back(p.cumulative_evaluations);
    in.capability.push_back(p.capability);
  }
  in.since_last_adoption = total >= previous ? total - previous : 0;
  return in;
}

Takeoff EstimateTakeoff(const TakeoffInput& in) {
  if (in.compute.size() != in.capability.size())
    throw Error("takeoff: the curve's compute and capability differ in length");
  for (double c : in.costs)
    if (!std::isfinite(c)) throw Error("takeoff: a cost is not finite");
  Takeoff t;
  t.adoptions = static_cast<int>(in.costs.size());
  FitCosts(in.costs, t);
  const PositivePoints p = PositiveOnly(in.compute, in.capability);
  t.returns = FitReturns(in.compute, in.capability);
  if (t.returns) t.returns_intercept = InterceptThroughMeans(Logs(p.x), Logs(p.y), t.returns->estimate);
  t.stalled = !in.costs.empty() && in.since_last_adoption > in.costs.back();
  Decide(t, in, p.x.size());
  return t;
}

std::string TakeoffMethod() {
  return "f = 1 - exp(b), where b is the least-squares slope of log c_k on k and c_k is the compute "
         "(meta evaluations) spent between adoption k-1 and adoption k; its 95% interval is b's "
         "Student-t interval (K - 2 degrees of freedom for K adoptions) mapped through 1 - exp(b). "
         "r is the least-squares slope of log held-out capability on log cumulative compute, with "
         "its Student-t 95% interval.";
}

std::string TakeoffText(const Takeoff& t, const TakeoffInput& in, bool full) {
  std::string out = t.reason + "\n";
  const std::string f_note =
      t.f ? "(each improvement makes the next " + Percent(t.f->estimate) + (t.f->estimate >= 0 ? " cheaper" : " costlier") + " to find)"
          : "";
  out += Row("f", t.f, f_note);
  out += Row("multiplier 1/(1-f)", t.multiplier, t.f && !t.multiplier ? "no finite bound" : "");
  out += Row("returns r", t.returns, "(slope of log held-out capability on log cumulative compute)");
  if (!full) return out;
  std::string costs;
  for (double c : in.costs) costs += " " + Fmt(c);
  out += "  adoptions            " + std::to_string(t.adoptions) + (costs.empty() ? "" : "; evaluations to find each:" + costs) + "\n";
  out += (t.adoptions > 0 ? "  since last adoption  " : "  since the start     ") + Fmt(in.since_last_adoption) +
         " evaluations without " + (t.adoptions > 0 ? "another" : "an adoption") +
         (t.stalled ? " (more than the last adoption cost: stalled)" : "") + "\n";
  out += "  method: " + TakeoffMethod() + "\n";
  return out;
}

nlohmann::json ToJson(const Takeoff& t, const TakeoffInput& in) {
  nlohmann::json j;
  PutInterval(j, "f", t.f);
  PutInterval(j, "multiplier", t.multiplier);
  PutInterval(j, "returns", t.returns);
  // The public names: returns_r (not "returns"), with returns_ci_low / returns_ci_high.
  j["returns_r"] = j["returns"];
  j.erase("returns");
  j["verdict"] = t.verdict;
  j["reason"] = t.reason;
  j["method"] = TakeoffMethod();
  j["confidence"] = kTakeoffConfidence;
  j["adoptions"] = t.adoptions;
  j["costs"] = in.costs;
  j["evaluations_since_last_adoption"] = Num(in.since_last_adoption);
  j["stalled"] = t.stalled;
  j["log_cost_intercept"] = t.log_cost_slope ? Num(t.log_cost_intercept) : nullptr;
  j["log_cost_slope"] = t.log_cost_slope ? Num(t.log_cost_slope->estimate) : nullptr;
  j["returns_intercept"] = t.returns ? Num(t.returns_intercept) : nullptr;
  return j;
}

}  // namespace ouro::meta
