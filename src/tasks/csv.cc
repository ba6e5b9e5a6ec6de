// tasks/csv.cc — the CSV tokenizer and table builder (see csv.h).

#include "tasks/csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"

namespace ouro::tasks {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Splits one line into fields. `where` prefixes error messages ("file:line").
std::vector<std::string> SplitFields(std::string_view line, const std::string& where) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            ++i;
            closed = true;
            break;
          }
        } else {
          field += line[i++];
        }
      }
      if (!closed) {
        throw Error(where + ": field " + std::to_string(fields.size() + 1) +
                    ": unterminated quoted field (quoted fields cannot span lines)");
      }
      while (i < line.size() && IsSpace(line[i])) ++i;
      if (i < line.size() && line[i] != ',') {
        throw Error(where + ": field " + std::to_string(fields.size() + 1) +
                    ": unexpected text after a closing quote");
      }
    } else {
      const size_t end = std::min(line.find(',', i), line.size());
      field = std::string(Trim(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

std::string ColumnName(const std::vector<std::string>& columns, int c) {
  return columns[c].empty() ? "column " + std::to_string(c) : "column '" + columns[c] + "'";
}

std::string ListColumns(const std::vector<std::string>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i == 12) return out + ", ... (" + std::to_string(columns.size()) + " in all)";
    out += (i ? ", " : "") + columns[i];
  }
  return out;
}

bool ParseNumber(std::string_view s, double* out) {
  s = Trim(s);  // quoted fields keep their spaces
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(*out);
}

// Calls on_header(fields) for the header and on_row(fields, line_no, where) for each data row.
template <typename Header, typename Row>
void ForEachLine(std::string_view text, const std::string& name, Header&& on_header, Row&& on_row) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  bool have_header = false;
  size_t width = 0;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) continue;
    const std::string where = name + ":" + std::to_string(line_no);
    std::vector<std::string> fields = SplitFields(line, where);
    if (!have_header) {
      have_header = true;
      width = fields.size();
      on_header(std::move(fields));
      continue;
    }
    if (fields.size() != width) {
      throw Error(where + ": " + std::to_string(fields.size()) + " fields, but the header has " +
                  std::to_string(width));
    }
    on_row(fields, line_no, where);
  }
  if (!have_header) throw Error(name + ": empty file (a header row is required)");
}

// The number in field c of a row, or an error naming the line and column.
double Cell(const std::vector<std::string>& fields, const std::vector<std::string>& columns, size_t c,
            const std::string& where) {
  double v;
  if (!ParseNumber(fields[c], &v)) {
    const char* what = fields[c].empty() ? "empty value" : "not a number";
    throw Error(where + ": " + ColumnName(columns, static_cast<int>(c)) + ": " + what +
                (fields[c].empty() ? "" : ": '" + fields[c] + "'"));
  }
  return v;
}

// The index of the label column named (or numbered) `label_column`; empty = the first.
int FindLabel(const std::vector<std::string>& columns, const std::string& label_column, const std::string& name) {
  if (label_column.empty()) return 0;
  const size_t width = columns.size();
  for (size_t c = 0; c < width; ++c)
    if (columns[c] == label_column) return static_cast<int>(c);
  if (label_column.find_first_not_of("0123456789") == std::string::npos) {
    if (label_column.size() > 9 || std::stoul(label_column) >= width) {
      throw Error(name + ": label column index " + label_column + " is out of range (" + std::to_string(width) +
                  " columns, counted from 0)");
    }
    return std::stoi(label_column);
  }
  throw Error(name + ": label column '" + label_column + "' not found (columns: " + ListColumns(columns) + ")");
}

}  // namespace

CsvTable ParseCsv(std::string_view text, const std::string& name, const std::string& label_column) {
  CsvTable t;
  auto header = [&](std::vector<std::string> fields) {
    t.columns = std::move(fields);
    t.label_index = FindLabel(t.columns, label_column, name);
    if (t.columns.size() < 2) {
      throw Error(name + ": no feature columns (only the label " + ColumnName(t.columns, t.label_index) + ")");
    }
    for (size_t c = 0; c < t.columns.size(); ++c)
      if (static_cast<int>(c) != t.label_index) t.feature_names.push_back(t.columns[c]);
    t.dim = static_cast<int>(t.feature_names.size());
  };
  auto row = [&](const std::vector<std::string>& fields, int line_no, const std::string& where) {
    for (size_t c = 0; c < fields.size(); ++c) {
      const double v = Cell(fields, t.columns, c, where);
      (static_cast<int>(c) == t.label_index ? t.y : t.x).push_back(v);
    }
    t.lines.push_back(line_no);
  };
  ForEachLine(text, name, header, row);
  if (t.y.empty()) throw Error(name + ": no data rows after the header");
  return t;
}

CsvText ParseCsvText(std::string_view text, const std::string& name, const std::vector<std::string>& wanted) {
  CsvText t;
  std::vector<size_t> index;
  auto header = [&](std::vector<std::string> fields) {
    t.columns = std::move(fields);
    for (const std::string& w : wanted) {
      const auto at = std::find(t.columns.begin(), t.columns.end(), w);
      if (at == t.columns.end())
        throw Error(name + ": column '" + w + "' not found (columns: " + ListColumns(t.columns) + ")");
      index.push_back(static_cast<size_t>(at - t.columns.begin()));
    }
  };
  auto row = [&](const std::vector<std::string>& fields, int line_no, const std::string&) {
    std::vector<std::string>& cells = t.rows.emplace_back();
    for (size_t c : index) cells.push_back(fields[c]);
    t.lines.push_back(line_no);
  };
  ForEachLine(text, name, header, row);
  if (t.lines.empty()) throw Error(name + ": no data rows after the header");
  return t;
}

CsvTable ParseCsvColumns(std::string_view text, const std::string& name, const std::vector<std::string>& wanted) {
  const CsvText cells = ParseCsvText(text, name, wanted);
  CsvTable t;
  t.columns = cells.columns;
  t.label_index = -1;
  t.feature_names = wanted;
  t.dim = static_cast<int>(wanted.size());
  t.lines = cells.lines;
  for (int i = 0; i < cells.n(); ++i) {
    const std::string where = name + ":" + std::to_string(cells.lines[static_cast<size_t>(i)]);
    for (size_t c = 0; c < wanted.size(); ++c) t.x.push_back(Cell(cells.rows[static_cast<size_t>(i)], wanted, c, where));
  }
  return t;
}

namespace {

std::string ReadCsvFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw Error(path + ": read error");
  return buf.str();
}

}  // namespace

CsvTable LoadCsv(const std::string& path, const std::string& label_column) {
  return ParseCsv(ReadCsvFile(path), path, label_column);
}

CsvTable LoadCsvColumns(const std::string& path, const std::vector<std::string>& columns) {
  return ParseCsvColumns(ReadCsvFile(path), path, columns);
}

CsvText LoadCsvText(const std::string& path, const std::vector<std::string>& columns) {
  return ParseCsvText(ReadCsvFile(path), path, columns);
}

}  // namespace ouro::tasks
