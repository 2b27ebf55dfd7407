import { randomBytes } from 'node:crypto';
import { DEFAULT_EVENT_TYPES, type Endpoint } from '@payhook/contracts';
import type { DevAllowList } from '@payhook/http-delivery';
import { generateSecret } from '@payhook/signing';
import {
  parseDescription,
  parseEventTypeList,
  parseEventTypes,
  parseId,
  parseInteger,
  parseRate,
  parseUrl,
  TIMEOUT_MS_RANGE,
} from './validation.ts';

/** A new endpoint as given, values as text (as typed on a command line). */
export interface EndpointInput {
  readonly merchant: string;
  readonly url: string;
  /** Comma-separated text or a list. @defaultValue {@link DEFAULT_EVENT_TYPES} */
  readonly events?: string | readonly string[] | undefined;
  /** @defaultValue null: the dispatcher's default */
  readonly rate?: string | undefined;
  /** @defaultValue null: the dispatcher's default */
  readonly timeoutMs?: string | undefined;
  /** @defaultValue a random `ep_…` id */
  readonly id?: string | undefined;
  /** @defaultValue empty */
  readonly description?: string | undefined;
}

/** The name each input field has for the caller, used in errors. */
export type EndpointFieldNames = Readonly<Record<keyof EndpointInput, string>>;

/** The CLI's names: its options. */
export const ENDPOINT_OPTIONS: EndpointFieldNames = {
  merchant: '--merchant',
  url: '--url',
  events: '--events',
  rate: '--rate',
  timeoutMs: '--timeout-ms',
  id: '--id',
  description: '--description',
};

/** A validated new endpoint, with the signing secret it was given. */
export interface NewEndpoint {
  readonly endpoint: Endpoint;
  /** The only secret: shown to its owner once, at creation. */
  readonly secret: string;
}

/**
 * Validates every field (each error names its field) into the endpoint to write, with a new
 * signing secret. The URL is checked with the delivery policy and `allowList`.
 * @throws InputError naming the first field that is not acceptable.
 */
export function buildEndpoint(
  input: EndpointInput,
  allowList: DevAllowList,
  nowMs: number,
  names: EndpointFieldNames = ENDPOINT_OPTIONS,
): NewEndpoint {
  const endpointId = input.id === undefined ? `ep_${randomBytes(10).toString('hex')}` : parseId(names.id, input.id);
  const merchantId = parseId(names.merchant, input.merchant);
  const url = parseUrl(names.url, input.url, allowList);
  const eventTypes =
    input.events === undefined
      ? [...DEFAULT_EVENT_TYPES]
      : typeof input.events === 'string'
        ? parseEventTypes(names.events, input.events)
        : parseEventTypeList(names.events, input.events);
  const rate = input.rate === undefined ? null : parseRate(names.rate, input.rate);
  const timeoutMs =
    input.timeoutMs === undefined ? null : parseInteger(names.timeoutMs, input.timeoutMs, TIMEOUT_MS_RANGE);
  const description = input.description === undefined ? '' : parseDescription(names.description, input.description);
  const secret = generateSecret();
  return {
    secret,
    endpoint: {
      endpoint_id: endpointId,
      merchant_id: merchantId,
      url,
      secrets: [{ secret, active_from: nowMs, expires_at: null }],
      event_types: eventTypes,
      rate_limit_per_second: rate,
      timeout_ms: timeoutMs,
      enabled: true,
      disabled_reason: null,
      deleted_at: null,
      updated_at: nowMs,
      description,
    },
  };
}
