/** A consumer group to measure. */
export interface LagGroup {
  readonly groupId: string;
  /**
   * Topics to report even where the group has committed nothing yet (a new group of the
   * pipeline reads them from the beginning). Topics the group has committed offsets for are
   * reported in any case.
   */
  readonly topics?: readonly string[];
}

/** One partition's lag for one group. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Offset after the last stable record. */
  readonly endOffset: string;
  /** The group's committed offset (the next record it will read); null when it has none. */
  readonly committedOffset: string | null;
  /**
   * Records the group has still to read from its committed offset (or the log start, without
   * one) to the end: data records only, so a transaction's commit marker and an aborted
   * transaction's records do not count, and a group past its last data record is at 0. Counted
   * in a bounded window (`MeasureLagOptions.window`); beyond it, offsets count as records.
   */
  readonly lagOffsets: number;
  /** Timestamp of the oldest record the group has not consumed; null when caught up. */
  readonly oldestUnconsumedAtMs: number | null;
  /** How long that record has waited, in seconds; 0 when caught up. */
  readonly ageSeconds: number;
  /**
   * The lag in seconds: the age, except on a retry tier, where waiting is the tier's job and
   * only time past due counts: the longest any unconsumed record in the window has waited past
   * its due time (`payhook-due-at`, else its timestamp plus the tier's delay), so due records
   * held behind a head that is not yet due count; 0 when none is due.
   */
  readonly lagSeconds: number;
  /** The tier's delay when the topic is a retry tier, else null. */
  readonly tierDelayMs: number | null;
}

/** One group's lag. */
export interface GroupLag {
  readonly groupId: string;
  /** As the broker reports it: `Stable`, `Empty`, `PreparingRebalance`, `Dead` (unknown), … */
  readonly state: string;
  readonly members: number;
  /** Sorted by topic, then partition. */
  readonly partitions: PartitionLag[];
}
