// tests/tasks/task_spec_test.cc — the task-spec grammar: accepted forms, every rejection, and the
// canonical text round trip.

#include "tasks/task_spec.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace ouro::tasks {
namespace {

using testing::Contains;
using testing::ErrorOf;

// The rule that keeps the rsi loop's arenas apart.
TEST(TaskSpecTest, FamiliesOverlap) {
  auto overlap = [](const char* a, const char* b) {
    const bool x = FamiliesOverlap(ParseTaskSpec(a), ParseTaskSpec(b));
    EXPECT_EQ(x, FamiliesOverlap(ParseTaskSpec(b), ParseTaskSpec(a))) << a << " / " << b;  // symmetric
    return x;
  };
  EXPECT_TRUE(overlap("linear:dim=2,tasks=3,train=50", "linear:dim=2,tasks=9,seed=5"));
  EXPECT_FALSE(overlap("linear:dim=2", "linear:dim=3"));
  EXPECT_FALSE(overlap("linear:dim=2", "leaky:dim=2"));
  EXPECT_FALSE(overlap("linear:dim=2", "nonlinear:dim=2"));
  EXPECT_TRUE(overlap("nonlinear:dim=2,hidden=4", "nonlinear:dim=2,hidden=4,tasks=7"));
  EXPECT_FALSE(overlap("nonlinear:dim=2,hidden=4", "nonlinear:dim=2,hidden=8"));
  EXPECT_TRUE(overlap("fmnist:dim=4,pairs=0-6;2-4", "fmnist:dim=16,pairs=4-2"));  // b-a is a-b, any dim
  EXPECT_FALSE(overlap("fmnist:dim=4,pairs=0-6;2-4", "fmnist:dim=4,pairs=0-2;4-6"));
  EXPECT_TRUE(overlap("fmnist:dim=4", "fmnist:dim=8,pairs=3-5"));  // no list: all 45 pairs
  EXPECT_TRUE(overlap("csv:path=a.csv", "csv:path=a.csv,train=0.5,valid=0.5"));
  EXPECT_FALSE(overlap("csv:path=a.csv", "csv:path=b.csv"));
}

TEST(TaskSpecTest, ParsesFamilyAlone) {
  const TaskSpec s = ParseTaskSpec("linear");
  EXPECT_EQ(s.family, "linear");
  EXPECT_EQ(s.dim, 4);
  EXPECT_EQ(s.num_tasks, 1);
  EXPECT_EQ(s.n_train, 100);
}

TEST(TaskSpecTest, ParsesTheDocumentedExamples) {
  const TaskSpec a = ParseTaskSpec("linear:dim=4,tasks=10,train=100,valid=100,seed=7");
  EXPECT_EQ(a.dim, 4);
  EXPECT_EQ(a.num_tasks, 10);
  EXPECT_EQ(a.n_train, 100);
  EXPECT_EQ(a.n_valid, 100);
  EXPECT_EQ(a.seed, 7u);

  const TaskSpec b = ParseTaskSpec("fmnist:dim=16,pairs=0-6;2-4,train=8000,valid=1000,test=1000");
  EXPECT_EQ(b.family, "fmnist");
  EXPECT_EQ(b.dim, 16);
  EXPECT_EQ(b.pairs, (std::vector<std::pair<int, int>>{{0, 6}, {2, 4}}));
  EXPECT_EQ(b.n_test, 1000);

  const TaskSpec c = ParseTaskSpec("csv:path=data.csv,label=y,train=0.8");
  EXPECT_EQ(c.path, "data.csv");
  EXPECT_EQ(c.label_column, "y");
  EXPECT_EQ(c.train_fraction, 0.8);
  EXPECT_EQ(c.valid_fraction, 0.2);
  EXPECT_EQ(c.test_fraction, 0.0);
  EXPECT_EQ(c.project_dim, 0);
}

TEST(TaskSpecTest, ParsesEveryKey) {
  const TaskSpec n =
      ParseTaskSpec(" nonlinear : dim = 8 , hidden=32,tasks=3,test=5,seed=18446744073709551615");
  EXPECT_EQ(n.family, "nonlinear");
  EXPECT_EQ(n.dim, 8);
  EXPECT_EQ(n.hidden, 32);
  EXPECT_EQ(n.num_tasks, 3);
  EXPECT_EQ(n.n_test, 5);
  EXPECT_EQ(n.seed, 18446744073709551615ull);

  const TaskSpec f = ParseTaskSpec("fmnist:pairs=all,data_dir=/tmp/fm");
  EXPECT_TRUE(f.pairs.empty());
  EXPECT_EQ(f.data_dir, "/tmp/fm");

  const TaskSpec i =
      ParseTaskSpec("idx:path=a.idx,labels=b.idx,kind=classification,dim=12,train=500,valid=0.1");
  EXPECT_EQ(i.labels_path, "b.idx");
  EXPECT_EQ(i.kind, "classification");
  EXPECT_EQ(i.project_dim, 12);
  EXPECT_EQ(i.n_train, 500);
  EXPECT_EQ(i.train_fraction, -1);  // a count replaces the default fraction
  EXPECT_EQ(i.valid_fraction, 0.1);
}

TEST(TaskSpecTest, RejectsBadSpecsNamingTheProblem) {
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {"linear:dimm=4",
       "task spec 'linear:dimm=4': unknown key 'dimm' (known: dim, tasks, train, "
       "valid, test, seed, hidden, pairs, views, path, labels, label, kind, data_dir, standardize, epochs)"},
      {"quadratic",
       "task spec 'quadratic': unknown family 'quadratic' (known: linear, nonlinear, leaky, "
       "fmnist, csv, idx)"},
      {"", "missing family"},
      {":dim=4", "missing family"},
      {"linear:dim=0", "dim must be between 1 and 256, got 0"},
      {"linear:dim=257", "dim must be between 1 and 256, got 257"},
      {"linear:dim=4x", "dim: not an integer: '4x'"},
      {"linear:dim=2.5", "dim: not an integer: '2.5'"},
      {"linear:train=-5", "train must be between 1 and 10000000, got -5"},
      {"linear:valid=-1", "valid must not be negative, got -1"},
      {"linear:test=-1", "test must not be negative, got -1"},
      {"linear:tasks=0", "tasks must be between 1 and 100000, got 0"},
      {"linear:train=0.5", "train: not an integer: '0.5'"},
      {"linear:seed=-1", "seed: not a non-negative 64-bit integer: '-1'"},
      {"linear:seed=99999999999999999999", "seed: not a non-negative 64-bit integer"},
      {"linear:hidden=4",
       "key 'hidden' does not apply to family 'linear' (its keys: dim, tasks, "
       "train, valid, test, seed)"},
      {"fmnist:tasks=3", "choose instances with pairs="},
      {"linear:dim=4,dim=5", "key 'dim' given twice"},
      {"linear:dim", "expected key=value, got 'dim'"},
      {"linear:", "empty entry"},
      {"linear:dim=4,", "empty entry"},
      {"linear:dim=", "dim: empty value"},
      {"fmnist:pairs=0-0", "bad class pair '0-0'"},
      {"fmnist:pairs=0-10", "bad class pair '0-10'"},
      {"fmnist:pairs=3", "bad class pair '3'"},
      {"fmnist:pairs=0-6;1-2;0-6", "class pair 0-6 listed twice"},
      {"fmnist:views=0", "views must be between 1 and 100, got 0"},
      {"fmnist:views=101", "views must be between 1 and 100, got 101"},
      {"linear:views=2", "key 'views' does not apply to family 'linear'"},
      {"csv:label=y", "csv needs a data file (key path=)"},
      {"idx:path=a", "idx needs a labels file (key labels=)"},
      {"csv:path=a,kind=ranking", "kind must be regression or classification, got 'ranking'"},
      {"csv:path=a,standardize=yes", "standardize must be true or false, got 'yes'"},
      {"csv:path=a,train=1.5", "train: fraction must be above 0 and at most 1, got 1.5"},
      {"csv:path=a,train=0.0", "train: fraction must be above 0"},
      {"csv:path=a,train=x", "train: not a count or fraction: 'x'"},
      {"csv:path=a,train=0.9,valid=0.2", "split fractions add up to more than 1"},
      {"nonlinear:hidden=0", "hidden must be between 1 and 1024, got 0"},
  };
  for (const Case& c : cases) {
    const std::string msg = ErrorOf([&] { ParseTaskSpec(c.text); });
    EXPECT_TRUE(Contains(msg, c.expect)) << "spec '" << c.text << "' gave: " << msg;
    EXPECT_TRUE(Contains(msg, "task spec '" + c.text + "': ")) << msg;
  }
}

TEST(TaskSpecTest, ToStringRoundTrips) {
  for (const char* text :
       {"linear", "linear:dim=7,tasks=3,train=11,valid=0,test=5,seed=123",
        "nonlinear:hidden=3,seed=18446744073709551615",
        "fmnist:dim=16,pairs=0-6;4-2,train=8000,valid=1000,test=0,data_dir=/x/y", "fmnist",
        "fmnist:pairs=0-6;6-0,views=3",
        "csv:path=d.csv,label=3,kind=regression,train=0.5,valid=100,test=1.0e-1,dim=9",
        "csv:path=d.csv,train=1.0,valid=0.0", "idx:path=a.gz,labels=b.gz"}) {
    const TaskSpec s = ParseTaskSpec(text);
    const std::string canon = TaskSpecToString(s);
    const TaskSpec t = ParseTaskSpec(canon);
    EXPECT_EQ(TaskSpecToString(t), canon) << text;
    EXPECT_EQ(t.family, s.family);
    EXPECT_EQ(t.dim, s.dim);
    EXPECT_EQ(t.num_tasks, s.num_tasks);
    EXPECT_EQ(t.n_train, s.n_train);
    EXPECT_EQ(t.n_valid, s.n_valid);
    EXPECT_EQ(t.n_test, s.n_test);
    EXPECT_EQ(t.seed, s.seed);
    EXPECT_EQ(t.hidden, s.hidden);
    EXPECT_EQ(t.pairs, s.pairs);
    EXPECT_EQ(t.views, s.views);
    EXPECT_EQ(t.path, s.path);
    EXPECT_EQ(t.labels_path, s.labels_path);
    EXPECT_EQ(t.label_column, s.label_column);
    EXPECT_EQ(t.kind, s.kind);
    EXPECT_EQ(t.data_dir, s.data_dir);
    EXPECT_EQ(t.train_fraction, s.train_fraction);
    EXPECT_EQ(t.valid_fraction, s.valid_fraction);
    EXPECT_EQ(t.test_fraction, s.test_fraction);
    EXPECT_EQ(t.project_dim, s.project_dim);
  }
  EXPECT_EQ(ParseTaskSpec("fmnist:pairs=0-6;6-0,views=3").views, 3);
  EXPECT_EQ(TaskSpecToString(ParseTaskSpec("fmnist:pairs=0-6,views=1")),  // the default is not written
            "fmnist:dim=4,train=100,valid=100,test=0,seed=0,pairs=0-6");
  EXPECT_EQ(TaskSpecToString(ParseTaskSpec("linear:seed=7")),
            "linear:dim=4,tasks=1,train=100,valid=100,test=0,seed=7");
}

TEST(TaskSpecTest, GenerateValidatesSpecsBuiltInCode) {
  TaskSpec s;
  s.dim = 300;
  EXPECT_EQ(ErrorOf([&] { Generate(s); }),
            "task spec 'linear:dim=300,tasks=1,train=100,valid=100,test=0,seed=0': dim must be "
            "between 1 and 256, got 300");
  s = TaskSpec{};
  s.n_valid = -1;
  EXPECT_TRUE(Contains(ErrorOf([&] { Generate(s); }), "valid must not be negative, got -1"));
  s = TaskSpec{};
  s.family = "bogus";
  EXPECT_TRUE(Contains(ErrorOf([&] { Generate(s); }), "unknown family 'bogus'"));
  s = TaskSpec{};
  s.family = "csv";
  EXPECT_TRUE(Contains(ErrorOf([&] { Generate(s); }), "csv needs a data file"));
}

}  // namespace
}  // namespace ouro::tasks
