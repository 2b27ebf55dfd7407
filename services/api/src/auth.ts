import type { ApiKey } from '@payhook/contracts';
import { apiKeySecretMatches, hashApiKeySecret, parseApiKey } from '@payhook/inputs';
import type { FastifyRequest } from 'fastify';
import { invalidField, Problem, ProblemError } from './problems.ts';

/** Who a request acts for, from its API key. */
export interface Principal {
  readonly keyId: string;
  /** The merchant a merchant key is scoped to; `null` for an operator key (every merchant). */
  readonly merchantId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every `/v1` route. */
    principal?: Principal;
  }
}

/** A hash no secret has, compared against when the key id is unknown, so both paths cost the same. */
const UNKNOWN_KEY_HASH = hashApiKeySecret('payhook: no such key');

/**
 * The principal of an `Authorization: Bearer phk_<key_id>_<secret>` header, against the keys
 * table as it stands (a revocation applies as soon as the table reads it).
 * @throws ProblemError 401 for a missing, malformed, unknown or revoked key; the detail never
 *   says which, so keys cannot be probed.
 */
export function authenticate(header: string | undefined, keys: { get(id: string): ApiKey | undefined }): Principal {
  const token = header === undefined ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
  const parsed = token === undefined ? undefined : parseApiKey(token);
  if (parsed === undefined)
    throw unauthorized(header === undefined ? 'no Authorization header' : 'not a payhook API key');
  const key = keys.get(parsed.keyId);
  const matches = apiKeySecretMatches(parsed.secret, key?.secret_sha256 ?? UNKNOWN_KEY_HASH);
  if (key === undefined || !matches || key.revoked_at !== null) throw unauthorized('the key is unknown or revoked');
  return { keyId: key.key_id, merchantId: key.role === 'OPERATOR' ? null : key.merchant_id };
}

function unauthorized(detail: string): ProblemError {
  return new ProblemError(Problem.UNAUTHORIZED, `${detail}: send "Authorization: Bearer <API key>"`, {
    headers: { 'www-authenticate': 'Bearer realm="payhook"' },
  });
}

/** The principal of a request that passed authentication. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new Error('route reached without authentication');
  return request.principal;
}

/** Whether the principal may see an object of this merchant: a foreign object is a 404, never a 403. */
export function canSee(principal: Principal, merchantId: string): boolean {
  return principal.merchantId === null || principal.merchantId === merchantId;
}

/**
 * The merchant a create is for: a merchant key's own (it may name it, never another); an
 * operator key must name one.
 */
export function merchantFor(principal: Principal, named: string | undefined): string {
  if (principal.merchantId === null) {
    if (named === undefined) throw invalidField('merchant_id', 'is required with an operator key');
    return named;
  }
  if (named !== undefined && named !== principal.merchantId) {
    throw invalidField('merchant_id', 'a merchant key creates objects for its own merchant only; leave it out');
  }
  return principal.merchantId;
}
