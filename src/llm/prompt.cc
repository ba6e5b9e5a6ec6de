#include "llm/prompt.h"

#include <algorithm>

#include "core/error.h"
#include "core/file.h"

namespace ouro::llm {
namespace {

// Calls visit(name) for each placeholder of text; Error for an unclosed or empty one.
template <typename Visit>
void Placeholders(const std::string& text, const std::string& source, Visit visit) {
  for (size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at)) {
    const size_t end = text.find("}}", at + 2);
    if (end == std::string::npos)
      throw Error(source + ": an unclosed '{{' at offset " + std::to_string(at));
    const std::string name = text.substr(at + 2, end - at - 2);
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789") !=
                            std::string::npos)
      throw Error(source + ": '{{" + name + "}}' is not a placeholder (lowercase letters, digits, _)");
    visit(at, end + 2, name);
    at = end + 2;
  }
}

std::string FillText(const std::string& text, const std::string& source,
                     const std::map<std::string, std::string>& values) {
  std::string out;
  size_t copied = 0;
  Placeholders(text, source, [&](size_t at, size_t after, const std::string& name) {
    const auto it = values.find(name);
    if (it == values.end()) throw Error(source + ": no value for the placeholder {{" + name + "}}");
    out += text.substr(copied, at - copied) + it->second;
    copied = after;
  });
  return out + text.substr(copied);
}

}  // namespace

PromptTemplate PromptTemplate::Load(const std::string& path) {
  return FromText(ReadTextFile(path, "prompt template"), path);
}

PromptTemplate PromptTemplate::FromText(const std::string& text, const std::string& source) {
  PromptTemplate t;
  t.source_ = source;
  const size_t split = text.rfind("---\n", 0) == 0 ? 0 : text.find("\n---\n");
  if (split == std::string::npos) {
    t.user_ = text;
  } else {
    t.system_ = text.substr(0, split);
    t.user_ = text.substr(text.find("---\n", split) + 4);
  }
  for (const std::string* part : {&t.system_, &t.user_})
    Placeholders(*part, source, [&](size_t, size_t, const std::string& name) { t.names_.push_back(name); });
  std::sort(t.names_.begin(), t.names_.end());
  t.names_.erase(std::unique(t.names_.begin(), t.names_.end()), t.names_.end());
  return t;
}

ChatRequest PromptTemplate::Fill(const std::map<std::string, std::string>& values) const {
  return ChatRequest{.system = FillText(system_, source_, values),
                     .user = FillText(user_, source_, values),
                     .context = "",
                     .key = ""};
}

}  // namespace ouro::llm
