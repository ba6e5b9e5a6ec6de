// web/plot.cc — SVG pictures of a run (see plot.h).
#include "web/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <vector>

#include "core/error.h"
#include "run/rsi_takeoff.h"
#include "run/selfplay_session.h"
#include "web/api.h"

namespace ouro::web {
namespace {

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string Label(double v) {
  char buf[32];
  if (std::fabs(v) >= 1e5) std::snprintf(buf, sizeof buf, "%.3g", v);
  else if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) >= 10) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// About 5 round tick values covering [lo, hi].
std::vector<double> Ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) { step = m * mag; break; }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return t;
}

struct Series {
  std::string name, color;
  std::vector<double> x, y, lo, hi;  // lo and hi empty: no band
  bool line = true, points = true;
};

double Low(const Series& s, size_t i) { return s.lo.empty() ? s.y[i] : s.lo[i]; }
double High(const Series& s, size_t i) { return s.hi.empty() ? s.y[i] : s.hi[i]; }

// A series' band (if it has one), line and point markers with their tooltips.
std::string Draw(const Series& s, const std::function<double(double)>& X, const std::function<double(double)>& Y) {
  std::string o, band, line;
  for (size_t i = 0; i < s.x.size(); ++i) band += Num(X(s.x[i])) + "," + Num(Y(High(s, i))) + " ";
  for (size_t i = s.x.size(); i-- > 0;) band += Num(X(s.x[i])) + "," + Num(Y(Low(s, i))) + " ";
  for (size_t i = 0; i < s.x.size(); ++i) line += Num(X(s.x[i])) + "," + Num(Y(s.y[i])) + " ";
  if (!s.lo.empty())
    o += "<polygon class=\"band\" points=\"" + band + "\" fill=\"" + s.color + "\" fill-opacity=\"0.15\" stroke=\"none\"/>\n";
  if (s.line)
    o += "<polyline class=\"line\" data-series=\"" + Esc(s.name) + "\" points=\"" + line + "\" fill=\"none\" stroke=\"" + s.color +
         "\" stroke-width=\"2\"/>\n";
  if (s.points && s.x.size() <= 200)
    for (size_t i = 0; i < s.x.size(); ++i)
      o += "<circle class=\"point\" cx=\"" + Num(X(s.x[i])) + "\" cy=\"" + Num(Y(s.y[i])) + "\" r=\"3\" fill=\"" + s.color +
           "\"><title>" + Esc(s.name) + " " + Label(s.x[i]) + ": " + Label(s.y[i]) +
           (s.lo.empty() ? "" : " [" + Label(s.lo[i]) + ", " + Label(s.hi[i]) + "]") + "</title></circle>\n";
  return o;
}

// One chart panel at (ox, oy) of size w×h: bands, lines with point markers, axes, legend.
std::string Panel(double ox, double oy, double w, double h, const std::string& title, const std::string& xlabel,
                  const std::string& ylabel, const std::vector<Series>& series) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min({y0, s.y[i], Low(s, i)}), y1 = std::max({y1, s.y[i], High(s, i)});
    }
  if (x1 - x0 < 1e-12) x0 -= 0.5, x1 += 0.5;
  if (y1 - y0 < 1e-12) y0 -= 0.01, y1 += 0.01;
  const double pad = (y1 - y0) * 0.08;
  y0 -= pad, y1 += pad;
  const double l = ox + 70, r = ox + w - 20, t = oy + 40, b = oy + h - 50;
  auto X = [&](double v) { return l + (v - x0) / (x1 - x0) * (r - l); };
  auto Y = [&](double v) { return b - (v - y0) / (y1 - y0) * (b - t); };
  std::string o;
  o += "<text x=\"" + Num(ox + w / 2) + "\" y=\"" + Num(oy + 22) + "\" text-anchor=\"middle\" font-size=\"15\">" + Esc(title) + "</text>\n";
  o += "<rect x=\"" + Num(l) + "\" y=\"" + Num(t) + "\" width=\"" + Num(r - l) + "\" height=\"" + Num(b - t) +
       "\" fill=\"none\" stroke=\"#999\"/>\n";
  for (double v : Ticks(y0, y1)) {
    o += "<line x1=\"" + Num(l) + "\" x2=\"" + Num(r) + "\" y1=\"" + Num(Y(v)) + "\" y2=\"" + Num(Y(v)) + "\" stroke=\"#eee\"/>";
    o += "<text x=\"" + Num(l - 6) + "\" y=\"" + Num(Y(v) + 4) + "\" text-anchor=\"end\" font-size=\"11\">" + Label(v) + "</text>\n";
  }
  for (double v : Ticks(x0, x1))
    o += "<text x=\"" + Num(X(v)) + "\" y=\"" + Num(b + 16) + "\" text-anchor=\"middle\" font-size=\"11\">" + Label(v) + "</text>\n";
  o += "<text x=\"" + Num((l + r) / 2) + "\" y=\"" + Num(b + 36) + "\" text-anchor=\"middle\" font-size=\"12\">" + Esc(xlabel) + "</text>\n";
  o += "<text transform=\"translate(" + Num(ox + 16) + "," + Num((t + b) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">" + Esc(ylabel) + "</text>\n";
  double ly = t + 14;
  for (const auto& s : series) {
    if (s.x.empty()) continue;
    o += Draw(s, X, Y);
    o += "<rect x=\"" + Num(l + 10) + "\" y=\"" + Num(ly - 9) + "\" width=\"12\" height=\"12\" fill=\"" + s.color + "\"/>";
    o += "<text x=\"" + Num(l + 28) + "\" y=\"" + Num(ly + 1) + "\" font-size=\"12\">" + Esc(s.name) + "</text>\n";
    ly += 18;
  }
  return o;
}

std::string Document(double w, double h, const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(w) +
         "\" height=\"" + Num(h) + "\" viewBox=\"0 0 " + Num(w) + " " + Num(h) +
         "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n";
}

}  // namespace

std::string CurveSvg(store::Store& db, int64_t run) {
  Api api(db);
  json curve;
  try {
    curve = api.Curve(run, 2000);
  } catch (const HttpError& e) {
    throw Error(e.what());
  }
  if (curve["points"].empty()) throw Error("run " + std::to_string(run) + " has no held-out curve (only rsi runs have one)");
  Series inc, fro;
  inc.name = "adopted improver (95% interval)", inc.color = "#1f77b4";
  fro.name = "frozen initial improver (95% interval)", fro.color = "#d62728";
  Series inc_c = inc, fro_c = fro;
  for (const auto& p : curve["points"]) {
    auto add = [](Series& s, double x, const json& m) {
      if (!m["capability"].is_number()) return;
      s.x.push_back(x), s.y.push_back(m["capability"]), s.lo.push_back(m["lo"]), s.hi.push_back(m["hi"]);
    };
    add(inc, p["generation"].get<double>(), p["incumbent"]);
    add(fro, p["generation"].get<double>(), p["frozen"]);
    add(inc_c, p["cumulative_evaluations"].get<double>(), p["incumbent"]);
    add(fro_c, p["cumulative_evaluations"].get<double>(), p["frozen"]);
  }
  const std::string id = std::to_string(run);
  std::string body = Panel(0, 0, 760, 380, "run " + id + ": test capability per generation", "generation",
                           "test capability", {fro, inc});
  body += Panel(0, 380, 760, 380, "run " + id + ": test capability against compute", "cumulative meta evaluations",
                "test capability", {fro_c, inc_c});
  return Document(760, 760, body);
}

namespace {

// "f = 0.31 [0.12, 0.46]", or "f not estimated".
std::string IntervalText(const char* name, const std::optional<meta::Interval>& i) {
  if (!i) return std::string(name) + " not estimated";
  return std::string(name) + " = " + Label(i->estimate) + " [" + Label(i->low) + ", " + Label(i->high) + "]";
}

// The fitted line y = a + b x over [x0, x1], as a series of its two ends.
Series FittedLine(const std::string& name, double a, double b, double x0, double x1) {
  Series s;
  s.name = name, s.color = "#ff7f0e", s.points = false;
  s.x = {x0, x1}, s.y = {a + b * x0, a + b * x1};
  return s;
}

// Text lines of at most `width` characters, broken at spaces.
std::vector<std::string> Wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines{""};
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!lines.back().empty() && lines.back().size() + 1 + word.size() > width) lines.emplace_back();
    lines.back() += (lines.back().empty() ? "" : " ") + word;
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string EloSvg(store::Store& db, int64_t run) {
  const std::optional<store::RunInfo> r = db.GetRun(run);
  if (!r) throw Error("no run " + std::to_string(run));
  if (r->kind != "selfplay") throw Error("run " + std::to_string(run) + " is not a self-play run: it has no Elo ladder");
  const json ladder = run::SelfplayRunJson(db, run)["ladder"];
  if (ladder.empty()) throw Error("run " + std::to_string(run) + " has no Elo ladder yet (it is measured when the run ends)");
  Series elo, first;
  elo.name = "version against the first (95% interval)", elo.color = "#1f77b4";
  first.name = "first version", first.color = "#d62728", first.points = false;
  for (const json& p : ladder) {
    elo.x.push_back(p["generation"].get<double>());
    elo.y.push_back(p["elo"].get<double>()), elo.lo.push_back(p["elo_low"].get<double>()), elo.hi.push_back(p["elo_high"].get<double>());
  }
  first.x = {elo.x.front(), elo.x.back()}, first.y = {0, 0};
  const std::string body = Panel(0, 0, 760, 380, "run " + std::to_string(run) + ": Elo of each version against the first",
                                 "generation adopted", "Elo", {first, elo});
  return Document(760, 380, body);
}

std::string TakeoffSvg(store::Store& db, int64_t run) {
  const run::RunTakeoff t = run::LoadTakeoff(db, run);
  const std::string id = std::to_string(run);
  if (t.input.costs.empty()) throw Error("run " + id + " has no adoptions: no takeoff to draw");
  const meta::Takeoff& e = t.estimate;
  const double ln10 = std::log(10.0);
  Series cost;
  cost.name = "compute to find adoption k", cost.color = "#1f77b4", cost.line = false;
  for (size_t k = 0; k < t.input.costs.size(); ++k)
    if (t.input.costs[k] > 0) cost.x.push_back(static_cast<double>(k + 1)), cost.y.push_back(std::log10(t.input.costs[k]));
  std::vector<Series> costs{cost};
  if (e.log_cost_slope)
    costs.push_back(FittedLine("least-squares fit: c(k+1) = (1 - f) c(k)", e.log_cost_intercept / ln10,
                               e.log_cost_slope->estimate / ln10, 1, static_cast<double>(t.input.costs.size())));
  Series cap;
  cap.name = "test capability after each adoption", cap.color = "#1f77b4", cap.line = false;
  const meta::PositivePoints p = meta::PositiveOnly(t.input.compute, t.input.capability);
  for (size_t i = 0; i < p.x.size(); ++i) cap.x.push_back(std::log10(p.x[i])), cap.y.push_back(std::log10(p.y[i]));
  std::vector<Series> caps{cap};
  if (e.returns && !cap.x.empty())
    caps.push_back(FittedLine("least-squares fit: slope r", e.returns_intercept / ln10, e.returns->estimate, cap.x.front(),
                              cap.x.back()));
  std::string body = "<text x=\"20\" y=\"26\" font-size=\"16\" font-weight=\"bold\">run " + id + " as a takeoff: " +
                     Esc(e.verdict) + "</text>\n";
  double y = 46;
  for (const auto& line : Wrap(e.reason, 110)) body += "<text x=\"20\" y=\"" + Num(y) + "\" font-size=\"12\">" + Esc(line) + "</text>\n", y += 16;
  const double top = 90;
  body += Panel(0, top, 760, 380, "cost of each improvement (95%: " + IntervalText("f", e.f) + ")", "adoption k",
                "log10 meta evaluations to find it", costs);
  body += Panel(0, top + 380, 760, 380, "capability against compute (95%: " + IntervalText("r", e.returns) + ")",
                "log10 cumulative meta evaluations", "log10 test capability", caps);
  return Document(760, top + 760, body);
}

std::string LineageSvg(store::Store& db, int64_t run) {
  Api api(db);
  json lin;
  try {
    lin = api.Lineage(run, 500);
  } catch (const HttpError& e) {
    throw Error(e.what());
  }
  const json& nodes = lin["nodes"];
  if (nodes.empty()) throw Error("run " + std::to_string(run) + " has no lineage to draw");
  // Lay out: depth on x; the first child stays in its parent's lane, other children open new lanes.
  const size_t n = nodes.size();
  const int64_t first = lin["first"];
  std::vector<std::vector<size_t>> children(n);
  std::vector<size_t> roots;
  for (size_t i = 0; i < n; ++i) {
    if (nodes[i]["parent"].is_number()) children[nodes[i]["parent"].get<int64_t>() - first].push_back(i);
    else roots.push_back(i);
  }
  std::vector<int> depth(n, 0), lane(n, 0);
  int lanes = 0, max_depth = 0;
  std::function<void(size_t, int, int)> place = [&](size_t v, int d, int ln) {
    depth[v] = d, lane[v] = ln, max_depth = std::max(max_depth, d);
    for (size_t k = 0; k < children[v].size(); ++k) place(children[v][k], d + 1, k == 0 ? ln : lanes++);
  };
  for (size_t r : roots) place(r, 0, lanes++);
  // Long chains wrap into rows of at most 25 nodes.
  constexpr int kPerRow = 25;
  const int rows = max_depth / kPerRow + 1;
  const double dx = 42, dy = 46, lane_block = lanes * dy + 30;
  const double w = std::min(max_depth + 1, kPerRow) * dx + 120, h = rows * lane_block + 60;
  auto X = [&](size_t v) { return 60 + (depth[v] % kPerRow) * dx; };
  auto Y = [&](size_t v) { return 60 + (depth[v] / kPerRow) * lane_block + lane[v] * dy; };
  std::string body = "<text x=\"20\" y=\"28\" font-size=\"15\">run " + std::to_string(run) + ": " +
                     (lin["kind"] == "rsi" ? "improvers (blue) and best programs (orange)" : "lineage of the chosen program") + " (" +
                     std::to_string(n) + (first > 0 ? " newest of " + std::to_string(lin["total"].get<int64_t>()) : "") +
                     " nodes)</text>\n";
  for (size_t v = 0; v < n; ++v)
    for (size_t c : children[v])
      body += "<line x1=\"" + Num(X(v)) + "\" y1=\"" + Num(Y(v)) + "\" x2=\"" + Num(X(c)) + "\" y2=\"" + Num(Y(c)) +
              "\" stroke=\"#888\" stroke-width=\"1.5\"/>\n";
  for (size_t v = 0; v < n; ++v) {
    const std::string hash = nodes[v]["hash"];
    const std::string label = nodes[v]["label"];
    // An rsi run's best programs (after its improvers) are orange and labelled by generation.
    const bool best = lin["kind"] == "rsi" && nodes[v].value("kind", "") == "program";
    const std::string shown = best ? "best g" + std::to_string(nodes[v].value("generation", int64_t{0})) : label.substr(0, 12);
    body += "<g class=\"node\"><circle cx=\"" + Num(X(v)) + "\" cy=\"" + Num(Y(v)) + "\" r=\"7\" fill=\"" +
            (best ? "#ff7f0e" : "#1f77b4") + "\"><title>" +
            Esc(label + " " + hash + (nodes[v]["value"].is_number() ? " value " + Label(nodes[v]["value"]) : "")) +
            "</title></circle><text x=\"" + Num(X(v)) + "\" y=\"" + Num(Y(v) + 20) +
            "\" text-anchor=\"middle\" font-size=\"9\">" + Esc(shown) + "</text></g>\n";
  }
  return Document(w, h, body);
}

}  // namespace ouro::web
