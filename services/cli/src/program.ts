import { PAYHOOK_VERSION } from '@payhook/runtime';
import { Command } from 'commander';
import { registerAclCommands } from './commands/acls.ts';
import { registerApiKeyCommands } from './commands/api-keys.ts';
import { registerAttemptsCommand } from './commands/attempts.ts';
import { registerDevCommands } from './commands/dev.ts';
import { registerEndpointCommands } from './commands/endpoints.ts';
import { registerLagCommand } from './commands/lag.ts';
import { registerPaymentCommands } from './commands/payments.ts';
import { registerReplayCommands } from './commands/replay.ts';
import { registerSchemaCommands } from './commands/schemas.ts';
import { registerSecretsCommands } from './commands/secrets.ts';
import { registerTopicCommands } from './commands/topics.ts';
import type { CliContext } from './context.ts';

/** The `payhook` command tree. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('payhook')
    .description('payhook: payment-status webhooks over Kafka — operator commands')
    .version(PAYHOOK_VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });
  registerDevCommands(program, ctx);
  registerTopicCommands(program, ctx);
  registerSchemaCommands(program, ctx);
  registerEndpointCommands(program, ctx);
  registerPaymentCommands(program, ctx);
  registerApiKeyCommands(program, ctx);
  registerSecretsCommands(program, ctx);
  registerReplayCommands(program, ctx);
  registerAttemptsCommand(program, ctx);
  registerLagCommand(program, ctx);
  registerAclCommands(program, ctx);
  return program;
}
