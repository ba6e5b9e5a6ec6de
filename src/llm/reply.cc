#include "llm/reply.h"

#include <algorithm>

#include "core/error.h"
#include "lang/text.h"
#include "search/proposer.h"

namespace ouro::llm {

std::string ExtractCode(const std::string& content) {
  const size_t open = content.find("```");
  if (open == std::string::npos) return content;
  const size_t line_end = content.find('\n', open);  // the rest of the fence line is its tag
  if (line_end == std::string::npos) return "";
  const size_t close = content.find("```", line_end + 1);
  return content.substr(line_end + 1, close == std::string::npos ? std::string::npos
                                                                  : close - line_end - 1);
}

ProgramReply ReadProgramReply(const std::string& content, const search::SearchSpace& space,
                              size_t max_program_bytes) {
  ProgramReply out;
  const std::string code = ExtractCode(content);
  if (code.find_first_not_of(" \t\r\n") == std::string::npos) {
    out.rejection = "the reply holds no program";
    return out;
  }
  if (code.size() > max_program_bytes) {
    out.rejection = "the program is too long (" + std::to_string(code.size()) + " bytes; at most " +
                    std::to_string(max_program_bytes) + ")";
    return out;
  }
  try {
    lang::Program p = lang::Parse(code, space.shape);
    if (std::string why = search::OutsideSpace(p, space); !why.empty()) {
      out.rejection = why;
      return out;
    }
    out.program = std::move(p);
  } catch (const Error& e) {
    out.rejection = std::string("does not parse: ") + e.what();
  }
  return out;
}

}  // namespace ouro::llm
