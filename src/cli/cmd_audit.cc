// cli/cmd_audit.cc — placeholder being replaced in session 3 (`ouro audit verify|export RUN`).
#include "cli/commands.h"
#include "core/error.h"
namespace ouro::cli {
Action RegisterAudit(CLI::App& app) {
  app.add_subcommand("audit", "Verify or export a run's audit chain (not yet implemented)");
  return [] () -> int { throw Error("audit: not yet implemented"); };
}
}  // namespace ouro::cli
