import { type Clock, systemClock } from '@payhook/runtime';
import { requireInteger } from './errors.ts';
import { LruMap } from './lru-map.ts';
import { burstOf, type RateLimit, TokenBucket } from './token-bucket.ts';

/** Options of {@link TokenBucketRegistry}. */
export interface TokenBucketRegistryOptions {
  /**
   * The limit of an endpoint that sets none (its `rate_limit_per_second` is null).
   * @defaultValue `{ ratePerSecond: 10 }` (burst 10)
   */
  readonly defaultLimit?: RateLimit;
  /**
   * The most buckets kept. When full, the least recently used bucket is dropped; its
   * endpoint starts again with a full bucket, one extra burst at worst.
   * @defaultValue 10_000
   */
  readonly maxBuckets?: number;
  /** @defaultValue `systemClock` */
  readonly clock?: Clock;
}

/** Defaults of {@link TokenBucketRegistryOptions}. */
export const tokenBucketRegistryDefaults = {
  defaultLimit: { ratePerSecond: 10 },
  maxBuckets: 10_000,
  clock: systemClock,
} satisfies Partial<TokenBucketRegistryOptions>;

/** Sweeps on use are at least this far apart. */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * Token buckets keyed by endpoint id, created full on first use. The caller passes the
 * endpoint's current limit with every request, so a changed endpoint record takes effect
 * at its next request with no separate notification. Memory stays bounded: a bucket that
 * has refilled completely is dropped, since a new one would be identical.
 */
export class TokenBucketRegistry {
  readonly #buckets = new LruMap<TokenBucket>();
  readonly #defaultLimit: RateLimit;
  readonly #maxBuckets: number;
  readonly #clock: Clock;
  #lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(options: TokenBucketRegistryOptions = {}) {
    const { defaultLimit, maxBuckets, clock } = { ...tokenBucketRegistryDefaults, ...options };
    requireInteger('maxBuckets', maxBuckets, 1);
    // Validates the default limit now rather than at the first endpoint that uses it.
    void new TokenBucket(defaultLimit, 0);
    this.#defaultLimit = defaultLimit;
    this.#maxBuckets = maxBuckets;
    this.#clock = clock;
  }

  /** The number of buckets held. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes a token from the bucket of `key`: 0 when the request may go, otherwise the
   * milliseconds to wait. `limit` is the endpoint's own; `null` or absent means the default.
   */
  tryTake(key: string, limit?: RateLimit | null): number {
    const now = this.#clock.now();
    const wanted = limit ?? this.#defaultLimit;
    if (now - this.#lastSweepMs >= SWEEP_INTERVAL_MS) this.sweep();
    let bucket = this.#buckets.use(key, now);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxBuckets) this.#buckets.evictOne(() => true);
      bucket = new TokenBucket(wanted, now);
      this.#buckets.add(key, bucket, now);
    } else if (bucket.limit.ratePerSecond !== wanted.ratePerSecond || bucket.limit.burst !== burstOf(wanted)) {
      bucket.setLimit(wanted, now);
    }
    return bucket.tryTake(now);
  }

  /** The bucket of `key` if one is held, without creating or touching it. */
  peek(key: string): TokenBucket | undefined {
    return this.#buckets.peek(key);
  }

  /** Forgets the bucket of `key`, e.g. when the endpoint is deleted. */
  delete(key: string): boolean {
    return this.#buckets.delete(key);
  }

  /**
   * Drops full buckets, from the least recently used up to the first that is not full;
   * returns how many. Runs by itself on {@link tryTake}, at most once a second.
   */
  sweep(): number {
    const now = this.#clock.now();
    this.#lastSweepMs = now;
    return this.#buckets.sweep((bucket) => (bucket.tokensAt(now) >= bucket.limit.burst ? 'evict' : 'stop'));
  }
}
