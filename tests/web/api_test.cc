// Tests of the API's pure parts: decimation, curve intervals, the line diff, ids; and the API over a
// synthetic run (caching must not hide changes).
#include "web/api.h"

#include <cmath>

#include <gtest/gtest.h>

#include "fixture.h"

namespace {

using ouro::web::Decimate;
using ouro::web::HttpError;
using nlohmann::json;

TEST(WebApi, DecimateKeepsEndsAndRequestedIndices) {
  EXPECT_EQ(Decimate(5, 10), (std::vector<size_t>{0, 1, 2, 3, 4}));
  const auto d = Decimate(1000, 11, {3, 997});
  EXPECT_EQ(d.front(), 0u);
  EXPECT_EQ(d.back(), 999u);
  EXPECT_EQ(d.size(), 13u);
  EXPECT_TRUE(std::find(d.begin(), d.end(), 3u) != d.end());
  EXPECT_TRUE(Decimate(0, 10).empty());
}

// A curve point's interval: the capability ± half the Student-t 95% interval of the mean AUC
// (meta::MeanInterval); a single run has none.
TEST(WebApi, CurveIntervalsUseStudentT) {
  auto db = ouro::store::Store::Open(":memory:");
  const auto s = web_test::MakeRsiRun(*db, 0, 0);
  const int64_t g = static_cast<int64_t>(db->GetCurve(s.run).size());
  db->AddCurvePoint(s.run, {static_cast<int>(g), 10, 1,
                            R"({"improver":"x","incumbent":{"capability":0.5,"auc":[1,2,3]},"frozen":{"capability":0.25,"auc":[0.25]}})"});
  ouro::web::Api api(*db);
  const json p = api.Curve(s.run, 1000)["points"].back();
  EXPECT_EQ(p["incumbent"]["n"], 3);
  EXPECT_NEAR(p["incumbent"]["hi"].get<double>() - 0.5, 4.303 / std::sqrt(3.0), 1e-3);  // t(0.975, 2) = 4.303
  EXPECT_NEAR(0.5 - p["incumbent"]["lo"].get<double>(), 4.303 / std::sqrt(3.0), 1e-3);
  EXPECT_EQ(p["frozen"]["n"], 1);
  EXPECT_EQ(p["frozen"]["lo"], 0.25);
  EXPECT_EQ(p["frozen"]["hi"], 0.25);
  // A point stored before the validation arena has none: oversight read the held-out (now test)
  // measure, which stands in; a newer point has its own.
  EXPECT_EQ(p["validation"], p["incumbent"]);
  db->AddCurvePoint(s.run, {static_cast<int>(g) + 1, 20, 2,
                            R"({"improver":"y","incumbent":{"capability":0.5,"auc":[1,2,3]},"frozen":{"capability":0.25,"auc":[0.25]},"validation":{"capability":0.75,"auc":[0.75]}})"});
  const json q = ouro::web::Api(*db).Curve(s.run, 1000)["points"].back();
  EXPECT_EQ(q["validation"]["capability"], 0.75);
  EXPECT_EQ(q["validation"]["n"], 1);
}

TEST(WebApi, LineDiffMarksChangedLines) {
  EXPECT_EQ(ouro::web::LineDiff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
  EXPECT_EQ(ouro::web::LineDiff("", "a\n"), "+ a\n");
}

TEST(WebApi, IdsArePositiveIntegers) {
  EXPECT_EQ(ouro::web::ParseId("42", "run"), 42);
  for (const char* bad : {"", "0", "-1", "1a", "abc", "99999999999999999999", " 1"}) {
    try {
      ouro::web::ParseId(bad, "run");
      ADD_FAILURE() << bad;
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 400);
    }
  }
}

TEST(WebApi, LargeRunsAreDecimatedAndChangesAreSeen) {
  auto db = ouro::store::Store::Open(":memory:");
  const auto s = web_test::MakeRsiRun(*db, 300, 3);
  ouro::web::Api api(*db);
  const auto curve = api.Curve(s.run, 50);
  EXPECT_EQ(curve["total"], 301);
  EXPECT_EQ(curve["points"].size(), 50u);
  EXPECT_EQ(curve["points"].back()["generation"], 300);
  const auto cand = api.Candidates(s.run, 100);
  EXPECT_EQ(cand["total"], 900);
  EXPECT_EQ(cand["counts"]["adopted"], 300);
  int adopted = 0;
  for (const auto& c : cand["points"]) adopted += c["decision"] == "adopted";
  EXPECT_GE(adopted, 100);  // adoptions are kept (up to max), besides the evenly spaced points
  EXPECT_LE(cand["points"].size(), 200u);
  const auto lin = api.Lineage(s.run, 20);
  EXPECT_EQ(lin["total"], 301);
  EXPECT_EQ(lin["nodes"].size(), 20u);
  EXPECT_TRUE(lin["nodes"][0]["parent"].is_null());
  EXPECT_EQ(lin["nodes"][1]["parent"], lin["nodes"][0]["id"]);
  // A new curve point shows at the next request (the run's progress changed).
  db->AddCurvePoint(s.run, {301, 999999, 9, R"({"improver":"x","incumbent":{"capability":0.9,"auc":[0.9]},"frozen":{"capability":0.25,"auc":[0.25]}})"});
  db->SetProgress(s.run, R"({"generation":301})");
  EXPECT_EQ(api.Curve(s.run, 50)["total"], 302);
}

// GET /api/runs/R/takeoff: the fixture's adoptions each cost 1000 evaluations, so f is exactly 0
// and the run held steady; a new adoption shows at the next request; a search run has none (404).
TEST(WebApi, TakeoffOfAnRsiRun) {
  auto db = ouro::store::Store::Open(":memory:");
  const auto s = web_test::MakeRsiRun(*db, 12, 1);
  ouro::web::Api api(*db);
  const json t = api.Takeoff(s.run);
  EXPECT_EQ(t["run_id"], s.run);
  EXPECT_EQ(t["adoptions"], 12);
  EXPECT_DOUBLE_EQ(t["f"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(t["multiplier"].get<double>(), 1);
  EXPECT_TRUE(t["returns_r"].is_number());
  EXPECT_EQ(t["verdict"], "steady");
  db->AddCurvePoint(s.run, {13, 12500, 13, R"({"improver":"x","incumbent":{"capability":0.3},"frozen":{"capability":0.25}})"});
  db->SetProgress(s.run, R"({"generation":13})");
  EXPECT_EQ(api.Takeoff(s.run)["adoptions"], 13);
  const int64_t search = db->CreateRun("search", 1, "{}");
  for (int64_t run : {search, int64_t{99}}) {
    try {
      api.Takeoff(run);
      ADD_FAILURE() << "run " << run << " has no takeoff";
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 404);
    }
  }
}

// GET /api/runs/R/elo: a self-play run's generations, versions and ladder as stored (the
// pair-by-pair points left out); 404 for a run of another kind or an unknown run.
TEST(WebApi, EloOfASelfplayRun) {
  auto db = ouro::store::Store::Open(":memory:");
  const int64_t run = db->CreateRun("selfplay", 1, "{}");
  db->AddSelfplayVersion(run, {0, 0, "h0", "def setup():\ndef predict():\ndef learn():\n", std::string("\0\1", 2), "{}"});
  db->AddSelfplayGeneration(run, {1, R"({"generation":1,"adopted":false,"match":{"wins":3,"pair_points":[4,2]}})"});
  db->AddSelfplayMatch(run, {0, "ladder", 0, 0, 0, R"({"version":0,"generation":0,"elo":0,"elo_low":0,"elo_high":0,"match":{}})"});
  ouro::web::Api api(*db);
  const json e = api.Elo(run);
  ASSERT_EQ(e["generations"].size(), 1u);
  EXPECT_EQ(e["generations"][0]["match"]["wins"], 3);
  EXPECT_FALSE(e["generations"][0]["match"].contains("pair_points"));
  EXPECT_EQ(e["versions"][0]["program"], "h0");
  ASSERT_EQ(e["ladder"].size(), 1u);
  EXPECT_FALSE(e["ladder"][0].contains("match"));
  const int64_t search = db->CreateRun("search", 1, "{}");
  for (int64_t r : {search, int64_t{99}}) {
    try {
      api.Elo(r);
      ADD_FAILURE() << "run " << r << " has no Elo ladder";
    } catch (const HttpError& err) {
      EXPECT_EQ(err.status(), 404);
    }
  }
}

// An rsi run's lineage holds its improvers and, as a second tree, the best programs the promotion
// gate promoted or asked about, each the child of the record it beat, with its text and diff.
TEST(WebApi, RsiLineageShowsTheBestProgramsAfterTheImprovers) {
  auto db = ouro::store::Store::Open(":memory:");
  const auto s = web_test::MakeRsiRun(*db, 2, 1);
  const std::string a = "00000000000000a1", b = "00000000000000b2", c = "00000000000000c3";
  db->PutProgram(a, "def setup():\n  s2 = 0.5\n");
  db->PutProgram(b, "def setup():\n  s2 = 0.25\n");
  db->PutProgram(c, "def setup():\n  s2 = 0.125\n");
  db->AppendEvent(s.run, "promoted", "ouro", json{{"program", a}, {"fitness", 0.4}, {"generation", 1}, {"candidate", 0}}.dump());
  db->AppendEvent(s.run, "promoted", "ouro", json{{"program", b}, {"fitness", 0.6}, {"generation", 2}, {"candidate", 3}}.dump());
  const std::string key = "promote:g2c1:" + c;  // as the supervisor asks
  const int64_t item = db->AddItem(s.run, "promote", key, "promote program c",
                                   json{{"program", c}, {"fitness", 0.7}, {"generation", 2}, {"candidate", 1}}.dump());
  db->AppendEvent(s.run, "gate", "ouro", json{{"item", item}, {"key", key}, {"gate", "promote"}, {"fitness", 0.7}}.dump());
  db->AppendEvent(s.run, "gate", "ouro", json{{"item", 1}, {"gate", "adopt"}}.dump());  // not a program
  ouro::web::Api api(*db);
  const auto lin = api.Lineage(s.run, 100);
  ASSERT_EQ(lin["total"], 3 + 3);  // 3 improvers, 3 programs
  const auto& n = lin["nodes"];
  EXPECT_EQ(n[2]["kind"], "improver");
  EXPECT_EQ(n[3]["kind"], "program");
  EXPECT_EQ(n[3]["hash"], a);
  EXPECT_TRUE(n[3]["parent"].is_null());
  EXPECT_EQ(n[3]["label"], "best program, gen 1 candidate 0");
  EXPECT_DOUBLE_EQ(n[3]["value"].get<double>(), 0.4);
  EXPECT_EQ(n[4]["parent"], n[3]["id"]);
  EXPECT_EQ(n[5]["hash"], c);
  EXPECT_EQ(n[5]["parent"], n[4]["id"]);
  const auto node = api.Node(s.run, b);
  EXPECT_EQ(node["kind"], "program");
  EXPECT_EQ(node["parent_hash"], a);
  EXPECT_EQ(node["text"], "def setup():\n  s2 = 0.25\n");
  EXPECT_NE(node["diff"].get<std::string>().find("s2 = 0.25"), std::string::npos);
  EXPECT_TRUE(api.Node(s.run, a)["diff"].is_null());
  EXPECT_EQ(api.Node(s.run, s.hashes[1])["kind"], "improver");
  try {
    api.Node(s.run, "00000000000000d4");
    ADD_FAILURE() << "an unknown program must be a 404";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 404);
  }
}

}  // namespace

// GET /api/runs/R/llm: the exchanges newest first, paged, each with its request, outcome and
// proposal (the program, or the rejection); counts over all of them; 404 for an unknown run.
TEST(WebApi, LlmExchangesNewestFirst) {
  auto db = ouro::store::Store::Open(":memory:");
  const int64_t run = db->CreateRun("search", 1, "{}");
  ouro::web::Api api(*db);
  EXPECT_EQ(api.Llm(run, 0, 20)["total"], 0);
  const std::string ok = R"({"ok":true,"status":200,"attempts":1,"content":"c","usage":{"prompt_tokens":11,"completion_tokens":7}})";
  db->AddLlmExchange(run, {0, 5, R"({"messages":[{"role":"user","content":"improve"}]})", ok, "def predict():\n", ""});
  db->AddLlmExchange(run, {1, 9, R"({"messages":[]})", R"({"ok":false,"status":503,"attempts":3,"error":"HTTP 503","usage":{"prompt_tokens":0,"completion_tokens":0}})", "", "HTTP 503"});
  db->AddLlmExchange(run, {2, 12, R"({"messages":[]})", ok, "", "no program in the reply"});
  const json m = api.Llm(run, 0, 2);
  EXPECT_EQ(m["total"], 3);
  EXPECT_EQ(m["proposed"], 1);
  EXPECT_EQ(m["rejected"], 2);
  ASSERT_EQ(m["page"].size(), 2u);
  EXPECT_EQ(m["page"][0]["seq"], 2);
  EXPECT_EQ(m["page"][0]["rejection"], "no program in the reply");
  EXPECT_TRUE(m["page"][0]["program"].is_null());
  EXPECT_EQ(m["page"][1]["outcome"]["error"], "HTTP 503");
  const json last = api.Llm(run, 2, 2)["page"];
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]["individual"], 5);
  EXPECT_EQ(last[0]["program"], "def predict():\n");
  EXPECT_EQ(last[0]["request"]["messages"][0]["content"], "improve");
  EXPECT_EQ(last[0]["outcome"]["usage"]["completion_tokens"], 7);
  try {
    api.Llm(99, 0, 20);
    ADD_FAILURE() << "run 99 does not exist";
  } catch (const HttpError& err) {
    EXPECT_EQ(err.status(), 404);
  }
}
