// `ouro plot` and the dashboard through the executable: SVG and PNG files (curve, lineage,
// takeoff) of a real (tiny) rsi run and a search run, the errors for a bad RUN or file name,
// `ouro dashboard` on a missing store, and `ouro rsi --dashboard --port 0` serving the run it drives
// (approve and stop over HTTP).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <regex>
#include <thread>

#include <cairo.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "store/store.h"

namespace {

using nlohmann::json;
using ouro_test::Result;

std::string Config(int generations) { return ouro_test::TinyRsiConfig(3, generations); }

// Every tag opened is closed, in order (enough to catch a broken writer; no DTDs, no CDATA).
bool WellFormed(const std::string& x) {
  std::vector<std::string> open;
  size_t i = 0;
  while ((i = x.find('<', i)) != std::string::npos) {
    const size_t j = x.find('>', i);
    if (j == std::string::npos) return false;
    const std::string tag = x.substr(i + 1, j - i - 1);
    i = j + 1;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag.back() == '/') continue;
    const std::string name = tag.substr(tag[0] == '/' ? 1 : 0, tag.find_first_of(" \t\n") - (tag[0] == '/' ? 1 : 0));
    if (tag[0] == '/') {
      if (open.empty() || open.back() != name) return false;
      open.pop_back();
    } else {
      open.push_back(name);
    }
  }
  return open.empty();
}

class WebCli : public ouro_test::CliFixture {};

TEST_F(WebCli, PlotWritesTheCurveAndTheLineageAsSvg) {
  const std::string cfg = Write("c.toml", Config(3));
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + db_ + " --quiet --policy off").code, 0);
  const std::string out = (dir_ / "curve.svg").string();
  const Result r = Run("plot 1 --out " + out + " --db " + db_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote the curve of run 1"), std::string::npos) << r.out;
  const std::string svg = ouro_test::Slurp(out);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_TRUE(WellFormed(svg));
  // One marker per curve point and series, in both panels (generation, compute).
  auto store = ouro::store::Store::OpenExisting(db_);
  const size_t points = store->GetCurve(1).size();
  ASSERT_GE(points, 1u);
  size_t circles = 0;
  for (size_t p = svg.find("<circle class=\"point\""); p != std::string::npos; p = svg.find("<circle class=\"point\"", p + 1)) ++circles;
  EXPECT_EQ(circles, 4 * points);
  EXPECT_NE(svg.find("frozen initial improver"), std::string::npos);
  char gen0[64];
  const double cap0 = json::parse(store->GetCurve(1)[0].point_json)["incumbent"]["capability"].get<double>();
  std::snprintf(gen0, sizeof gen0, "adopted improver (95%% interval) 0: %.4g", cap0);
  EXPECT_NE(svg.find(gen0), std::string::npos) << gen0;
  // The lineage tree: one node per improver and one per promoted program (orange).
  const std::string tree = (dir_ / "tree.svg").string();
  ASSERT_EQ(Run("plot latest --kind lineage --out " + tree + " --db " + db_).code, 0);
  const std::string t = ouro_test::Slurp(tree);
  EXPECT_TRUE(WellFormed(t));
  auto count = [&t](const std::string& what) {
    size_t n = 0;
    for (size_t p = t.find(what); p != std::string::npos; p = t.find(what, p + 1)) ++n;
    return n;
  };
  size_t promoted = 0;
  for (const auto& e : store->GetEvents(1)) promoted += e.type == "promoted";
  ASSERT_GE(promoted, 1u);
  EXPECT_EQ(count("<g class=\"node\">"), store->GetImprovers(1).size() + promoted);
  EXPECT_EQ(count("fill=\"#ff7f0e\""), promoted);
}

// The takeoff: the verdict `ouro takeoff` gives, one marker per adoption (its cost) and per curve
// point after an adoption (log-log), and the two fitted lines once there are enough adoptions.
TEST_F(WebCli, PlotWritesTheTakeoff) {
  const std::string cfg = Write("c.toml", Config(6));
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + db_ + " --quiet --policy off").code, 0);
  const Result tj = Run("takeoff 1 --json --db " + db_);
  ASSERT_EQ(tj.code, 0) << tj.out;
  const json t = json::parse(tj.last_line);
  const std::string out = (dir_ / "takeoff.svg").string();
  const Result r = Run("plot 1 --kind takeoff --out " + out + " --db " + db_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote the takeoff of run 1"), std::string::npos) << r.out;
  const std::string svg = ouro_test::Slurp(out);
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_NE(svg.find("run 1 as a takeoff: " + t["verdict"].get<std::string>()), std::string::npos);
  auto count = [&svg](const std::string& what) {
    size_t n = 0;
    for (size_t p = svg.find(what); p != std::string::npos; p = svg.find(what, p + 1)) ++n;
    return n;
  };
  const size_t adoptions = t["adoptions"].get<size_t>();
  ASSERT_GE(adoptions, 1u);
  EXPECT_EQ(count("<circle class=\"point\""), 2 * adoptions);
  EXPECT_EQ(count("data-series=\"least-squares fit"), t["f"].is_number() ? 2u : 0u);
  // Only rsi runs have a takeoff.
  ASSERT_EQ(Run("search --task linear:dim=2,tasks=2,train=10,valid=10 --max-evals 100 --seed 1 --quiet --db " + db_).code, 0);
  const Result bad = Run("plot 2 --kind takeoff --out " + out + " --db " + db_);
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("only rsi runs"), std::string::npos) << bad.out;
}

// Pixels of a PNG file whose colour is within `tol` of `rgb` (0xRRGGBB) in every channel.
size_t CountColour(cairo_surface_t* s, uint32_t rgb, int tol) {
  cairo_surface_flush(s);
  const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  size_t n = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint32_t px = 0;
      std::memcpy(&px, data + y * stride + 4 * x, 4);
      bool near = true;
      for (int c = 0; c < 3; ++c) near = near && std::abs(static_cast<int>((px >> (8 * c)) & 255) - static_cast<int>((rgb >> (8 * c)) & 255)) <= tol;
      n += near;
    }
  }
  return n;
}

TEST_F(WebCli, PlotWritesPngPicturesOfTheSvg) {
  const std::string cfg = Write("c.toml", Config(2));
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + db_ + " --quiet --policy off").code, 0);
  ASSERT_EQ(Run("plot 1 --out " + (dir_ / "c.svg").string() + " --db " + db_).code, 0);
  const std::string svg = ouro_test::Slurp((dir_ / "c.svg").string());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("<svg [^>]*width=\"([0-9.]+)\" height=\"([0-9.]+)\"")));
  const double w = std::stod(m[1]), h = std::stod(m[2]);
  for (const double scale : {1.0, 2.0}) {
    const std::string png = (dir_ / ("c" + std::to_string(static_cast<int>(scale)) + ".png")).string();
    const Result r = Run("plot 1 --scale " + std::to_string(scale) + " --out " + png + " --db " + db_);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("wrote the curve of run 1 to " + png), std::string::npos) << r.out;
    cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
    ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS) << png;
    // The SVG's size at the requested density; both series drawn in their colours; mostly white.
    EXPECT_EQ(cairo_image_surface_get_width(s), static_cast<int>(std::ceil(w * scale)));
    EXPECT_EQ(cairo_image_surface_get_height(s), static_cast<int>(std::ceil(h * scale)));
    const size_t area = static_cast<size_t>(cairo_image_surface_get_width(s)) * cairo_image_surface_get_height(s);
    EXPECT_GT(CountColour(s, 0x1f77b4, 8), 50 * scale * scale);  // adopted improver
    EXPECT_GT(CountColour(s, 0xd62728, 8), 50 * scale * scale);  // frozen initial improver
    EXPECT_GT(CountColour(s, 0xffffff, 0), area / 4);
    cairo_surface_destroy(s);
  }
  const std::string tree = (dir_ / "tree.png").string();
  ASSERT_EQ(Run("plot 1 --kind lineage --out " + tree + " --db " + db_).code, 0);
  cairo_surface_t* s = cairo_image_surface_create_from_png(tree.c_str());
  ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  EXPECT_GT(CountColour(s, 0x1f77b4, 8), 100u);  // the improver nodes
  cairo_surface_destroy(s);
}

TEST_F(WebCli, PlotRejectsBadRunsAndFileNames) {
  const std::string cfg = Write("c.toml", Config(1));
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + db_ + " --quiet --policy off").code, 0);
  const std::string out = (dir_ / "x.svg").string();
  Result r = Run("plot 9 --out " + out + " --db " + db_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no run 9"), std::string::npos) << r.out;
  EXPECT_EQ(Run("plot abc --out " + out + " --db " + db_).code, 1);
  EXPECT_EQ(Run("plot 0 --out " + out + " --db " + db_).code, 1);
  r = Run("plot 1 --out " + (dir_ / "no-such-dir" / "x.png").string() + " --db " + db_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cannot write"), std::string::npos) << r.out;
  EXPECT_EQ(Run("plot 1 --scale 0 --out " + (dir_ / "x.png").string() + " --db " + db_).code, 2);
  EXPECT_EQ(Run("plot 1 --scale 50 --out " + (dir_ / "x.png").string() + " --db " + db_).code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x.png"));
  r = Run("plot 1 --out " + (dir_ / "x.pdf").string() + " --db " + db_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(".svg"), std::string::npos) << r.out;
  EXPECT_EQ(Run("plot 1 --kind pie --out " + out + " --db " + db_).code, 2);
  EXPECT_EQ(Run("plot 1 --out " + out + " --db " + (dir_ / "missing.db").string()).code, 1);
  EXPECT_FALSE(std::filesystem::exists(out));
  // A search run has no curve, but it has a lineage.
  ASSERT_EQ(Run("search --task linear:dim=2,tasks=2 --max-evals 300 --seed 1 --quiet --db " + db_).code, 0);
  r = Run("plot 2 --out " + out + " --db " + db_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no held-out curve"), std::string::npos) << r.out;
  EXPECT_EQ(Run("plot 2 --kind lineage --out " + out + " --db " + db_).code, 0);
}

TEST_F(WebCli, DashboardNeedsAnExistingStoreAndAValidPort) {
  Result r = Run("dashboard --db " + (dir_ / "missing.db").string() + " --port 0");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(Run("dashboard --port 70000").code, 2);
  EXPECT_EQ(Run("rsi --port 5000").code, 2);  // --port needs --dashboard
}

TEST_F(WebCli, RsiDashboardServesTheRunItDrives) {
  const std::string cfg = Write("c.toml", Config(8));
  const std::string policy = Write("manual.toml", "[gates]\nadopt = \"manual\"\n");
  const std::string log = (dir_ / "rsi.log").string();
  const std::string token = "cli-test-token-abcdef0123456789";
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    setenv("OURO_DASHBOARD_TOKEN", token.c_str(), 1);
    execl(OURO_BIN, OURO_BIN, "rsi", "--config", cfg.c_str(), "--db", db_.c_str(), "--policy", policy.c_str(),
          "--dashboard", "--port", "0", "--quiet", static_cast<char*>(nullptr));
    _exit(127);
  }
  // A failed assertion must not leave the run waiting for an approval forever.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int port = 0;
  const std::regex url_re("dashboard: http://127\\.0\\.0\\.1:([0-9]+)/");
  while (!port && std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string text = ouro_test::Slurp(log);
    if (std::regex_search(text, m, url_re)) port = std::stoi(m[1]);
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(port, 0) << ouro_test::Slurp(log);
  EXPECT_NE(ouro_test::Slurp(log).find("from $OURO_DASHBOARD_TOKEN"), std::string::npos);
  EXPECT_EQ(ouro_test::Slurp(log).find(token), std::string::npos) << "a token from the environment is not printed";
  httplib::Client cli("127.0.0.1", port);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  bool approved = false;
  while (!approved && std::chrono::steady_clock::now() < deadline) {
    auto items = cli.Get("/api/runs/1/items");
    ASSERT_TRUE(items);
    const json body = json::parse(items->body);
    for (const auto& i : body["items"]) {
      if (i["status"] != "pending") continue;
      const std::string path = "/api/runs/1/items/" + std::to_string(i["item"].get<int64_t>()) + "/approve";
      EXPECT_EQ(cli.Post(path.c_str(), "{}", "application/json")->status, 401);
      auto r = cli.Post(path.c_str(), auth, "{}", "application/json");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200) << r->body;
      approved = true;
      break;
    }
    if (!approved) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(approved) << ouro_test::Slurp(log);
  auto stop = cli.Post("/api/runs/1/stop", auth, R"({"note":"test over"})", "application/json");
  // The run may have ended on its own in the meantime (409), else the stop is accepted.
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->status == 200 || stop->status == 409) << stop->status << " " << stop->body;
  int status = 0;
  waitpid(pid, &status, 0);
  reaper.pid = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ouro_test::Slurp(log);
  auto store = ouro::store::Store::OpenExisting(db_);
  bool found = false;
  for (const auto& e : store->GetEvents(1)) found |= e.type == "approval" && e.actor.rfind("dashboard:", 0) == 0;
  EXPECT_TRUE(found);
}

}  // namespace
