// core/toml_reader.h — strict reading of TOML config files (run configs, rsi configs, policies).
//
// Every accessor checks type and range and fails with ouro::Error "FILE:LINE:COL: where: message";
// CheckKeys refuses unknown keys, listing the known ones. Used by search/run_config.cc,
// meta/rsi_config.cc and oversight/policy.cc so every config file reports problems the same way
// (a config reader derives from it and adds its own sections). Stateless apart from the source
// name; thread-safe for concurrent const use.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/error.h"

namespace ouro {

// Parses TOML text; a syntax error is an ouro::Error "SOURCE:LINE:COL: description".
inline toml::table ParseTomlText(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(source + ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column) +
                ": " + std::string(e.description()));
  }
}

class TomlReader {
 public:
  explicit TomlReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const toml::node* node, const std::string& where, const std::string& msg) const {
    std::string loc = source_;
    if (node && node->source().begin.line > 0)
      loc += ":" + std::to_string(node->source().begin.line) + ":" + std::to_string(node->source().begin.column);
    throw Error(loc + ": " + where + ": " + msg);
  }

  // Rejects keys not in `known`.
  void CheckKeys(const toml::table& t, const std::string& section,
                 const std::vector<std::string_view>& known) const {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (auto n : known) ok |= (k.str() == n);
      if (!ok) {
        std::string list;
        for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        Fail(&v, section, "unknown key '" + std::string(k.str()) + "' (known: " + list + ")");
      }
    }
  }

  template <typename T>
  void Int(const toml::table& t, const std::string& section, std::string_view key, T& out,
           int64_t lo, int64_t hi) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    // Type first: toml++'s value<int64_t>() of a float casts it, undefined beyond the int64 range.
    if (!n->is_integer()) Fail(n, section + "." + std::string(key), "expected an integer");
    const int64_t v = *n->value<int64_t>();
    if (v < lo || v > hi)
      Fail(n, section + "." + std::string(key),
           std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<T>(v);
  }
  void Double(const toml::table& t, const std::string& section, std::string_view key, double& out,
              double lo, double hi) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    auto v = n->value<double>();
    if (!(n->is_floating_point() || n->is_integer()) || !v)
      Fail(n, section + "." + std::string(key), "expected a number");
    if (!(*v >= lo && *v <= hi))
      Fail(n, section + "." + std::string(key), "value out of range [" + Short(lo) + ", " + Short(hi) + "]");
    out = *v;
  }
  void Bool(const toml::table& t, const std::string& section, std::string_view key, bool& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_boolean()) Fail(n, section + "." + std::string(key), "expected true or false");
    out = *n->value<bool>();
  }
  void String(const toml::table& t, const std::string& section, std::string_view key, std::string& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_string()) Fail(n, section + "." + std::string(key), "expected a string");
    out = *n->value<std::string>();
  }
  std::vector<std::string> Strings(const toml::node* n, const std::string& where) const {
    const toml::array* a = n->as_array();
    if (!a) Fail(n, where, "expected an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *a) {
      if (!e.is_string()) Fail(&e, where, "expected an array of strings");
      out.push_back(*e.value<std::string>());
    }
    return out;
  }
  const toml::table* Table(const toml::table& t, std::string_view key, const std::string& where) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) Fail(n, where + std::string(key), "expected a table");
    return n->as_table();
  }

 protected:
  static std::string Short(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }
  std::string source_;
};

}  // namespace ouro
