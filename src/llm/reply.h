// llm/reply.h — a model's reply read as a proposal, untrusted: the program in it (the first fenced
// code block, ``` with or without a language tag, or else the whole message), at most
// max_program_bytes, parsed by lang::Parse with the search's shape and checked against the search
// space (only allowed operations in each component, component sizes within bounds). Anything else
// is a rejection with a one-line reason, which the run counts and stores; nothing in a reply is
// ever executed outside the evaluator's sandbox.
#pragma once

#include <optional>
#include <string>

#include "lang/program.h"
#include "search/mutator.h"

namespace ouro::llm {

struct ProgramReply {
  std::optional<lang::Program> program;  // set when the reply holds an acceptable program
  std::string rejection;                 // why not, otherwise
};

// The text of the first fenced code block of `content`, or all of it if it has none.
std::string ExtractCode(const std::string& content);

ProgramReply ReadProgramReply(const std::string& content, const search::SearchSpace& space,
                              size_t max_program_bytes);

}  // namespace ouro::llm
