// cli/cmd_plot.cc — `ouro plot RUN --out FILE.svg|FILE.png [--kind curve|lineage|takeoff|elo]
// [--scale S]`: a run's held-out curve, its lineage tree or its takeoff as an SVG or PNG file,
// without a browser (web/plot.h, web/raster.h).
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "store/store.h"
#include "web/plot.h"
#include "web/raster.h"

namespace ouro::cli {
namespace {

struct PlotArgs {
  std::string db = kDefaultDb, run, out, kind = "curve";
  double scale = 2;
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int RunPlot(const PlotArgs& a) {
  const bool png = EndsWith(a.out, ".png");
  if (!png && !EndsWith(a.out, ".svg")) throw Error("--out must name an .svg or .png file, got '" + a.out + "'");
  auto db = store::Store::OpenExisting(a.db);
  const int64_t run = ResolveRun(*db, a.run).id;
  const std::string svg = a.kind == "lineage"   ? web::LineageSvg(*db, run)
                          : a.kind == "takeoff" ? web::TakeoffSvg(*db, run)
                          : a.kind == "elo"     ? web::EloSvg(*db, run)
                                                : web::CurveSvg(*db, run);
  if (png) {
    web::WritePng(svg, a.out, a.scale);
  } else {
    std::ofstream f(a.out, std::ios::binary);
    if (!(f << svg) || !(f.flush())) throw Error("cannot write '" + a.out + "'");
  }
  std::printf("wrote the %s of run %lld to %s\n", a.kind.c_str(), static_cast<long long>(run), a.out.c_str());
  return 0;
}

}  // namespace

Action RegisterPlot(CLI::App& app) {
  auto a = std::make_shared<PlotArgs>();
  CLI::App* s = app.add_subcommand("plot", "Write a run's held-out curve, lineage tree or takeoff as an SVG or PNG file");
  s->add_option("RUN", a->run, "Run id or 'latest'")->required();
  s->add_option("--out", a->out, "Output file (.svg or .png)")->required();
  s->add_option("--kind", a->kind,
                "curve (held-out capability), lineage (the tree), takeoff (cost per improvement, returns) or elo (a self-play run's Elo ladder)")
      ->check(CLI::IsMember({"curve", "lineage", "takeoff", "elo"}))
      ->capture_default_str();
  s->add_option("--scale", a->scale, "PNG pixels per SVG unit")
      ->check(CLI::Range(0.1, 10.0))
      ->capture_default_str();
  s->add_option("--db", a->db, "Run store (SQLite file)")->capture_default_str();
  return [a] { return RunPlot(*a); };
}

}  // namespace ouro::cli
