import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Who a portal token acts for: one merchant, or the operator (every merchant). */
export const PortalRole = { MERCHANT: 'merchant', OPERATOR: 'operator' } as const;
export type PortalRole = (typeof PortalRole)[keyof typeof PortalRole];

/** What a valid token carries. */
export interface PortalGrant {
  readonly role: PortalRole;
  /** The merchant a merchant token is scoped to; `null` for an operator token. */
  readonly merchantId: string | null;
  /** Random per token: names it in rate limits, never in logs of its value. */
  readonly tokenId: string;
  readonly expiresAtMs: number;
}

/** Why a token was refused; the API turns each into a 401 with its own detail. */
export const PortalTokenRefusal = {
  MALFORMED: 'malformed',
  BAD_SIGNATURE: 'bad_signature',
  EXPIRED: 'expired',
} as const;
export type PortalTokenRefusal = (typeof PortalTokenRefusal)[keyof typeof PortalTokenRefusal];

/** The prefix that tells a portal token from an API key (`phk_…`). */
export const PORTAL_TOKEN_PREFIX = 'pht_';
/** Signing keys shorter than this are refused: an HMAC-SHA256 key should be as long as its output. */
export const PORTAL_KEY_MIN_BYTES = 32;
// The signed text starts with a purpose label, so a signature made with the same key for
// anything else can never pass as a portal token.
const PURPOSE = 'payhook-portal-token.v1.';

/** Issues and checks portal tokens with one HMAC-SHA256 key. */
export interface PortalTokens {
  issue(grant: { role: PortalRole; merchantId: string | null; ttlMs: number }): { token: string; grant: PortalGrant };
  /** The grant of a token, or why it is refused (checked in constant time, then for expiry). */
  verify(token: string): PortalGrant | PortalTokenRefusal;
}

/** Portal tokens signed with `key` (at least 32 bytes); `now` is the clock expiry is read from. */
export function createPortalTokens(key: Buffer, now: () => number): PortalTokens {
  if (key.length < PORTAL_KEY_MIN_BYTES)
    throw new Error(`the portal key must be at least ${PORTAL_KEY_MIN_BYTES} bytes`);
  const sign = (payload: string) => createHmac('sha256', key).update(PURPOSE).update(payload).digest();
  return {
    issue({ role, merchantId, ttlMs }) {
      const grant: PortalGrant = {
        role,
        merchantId: role === PortalRole.OPERATOR ? null : merchantId,
        tokenId: randomBytes(9).toString('base64url'),
        expiresAtMs: now() + ttlMs,
      };
      const payload = Buffer.from(
        JSON.stringify({ r: grant.role, m: grant.merchantId, t: grant.tokenId, e: grant.expiresAtMs }),
      ).toString('base64url');
      return { token: `${PORTAL_TOKEN_PREFIX}${payload}.${sign(payload).toString('base64url')}`, grant };
    },
    verify(token) {
      const match = /^pht_([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (match === null) return PortalTokenRefusal.MALFORMED;
      const [, payload = '', signature = ''] = match;
      const given = Buffer.from(signature, 'base64url');
      const expected = sign(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return PortalTokenRefusal.BAD_SIGNATURE;
      const grant = grantOf(payload);
      if (grant === undefined) return PortalTokenRefusal.MALFORMED;
      return grant.expiresAtMs <= now() ? PortalTokenRefusal.EXPIRED : grant;
    },
  };
}

/** The grant in a signed payload; undefined when its shape is not one this module writes. */
function grantOf(payload: string): PortalGrant | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { r, m, t, e } = (parsed ?? {}) as Record<string, unknown>;
  const roleOk = (r === PortalRole.MERCHANT && typeof m === 'string') || (r === PortalRole.OPERATOR && m === null);
  if (!roleOk || typeof t !== 'string' || !Number.isSafeInteger(e)) return undefined;
  return { role: r as PortalRole, merchantId: m as string | null, tokenId: t, expiresAtMs: e as number };
}

/**
 * A portal key from its setting: base64 (standard or url-safe) of at least 32 random bytes.
 * Messages never repeat the value.
 */
export function parsePortalKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) throw new Error('must be base64 of at least 32 random bytes');
  const key = Buffer.from(trimmed, 'base64');
  if (key.length < PORTAL_KEY_MIN_BYTES) {
    throw new Error(`must be base64 of at least ${PORTAL_KEY_MIN_BYTES} random bytes (it holds ${key.length})`);
  }
  return key;
}
