// tests/llm/reply_test.cc — a reply read as a program: the code block found, the program parsed
// with the search's shape and kept inside the search space, everything else a rejection with its
// reason; prompt templates filled strictly.
#include "llm/reply.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "lang/ops.h"
#include "lang/text.h"
#include "llm/prompt.h"

namespace ouro::llm {
namespace {

search::SearchSpace Space() {
  search::SearchSpace s;
  s.shape = lang::Shape{};
  for (auto& ops : s.ops)
    for (const char* id : {"scalar_add", "scalar_sub", "scalar_mul", "vector_dot"})
      ops.push_back(*lang::OpFromId(id));
  return s;
}

TEST(ReadProgramReply, TakesTheFirstCodeBlockOrTheWholeMessage) {
  EXPECT_EQ(ExtractCode("Here:\n```python\ndef predict():\n  s1 = s0\n```\nDone."),
            "def predict():\n  s1 = s0\n");
  EXPECT_EQ(ExtractCode("```\nabc\n```"), "abc\n");
  EXPECT_EQ(ExtractCode("def predict():\n  s1 = s0 + s0\n"), "def predict():\n  s1 = s0 + s0\n");
  EXPECT_EQ(ExtractCode("```unclosed\nxyz"), "xyz");
  const ProgramReply r =
      ReadProgramReply("Try this:\n```\ndef predict():\n  s1 = dot(v0, v1)\n```", Space(), 4096);
  ASSERT_TRUE(r.program) << r.rejection;
  EXPECT_EQ(lang::Print(*r.program), lang::Print(lang::Parse("def predict():\n  s1 = dot(v0, v1)\n")));
}

TEST(ReadProgramReply, RejectsWithAReason) {
  const auto why = [](const std::string& content, size_t max = 4096) {
    const ProgramReply r = ReadProgramReply(content, Space(), max);
    EXPECT_FALSE(r.program) << content;
    return r.rejection;
  };
  EXPECT_EQ(why("I cannot help with that.").rfind("does not parse: ", 0), 0u);
  EXPECT_EQ(why("```\n\n```"), "the reply holds no program");
  EXPECT_EQ(why(""), "the reply holds no program");
  EXPECT_EQ(why("def predict():\n  s1 = s0 + s0\n", 10).rfind("the program is too long", 0), 0u);
  EXPECT_EQ(why("def predict():\n  s1 = s0 / s2\n"),
            "predict uses the operation scalar_div, which the search does not allow there");
  EXPECT_EQ(why("def predict():\n  s99 = s0 + s0\n").rfind("does not parse: ", 0), 0u);
  search::SearchSpace small = Space();
  small.max_size[1] = 1;
  const ProgramReply big =
      ReadProgramReply("def predict():\n  s1 = s0 + s0\n  s1 = s1 + s0\n", small, 4096);
  EXPECT_EQ(big.rejection, "predict has 2 instructions (allowed: 1 to 1)");
}

TEST(PromptTemplate, FillsPlaceholdersAndSplitsTheSystemMessage) {
  const PromptTemplate t = PromptTemplate::FromText(
      "You write programs in {{language}}.\n---\nParents:\n{{parents}}\nBest: {{best}}\n", "t.txt");
  EXPECT_EQ(t.placeholders(), (std::vector<std::string>{"best", "language", "parents"}));
  const ChatRequest r = t.Fill({{"language", "Ouro"}, {"parents", "p {{x}}"}, {"best", "0.5"}});
  EXPECT_EQ(r.system, "You write programs in Ouro.");
  EXPECT_EQ(r.user, "Parents:\np {{x}}\nBest: 0.5\n");  // values are not filled again
  const PromptTemplate user_only = PromptTemplate::FromText("just {{x}}", "u.txt");
  EXPECT_EQ(user_only.Fill({{"x", "this"}}).user, "just this");
  EXPECT_EQ(user_only.Fill({{"x", "this"}}).system, "");
}

TEST(PromptTemplate, MissingValuesAndBadPlaceholdersAreErrors) {
  const PromptTemplate t = PromptTemplate::FromText("{{a}} and {{b}}", "t.txt");
  try {
    t.Fill({{"a", "1"}});
    ADD_FAILURE() << "a missing value was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "t.txt: no value for the placeholder {{b}}");
  }
  EXPECT_THROW(PromptTemplate::FromText("{{open", "t.txt"), Error);
  EXPECT_THROW(PromptTemplate::FromText("{{Not Valid}}", "t.txt"), Error);
  EXPECT_THROW(PromptTemplate::Load(::testing::TempDir() + "/no_such_template.txt"), Error);
}

}  // namespace
}  // namespace ouro::llm
