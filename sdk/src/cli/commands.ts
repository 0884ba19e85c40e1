import type { Command } from "commander";
import { registerBidCommands } from "./commands/bid.ts";
import { registerDeployCommand } from "./commands/deploy.ts";
import { registerFundsCommands } from "./commands/funds.ts";
import { registerIndexerCommand } from "./commands/indexer.ts";
import { registerJobCommands } from "./commands/job.ts";
import { registerProviderCommands } from "./commands/provider.ts";
import { registerVerifyCommands } from "./commands/verify.ts";

export function registerCommands(program: Command): void {
  registerDeployCommand(program);
  registerJobCommands(program);
  registerBidCommands(program);
  registerVerifyCommands(program);
  registerFundsCommands(program);
  registerProviderCommands(program);
  registerIndexerCommand(program);
}
