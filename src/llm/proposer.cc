#include "llm/proposer.h"

#include <cstdio>
#include <map>

#include <filesystem>

#include "core/error.h"
#include "lang/ops.h"
#include "lang/text.h"
#include "llm/cassette.h"
#include "llm/default_prompt.h"
#include "llm/reply.h"

namespace ouro::llm {
namespace {

std::string Fitness(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", f);
  return buf;
}

// One instruction of `op` on registers of index 1, as the text form writes it.
std::string Example(lang::Op op) {
  lang::Instruction i;
  i.op = op;
  i.out = 1, i.in1 = 1, i.in2 = 2;
  i.c1 = 0.5, i.c2 = 1;
  return lang::PrintInstruction(i);
}

std::string Operations(const search::SearchSpace& space) {
  std::string out;
  for (int c = 0; c < lang::kNumComponents; ++c) {
    const auto& ops = space.ops[static_cast<size_t>(c)];
    out += std::string(lang::kComponentNames[static_cast<size_t>(c)]) + " (at most " +
           std::to_string(space.max_size[static_cast<size_t>(c)]) + " instructions):";
    if (ops.empty()) out += " none (leave it empty)";
    for (lang::Op op : ops) out += "\n  " + Example(op);
    out += "\n";
  }
  return out;
}

std::string Registers(const lang::Shape& s) {
  auto range = [](char k, int n) { return std::string(1, k) + "0.." + k + std::to_string(n - 1); };
  std::string out = range('s', s.scalars) + " (scalars), " + range('v', s.vectors) + " (vectors of " +
                    std::to_string(s.dim) + ")";
  if (s.matrices > 0) out += ", " + range('m', s.matrices) + " (matrices " + std::to_string(s.dim) + "x" + std::to_string(s.dim) + ")";
  return out;
}

std::string Listing(const search::ScoredProgram& p) {
  return "fitness " + Fitness(p.fitness) + ":\n```\n" + lang::Print(*p.program) + "```\n";
}

}  // namespace

nlohmann::json LlmUsage::ToJson() const {
  return {{"requests", requests}, {"failed", failed}, {"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens}, {"cost", cost}};
}

std::map<std::string, std::string> PromptValues(const search::ProposalRequest& r, const search::SearchSpace& space) {
  std::string history;
  for (const search::ScoredProgram& p : r.best) history += "\n" + Listing(p);
  if (history.empty()) history = "(none yet)";
  else history = "the population's best programs so far:" + history;
  return {{"dim", std::to_string(space.shape.dim)},
          {"registers", Registers(space.shape)},
          {"operations", Operations(space)},
          {"history", history},
          {"parents", Listing(r.parent)}};
}

nlohmann::json Exchange::ToJson() const {
  nlohmann::json j = {{"individual", individual}, {"request", request}, {"outcome", outcome.ToJson()},
                      {"program", program}, {"rejection", rejection}};
  if (!context.empty()) j["context"] = context;
  return j;
}

Exchange Exchange::FromJson(const nlohmann::json& j) {
  try {
    Exchange e;
    e.individual = j.at("individual").get<int64_t>();
    e.request = j.at("request");
    e.outcome = ChatOutcome::FromJson(j.at("outcome"));
    e.program = j.at("program").get<std::string>();
    e.rejection = j.at("rejection").get<std::string>();
    e.context = j.value("context", std::string());
    return e;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not an exchange record: ") + e.what());
  }
}

LlmProposer::LlmProposer(std::shared_ptr<ChatBackend> backend, ServerConfig server, PromptTemplate prompt,
                         int64_t max_program_bytes, LlmBudget budget, std::string context)
    : backend_(std::move(backend)), server_(std::move(server)), prompt_(std::move(prompt)),
      max_program_bytes_(max_program_bytes), budget_(budget), context_(std::move(context)) {}

void LlmUsage::Add(const ChatOutcome& o, const LlmBudget& prices) {
  ++requests;
  if (!o.ok) ++failed;
  prompt_tokens += o.prompt_tokens;
  completion_tokens += o.completion_tokens;
  cost += static_cast<double>(o.prompt_tokens) * prices.cost_per_prompt_token +
          static_cast<double>(o.completion_tokens) * prices.cost_per_completion_token;
}

std::string BudgetSpent(const LlmUsage& usage, const LlmBudget& budget) {
  auto over = [](double used, double limit) { return limit > 0 && used >= limit; };
  if (over(static_cast<double>(usage.requests), static_cast<double>(budget.max_requests))) return "requests";
  if (over(static_cast<double>(usage.prompt_tokens), static_cast<double>(budget.max_prompt_tokens))) return "prompt tokens";
  if (over(static_cast<double>(usage.completion_tokens), static_cast<double>(budget.max_completion_tokens)))
    return "completion tokens";
  if (over(usage.cost, budget.max_cost)) return "cost";
  return "";
}

std::string LlmProposer::BudgetSpent() const { return llm::BudgetSpent(usage_, budget_); }

std::vector<search::ProposalAnswer> LlmProposer::Propose(const std::vector<search::ProposalRequest>& requests,
                                                         const search::SearchSpace& space,
                                                         const std::atomic<bool>* stop) {
  std::vector<search::ProposalAnswer> out;
  for (const search::ProposalRequest& r : requests) out.push_back(Ask(r, space, stop));
  return out;
}

search::ProposalAnswer LlmProposer::Ask(const search::ProposalRequest& r, const search::SearchSpace& space,
                                        const std::atomic<bool>* stop) {
  search::ProposalAnswer a;
  if (std::string spent = BudgetSpent(); !spent.empty()) {
    a.rejection = "llm budget spent: " + spent;
    return a;
  }
  ChatRequest request = prompt_.Fill(PromptValues(r, space));
  request.context = context_;
  Exchange ex;
  ex.individual = r.individual;
  ex.context = context_;
  ex.request = request.Body(server_);
  request.key = counter_.NextKey(ex.request, context_);
  ex.outcome = backend_->Complete(request, stop);
  usage_.Add(ex.outcome, budget_);
  if (!ex.outcome.ok) {
    a.rejection = "no reply: " + ex.outcome.error;
  } else {
    ProgramReply reply = ReadProgramReply(ex.outcome.content, space, static_cast<size_t>(max_program_bytes_));
    a.program = std::move(reply.program);
    a.rejection = std::move(reply.rejection);
  }
  ex.program = a.program ? lang::Print(*a.program) : "";
  ex.rejection = a.rejection;
  exchanges_.push_back(std::move(ex));
  return a;
}

std::vector<Exchange> LlmProposer::TakeExchanges() {
  std::vector<Exchange> out;
  out.swap(exchanges_);
  return out;
}

std::vector<nlohmann::json> LlmProposer::TakeRecords() {
  std::vector<nlohmann::json> out;
  for (const Exchange& e : TakeExchanges()) out.push_back(e.ToJson());
  return out;
}

PromptTemplate DefaultPrompt() {
  return PromptTemplate::FromText(std::string(internal::kDefaultPrompt), "prompts/program.txt (built in)");
}

std::shared_ptr<LlmService> LlmService::Make(const LlmConfig& c, const std::string& replay, const std::string& base_dir,
                                             bool append) {
  PromptTemplate prompt = DefaultPrompt();
  if (!c.prompt.empty()) {
    const std::filesystem::path p(c.prompt);
    prompt = PromptTemplate::Load(p.is_absolute() || base_dir.empty() ? p.string() : (std::filesystem::path(base_dir) / p).string());
  }
  std::shared_ptr<ChatBackend> backend;
  if (!replay.empty()) backend = std::make_shared<ReplayBackend>(Cassette::Load(replay), c.server);
  else backend = std::make_shared<RecordingBackend>(std::make_unique<HttpBackend>(c.server), c.server, c.cassette, append);
  return std::shared_ptr<LlmService>(new LlmService(c, std::move(prompt), std::move(backend)));
}

std::shared_ptr<LlmProposer> LlmService::ForJob(const std::string& context) const {
  return std::make_shared<LlmProposer>(backend_, config_.server, prompt_, config_.max_program_bytes, LlmBudget{}, context);
}

std::shared_ptr<LlmProposer> MakeLlmProposer(const LlmConfig& c, const std::string& replay, const std::string& base_dir) {
  const std::shared_ptr<LlmService> s = LlmService::Make(c, replay, base_dir);
  return std::make_shared<LlmProposer>(s->backend_, c.server, s->prompt_, c.max_program_bytes, c.budget);
}

}  // namespace ouro::llm
