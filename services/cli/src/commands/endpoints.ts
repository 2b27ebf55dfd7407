import { DEFAULT_EVENT_TYPES } from '@payhook/contracts';
import { buildEndpoint, ENDPOINT_OPTIONS, MAX_DESCRIPTION_LENGTH, rotateEndpointSecret } from '@payhook/inputs';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv } from '../context.ts';
import { devAllowListFromEnv } from '../dev-allow-list.ts';
import { changeableEndpoint, ENDPOINT_TABLE_ENV as TABLE_ENV, URL_RULES_HELP } from '../endpoint-rules.ts';
import { describeLine, publicView } from '../endpoint-view.ts';
import { tableCommandHelp } from '../help.ts';
import { Table, withTables } from '../tables.ts';
import { formatDuration, MAX_OVERLAP_MS, parseDuration, parseId, TIMEOUT_MS_RANGE } from '../validation.ts';
import { registerEndpointChangeCommands } from './endpoint-changes.ts';

/** How long old secrets keep signing after a rotation unless `--overlap` says otherwise. */
const DEFAULT_ROTATION_OVERLAP = '24h';
/** The reason recorded by `endpoints disable` without `--reason`. */
const DEFAULT_DISABLED_REASON = 'disabled by an operator';
const MAX_REASON_LENGTH = 500;

/** `payhook endpoints add|list|update|rotate-secret|disable|enable|delete`: the compacted endpoints topic. */
export function registerEndpointCommands(program: Command, ctx: CliContext): void {
  // Set before the subcommands are added, so they inherit it: their usage errors (a missing
  // required option) then reach main.ts as CommanderErrors and exit 2 instead of 1.
  const endpoints = program
    .command('endpoints')
    .exitOverride()
    .description("register and manage merchants' webhook endpoints (the compacted endpoints topic)")
    .addHelpText('after', tableCommandHelp([...TABLE_ENV, 'DISPATCHER_DEV_ALLOW_LIST']));

  endpoints
    .command('add')
    .description('register an endpoint; prints its id and its signing secret, which is shown only this once')
    .requiredOption('--merchant <id>', 'merchant whose payments the endpoint receives')
    .requiredOption('--url <url>', 'where deliveries are POSTed: https (http only for allow-listed hosts)')
    .option('--events <types>', `comma-separated event types (default ${DEFAULT_EVENT_TYPES.join(',')})`)
    .option('--rate <per-second>', 'sustained deliveries per second (default: the dispatcher default)')
    .option(
      '--timeout-ms <n>',
      `per-request timeout, ${TIMEOUT_MS_RANGE.min} to ${TIMEOUT_MS_RANGE.max} (default: the dispatcher default)`,
    )
    .option('--id <id>', 'endpoint id (default: a random ep_… id); refused when taken')
    .option('--description <text>', `what the endpoint is for (up to ${MAX_DESCRIPTION_LENGTH} characters)`)
    .option('--json', 'print JSON: {"endpoint_id", "secret"}')
    .addHelpText('after', tableCommandHelp([...TABLE_ENV, 'DISPATCHER_DEV_ALLOW_LIST'], URL_RULES_HELP))
    .action(
      async (options: {
        merchant: string;
        url: string;
        events?: string;
        rate?: string;
        timeoutMs?: string;
        id?: string;
        description?: string;
        json?: boolean;
      }) => {
        const { endpoint, secret } = buildEndpoint(options, devAllowListFromEnv(ctx.env), Date.now(), ENDPOINT_OPTIONS);
        const { endpoint_id: endpointId, merchant_id: merchantId, url, event_types: eventTypes } = endpoint;
        const env = pipelineEnv(ctx.env);
        await withTables(env, async (tables) => {
          // A random id cannot be taken; a chosen one may be, and overwriting it would drop its secrets.
          const taken = options.id === undefined ? undefined : (await tables.read(Table.ENDPOINTS)).get(endpointId);
          if (taken !== undefined) {
            throw new CliUsageError(
              taken.deleted_at === null
                ? `--id: endpoint "${endpointId}" already exists`
                : `--id: endpoint "${endpointId}" already exists (deleted): ids of deleted endpoints are not reused`,
            );
          }
          await tables.write(Table.ENDPOINTS, endpointId, endpoint);
        });
        if (options.json === true) {
          ctx.io.out(JSON.stringify({ endpoint_id: endpointId, secret }));
          return;
        }
        ctx.io.out(`endpoint_id: ${endpointId}`);
        ctx.io.out(`merchant_id: ${merchantId}`);
        ctx.io.out(`url: ${url}`);
        ctx.io.out(`events: ${eventTypes.join(',')}`);
        ctx.io.out(`secret: ${secret}`);
        ctx.io.err('The signing secret is shown only now: give it to the receiver and keep no other copy.');
      },
    );

  endpoints
    .command('list')
    .description('list endpoints with URL, events, state, rate, timeout and secret validity (never the secrets)')
    .option('--merchant <id>', "only this merchant's endpoints")
    .option('--include-deleted', 'list deleted endpoints too (hidden by default)')
    .option('--json', 'print a JSON array')
    .addHelpText('after', tableCommandHelp(TABLE_ENV))
    .action(async (options: { merchant?: string; includeDeleted?: boolean; json?: boolean }) => {
      const merchant = options.merchant === undefined ? undefined : parseId('--merchant', options.merchant);
      const env = pipelineEnv(ctx.env);
      const rows = await withTables(env, (tables) => tables.read(Table.ENDPOINTS));
      const now = Date.now();
      const selected = [...rows.values()]
        .filter((e) => merchant === undefined || e.merchant_id === merchant)
        .filter((e) => options.includeDeleted === true || e.deleted_at === null)
        .sort((a, b) => a.merchant_id.localeCompare(b.merchant_id) || a.endpoint_id.localeCompare(b.endpoint_id));
      if (options.json === true) {
        ctx.io.out(
          JSON.stringify(
            selected.map((e) => publicView(e, now)),
            null,
            2,
          ),
        );
        return;
      }
      if (selected.length === 0) {
        ctx.io.err(merchant === undefined ? 'no endpoints' : `no endpoints for merchant ${merchant}`);
        return;
      }
      for (const e of selected) ctx.io.out(describeLine(e, now));
    });

  endpoints
    .command('rotate-secret')
    .description(
      'add a new signing secret (printed once); older secrets keep signing for --overlap, so receivers can switch',
    )
    .argument('<id>', 'endpoint id')
    .option(
      '--overlap <duration>',
      `how long older secrets keep signing, 0s to ${formatDuration(MAX_OVERLAP_MS)}`,
      DEFAULT_ROTATION_OVERLAP,
    )
    .option('--json', 'print JSON: {"endpoint_id", "secret", "previous_secrets_expire_at"}')
    .addHelpText(
      'after',
      tableCommandHelp(TABLE_ENV, [
        'During the overlap every delivery carries one signature per active secret, so a receiver',
        'holding either the old or the new secret verifies it. Secrets already expired are removed.',
      ]),
    )
    .action(async (id: string, options: { overlap: string; json?: boolean }) => {
      const endpointId = parseId('<id>', id);
      const overlapMs = parseDuration('--overlap', options.overlap, { minMs: 0, maxMs: MAX_OVERLAP_MS });
      const env = pipelineEnv(ctx.env);
      const { secret, until } = await withTables(env, async (tables) => {
        const endpoint = await changeableEndpoint(tables, endpointId, 'given a new secret');
        const rotation = rotateEndpointSecret(endpoint, overlapMs, Date.now());
        await tables.write(Table.ENDPOINTS, endpointId, rotation.endpoint);
        return { secret: rotation.secret, until: rotation.previousExpireAt };
      });
      if (options.json === true) {
        ctx.io.out(JSON.stringify({ endpoint_id: endpointId, secret, previous_secrets_expire_at: until }));
        return;
      }
      ctx.io.out(`endpoint_id: ${endpointId}`);
      ctx.io.out(`secret: ${secret}`);
      ctx.io.out(`previous secrets stop signing by: ${new Date(until).toISOString()}`);
      ctx.io.err('The new signing secret is shown only now: give it to the receiver before the overlap ends.');
    });

  endpoints
    .command('disable')
    .description('stop deliveries to an endpoint, recording why; a no-op when it is disabled already')
    .argument('<id>', 'endpoint id')
    .option('--reason <text>', `why (up to ${MAX_REASON_LENGTH} characters)`, DEFAULT_DISABLED_REASON)
    .addHelpText('after', tableCommandHelp(TABLE_ENV))
    .action(async (id: string, options: { reason: string }) => {
      const endpointId = parseId('<id>', id);
      const reason = options.reason.trim();
      if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
        throw new CliUsageError(`--reason: must be 1 to ${MAX_REASON_LENGTH} characters`);
      }
      const env = pipelineEnv(ctx.env);
      const changed = await withTables(env, async (tables) => {
        const endpoint = await changeableEndpoint(tables, endpointId, 'disabled again');
        if (!endpoint.enabled && endpoint.disabled_reason === reason) return false;
        await tables.write(Table.ENDPOINTS, endpointId, {
          ...endpoint,
          enabled: false,
          disabled_reason: reason,
          updated_at: Date.now(),
        });
        return true;
      });
      ctx.io.out(`${changed ? 'disabled' : 'already disabled'} ${endpointId}`);
    });

  endpoints
    .command('enable')
    .description('resume deliveries to a disabled endpoint; a no-op when it is enabled already')
    .argument('<id>', 'endpoint id')
    .addHelpText('after', tableCommandHelp(TABLE_ENV))
    .action(async (id: string) => {
      const endpointId = parseId('<id>', id);
      const env = pipelineEnv(ctx.env);
      const changed = await withTables(env, async (tables) => {
        const endpoint = await changeableEndpoint(tables, endpointId, 'enabled');
        if (endpoint.enabled) return false;
        await tables.write(Table.ENDPOINTS, endpointId, {
          ...endpoint,
          enabled: true,
          disabled_reason: null,
          updated_at: Date.now(),
        });
        return true;
      });
      ctx.io.out(`${changed ? 'enabled' : 'already enabled'} ${endpointId}`);
    });

  registerEndpointChangeCommands(endpoints, ctx);
}
