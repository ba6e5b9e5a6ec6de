// tests/tasks/csv_test.cc — CSV parsing: the happy path, the supported syntax, and error messages
// that name file, line and column.

#include "tasks/csv.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace ouro::tasks {
namespace {

using testing::Contains;
using testing::ErrorOf;
using testing::TempDir;

TEST(CsvTest, LoadsLabelAndFeatures) {
  TempDir tmp;
  const std::string path = tmp.Write("data.csv",
                                     "x1,y,x2\n"
                                     "1,0,2.5\n"
                                     "-3e2,1,+4\n");
  const CsvTable t = LoadCsv(path, "y");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"x1", "y", "x2"}));
  EXPECT_EQ(t.label_index, 1);
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(t.dim, 2);
  ASSERT_EQ(t.n(), 2);
  EXPECT_EQ(t.x, (std::vector<double>{1, 2.5, -300, 4}));
  EXPECT_EQ(t.y, (std::vector<double>{0, 1}));
  EXPECT_EQ(t.lines, (std::vector<int>{2, 3}));
}

TEST(CsvTest, LabelByIndexOrDefaultFirstColumn) {
  const std::string text = "a,b,c\n1,2,3\n";
  EXPECT_EQ(ParseCsv(text, "t.csv", "").y, std::vector<double>{1});
  EXPECT_EQ(ParseCsv(text, "t.csv", "2").y, std::vector<double>{3});
  EXPECT_EQ(ParseCsv(text, "t.csv", "2").x, (std::vector<double>{1, 2}));
  // A header name wins over an index.
  EXPECT_EQ(ParseCsv("0,1,2\n7,8,9\n", "t.csv", "2").y, std::vector<double>{9});
}

TEST(CsvTest, HandlesCrlfSpacesQuotesBlankLinesAndBom) {
  const std::string text =
      "\xEF\xBB\xBF label , \"feature, one\" ,\"say \"\"hi\"\"\"\r\n"
      "\r\n"
      "  1 ,\"2\",  3\r\n"
      "0,  \" 4.5 \" ,6\r\n"
      "\n";
  const CsvTable t = ParseCsv(text, "t.csv", "label");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"label", "feature, one", "say \"hi\""}));
  EXPECT_EQ(t.x, (std::vector<double>{2, 3, 4.5, 6}));
  EXPECT_EQ(t.y, (std::vector<double>{1, 0}));
  EXPECT_EQ(t.lines, (std::vector<int>{3, 4}));
}

TEST(CsvTest, BadNumberNamesFileLineAndColumn) {
  const std::string text = "y,x1,x2,x3\n1,2,3,4\n1,2,3,abc\n";
  EXPECT_EQ(ErrorOf([&] { ParseCsv(text, "data.csv", "y"); }),
            "data.csv:3: column 'x3': not a number: 'abc'");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,x\n1,\n", "data.csv", "y"); }),
            "data.csv:2: column 'x': empty value");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,x\n1,nan\n", "data.csv", "y"); }),
            "data.csv:2: column 'x': not a number: 'nan'");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,x\n1,2 3\n", "data.csv", "y"); }),
            "data.csv:2: column 'x': not a number: '2 3'");
}

TEST(CsvTest, StructuralErrors) {
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,a,b\n1,2,3\n\n4,5\n", "d.csv", ""); }),
            "d.csv:4: 2 fields, but the header has 3");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,a\n1,2,3\n", "d.csv", ""); }),
            "d.csv:2: 3 fields, but the header has 2");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("", "d.csv", ""); }),
            "d.csv: empty file (a header row is required)");
  EXPECT_EQ(ErrorOf([&] { ParseCsv(" \r\n\n", "d.csv", ""); }),
            "d.csv: empty file (a header row is required)");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,a\n", "d.csv", ""); }),
            "d.csv: no data rows after the header");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y\n1\n", "d.csv", ""); }),
            "d.csv: no feature columns (only the label column 'y')");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,a,b\n1,2,3\n", "d.csv", "z"); }),
            "d.csv: label column 'z' not found (columns: y, a, b)");
  EXPECT_EQ(ErrorOf([&] { ParseCsv("y,a,b\n1,2,3\n", "d.csv", "3"); }),
            "d.csv: label column index 3 is out of range (3 columns, counted from 0)");
  EXPECT_TRUE(Contains(ErrorOf([&] { ParseCsv("y,\"a\n1,2\n", "d.csv", ""); }),
                       "d.csv:1: field 2: unterminated quoted field"));
  EXPECT_TRUE(Contains(ErrorOf([&] { ParseCsv("y,\"a\"b\n1,2\n", "d.csv", ""); }),
                       "d.csv:1: field 2: unexpected text after a closing quote"));
}

TEST(CsvTest, TextColumnsKeepTheirCellsAsStrings) {
  const CsvText t = ParseCsvText("id, position ,note\r\n1, 4453 ,a\n\n2,\"\",\" b, c \"\n3,007,\n", "p.csv",
                                 {"position", "note"});
  EXPECT_EQ(t.columns, (std::vector<std::string>{"id", "position", "note"}));
  ASSERT_EQ(t.n(), 3);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"4453", "a"}));  // unquoted cells are trimmed
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"", " b, c "}));  // quoted ones are kept as they are
  EXPECT_EQ(t.rows[2], (std::vector<std::string>{"007", ""}));     // text, not a number
  EXPECT_EQ(t.lines, (std::vector<int>{2, 4, 5}));
  EXPECT_EQ(ErrorOf([&] { ParseCsvText("moves\n44\n", "p.csv", {"position"}); }),
            "p.csv: column 'position' not found (columns: moves)");
  EXPECT_EQ(ErrorOf([&] { ParseCsvText("position\n", "p.csv", {"position"}); }),
            "p.csv: no data rows after the header");
  EXPECT_EQ(ErrorOf([&] { ParseCsvText("position,x\n1\n", "p.csv", {"position"}); }),
            "p.csv:2: 1 fields, but the header has 2");
}

TEST(CsvTest, MissingFileIsAnError) {
  TempDir tmp;
  const std::string path = tmp.path("nope.csv");
  EXPECT_TRUE(Contains(ErrorOf([&] { LoadCsv(path, ""); }), path + ": cannot open"));
  EXPECT_TRUE(Contains(ErrorOf([&] { LoadCsvText(path, {"position"}); }), path + ": cannot open"));
}

}  // namespace
}  // namespace ouro::tasks
