import type { Endpoint } from '@payhook/contracts';
import { deleteEndpoint, MAX_DESCRIPTION_LENGTH, parseDescription, updateEndpoint } from '@payhook/inputs';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv } from '../context.ts';
import { devAllowListFromEnv } from '../dev-allow-list.ts';
import {
  changeableEndpoint,
  DEFAULT_WORD,
  DELETED_REASON,
  ENDPOINT_TABLE_ENV,
  existingEndpoint,
  parseRateOption,
  parseTimeoutOption,
  URL_RULES_HELP,
} from '../endpoint-rules.ts';
import { publicView } from '../endpoint-view.ts';
import { tableCommandHelp } from '../help.ts';
import { Table, withTables } from '../tables.ts';
import { parseEventTypes, parseId, parseUrl, TIMEOUT_MS_RANGE } from '../validation.ts';

interface UpdateOptions {
  url?: string;
  events?: string;
  rate?: string;
  timeoutMs?: string;
  description?: string;
  json?: boolean;
}

/** The fields `update` may change, named as the options that change them. */
const CHANGEABLE = [
  ['url', '--url'],
  ['event_types', '--events'],
  ['rate_limit_per_second', '--rate'],
  ['timeout_ms', '--timeout-ms'],
  ['description', '--description'],
] as const satisfies readonly (readonly [keyof Endpoint, string])[];

/** `payhook endpoints update <id>` and `payhook endpoints delete <id>`. */
export function registerEndpointChangeCommands(endpoints: Command, ctx: CliContext): void {
  endpoints
    .command('update')
    .description(
      'change an endpoint’s URL, events, rate, timeout or description; it keeps its id (so its webhook-ids) and its secrets',
    )
    .argument('<id>', 'endpoint id')
    .option('--url <url>', 'where deliveries are POSTed: https (http only for allow-listed hosts)')
    .option('--events <types>', 'comma-separated event types, replacing the subscribed ones')
    .option('--rate <per-second>', `sustained deliveries per second, or "${DEFAULT_WORD}" for the dispatcher default`)
    .option(
      '--timeout-ms <n>',
      `per-request timeout, ${TIMEOUT_MS_RANGE.min} to ${TIMEOUT_MS_RANGE.max}, or "${DEFAULT_WORD}" for the dispatcher default`,
    )
    .option('--description <text>', `what the endpoint is for (up to ${MAX_DESCRIPTION_LENGTH} characters)`)
    .option('--json', 'print the endpoint as `list --json` does (never the secrets)')
    .addHelpText(
      'after',
      tableCommandHelp(
        [...ENDPOINT_TABLE_ENV, 'DISPATCHER_DEV_ALLOW_LIST'],
        [
          'Give at least one option. Writes a new version of the endpoint to the endpoints topic (same id, same',
          'secrets, enabled or not as before, updated_at now); the dispatcher and the confirmation filter pick',
          'it up from there. Nothing is written when no value changes. A deleted endpoint cannot be updated.',
          '',
          ...URL_RULES_HELP,
        ],
      ),
    )
    .action(async (id: string, options: UpdateOptions) => {
      const endpointId = parseId('<id>', id);
      // Every value is checked before the broker is asked anything.
      const changes: Partial<Pick<Endpoint, (typeof CHANGEABLE)[number][0]>> = {
        ...(options.url === undefined ? {} : { url: parseUrl('--url', options.url, devAllowListFromEnv(ctx.env)) }),
        ...(options.events === undefined ? {} : { event_types: parseEventTypes('--events', options.events) }),
        ...(options.rate === undefined ? {} : { rate_limit_per_second: parseRateOption(options.rate, true) }),
        ...(options.timeoutMs === undefined ? {} : { timeout_ms: parseTimeoutOption(options.timeoutMs, true) }),
        ...(options.description === undefined
          ? {}
          : { description: parseDescription('--description', options.description) }),
      };
      if (Object.keys(changes).length === 0) {
        throw new CliUsageError(`name at least one of ${CHANGEABLE.map(([, option]) => option).join(', ')}`);
      }
      const env = pipelineEnv(ctx.env);
      const { endpoint, changed } = await withTables(env, async (tables) => {
        const current = await changeableEndpoint(tables, endpointId, 'updated');
        const update = updateEndpoint(current, changes, Date.now());
        const changed = CHANGEABLE.filter(([field]) => update.changed.includes(field)).map(([, option]) => option);
        if (changed.length > 0) await tables.write(Table.ENDPOINTS, endpointId, update.endpoint);
        return { endpoint: update.endpoint, changed };
      });
      if (options.json === true) {
        ctx.io.out(JSON.stringify(publicView(endpoint, Date.now()), null, 2));
        return;
      }
      ctx.io.out(changed.length === 0 ? `unchanged ${endpointId}` : `updated ${endpointId}: ${changed.join(', ')}`);
    });

  endpoints
    .command('delete')
    .description('delete an endpoint: it receives nothing more, leaves the listings, and its id is never reused')
    .argument('<id>', 'endpoint id')
    .addHelpText(
      'after',
      tableCommandHelp(ENDPOINT_TABLE_ENV, [
        `Writes the endpoint disabled, with disabled_reason "${DELETED_REASON}", deleted_at now and its signing`,
        'secrets removed. The dispatcher parks its records still in flight in the DLQ (endpoint_disabled);',
        'the confirmation filter writes no more deliveries for it. `list` hides it unless --include-deleted;',
        'update, enable, disable and rotate-secret refuse it. A no-op when it is deleted already.',
      ]),
    )
    .action(async (id: string) => {
      const endpointId = parseId('<id>', id);
      const env = pipelineEnv(ctx.env);
      const changed = await withTables(env, async (tables) => {
        const endpoint = await existingEndpoint(tables, endpointId);
        const deleted = deleteEndpoint(endpoint, Date.now());
        if (deleted === undefined) return false;
        await tables.write(Table.ENDPOINTS, endpointId, deleted);
        return true;
      });
      ctx.io.out(`${changed ? 'deleted' : 'already deleted'} ${endpointId}`);
    });
}
