import type { ApiKey } from '@payhook/contracts';
import { apiKeySecretMatches, hashApiKeySecret, parseApiKey } from '@payhook/inputs';
import type { FastifyRequest } from 'fastify';
import { PORTAL_TOKEN_PREFIX, PortalTokenRefusal, type PortalTokens } from './portal-tokens.ts';
import { invalidField, Problem, ProblemError } from './problems.ts';

/** Who a request acts for, from its API key or portal token. */
export interface Principal {
  /** The API key's id, or `portal:<token id>` for a portal token. */
  readonly keyId: string;
  /** An API key, or a short-lived portal token (which cannot issue portal links). */
  readonly via: 'api_key' | 'portal';
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

/** The details of a refused portal token: an expired link says so, so that the console can. */
const PORTAL_REFUSALS: Readonly<Record<PortalTokenRefusal, string>> = {
  [PortalTokenRefusal.MALFORMED]: 'the portal token is malformed',
  [PortalTokenRefusal.BAD_SIGNATURE]: 'the portal token is not valid',
  [PortalTokenRefusal.EXPIRED]: 'the portal link has expired: ask for a new one',
};

/**
 * The principal of an `Authorization: Bearer phk_<key_id>_<secret>` header, against the keys
 * table as it stands (a revocation applies as soon as the table reads it), or of a
 * `Bearer pht_…` portal token (checked against the portal key and its expiry).
 * @throws ProblemError 401 for a missing, malformed, unknown or revoked key; the detail never
 *   says which, so keys cannot be probed. A refused portal token says whether it expired.
 */
export function authenticate(
  header: string | undefined,
  keys: { get(id: string): ApiKey | undefined },
  portal: PortalTokens,
): Principal {
  const token = header === undefined ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (token?.startsWith(PORTAL_TOKEN_PREFIX)) {
    const grant = portal.verify(token);
    if (typeof grant === 'string') throw unauthorized(PORTAL_REFUSALS[grant], grant);
    return { keyId: `portal:${grant.tokenId}`, via: 'portal', merchantId: grant.merchantId };
  }
  const parsed = token === undefined ? undefined : parseApiKey(token);
  if (parsed === undefined)
    throw unauthorized(header === undefined ? 'no Authorization header' : 'not a payhook API key');
  const key = keys.get(parsed.keyId);
  const matches = apiKeySecretMatches(parsed.secret, key?.secret_sha256 ?? UNKNOWN_KEY_HASH);
  if (key === undefined || !matches || key.revoked_at !== null) throw unauthorized('the key is unknown or revoked');
  return { keyId: key.key_id, via: 'api_key', merchantId: key.role === 'OPERATOR' ? null : key.merchant_id };
}

function unauthorized(detail: string, portalRefusal?: PortalTokenRefusal): ProblemError {
  if (portalRefusal !== undefined) {
    const error =
      portalRefusal === PortalTokenRefusal.EXPIRED ? 'invalid_token", error_description="expired' : 'invalid_token';
    return new ProblemError(Problem.UNAUTHORIZED, detail, {
      headers: { 'www-authenticate': `Bearer realm="payhook", error="${error}"` },
    });
  }
  return new ProblemError(Problem.UNAUTHORIZED, `${detail}: send "Authorization: Bearer <API key>"`, {
    headers: { 'www-authenticate': 'Bearer realm="payhook"' },
  });
}

/**
 * The principal of a request made with an operator API key.
 * @throws ProblemError 403 for a merchant key or any portal token (a link cannot make links).
 */
export function requireOperatorKey(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (principal.merchantId !== null || principal.via !== 'api_key') {
    throw new ProblemError(Problem.FORBIDDEN, 'an operator API key is required');
  }
  return principal;
}

/**
 * The principal of a request made for every merchant: an operator key or an operator portal link.
 * @throws ProblemError 403 for a merchant key or a merchant's portal link.
 */
export function requireOperator(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (principal.merchantId !== null) throw new ProblemError(Problem.FORBIDDEN, 'an operator key or link is required');
  return principal;
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
