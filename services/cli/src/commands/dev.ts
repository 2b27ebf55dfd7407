import { devStackSettings, stackDown, stackStatus, stackUp } from '@payhook/devstack';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

/** `payhook dev up|down|status`: the local broker and registry, without Docker. */
export function registerDevCommands(program: Command, ctx: CliContext): void {
  const dev = program.command('dev').description('run a local Kafka broker (KRaft) and schema registry without Docker');

  dev
    .command('up')
    .description('fetch (first run only), start and wait for the broker and the registry; a no-op when they run')
    .action(async () => {
      const settings = devStackSettings(ctx.env);
      const endpoints = await stackUp(settings, (line) => ctx.io.err(line));
      ctx.io.out(`KAFKA_BROKERS=${endpoints.kafkaBrokers}`);
      ctx.io.out(`SCHEMA_REGISTRY_URL=${endpoints.schemaRegistryUrl}`);
      ctx.io.out(`ANVIL_RPC_URL=${endpoints.anvilRpcUrl}`);
    });

  dev
    .command('down')
    .description('stop the broker and the registry and delete their data')
    .option('--keep-data', 'keep the broker data and logs for the next "up"')
    .action(async (options: { keepData?: boolean }) => {
      const stopped = await stackDown(devStackSettings(ctx.env), { keepData: options.keepData === true });
      ctx.io.out(stopped.length === 0 ? 'nothing was running' : `stopped: ${stopped.join(', ')}`);
    });

  dev
    .command('status')
    .description('show what runs and whether it answers; exit 1 when anything is down')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const status = await stackStatus(devStackSettings(ctx.env));
      if (options.json === true) ctx.io.out(JSON.stringify(status, null, 2));
      else {
        for (const c of status) {
          const state = c.ready ? 'ready' : c.pid !== undefined ? 'starting or unhealthy' : 'stopped';
          ctx.io.out(
            `${c.name.padEnd(9)} ${state.padEnd(22)} ${c.address}${c.pid === undefined ? '' : `  (pid ${c.pid})`}`,
          );
        }
      }
      if (status.some((c) => !c.ready)) process.exitCode = 1;
    });
}
