import type { TableReader } from '@payhook/kafka';

/** Reads of one table: what the topic says, plus this process's own writes it has not read back yet. */
export interface TableView<T> {
  get(key: string): T | undefined;
  values(): Iterable<T>;
}

/** A table reader with this process's own writes in front of it. */
export interface OwnWrites<T> {
  readonly view: TableView<T>;
  /**
   * Holds `value` under `key` from the call on, before the first await (so a concurrent request
   * sees it), runs `send`, and forgets the value again if `send` fails.
   */
  write(key: string, value: T, send: () => Promise<void>): Promise<void>;
}

/**
 * A written object is readable at once, before the table reads it back (moments later): kept
 * here, and shown instead of the table's older version, until the table reads a value of that key
 * at least as new (by `versionOf`; without it, any change). A record written before it and read
 * after it (a job's last progress record, say) does not take it back. The written record itself
 * is read back in the end, so an own value never outlives it.
 */
export function withOwnWrites<T>(
  reader: TableReader<T>,
  keyOf: (value: T) => string,
  versionOf?: (value: T) => number,
): OwnWrites<T> {
  const own = new Map<string, T>();
  reader.onChange((key, value) => {
    const mine = own.get(key);
    if (mine === undefined) return;
    if (value === undefined || versionOf === undefined || versionOf(value) >= versionOf(mine)) own.delete(key);
  });
  return {
    async write(key, value, send) {
      own.set(key, value);
      try {
        await send();
      } catch (error) {
        if (own.get(key) === value) own.delete(key);
        throw error;
      }
    },
    view: {
      get: (key) => own.get(key) ?? reader.get(key),
      *values() {
        for (const value of reader.values()) yield own.get(keyOf(value)) ?? value;
        for (const [key, value] of own) if (reader.get(key) === undefined) yield value;
      },
    },
  };
}
