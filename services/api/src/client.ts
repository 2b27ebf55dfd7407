import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/openapi.ts';

export type { components, operations, paths } from './generated/openapi.ts';

/** A typed client of the API, generated from openapi.json (openapi-typescript + openapi-fetch). */
export type ApiClient = Client<paths>;

/** A client that sends `key` as its bearer token (none when undefined). */
export function createApiClient(baseUrl: string, key?: string): ApiClient {
  return createClient<paths>({ baseUrl, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
}
