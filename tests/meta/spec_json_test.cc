// Tests of the improver spec's JSON form: the round trip is exact, the hash identifies the spec,
// bad input is rejected naming the field, spec files load what ToJson wrote and report their path
// and range errors, and DiffText lists the changed fields. Shared helpers are in
// spec_test_util.h.
#include "meta/spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/error.h"
#include "spec_test_util.h"
#include "temp_dir_test.h"

namespace ouro::meta {
namespace {

namespace fs = std::filesystem;
using test::MetaIdx;
using test::RichSpec;
using test::RoundTripJson;
using lang::Op;
using search::Mutation;

// ---- helpers ---------------------------------------------------------------------------------

// Expects SpecFromJson(j) to throw an ouro::Error whose message contains every fragment.
void ExpectRejected(const Json& j, std::vector<std::string> fragments) {
  try {
    SpecFromJson(j);
    ADD_FAILURE() << "accepted; expected an error containing '" << fragments.front() << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an ouro::Error: " << e.what();
  }
}

// ---- JSON ------------------------------------------------------------------------------------

TEST(SpecJson, RoundTripIsExact) {
  const search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  const ImproverSpec specs[] = {SpecFromConfig(base), PlainSpec(base), RichSpec()};
  for (const ImproverSpec& s : specs) {
    const ImproverSpec back = SpecFromJson(RoundTripJson(s));
    EXPECT_EQ(SpecHash(back), SpecHash(s)) << s.name;
    EXPECT_EQ(ToJson(back).dump(), ToJson(s).dump()) << s.name;
    EXPECT_EQ(DiffText(s, back), "") << s.name;
  }
  // The learned and meta parts are really there (not silently dropped on both sides).
  const ImproverSpec back = SpecFromJson(RoundTripJson(RichSpec()));
  EXPECT_EQ(back.name, "rich");
  EXPECT_EQ(back.credit_runs, 6);
  EXPECT_EQ(back.credit.kind[static_cast<int>(Mutation::kInsert)].gains, 0.1 + 0.2);
  EXPECT_EQ(back.credit.op[2][static_cast<int>(Op::kScalarSub)].gains, 1.0 / 3);
  EXPECT_EQ(back.credit.position[3].trials, 2);
  EXPECT_EQ(back.insert_at[2], 0.1 + 0.2);
  EXPECT_EQ(back.operations[2][0].second, 0.123456789);
  EXPECT_EQ(back.meta_weights[MetaIdx("discover_filter")], 2.5);
  EXPECT_EQ(back.meta_step, 0.7);
  ASSERT_TRUE(back.filter);
  EXPECT_EQ(back.filter->program, RichSpec().filter->program);
  EXPECT_EQ(back.macros, RichSpec().macros);
  EXPECT_EQ(back.scheme, "islands");
}

TEST(SpecJson, HashIdentifiesTheSpec) {
  const ImproverSpec a = RichSpec();
  ImproverSpec b = a;
  EXPECT_EQ(SpecHash(a), SpecHash(b));
  EXPECT_EQ(SpecHash(a).size(), 16u);
  b.population = 61;
  EXPECT_NE(SpecHash(a), SpecHash(b));
  b = a;
  b.credit.position[0].trials += 1;
  EXPECT_NE(SpecHash(a), SpecHash(b));
}

TEST(SpecJson, RejectsBadInputNamingTheField) {
  const Json good = RoundTripJson(RichSpec());
  ASSERT_NO_THROW(SpecFromJson(good));
  auto with = [&](const std::function<void(Json&)>& edit) {
    Json j = good;
    edit(j);
    return j;
  };
  ExpectRejected(with([](Json& j) { j["colour"] = "red"; }), {"colour", "unknown field"});
  ExpectRejected(with([](Json& j) { j["selection"]["pop"] = 3; }), {"selection.pop", "unknown field"});
  ExpectRejected(with([](Json& j) { j["selection"].erase("population"); }), {"selection.population", "missing"});
  ExpectRejected(with([](Json& j) { j["selection"]["population"] = "100"; }), {"selection.population", "integer"});
  ExpectRejected(with([](Json& j) { j["selection"]["population"] = 1.5; }), {"selection.population", "integer"});
  ExpectRejected(with([](Json& j) { j["constants"]["sigma"] = "x"; }), {"constants.sigma", "number"});
  ExpectRejected(with([](Json& j) { j["name"] = 3; }), {"name", "string"});
  ExpectRejected(with([](Json& j) { j["mutations"] = Json::array(); }), {"mutations", "object"});
  ExpectRejected(with([](Json& j) { j["operations"]["learn"]["scalar_frobnicate"] = 1; }),
                 {"operations.learn.scalar_frobnicate", "unknown operation"});
  ExpectRejected(with([](Json& j) { j["operations"]["logic"] = Json::object(); }), {"operations.logic", "unknown field"});
  ExpectRejected(with([](Json& j) { j["mutations"]["teleport"] = 1; }), {"mutations.teleport"});
  ExpectRejected(with([](Json& j) { j["mutations"]["alter"] = -0.5; }), {"mutations.alter", ">= 0"});
  ExpectRejected(with([](Json& j) { j["operations"]["setup"]["scalar_const"] = -1; }), {"operations.setup.scalar_const", ">= 0"});
  ExpectRejected(with([](Json& j) { j["meta"]["weights"]["perturb_ops"] = -1; }), {"meta.weights.perturb_ops", ">= 0"});
  ExpectRejected(with([](Json& j) { j["meta"]["weights"]["self_destruct"] = 1; }),
                 {"meta.weights.self_destruct", "unknown meta-operator"});
  ExpectRejected(with([](Json& j) {
                   for (auto& [k, v] : j["mutations"].items()) v = 0;
                 }),
                 {"no mutation operator has a weight > 0"});
  ExpectRejected(with([](Json& j) { j["filter"]["program"] = "def predict():\n  s1 = frob(s0)\n"; }),
                 {"filter.program"});
  // A register the filter shape does not have (it has 8 scalars).
  ExpectRejected(with([](Json& j) { j["filter"]["program"] = "def predict():\n  s1 = s9 + s0\n"; }),
                 {"filter.program"});
  ExpectRejected(with([](Json& j) {
                   j["macros"][0] = {{"component", "learn"}, {"code", "def predict():\n  s1 = s0 + s2\n"}};
                 }),
                 {"macros[0].code", "its component only"});
  ExpectRejected(with([](Json& j) {
                   j["macros"][1] = {{"component", "setup"},
                                     {"code", "def setup():\n  s2 = 0.5\ndef learn():\n  s3 = s0 - s1\n"}};
                 }),
                 {"macros[1].code", "its component only"});
  ExpectRejected(with([](Json& j) { j["macros"][0]["component"] = "teardown"; }), {"macros[0].component"});
  ExpectRejected(with([](Json& j) { j["learned"]["kinds"]["alter"] = Json::array({1, 2}); }),
                 {"learned.kinds.alter", "gains <= trials"});
  ExpectRejected(with([](Json& j) { j["learned"]["operations"]["learn"]["scalar_sub"] = Json::array({3, 4}); }),
                 {"learned.operations.learn.scalar_sub", "gains <= trials"});
  ExpectRejected(with([](Json& j) { j["learned"]["positions"][0] = Json::array({-1, 0}); }),
                 {"learned.positions"});
  ExpectRejected(with([](Json& j) { j["learned"]["positions"].erase(0); }), {"learned.positions"});
  ExpectRejected(with([](Json& j) { j["selection"]["scheme"] = "tribal"; }), {"scheme"});
  ExpectRejected(with([](Json& j) { j["selection"]["tournament"] = 0; }), {"tournament"});
  ExpectRejected(with([](Json& j) { j["meta"]["step"] = 0; }), {"meta step"});
  ExpectRejected(Json::array({1, 2}), {"must be an object"});
}

// SpecFromJson promises to name the bad field; a negative weight is reported only as "mutation
// weights must be finite and >= 0" / "operation weights ...", without saying which one.
TEST(SpecJson, NegativeWeightErrorsNameTheField) {
  Json j = RoundTripJson(RichSpec());
  j["mutations"]["alter"] = -0.5;
  ExpectRejected(j, {"mutations.alter"});
  j = RoundTripJson(RichSpec());
  j["operations"]["setup"]["scalar_const"] = -1;
  ExpectRejected(j, {"operations.setup.scalar_const"});
}

class SpecFile : public test::TempDirTest {
 protected:
  SpecFile() : TempDirTest("ouro_spec_test_") {}
};

TEST_F(SpecFile, LoadSpecReadsWhatToJsonWrote) {
  const ImproverSpec s = RichSpec();
  const std::string path = Write("s.json", ToJson(s).dump(2));
  EXPECT_EQ(SpecHash(LoadSpec(path)), SpecHash(s));
}

TEST_F(SpecFile, AnOutOfRangeNumberIsAClearError) {
  // nlohmann reports 1e309 as out_of_range, not parse_error (found by fuzz_improver_spec).
  const std::string path = Write("big.json", "{\"name\": 1e309}");
  try {
    LoadSpec(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST_F(SpecFile, IntegersOutsideTheirRangeAreErrorsNotWrapped) {
  Json j = RoundTripJson(RichSpec());
  j["selection"]["population"] = 4294967396ULL;  // 2^32 + 100 must not become 100
  EXPECT_THROW(SpecFromJson(j), Error);
  j["selection"]["population"] = 18446744073709551615ULL;
  EXPECT_THROW(SpecFromJson(j), Error);
  try {
    LoadSpec("/dev/zero");  // would read forever
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

TEST_F(SpecFile, LoadSpecErrorsNameThePath) {
  const std::string missing = (dir_ / "nope.json").string();
  try {
    LoadSpec(missing);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string bad = Write("bad.json", "{\"name\": \"x\", ");
  try {
    LoadSpec(bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("JSON"), std::string::npos) << e.what();
  }
  Json j = RoundTripJson(RichSpec());
  j["selection"]["population"] = "many";
  const std::string wrong = Write("wrong.json", j.dump());
  try {
    LoadSpec(wrong);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(wrong), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("selection.population"), std::string::npos) << e.what();
  }
}

TEST(DiffText, ListsChangedFieldsAndIsEmptyForEqualSpecs) {
  const ImproverSpec a = RichSpec();
  EXPECT_EQ(DiffText(a, a), "");
  ImproverSpec b = a;
  b.population = 90;
  b.mutations[0].second = 0.25;
  const std::string d = DiffText(a, b);
  EXPECT_NE(d.find("/selection/population: 60 -> 90"), std::string::npos) << d;
  EXPECT_NE(d.find("/mutations/" + std::string(search::MutationName(a.mutations[0].first))), std::string::npos) << d;
  EXPECT_EQ(std::count(d.begin(), d.end(), '\n'), 2) << d;
  EXPECT_EQ(d.find("scheme"), std::string::npos) << d;
  // Learned credit is summarised in one line, not listed counter by counter.
  ImproverSpec c = a;
  c.credit.kind[static_cast<int>(Mutation::kAlter)].trials += 100;
  c.credit.op[1][static_cast<int>(Op::kVectorDot)] = {50, 1};
  c.credit_runs = 9;
  const std::string dc = DiffText(a, c);
  EXPECT_EQ(std::count(dc.begin(), dc.end(), '\n'), 1) << dc;
  EXPECT_NE(dc.find("/learned"), std::string::npos) << dc;
  EXPECT_NE(dc.find("9 runs"), std::string::npos) << dc;
  // A filter and macros appearing show up too.
  ImproverSpec p = PlainSpec(search::DefaultRunConfig().evolution);
  ImproverSpec q = p;
  q.filter = a.filter;
  q.macros = a.macros;
  const std::string dq = DiffText(p, q);
  EXPECT_NE(dq.find("/filter"), std::string::npos) << dq;
  EXPECT_NE(dq.find("/macros"), std::string::npos) << dq;
}

}  // namespace
}  // namespace ouro::meta
