// tests/fuzz/mutator.h — seeded, deterministic input mutations for the fuzz test.
//
// A small cousin of libFuzzer's mutator that needs no instrumentation, so the same inputs come out
// on every machine and compiler: byte flips and overwrites, insert / delete / duplicate ranges,
// splices with another corpus entry, duplicated / dropped / swapped lines, numbers in the text
// replaced by edge cases (huge, negative, non-finite, malformed), big-endian words overwritten by
// edge cases (for binary headers), dictionary tokens inserted, truncation.
// Not thread-safe: one Mutator per thread.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/rng.h"

namespace ouro::fuzz::testing {

// Reads a libFuzzer dictionary: one token per line, `"text"` or `name="text"`, with \\, \" and
// \xAB escapes; blank lines and # comments are skipped. A missing file gives no tokens.
inline std::vector<std::string> ReadDictionary(const std::string& path) {
  std::vector<std::string> tokens;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    const size_t open = line.find('"');
    const size_t close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    std::string token;
    for (size_t i = open + 1; i < close; ++i) {
      if (line[i] != '\\' || i + 1 >= close) {
        token += line[i];
      } else if (line[i + 1] == 'x' && i + 3 < close) {
        token += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
        i += 3;
      } else {
        token += line[++i];
      }
    }
    tokens.push_back(token);
  }
  return tokens;
}

class Mutator {
 public:
  Mutator(uint64_t seed, std::vector<std::string> corpus, std::vector<std::string> dictionary)
      : rng_(seed), corpus_(std::move(corpus)), dict_(std::move(dictionary)) {}

  // One to four mutations of `s`.
  std::string Mutate(std::string s) {
    const int n = 1 + static_cast<int>(rng_.Below(4));
    for (int i = 0; i < n; ++i) MutateOnce(s);
    return s;
  }

  Rng& rng() { return rng_; }

 private:
  size_t Pos(const std::string& s) { return rng_.Below(static_cast<uint32_t>(s.size() + 1)); }
  size_t Len(size_t max) { return max == 0 ? 0 : 1 + rng_.Below(static_cast<uint32_t>(max)); }
  const std::string& Pick(const std::vector<std::string>& v) {
    return v[rng_.Below(static_cast<uint32_t>(v.size()))];
  }

  std::string NumberText() {
    static const char* const kEdge[] = {"0",
                                        "-0",
                                        "1",
                                        "-1",
                                        "2",
                                        "255",
                                        "256",
                                        "65",
                                        "64",
                                        "1000000",
                                        "10000001",
                                        "2147483647",
                                        "2147483648",
                                        "-2147483649",
                                        "4294967295",
                                        "4294967296",
                                        "9223372036854775807",
                                        "9223372036854775808",
                                        "-9223372036854775809",
                                        "18446744073709551616",
                                        "999999999999999999999999999999",
                                        "1e308",
                                        "1e309",
                                        "-1e309",
                                        "1e-320",
                                        "1e-400",
                                        "nan",
                                        "-nan",
                                        "inf",
                                        "-inf",
                                        "0x10",
                                        "1.5",
                                        ".5",
                                        "5.",
                                        "1e",
                                        "+3",
                                        "--1",
                                        "1_000",
                                        "0.0000001",
                                        "1e+",
                                        "3.14159e2",
                                        "00",
                                        "0.8",
                                        "1.0",
                                        "-0.5",
                                        ""};
    switch (rng_.Below(3)) {
      case 0:
        return kEdge[rng_.Below(sizeof kEdge / sizeof kEdge[0])];
      case 1:
        return std::to_string(static_cast<int64_t>(rng_.Next()) >> rng_.Below(64));
      default: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.*g", 1 + static_cast<int>(rng_.Below(17)),
                      rng_.Gaussian() * std::pow(10.0, static_cast<int>(rng_.Below(40)) - 20));
        return buf;
      }
    }
  }

  // Lines of s (each with its '\n' except maybe the last).
  static std::vector<std::string> Lines(const std::string& s) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < s.size()) {
      const size_t end = std::min(s.find('\n', start), s.size() - 1);
      lines.push_back(s.substr(start, end + 1 - start));
      start = end + 1;
    }
    return lines;
  }
  static std::string Join(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l;
    return s;
  }

  // One mutation, chosen by a single draw; each kind draws the rest of its randomness itself, in
  // the same order as when they were all inline here (the seeded runs depend on that order).
  void MutateOnce(std::string& s) {
    switch (rng_.Below(14)) {
      case 0:
        FlipBit(s);
        break;
      case 1:
        OverwriteByte(s);
        break;
      case 2:
        InsertBytes(s);
        break;
      case 3:
        DeleteRange(s);
        break;
      case 4:
        DuplicateRange(s);
        break;
      case 5:
        Splice(s);
        break;
      case 6:
        DuplicateLine(s);
        break;
      case 7:
        DropOrSwapLines(s);
        break;
      case 8:
      case 9:
        ReplaceNumber(s);
        break;
      case 10:
        OverwriteWord(s);
        break;
      case 11:
      case 12:
        InsertToken(s);
        break;
      default:  // truncate
        s.resize(Pos(s));
        break;
    }
  }

  void FlipBit(std::string& s) {
    if (!s.empty()) s[Pos(s) % s.size()] ^= static_cast<char>(1 << rng_.Below(8));
  }

  // Overwrites a byte, often with a special one.
  void OverwriteByte(std::string& s) {
    static const char kSpecial[] = {'\0',   '\n',   '\r', '"', ',', '[', ']', '=',  '#', '\\',
                                    '\x80', '\xff', '-',  '.', ' ', '{', '}', '\'', '\t'};
    if (s.empty()) return;
    s[Pos(s) % s.size()] = rng_.Bernoulli(0.5) ? kSpecial[rng_.Below(sizeof kSpecial)]
                                               : static_cast<char>(rng_.Next());
  }

  void InsertBytes(std::string& s) {
    std::string bytes(Len(8), '\0');
    for (char& c : bytes) c = static_cast<char>(rng_.Next());
    s.insert(Pos(s), bytes);
  }

  void DeleteRange(std::string& s) {
    const size_t at = Pos(s);
    s.erase(at, Len(std::min<size_t>(s.size() - at, 64)));
  }

  // Duplicates a range, possibly many times.
  void DuplicateRange(std::string& s) {
    const size_t at = Pos(s);
    const std::string range = s.substr(at, Len(std::min<size_t>(s.size() - at, 64)));
    std::string copies;
    for (size_t i = 0, n = Len(rng_.Bernoulli(0.1) ? 200 : 3); i < n; ++i) copies += range;
    s.insert(Pos(s), copies);
  }

  // A prefix of s and a suffix of another corpus entry.
  void Splice(std::string& s) {
    const std::string& other = Pick(corpus_);
    s = s.substr(0, Pos(s)) + other.substr(Pos(other));
  }

  void DuplicateLine(std::string& s) {
    auto lines = Lines(s);
    if (lines.empty()) return;
    const size_t i = rng_.Below(static_cast<uint32_t>(lines.size()));
    lines.insert(lines.begin() + rng_.Below(static_cast<uint32_t>(lines.size() + 1)), lines[i]);
    s = Join(lines);
  }

  void DropOrSwapLines(std::string& s) {
    auto lines = Lines(s);
    if (lines.size() < 2) return;
    const size_t i = rng_.Below(static_cast<uint32_t>(lines.size()));
    const size_t j = rng_.Below(static_cast<uint32_t>(lines.size()));
    if (rng_.Bernoulli(0.5)) {
      lines.erase(lines.begin() + i);
    } else {
      std::swap(lines[i], lines[j]);
    }
    s = Join(lines);
  }

  // The numbers in s as [begin, end) ranges: digits with a leading sign, then letters, digits, dots
  // and exponent signs. Draws nothing.
  static std::vector<std::pair<size_t, size_t>> Numbers(const std::string& s) {
    std::vector<std::pair<size_t, size_t>> numbers;
    for (size_t i = 0; i < s.size();) {
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        size_t b = i;
        if (b > 0 && (s[b - 1] == '-' || s[b - 1] == '+')) --b;
        size_t e = i;
        while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '.' ||
                                ((s[e] == '-' || s[e] == '+') && (s[e - 1] == 'e'))))
          ++e;
        numbers.emplace_back(b, e);
        i = e;
      } else {
        ++i;
      }
    }
    return numbers;
  }

  // Replaces a number in the text by an edge case (inserts one if there is none).
  void ReplaceNumber(std::string& s) {
    const std::vector<std::pair<size_t, size_t>> numbers = Numbers(s);
    if (numbers.empty()) {
      s.insert(Pos(s), NumberText());
    } else {
      const auto [b, e] = numbers[rng_.Below(static_cast<uint32_t>(numbers.size()))];
      s.replace(b, e - b, NumberText());
    }
  }

  // Overwrites a big-endian 32-bit word (binary headers) with an edge case.
  void OverwriteWord(std::string& s) {
    static const uint32_t kWords[] = {
        0,          1,          2,          3,          255,        256,        0x10000,
        0x1000000,  0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x00000801, 0x00000803,
        0x00000d02, 0x00000e01, 0x00000c04, 0x00000bff, 0x1f8b0800, 60000};
    if (s.size() < 4) return;
    const uint32_t w = rng_.Bernoulli(0.7) ? kWords[rng_.Below(sizeof kWords / 4)]
                                           : static_cast<uint32_t>(rng_.Next());
    const size_t at = rng_.Bernoulli(0.7)
                          ? 4 * rng_.Below(static_cast<uint32_t>(std::min<size_t>(s.size() / 4, 8)))
                          : rng_.Below(static_cast<uint32_t>(s.size() - 3));
    for (int k = 0; k < 4; ++k) s[at + k] = static_cast<char>(w >> (24 - 8 * k));
  }

  // Inserts a dictionary token (at a line start half the time).
  void InsertToken(std::string& s) {
    if (dict_.empty()) return;
    size_t at = Pos(s);
    if (rng_.Bernoulli(0.5)) {
      const size_t nl = s.rfind('\n', at == 0 ? 0 : at - 1);
      at = nl == std::string::npos ? 0 : nl + 1;
    }
    s.insert(at, Pick(dict_));
  }

  Rng rng_;
  std::vector<std::string> corpus_;
  std::vector<std::string> dict_;
};

}  // namespace ouro::fuzz::testing
