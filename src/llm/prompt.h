// llm/prompt.h — prompt templates: text files with {{name}} placeholders (shipped defaults in
// prompts/, any file of the user's in the config). A line that is exactly "---" splits the system
// message (before) from the user message (after); without one the whole text is the user message.
// Filling is strict: a placeholder without a value is an ouro::Error naming the file, and so is an
// unclosed "{{". Values are inserted verbatim (a value holding "{{x}}" is not filled again).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "llm/chat.h"

namespace ouro::llm {

class PromptTemplate {
 public:
  static PromptTemplate Load(const std::string& path);  // throws ouro::Error
  static PromptTemplate FromText(const std::string& text, const std::string& source);
  ChatRequest Fill(const std::map<std::string, std::string>& values) const;  // throws ouro::Error
  const std::vector<std::string>& placeholders() const { return names_; }  // sorted, unique

 private:
  std::string source_, system_, user_;
  std::vector<std::string> names_;
};

}  // namespace ouro::llm
