import { devStackSettings, MAX_KAFKA_NODES, stackDown, stackStatus, stackUp } from '@payhook/devstack';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-error.ts';
import type { CliContext } from '../context.ts';

/** `payhook dev up|down|status`: the local broker (or cluster), registry and chain, without Docker. */
export function registerDevCommands(program: Command, ctx: CliContext): void {
  const dev = program
    .command('dev')
    .description('run a local Kafka (KRaft: one broker or a cluster), schema registry and chain without Docker');

  dev
    .command('up')
    .description(
      'fetch (first run only), start and wait for Kafka, the registry and the chain; a no-op when they run. ' +
        'Reads PAYHOOK_DEV_BROKERS (Kafka nodes, default 1 or as many as the data was formatted for), ' +
        'PAYHOOK_DEV_HOME and the PAYHOOK_DEV_*_PORT variables',
    )
    .option(
      '--brokers <n>',
      `Kafka nodes, 1 to ${MAX_KAFKA_NODES}: each a combined broker and controller, all quorum voters; ` +
        'with 3 or more, topics are replicated 3 times with min.insync.replicas=2 (overrides PAYHOOK_DEV_BROKERS)',
    )
    .option(
      '--secure',
      'also a SASL_SSL listener on PAYHOOK_DEV_KAFKA_SECURE_PORT (default 9192, node i on + 2i): TLS with a ' +
        'throwaway CA made in the state folder and SCRAM users made when the storage is formatted (payhook-admin, ' +
        'a super user, and payhook, whose settings are printed); the plaintext listener stays. A folder formatted ' +
        'with it keeps it (overrides PAYHOOK_DEV_SECURE)',
    )
    .action(async (options: { brokers?: string; secure?: boolean }) => {
      const env = {
        ...ctx.env,
        ...(options.brokers === undefined ? {} : { PAYHOOK_DEV_BROKERS: String(parseNodeCount(options.brokers)) }),
        ...(options.secure === true ? { PAYHOOK_DEV_SECURE: 'true' } : {}),
      };
      const settings = devStackSettings(env);
      const endpoints = await stackUp(settings, (line) => ctx.io.err(line));
      if (endpoints.secure === undefined) {
        ctx.io.out(`KAFKA_BROKERS=${endpoints.kafkaBrokers}`);
      } else {
        // What a client of the secure listener sets; the password stays in its file.
        ctx.io.err(`plaintext listener (the stack's own tooling): ${endpoints.kafkaBrokers}`);
        const mtls = endpoints.secure.mtlsClientEnv();
        ctx.io.err(
          `mTLS listener: KAFKA_BROKERS=${mtls.KAFKA_BROKERS} KAFKA_SSL_CERT_FILE=${mtls.KAFKA_SSL_CERT_FILE} ` +
            `KAFKA_SSL_KEY_FILE=${mtls.KAFKA_SSL_KEY_FILE}; SASL PLAIN also works on the SASL_SSL listener`,
        );
        for (const [name, value] of Object.entries(endpoints.secure.clientEnv())) ctx.io.out(`${name}=${value}`);
      }
      ctx.io.out(`SCHEMA_REGISTRY_URL=${endpoints.schemaRegistryUrl}`);
      ctx.io.out(`ANVIL_RPC_URL=${endpoints.anvilRpcUrl}`);
    });

  dev
    .command('down')
    .description('stop Kafka (every node), the registry and the chain and delete their data')
    .option('--keep-data', 'keep the data and logs for the next "up"')
    .action(async (options: { keepData?: boolean }) => {
      const stopped = await stackDown(devStackSettings(ctx.env), { keepData: options.keepData === true });
      ctx.io.out(stopped.length === 0 ? 'nothing was running' : `stopped: ${stopped.join(', ')}`);
    });

  dev
    .command('status')
    .description(
      'show what runs (each Kafka node, with the active controller of a cluster) and whether it answers; ' +
        'exit 1 when anything is down',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const status = await stackStatus(devStackSettings(ctx.env));
      if (options.json === true) ctx.io.out(JSON.stringify(status, null, 2));
      else {
        for (const c of status) {
          const state = c.ready ? 'ready' : c.pid !== undefined ? 'starting or unhealthy' : 'stopped';
          const notes = [
            ...(c.pid === undefined ? [] : [`pid ${c.pid}`]),
            ...(c.activeController === true ? ['active controller'] : []),
          ];
          ctx.io.out(
            `${c.name.padEnd(9)} ${state.padEnd(22)} ${c.address}${notes.length === 0 ? '' : `  (${notes.join(', ')})`}`,
          );
          if (!c.ready && c.name.startsWith('kafka')) ctx.io.out(`${''.padEnd(32)} log: ${c.logs[0] ?? ''}`);
        }
      }
      if (status.some((c) => !c.ready)) process.exitCode = 1;
    });
}

function parseNodeCount(raw: string): number {
  const count = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_KAFKA_NODES) {
    throw new CliUsageError(`--brokers must be a whole number from 1 to ${MAX_KAFKA_NODES}`);
  }
  return count;
}
