// `ouro predict` (issue 17): a program file or a stored run trained on a CSV as `ouro eval --data`
// trains it, one prediction per new row, and user data handled as people expect (classes,
// standardization, errors with line and column).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_fixture.h"

namespace {

using ouro_test::CliFixture;
using ouro_test::Result;

class Predict : public CliFixture {
 protected:
  // Three classes 10/20/30 by which of the blobs a row is in; features on very different scales.
  std::string Blobs(int n, bool with_label = true) {
    std::string csv = with_label ? "cls,a,b\n" : "b,a\n";
    for (int i = 0; i < n; ++i) {
      const int c = i % 3;
      const double a = 1000.0 * (c == 1) + ((i * 37) % 101) / 5.0, b = 0.001 * (c == 2) + ((i * 53) % 97) / 1e5;
      csv += with_label ? std::to_string(10 * (c + 1)) + "," + std::to_string(a) + "," + std::to_string(b) + "\n"
                        : std::to_string(b) + "," + std::to_string(a) + "\n";
    }
    return csv;
  }
  std::string lr_ = std::string(OURO_SOURCE_DIR) + "/programs/logistic_regression.ouro";
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST_F(Predict, ClassifiesNewRowsWithLabelValuesAndProbabilities) {
  const std::string train = Write("train.csv", Blobs(300));
  const std::string rows = Write("new.csv", Blobs(6, false));  // columns in another order, no label
  const Result r = Run("predict " + lr_ + " --train " + train + " --data " + rows + " --seed 1");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 7u) << r.out;
  EXPECT_EQ(lines[0], "label,probability,probability_10,probability_20,probability_30");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(lines[i + 1].substr(0, 3), std::to_string(10 * (i % 3 + 1)) + ",") << lines[i + 1];
  // Without standardization the scales (1000 against 0.001) defeat the same program.
  const Result raw = Run("predict " + lr_ + " --train " + train + " --data " + rows + " --seed 1 --no-standardize");
  ASSERT_EQ(raw.code, 0) << raw.out;
  EXPECT_NE(raw.out, r.out);
}

TEST_F(Predict, ARunsProgramAndOptionsAreTheDefaults) {
  const std::string train = Write("train.csv", Blobs(150));
  const Result s = Run("search --data " + train + " --label cls --seed 2 --max-evals 300 --json --quiet --db " + db_);
  ASSERT_EQ(s.code, 0) << s.out;
  const std::string out = (dir_ / "pred.csv").string();
  const Result p = Run("predict latest --train " + train + " --data " + Write("n.csv", Blobs(9, false)) + " --out " +
                       out + " --db " + db_);
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("9 predictions written to"), std::string::npos) << p.out;
  EXPECT_EQ(Lines(ouro_test::Slurp(out)).size(), 10u);
  // A run on a csv task spec: its own split and epochs are the training's too (same labels as
  // training with the flags that spell them out).
  const Result t = Run("search --task csv:path=" + train + ",label=cls,train=0.5,valid=0.3,test=0.2,epochs=3 --seed 2 "
                       "--max-evals 300 --json --quiet --db " + db_);
  ASSERT_EQ(t.code, 0) << t.out;
  const std::string rows = Write("rows.csv", Blobs(12, false));
  const Result by_run = Run("predict latest --train " + train + " --data " + rows + " --db " + db_);
  ASSERT_EQ(by_run.code, 0) << by_run.out;
  EXPECT_NE(by_run.out.find("label,probability"), std::string::npos) << by_run.out;
  const Result unknown = Run("predict 999 --train " + train + " --data " + train + " --db " + db_);
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.out.find("no run 999"), std::string::npos) << unknown.out;
}

TEST_F(Predict, RegressionAndBadInputs) {
  std::string csv = "y,x\n";
  for (int i = 0; i < 50; ++i) csv += std::to_string(0.5 * i) + "," + std::to_string(i) + "\n";
  const std::string train = Write("r.csv", csv);
  const std::string linear = std::string(OURO_SOURCE_DIR) + "/programs/linear_regression.ouro";
  const Result r = Run("predict " + linear + " --train " + train + " --data " + train);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(Lines(r.out)[0], "prediction");
  EXPECT_EQ(Lines(r.out).size(), 51u);
  const Result missing = Run("predict " + linear + " --train " + train + " --data " + Write("m.csv", "z\n1\n"));
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("column 'x' not found"), std::string::npos) << missing.out;
  const Result cell = Run("predict " + linear + " --train " + train + " --data " + Write("c.csv", "x\n1\nabc\n"));
  EXPECT_EQ(cell.code, 1);
  EXPECT_NE(cell.out.find("c.csv:3: column 'x': not a number: 'abc'"), std::string::npos) << cell.out;
  const Result nofile = Run("predict nosuch.ouro --train " + train + " --data " + train);
  EXPECT_EQ(nofile.code, 1);
  EXPECT_NE(nofile.out.find("program file 'nosuch.ouro' not found"), std::string::npos) << nofile.out;
}

}  // namespace
