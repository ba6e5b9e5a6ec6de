// The dashboard's HTTP server in-process: httplib's client against a Server on a free port, over a
// synthetic run. Read endpoints, bad input, security headers, and the token rules for actions: no
// token 401, wrong token 403, a token in the query string or a cookie refused, and no state change
// in any of these cases; the right token decides the item and the audit chain names the credential.
#include "web/server.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include "fixture.h"
#include "oversight/audit.h"

namespace {

using nlohmann::json;
using web_test::MakeRsiRun;

constexpr const char* kToken = "test-token-0123456789abcdef";

class WebServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = web_test::TempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    path_ = dir_ + "/runs.db";
    db_ = ouro::store::Store::Open(path_);
    run_ = MakeRsiRun(*db_, 12, 3);
    ouro::web::ServerOptions o;
    o.db_path = path_;
    o.port = 0;
    o.token = kToken;
    server_ = std::make_unique<ouro::web::Server>(o);
    port_ = server_->Start();
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void TearDown() override {
    server_->Stop();
    server_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  json Get(const std::string& path, int expect = 200) {
    auto r = cli_->Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, expect) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  httplib::Result Post(const std::string& path, const httplib::Headers& h, const std::string& body = "{}",
                       const char* type = "application/json") {
    return cli_->Post(path.c_str(), h, body, type);
  }
  // Everything an action could change.
  std::string State() {
    const auto r = db_->GetRun(run_.run);
    std::string s = r->status + "|" + r->control + "|" + std::to_string(db_->GetEvents(run_.run).size());
    for (const auto& i : db_->GetItems(run_.run, false)) s += "|" + i.status + i.decided_by;
    return s;
  }

  std::string dir_, path_;
  std::unique_ptr<ouro::store::Store> db_;
  web_test::SyntheticRun run_;
  std::unique_ptr<ouro::web::Server> server_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> cli_;
};

TEST_F(WebServer, ReadEndpoints) {
  const json runs = Get("/api/runs");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "waiting");
  EXPECT_EQ(runs[0]["live"], true);
  EXPECT_EQ(runs[0]["tripwires_fired"], 1);
  EXPECT_EQ(runs[0]["pending"], 2);
  EXPECT_DOUBLE_EQ(runs[0]["budget"]["evaluations"]["fraction"].get<double>(), 0.5);
  const json run = Get("/api/runs/1");
  EXPECT_EQ(run["kind"], "rsi");
  EXPECT_EQ(run["policy"], "manual");
  const json curve = Get("/api/runs/1/curve");
  ASSERT_EQ(curve["points"].size(), 13u);
  for (const auto& p : curve["points"]) {
    EXPECT_LT(p["incumbent"]["lo"].get<double>(), p["incumbent"]["capability"].get<double>());
    EXPECT_GT(p["incumbent"]["hi"].get<double>(), p["incumbent"]["capability"].get<double>());
    EXPECT_EQ(p["incumbent"]["n"], 3);
  }
  EXPECT_EQ(Get("/api/runs/1/candidates")["total"], 36);
  const json lin = Get("/api/runs/1/lineage");
  ASSERT_EQ(lin["nodes"].size(), 13u);
  const json node = Get("/api/runs/1/node/" + run_.hashes[5]);
  EXPECT_EQ(node["generation"], 5);
  EXPECT_NE(node["text"].get<std::string>().find("\"population\": 1005"), std::string::npos);
  EXPECT_NE(node["diff"].get<std::string>().find("1004"), std::string::npos) << node["diff"];
  const json items = Get("/api/runs/1/items");
  ASSERT_EQ(items["items"].size(), 2u);
  EXPECT_EQ(items["items"][0]["evidence"]["llr"], 3.1);
  const json takeoff = Get("/api/runs/1/takeoff");
  EXPECT_EQ(takeoff["adoptions"], 12);
  EXPECT_EQ(takeoff["verdict"], "steady");
  const json audit = Get("/api/runs/1/audit?limit=2");
  EXPECT_EQ(audit["ok"], true);
  EXPECT_EQ(audit["events"], 3);
  ASSERT_EQ(audit["page"].size(), 2u);
  EXPECT_EQ(audit["page"][0]["type"], "gate");  // newest first
  // The front end, from the binary.
  auto page = cli_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("Ouro dashboard"), std::string::npos);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  auto js = cli_->Get("/vendor/uPlot.esm.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(js->body.size(), 10000u);
}

TEST_F(WebServer, BadInputIs400AndUnknownThingsAre404) {
  Get("/api/runs/abc", 400);
  Get("/api/runs/0", 400);
  Get("/api/runs/-3/curve", 400);
  Get("/api/runs/123456789012345678901234567890", 400);
  Get("/api/runs/99", 404);
  Get("/api/runs/99/curve", 404);
  Get("/api/runs/99/takeoff", 404);
  Get("/api/runs/1/curve?max=abc", 400);
  Get("/api/runs/1/curve?max=1", 400);
  Get("/api/runs/1/audit?offset=-1", 400);
  Get("/api/runs/1/node/NOT-HEX", 400);
  Get("/api/runs/1/node/abcdef", 404);
  Get("/api/nothing", 404);
  auto r = cli_->Get("/no/such/file.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(WebServer, SecurityHeaders) {
  for (const char* path : {"/", "/api/runs", "/api/runs/99", "/app.js"}) {
    auto r = cli_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos) << path;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY") << path;
    EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer") << path;
  }
  auto api = cli_->Get("/api/runs");
  EXPECT_EQ(api->get_header_value("Cache-Control"), "no-store");
  // A page served under another host name (DNS rebinding) gets nothing.
  auto evil = cli_->Get("/api/runs", {{"Host", "evil.example:80"}});
  ASSERT_TRUE(evil);
  EXPECT_EQ(evil->status, 403);
}

TEST_F(WebServer, ActionsWithoutTheRightTokenChangeNothing) {
  const std::string before = State();
  const std::string approve = "/api/runs/1/items/1/approve";
  auto none = Post(approve, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = Post(approve, {{"Authorization", "Bearer not-the-token-at-all"}});
  EXPECT_EQ(wrong->status, 403);
  auto wrong2 = Post(approve, {{"X-Ouro-Token", std::string(kToken) + "x"}});
  EXPECT_EQ(wrong2->status, 403);
  auto query = Post(approve + "?token=" + kToken, {});
  EXPECT_EQ(query->status, 401);
  auto query2 = Post(approve + "?access_token=" + kToken, {});
  EXPECT_EQ(query2->status, 401);
  auto cookie = Post(approve, {{"Cookie", std::string("token=") + kToken}});
  EXPECT_EQ(cookie->status, 401);
  auto basic = Post(approve, {{"Authorization", std::string("Basic ") + kToken}});
  EXPECT_EQ(basic->status, 401);
  for (const char* what : {"pause", "stop", "resume"}) {
    EXPECT_EQ(Post(std::string("/api/runs/1/") + what, {})->status, 401);
    EXPECT_EQ(Post(std::string("/api/runs/1/") + what, {{"X-Ouro-Token", "wrong-token-wrong-token"}})->status, 403);
  }
  auto get = cli_->Get((approve + "?token=" + kToken).c_str());  // a GET never acts
  EXPECT_NE(get->status, 200);
  EXPECT_EQ(State(), before);
}

TEST_F(WebServer, ApproveWithTheTokenDecidesAndRecordsTheCredential) {
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  auto r = Post("/api/runs/1/items/1/approve", auth, R"({"note":"looks fine"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  const std::string actor = "dashboard:" + ouro::oversight::Sha256Hex(kToken).substr(0, 8);
  EXPECT_EQ(actor, "dashboard:" + ouro::web::TokenId(kToken));
  const auto item = db_->GetItem(run_.run, 1);
  EXPECT_EQ(item->status, "approved");
  EXPECT_EQ(item->decided_by, actor);
  EXPECT_EQ(item->note, "looks fine");
  const auto events = db_->GetEvents(run_.run);
  EXPECT_EQ(events.back().type, "approval");
  EXPECT_EQ(events.back().actor, actor);
  EXPECT_EQ(json::parse(events.back().content_json)["note"], "looks fine");
  EXPECT_EQ(json::parse(events.back().content_json)["item"], 1);
  EXPECT_TRUE(ouro::oversight::VerifyChain(run_.run, events, db_->GetAuditHead(run_.run)).ok);
  // Twice: 409, nothing changes.
  const std::string before = State();
  EXPECT_EQ(Post("/api/runs/1/items/1/approve", auth)->status, 409);
  EXPECT_EQ(Post("/api/runs/1/items/1/reject", auth, R"({"note":"x"})")->status, 409);
  EXPECT_EQ(Post("/api/runs/1/items/99/approve", auth)->status, 404);
  EXPECT_EQ(Post("/api/runs/7/items/1/approve", auth)->status, 404);
  EXPECT_EQ(Post("/api/runs/1/items/0/approve", auth)->status, 400);
  EXPECT_EQ(State(), before);
  // A rejection needs a reason; the X-Ouro-Token header works too.
  const httplib::Headers auth2 = {{"X-Ouro-Token", kToken}};
  EXPECT_EQ(Post("/api/runs/1/items/2/reject", auth2)->status, 400);
  EXPECT_EQ(Post("/api/runs/1/items/2/reject", auth2, R"({"note":"too fast"})")->status, 200);
  EXPECT_EQ(db_->GetItem(run_.run, 2)->status, "rejected");
  EXPECT_EQ(db_->GetEvents(run_.run).back().type, "rejection");
}

// A poll that names the ETag it last saw gets 304 and no body until the answer changes.
TEST_F(WebServer, ReadsCarryAnETagAndUnchangedAnswersAre304) {
  auto first = cli_->Get("/api/runs/1/items");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  const std::string etag = first->get_header_value("ETag");
  ASSERT_EQ(etag.size(), 18u) << etag;  // a quoted 64-bit hash
  auto again = cli_->Get("/api/runs/1/items", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("ETag"), etag);
  EXPECT_EQ(again->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(cli_->Get("/api/runs/1/items", {{"If-None-Match", "\"0000000000000000\""}})->status, 200);
  // An approval changes the answer: a new ETag, a full body.
  ASSERT_EQ(Post("/api/runs/1/items/1/approve", {{"Authorization", std::string("Bearer ") + kToken}})->status, 200);
  auto changed = cli_->Get("/api/runs/1/items", {{"If-None-Match", etag}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  EXPECT_NE(changed->get_header_value("ETag"), etag);
  EXPECT_EQ(json::parse(changed->body)["items"][0]["status"], "approved");
  // Errors carry no ETag.
  EXPECT_TRUE(cli_->Get("/api/runs/99")->get_header_value("ETag").empty());
}

TEST_F(WebServer, BodiesAreValidated) {
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  const std::string before = State();
  const std::string path = "/api/runs/1/items/1/approve";
  EXPECT_EQ(Post(path, auth, "note=x", "application/x-www-form-urlencoded")->status, 415);
  EXPECT_EQ(Post(path, auth, "[1,2]")->status, 400);
  EXPECT_EQ(Post(path, auth, "{not json")->status, 400);
  EXPECT_EQ(Post(path, auth, R"({"note":5})")->status, 400);
  EXPECT_EQ(Post(path, auth, R"({"note":"x","as":"alice"})")->status, 400);
  EXPECT_EQ(Post(path, auth, "{\"note\":\"" + std::string(5000, 'a') + "\"}")->status, 413);
  auto huge = Post(path, auth, "{\"note\":\"" + std::string(100000, 'a') + "\"}");
  EXPECT_TRUE(!huge || huge->status == 413) << (huge ? huge->status : 0);
  EXPECT_EQ(State(), before);
}

TEST_F(WebServer, PauseResumeStopSetTheControlWordAndAppendEvents) {
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  EXPECT_EQ(Post("/api/runs/1/pause", auth)->status, 200);
  EXPECT_EQ(db_->GetControl(run_.run), "pause");
  EXPECT_EQ(db_->GetEvents(run_.run).back().type, "pause_requested");
  EXPECT_EQ(Post("/api/runs/1/resume", auth)->status, 200);
  EXPECT_EQ(db_->GetControl(run_.run), "run");
  EXPECT_EQ(db_->GetEvents(run_.run).back().type, "resume_requested");
  EXPECT_EQ(Post("/api/runs/1/stop", auth, R"({"note":"enough"})")->status, 200);
  EXPECT_EQ(db_->GetControl(run_.run), "stop");
  const auto last = db_->GetEvents(run_.run).back();
  EXPECT_EQ(last.type, "stop_requested");
  EXPECT_EQ(last.actor, "dashboard:" + ouro::web::TokenId(kToken));
  EXPECT_EQ(Post("/api/runs/1/explode", auth)->status, 404);
  // A run whose process is gone cannot be paused; stopping marks it stopped.
  db_->ReleaseRun(run_.run);
  EXPECT_EQ(Post("/api/runs/1/pause", auth)->status, 409);
}

}  // namespace

namespace {

// A server stopped right after it started (a run that ends at once) must not hang in accept().
TEST(WebServerLifecycle, StopRightAfterStartReturns) {
  const std::string dir = web_test::TempDir("lifecycle");
  { ouro::store::Store::Open(dir + "/runs.db"); }
  for (int i = 0; i < 20; ++i) {
    ouro::web::ServerOptions o;
    o.db_path = dir + "/runs.db";
    o.port = 0;
    ouro::web::Server s(o);
    EXPECT_GT(s.Start(), 0);
    EXPECT_EQ(s.token().size(), 64u);
    s.Stop();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
