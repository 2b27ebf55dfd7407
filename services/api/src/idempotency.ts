import { createHash } from 'node:crypto';
import { Problem, ProblemError } from './problems.ts';

/** A create's response body as first given (always a 201), replayed for a repeat of the same request. */
export interface StoredResponse {
  readonly body: unknown;
}

/** What {@link IdempotencyStore.run} gives: the response, and whether it is a repeat's. */
export interface IdempotentOutcome {
  readonly response: StoredResponse;
  /** The response of an earlier request with the same key (sent as `Idempotent-Replayed: true`). */
  readonly replayed: boolean;
}

/** Options of {@link IdempotencyStore}. */
export interface IdempotencyStoreOptions {
  /** How long a key is remembered. */
  readonly ttlMs: number;
  /**
   * Keys remembered at most; the oldest are forgotten first.
   * @defaultValue 100_000
   */
  readonly maxEntries?: number;
  readonly now: () => number;
}

interface Entry {
  readonly fingerprint: string;
  readonly expiresAt: number;
  readonly result: Promise<StoredResponse>;
}

/**
 * `Idempotency-Key` records, in this process's memory for now: the same key with the same
 * request gives the first response (a concurrent repeat waits for it); the same key with
 * another request is refused. Scoped per API key. Lost on restart and not shared between
 * replicas (a later slice keeps them in the read model).
 */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #options: Required<IdempotencyStoreOptions>;

  constructor(options: IdempotencyStoreOptions) {
    this.#options = { maxEntries: 100_000, ...options };
  }

  /**
   * Runs `create` once per (scope, key); a repeat with the same fingerprint gets its result.
   * A failed `create` is forgotten, so the client may try again with the same key.
   * @throws ProblemError 422 when the key was used with another request.
   */
  async run(
    scope: string,
    key: string,
    request: unknown,
    create: () => Promise<StoredResponse>,
  ): Promise<IdempotentOutcome> {
    const now = this.#options.now();
    const id = `${scope}\u0000${key}`;
    const fingerprint = createHash('sha256').update(canonicalJson(request)).digest('hex');
    const existing = this.#entries.get(id);
    if (existing !== undefined && existing.expiresAt > now) {
      if (existing.fingerprint !== fingerprint) {
        throw new ProblemError(
          Problem.IDEMPOTENCY_MISMATCH,
          'idempotency-key: was used with another request; use a new key for a new request',
          { errors: [{ field: 'idempotency-key', detail: 'was used with another request' }] },
        );
      }
      return { response: await existing.result, replayed: true };
    }
    this.#evict(now);
    const result = create();
    this.#entries.set(id, { fingerprint, expiresAt: now + this.#options.ttlMs, result });
    result.catch(() => this.#entries.delete(id));
    return { response: await result, replayed: false };
  }

  #evict(now: number): void {
    for (const [id, entry] of this.#entries) {
      // Insertion order is expiry order: the first live entry ends the sweep.
      if (entry.expiresAt > now && this.#entries.size < this.#options.maxEntries) break;
      this.#entries.delete(id);
    }
  }
}

/** JSON with object keys sorted, so the same request in another key order has the same fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
