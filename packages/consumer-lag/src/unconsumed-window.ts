/** How much of a partition one measurement reads from one group's position. */
export interface ScanWindow {
  /** Data records (transaction markers and aborted records are not handed out, so not counted). */
  readonly records: number;
  /** Bytes of keys and values. */
  readonly bytes: number;
}

/**
 * The default {@link ScanWindow}: 500 data records or 1 MiB, whichever is reached first,
 * about one fetch (kafkajs fetches up to 1 MiB per partition). Inside it the lag in records is
 * exact and every due record of a retry tier is seen; a group further behind is counted in
 * offsets beyond it, and a tier's due records further behind are not looked at (see
 * {@link UnconsumedWindow}).
 */
export const UNCONSUMED_WINDOW = { records: 500, bytes: 1_048_576 } as const satisfies ScanWindow;

/** One data record as the window needs it. */
export interface WindowRecord {
  readonly offset: bigint;
  readonly timestampMs: number;
  /** Its `payhook-due-at` header, when it carries a number. */
  readonly dueAtMs: number | undefined;
  /** Size of its key and value. */
  readonly bytes: number;
}

/**
 * The records one group has still to read on one partition, as far as a {@link ScanWindow}
 * reaches from its position. Fed the partition's data records in offset order (read_committed,
 * so never a transaction marker or an aborted record) up to the partition's end or until it is
 * {@link full}; a window that is not full has therefore seen every record there is to read.
 */
export class UnconsumedWindow {
  /** The first offset the group has still to read. */
  readonly from: bigint;
  readonly #limits: ScanWindow;
  readonly #tierDelayMs: number | null;
  #head: WindowRecord | undefined;
  #records = 0;
  #bytes = 0;
  /** Offset after the last record taken in. */
  #next: bigint;
  #earliestDueAtMs = Number.POSITIVE_INFINITY;

  /** `tierDelayMs` is the retry tier's delay when the partition belongs to one, else null. */
  constructor(from: bigint, tierDelayMs: number | null, limits: ScanWindow = UNCONSUMED_WINDOW) {
    this.from = from;
    this.#next = from;
    this.#tierDelayMs = tierDelayMs;
    this.#limits = limits;
  }

  /** True once the window holds its limit of records or bytes: records after it are ignored. */
  get full(): boolean {
    return this.#records >= this.#limits.records || this.#bytes >= this.#limits.bytes;
  }

  /** The oldest record the group has not consumed; undefined when there is none before the end. */
  get head(): WindowRecord | undefined {
    return this.#head;
  }

  /** Takes in the partition's next data record; one before {@link from}, or any once full, is ignored. */
  add(record: WindowRecord): void {
    if (this.full || record.offset < this.#next) return;
    this.#head ??= record;
    this.#records += 1;
    this.#bytes += record.bytes;
    this.#next = record.offset + 1n;
    if (this.#tierDelayMs !== null) {
      const dueAtMs = record.dueAtMs ?? record.timestampMs + this.#tierDelayMs;
      if (dueAtMs < this.#earliestDueAtMs) this.#earliestDueAtMs = dueAtMs;
    }
  }

  /**
   * Records still to read, given the partition's end (the offset after its last stable record).
   *
   * Data records are counted, not offsets: on a transactionally written topic every transaction
   * ends in a commit marker, and an aborted transaction leaves records read_committed skips,
   * and neither is work for the group. Counting them kept a caught-up group one record behind
   * for ever (the marker after its last record), so a threshold never saw 0. Counting needs
   * the records read, and reading stops at the window: beyond a full window the offsets up to
   * the end are counted as they are. The figure is then high by the markers and aborted
   * records beyond the window, a handful against hundreds of records that really wait.
   */
  lagOffsets(end: bigint): number {
    if (!this.full) return this.#records;
    return this.#records + Number(end > this.#next ? end - this.#next : 0n);
  }

  /** How long the oldest unconsumed record has waited; 0 when there is none. */
  ageMs(nowMs: number): number {
    return this.#head === undefined ? 0 : Math.max(0, nowMs - this.#head.timestampMs);
  }

  /**
   * The lag in time. Off a retry tier, the age. On a tier, waiting until due is the tier's job,
   * so only time past due counts: the largest (now − due time) over the window's records that
   * are due (`payhook-due-at`, else the timestamp plus the tier's delay), 0 when none is. Not
   * just the head's: the dispatcher holds a partition until its head is due, and a head due
   * later than the records behind it (a `Retry-After`, jitter) would otherwise hide due records
   * waiting behind it. A record is due no later than its write time plus the tier's delay
   * times (1 + jitter), so the earliest due ones are among the first written, which the
   * window holds unless the tier took more than a window's records within that time.
   */
  lagMs(nowMs: number): number {
    if (this.#tierDelayMs === null) return this.ageMs(nowMs);
    return this.#records === 0 ? 0 : Math.max(0, nowMs - this.#earliestDueAtMs);
  }
}
