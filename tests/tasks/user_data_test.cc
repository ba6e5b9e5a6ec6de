// tests/tasks/user_data_test.cc — the csv and idx families: splitting, shuffling, kind detection,
// optional projection, and their errors.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tasks/idx.h"
#include "tasks/task_spec.h"
#include "test_util.h"

namespace ouro::tasks {
namespace {

using testing::Contains;
using testing::ErrorOf;
using testing::TempDir;

// n rows "y,a,b" with a = row index, b = 2 * row index, y = label(row).
std::string MakeCsv(int n, double (*label)(int)) {
  std::string text = "y,a,b\n";
  for (int r = 0; r < n; ++r) {
    text += std::to_string(label(r)) + "," + std::to_string(r) + "," + std::to_string(2 * r) + "\n";
  }
  return text;
}

TEST(CsvFamilyTest, DefaultSplitIsShuffledEightyTwenty) {
  TempDir tmp;
  const std::string path = tmp.Write("d.csv", MakeCsv(50, [](int r) { return r * 0.5; }));
  // standardize=false: the rows as the file has them (standardization has its own tests).
  const TaskSpec spec = ParseTaskSpec("csv:path=" + path + ",seed=3,standardize=false");
  const auto sets = Generate(spec);
  ASSERT_EQ(sets.size(), 1u);
  const Dataset& d = sets[0];
  EXPECT_EQ(d.name, "csv[d.csv]");
  EXPECT_EQ(d.kind, Kind::kRegression);
  EXPECT_EQ(d.dim, 2);
  EXPECT_EQ(d.train.n(), 40);
  EXPECT_EQ(d.valid.n(), 10);
  EXPECT_EQ(d.test.n(), 0);
  // Every row appears exactly once, intact, and not in file order.
  std::set<int> rows;
  bool in_order = true;
  for (const Split* s : {&d.train, &d.valid}) {
    for (int r = 0; r < s->n(); ++r) {
      const double* x = s->row(r, 2);
      EXPECT_EQ(x[1], 2 * x[0]);
      EXPECT_EQ(s->y[r], x[0] * 0.5);
      rows.insert(static_cast<int>(x[0]));
      if (s == &d.train && r > 0 && x[0] < s->row(r - 1, 2)[0]) in_order = false;
    }
  }
  EXPECT_EQ(rows.size(), 50u);
  EXPECT_FALSE(in_order);
  // Same spec, same split; another seed, another order.
  EXPECT_EQ(Generate(spec)[0].train.x, d.train.x);
  EXPECT_NE(Generate(ParseTaskSpec("csv:path=" + path + ",seed=4,standardize=false"))[0].train.x, d.train.x);
}

TEST(CsvFamilyTest, CountsFractionsAndRounding) {
  TempDir tmp;
  const std::string path = tmp.Write("d.csv", MakeCsv(11, [](int r) { return 1.0 * r; }));
  auto sizes = [&](const std::string& keys) {
    const Dataset d = Generate(ParseTaskSpec("csv:path=" + path + "," + keys))[0];
    return std::vector<int>{d.train.n(), d.valid.n(), d.test.n()};
  };
  EXPECT_EQ(sizes("train=0.8"), (std::vector<int>{9, 2, 0}));  // fractions summing to 1 use all
  EXPECT_EQ(sizes("train=0.5,valid=0.25,test=0.25"), (std::vector<int>{6, 2, 3}));
  EXPECT_EQ(sizes("train=5,valid=3,test=2"), (std::vector<int>{5, 3, 2}));
  EXPECT_EQ(sizes("train=0.5,valid=2,test=1"), (std::vector<int>{6, 2, 1}));
  EXPECT_TRUE(Contains(ErrorOf([&] { sizes("train=10,valid=2"); }),
                       "csv[d.csv]: train+valid+test = 12 rows requested, the data has 11"));
  EXPECT_TRUE(Contains(ErrorOf([&] { sizes("train=0.01"); }), "the train split is empty"));
}

TEST(CsvFamilyTest, KindIsGuessedOrChecked) {
  TempDir tmp;
  const std::string binary = tmp.Write("b.csv", MakeCsv(10, [](int r) { return r % 2 * 1.0; }));
  const std::string real = tmp.Write("r.csv", MakeCsv(10, [](int r) { return r * 0.5; }));
  EXPECT_EQ(Generate(ParseTaskSpec("csv:path=" + binary))[0].kind, Kind::kClassification);
  EXPECT_EQ(Generate(ParseTaskSpec("csv:path=" + real))[0].kind, Kind::kRegression);
  EXPECT_EQ(Generate(ParseTaskSpec("csv:path=" + binary + ",kind=regression"))[0].kind,
            Kind::kRegression);
  EXPECT_EQ(ErrorOf([&] { Generate(ParseTaskSpec("csv:path=" + real + ",kind=classification")); }),
            real + ": kind=classification needs integer class labels, but line 3 has label 0.5");
}

// A label with one value everywhere leaves nothing to learn: an error naming the column (issue 17),
// not a task every program solves.
TEST(CsvFamilyTest, AConstantLabelIsAnError) {
  TempDir tmp;
  const std::string path = tmp.Write("c.csv", MakeCsv(10, [](int) { return 3.0; }));
  EXPECT_EQ(ErrorOf([&] { Generate(ParseTaskSpec("csv:path=" + path)); }),
            path + ": the label column 'y' is 3 in all 10 rows: there is nothing to learn");
  // The same file with another column as the label is fine.
  EXPECT_EQ(Generate(ParseTaskSpec("csv:path=" + path + ",label=a"))[0].dim, 2);
}

TEST(CsvFamilyTest, ProjectionWhenDimGiven) {
  TempDir tmp;
  const std::string path = tmp.Write("d.csv", MakeCsv(20, [](int r) { return 1.0 * r; }));
  const Dataset a = Generate(ParseTaskSpec("csv:path=" + path + ",dim=3,train=1.0,valid=0,standardize=false"))[0];
  EXPECT_EQ(a.dim, 3);
  EXPECT_EQ(a.train.x.size(), 60u);
  // Features are a fixed linear map of (r, 2r), so each is proportional to the row index r = y.
  const int big =
      static_cast<int>(std::max_element(a.train.y.begin(), a.train.y.end()) - a.train.y.begin());
  for (int k = 0; k < 3; ++k) {
    const double ratio = a.train.row(big, 3)[k] / a.train.y[big];
    for (int r = 0; r < a.train.n(); ++r) {
      EXPECT_NEAR(a.train.row(r, 3)[k], ratio * a.train.y[r], 1e-9);
    }
  }
  // dim equal to the number of features keeps them as they are.
  const std::string same = "csv:path=" + path + ",dim=2,standardize=false";
  EXPECT_EQ(Generate(ParseTaskSpec(same))[0].train.row(0, 2)[1], 2 * Generate(ParseTaskSpec(same))[0].train.row(0, 2)[0]);
}

TEST(IdxFamilyTest, LoadsImagesAndLabels) {
  TempDir tmp;
  IdxArray images;
  images.dims = {20, 2, 3};
  for (int i = 0; i < 20 * 6; ++i)
    images.bytes.push_back(static_cast<unsigned char>(i % 6 == 0 ? i / 6 : 255));
  IdxArray labels;
  labels.dims = {20};
  for (int i = 0; i < 20; ++i) labels.bytes.push_back(static_cast<unsigned char>(i % 2));
  WriteIdx(tmp.path("img.gz"), images);
  WriteIdx(tmp.path("lab.gz"), labels);
  const std::string spec = "idx:path=" + tmp.path("img.gz") + ",labels=" + tmp.path("lab.gz");
  const Dataset d = Generate(ParseTaskSpec(spec + ",train=0.5,valid=0.25,test=0.25,standardize=false"))[0];
  EXPECT_EQ(d.name, "idx[img.gz]");
  EXPECT_EQ(d.dim, 6);
  EXPECT_EQ(d.kind, Kind::kClassification);
  EXPECT_EQ(d.train.n() + d.valid.n() + d.test.n(), 20);
  for (const Split* s : {&d.train, &d.valid, &d.test}) {
    for (int r = 0; r < s->n(); ++r) {
      const double* x = s->row(r, 6);
      const int item = static_cast<int>(x[0] * 255.0 + 0.5);
      EXPECT_EQ(s->y[r], item % 2);
      EXPECT_EQ(x[5], 1.0);  // 255 scales to 1
    }
  }
  EXPECT_EQ(Generate(ParseTaskSpec(spec + ",dim=4"))[0].dim, 4);

  labels.dims = {19};
  labels.bytes.pop_back();
  WriteIdx(tmp.path("short.gz"), labels);
  EXPECT_TRUE(Contains(ErrorOf([&] {
                         Generate(ParseTaskSpec("idx:path=" + tmp.path("img.gz") +
                                                ",labels=" + tmp.path("short.gz")));
                       }),
                       "19 labels for 20 items"));
}

}  // namespace
}  // namespace ouro::tasks
