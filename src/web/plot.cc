// web/plot.cc — SVG pictures of a run (see plot.h).
#include "web/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <vector>

#include "core/error.h"
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
  std::vector<double> x, y, lo, hi;
};

// One chart panel at (ox, oy) of size w×h: bands, lines with point markers, axes, legend.
std::string Panel(double ox, double oy, double w, double h, const std::string& title, const std::string& xlabel,
                  const std::vector<Series>& series) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min({y0, s.y[i], s.lo[i]}), y1 = std::max({y1, s.y[i], s.hi[i]});
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
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">held-out capability</text>\n";
  double ly = t + 14;
  for (const auto& s : series) {
    if (s.x.empty()) continue;
    std::string band, line;
    for (size_t i = 0; i < s.x.size(); ++i) band += Num(X(s.x[i])) + "," + Num(Y(s.hi[i])) + " ";
    for (size_t i = s.x.size(); i-- > 0;) band += Num(X(s.x[i])) + "," + Num(Y(s.lo[i])) + " ";
    for (size_t i = 0; i < s.x.size(); ++i) line += Num(X(s.x[i])) + "," + Num(Y(s.y[i])) + " ";
    o += "<polygon class=\"band\" points=\"" + band + "\" fill=\"" + s.color + "\" fill-opacity=\"0.15\" stroke=\"none\"/>\n";
    o += "<polyline class=\"line\" data-series=\"" + Esc(s.name) + "\" points=\"" + line + "\" fill=\"none\" stroke=\"" + s.color +
         "\" stroke-width=\"2\"/>\n";
    if (s.x.size() <= 200)
      for (size_t i = 0; i < s.x.size(); ++i)
        o += "<circle class=\"point\" cx=\"" + Num(X(s.x[i])) + "\" cy=\"" + Num(Y(s.y[i])) + "\" r=\"3\" fill=\"" + s.color +
             "\"><title>" + Esc(s.name) + " " + Label(s.x[i]) + ": " + Label(s.y[i]) + " [" + Label(s.lo[i]) + ", " +
             Label(s.hi[i]) + "]</title></circle>\n";
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
  std::string body = Panel(0, 0, 760, 380, "run " + id + ": held-out capability per generation", "generation", {fro, inc});
  body += Panel(0, 380, 760, 380, "run " + id + ": held-out capability against compute", "cumulative meta evaluations",
                {fro_c, inc_c});
  return Document(760, 760, body);
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
