import { createHash } from 'node:crypto';
import type { Logger } from '@payhook/runtime';
import { openSecret, type SecretsKeyRing } from '@payhook/signing';
import { z } from 'zod';
import type { JsonTable } from './json-table.ts';
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

/** One `Idempotency-Key` as the `api.idempotency` topic keeps it. */
export const IdempotencyRecordSchema = z.object({
  version: z.literal(1),
  /** SHA-256 of the request (route and canonical body). */
  fingerprint: z.string(),
  /**
   * The response body as JSON text, sealed under `PAYHOOK_SECRETS_KEY` when one is configured
   * (an endpoint's create response holds its signing secret), the record key as associated data.
   */
  body: z.string(),
  created_at: z.number(),
  expires_at: z.number(),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecordSchema>;

/** Options of {@link IdempotencyStore}. */
export interface IdempotencyStoreOptions {
  /** How long a key is remembered. */
  readonly ttlMs: number;
  readonly now: () => number;
  /** The records, shared by every replica through the topic. */
  readonly table: JsonTable<IdempotencyRecord>;
  /** Seals stored bodies; without it they are stored as they are (as endpoints' secrets are then). */
  readonly secretsKey: SecretsKeyRing | undefined;
  readonly logger: Logger;
  /**
   * How long a key not found waits for the table to read what other replicas wrote.
   * @defaultValue 5_000
   */
  readonly catchUpMs?: number;
}

/**
 * `Idempotency-Key` records: the same key with the same request gives the first response; the
 * same key with another request is refused. Scoped per API key. Kept in the compacted
 * `api.idempotency` topic, which every replica reads into memory, so a repeat on another replica
 * or after a restart gets the first response. A key not found waits for the table to read all
 * that was written before it is taken as new; a repeat on this replica while the first is still
 * running waits for it. Two replicas given the same new key at the same moment may both run the
 * create (as two CLI runs may); the topic keeps the last record of a key, so later repeats get
 * whichever of the two was written last.
 */
export class IdempotencyStore {
  readonly #pending = new Map<string, { fingerprint: string; result: Promise<StoredResponse> }>();
  readonly #options: Required<IdempotencyStoreOptions>;

  constructor(options: IdempotencyStoreOptions) {
    this.#options = { catchUpMs: 5_000, ...options };
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
    const id = JSON.stringify([scope, key]);
    const fingerprint = createHash('sha256').update(canonicalJson(request)).digest('hex');
    const pending = this.#pending.get(id);
    if (pending !== undefined) {
      if (pending.fingerprint !== fingerprint) throw mismatch();
      return { response: await pending.result, replayed: true };
    }
    const stored = await this.#lookup(id);
    if (stored !== undefined) {
      if (stored.fingerprint !== fingerprint) throw mismatch();
      return { response: { body: this.#open(id, stored.body) }, replayed: true };
    }
    const again = this.#pending.get(id);
    if (again !== undefined) return this.run(scope, key, request, create);
    const result = this.#createAndStore(id, fingerprint, create);
    this.#pending.set(id, { fingerprint, result });
    try {
      return { response: await result, replayed: false };
    } finally {
      this.#pending.delete(id);
    }
  }

  async #createAndStore(
    id: string,
    fingerprint: string,
    create: () => Promise<StoredResponse>,
  ): Promise<StoredResponse> {
    const response = await create();
    const now = this.#options.now();
    const text = JSON.stringify(response.body);
    const ring = this.#options.secretsKey;
    const record: IdempotencyRecord = {
      version: 1,
      fingerprint,
      body: ring === undefined ? text : ring.seal(text, id),
      created_at: now,
      expires_at: now + this.#options.ttlMs,
    };
    try {
      await this.#options.table.write(id, record);
    } catch (error) {
      // The object exists: the client gets it. Only a repeat on another replica (or after a
      // restart) would not know the key.
      this.#options.logger.warn({ err: { type: (error as Error).name } }, 'idempotency record not written');
    }
    return response;
  }

  async #lookup(id: string): Promise<IdempotencyRecord | undefined> {
    const live = (r: IdempotencyRecord | undefined) =>
      r !== undefined && r.expires_at > this.#options.now() ? r : undefined;
    const found = live(this.#options.table.get(id));
    if (found !== undefined) return found;
    await this.#options.table.catchUp(this.#options.catchUpMs);
    return live(this.#options.table.get(id));
  }

  #open(id: string, body: string): unknown {
    return JSON.parse(openSecret(body, id, this.#options.secretsKey));
  }
}

function mismatch(): ProblemError {
  return new ProblemError(
    Problem.IDEMPOTENCY_MISMATCH,
    'idempotency-key: was used with another request; use a new key for a new request',
    { errors: [{ field: 'idempotency-key', detail: 'was used with another request' }] },
  );
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
