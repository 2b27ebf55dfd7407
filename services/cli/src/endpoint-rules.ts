import type { Endpoint } from '@payhook/contracts';
import { CliUsageError } from './cli-error.ts';
import type { HelpVariable } from './help.ts';
import { type CliTables, Table } from './tables.ts';
import { parseInteger, parseRate, TIMEOUT_MS_RANGE } from './validation.ts';

/** The variables every endpoints command reads. */
export const ENDPOINT_TABLE_ENV: readonly HelpVariable[] = [
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'PAYHOOK_TOPIC_PREFIX',
];

/** The `disabled_reason` of a deleted endpoint. */
export { DELETED_REASON } from '@payhook/inputs';

/** What `--url` accepts, for the help of the commands that take one. */
export const URL_RULES_HELP: readonly string[] = [
  'The URL is refused when it does not parse, carries a user name or password, has port 0 or a fragment,',
  'uses http for a host not on DISPATCHER_DEV_ALLOW_LIST, or names a loopback, private, link-local or',
  'reserved address (or localhost) that is not on that list. Host names are not resolved here: the',
  'dispatcher resolves them before every attempt and refuses unsafe addresses then.',
];

/** The word that puts `--rate` or `--timeout-ms` back to the dispatcher's default. */
export const DEFAULT_WORD = 'default';

/** `--rate`: deliveries per second, or `default` (null) when `allowDefault`. */
export function parseRateOption(raw: string, allowDefault: boolean): number | null {
  if (allowDefault && raw.trim() === DEFAULT_WORD) return null;
  return parseRate('--rate', raw);
}

/** `--timeout-ms`: a request timeout in milliseconds, or `default` (null) when `allowDefault`. */
export function parseTimeoutOption(raw: string, allowDefault: boolean): number | null {
  if (allowDefault && raw.trim() === DEFAULT_WORD) return null;
  return parseInteger('--timeout-ms', raw, TIMEOUT_MS_RANGE);
}

/** The endpoint with this id as the table holds it now, deleted or not. */
export async function existingEndpoint(tables: CliTables, endpointId: string): Promise<Endpoint> {
  const endpoint = (await tables.read(Table.ENDPOINTS)).get(endpointId);
  if (endpoint === undefined) throw new CliUsageError(`<id>: endpoint "${endpointId}" does not exist`);
  return endpoint;
}

/**
 * The endpoint with this id, refused when it was deleted: a deleted endpoint stays disabled
 * and its id is never given to another, so nothing may change it again.
 */
export async function changeableEndpoint(tables: CliTables, endpointId: string, verb: string): Promise<Endpoint> {
  const endpoint = await existingEndpoint(tables, endpointId);
  if (endpoint.deleted_at !== null) {
    throw new CliUsageError(
      `<id>: endpoint "${endpointId}" was deleted at ${new Date(endpoint.deleted_at).toISOString()} and cannot be ${verb}; register a new endpoint instead`,
    );
  }
  return endpoint;
}
