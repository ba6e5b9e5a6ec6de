// tasks/csv.h — loading a user's CSV file as a table of numeric features and one label column, or
// chosen columns as text (CsvText).
//
// The first non-blank line is the header. The label column is chosen by name or by 0-based index
// (empty = the first column); every other column is a feature and must be numeric. Supported:
// CRLF line ends, spaces around fields, blank lines (skipped), and double-quoted fields on one line
// ("" for a literal quote). Every problem is an ouro::Error naming the file, line and column, e.g.
//   data.csv:17: column 'x3': not a number: 'abc'
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ouro::tasks {

struct CsvTable {
  std::vector<std::string> columns;        // header names, in file order
  int label_index = 0;                     // which of `columns` is the label
  std::vector<std::string> feature_names;  // the other columns, in file order
  int dim = 0;                             // feature_names.size()
  std::vector<double> x;                   // n() rows of dim features, row-major
  std::vector<double> y;                   // n() labels
  std::vector<int> lines;                  // 1-based source line of each row, for messages
  int n() const { return static_cast<int>(lines.size()); }
};

// Parses CSV text; `name` is the file name used in error messages.
CsvTable ParseCsv(std::string_view text, const std::string& name, const std::string& label_column);

// Reads and parses the file at `path`. Throws ouro::Error.
CsvTable LoadCsv(const std::string& path, const std::string& label_column);

// New rows to predict: the columns named `columns`, in that order, of every row (other columns,
// a label among them, are ignored and may be empty). y is empty, label_index -1. Throws
// ouro::Error naming a missing column, or the line and column of a bad cell.
CsvTable ParseCsvColumns(std::string_view text, const std::string& name, const std::vector<std::string>& columns);
CsvTable LoadCsvColumns(const std::string& path, const std::vector<std::string>& columns);

// The same rows as text: the cells of the columns named `columns`, in that order, of every row
// (unquoted cells trimmed; an empty cell is ""). For string columns such as game positions.
// Throws ouro::Error naming a missing column, a bad line, or a file without data rows.
struct CsvText {
  std::vector<std::string> columns;            // header names, in file order
  std::vector<std::vector<std::string>> rows;  // n() rows of the wanted cells
  std::vector<int> lines;                      // 1-based source line of each row, for messages
  int n() const { return static_cast<int>(lines.size()); }
};
CsvText ParseCsvText(std::string_view text, const std::string& name, const std::vector<std::string>& columns);
CsvText LoadCsvText(const std::string& path, const std::vector<std::string>& columns);

}  // namespace ouro::tasks
