/** Counts a long-running scan reports. */
export interface ScanCounts {
  scanned: number;
  matched: number;
  sent: number;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Whether to report at all (stderr is a terminal, or `--progress`). */
  readonly enabled: boolean;
  /**
   * On a terminal the line is rewritten in place; elsewhere each report is a line of its own.
   * @defaultValue false
   */
  readonly inPlace?: boolean;
  /** Writes raw text (no newline added) where progress goes: stderr. */
  readonly write: (text: string) => void;
  /** @defaultValue `Date.now` */
  readonly now?: () => number;
  /**
   * Shortest time between two reports.
   * @defaultValue 250 in place, 1000 otherwise
   */
  readonly intervalMs?: number;
  /** @defaultValue `'sent'` (a dry run says `'would send'`) */
  readonly sentLabel?: string;
}

/** A progress line on stderr, throttled to a few updates a second. */
export interface Progress {
  /** Reports the counts, unless the last report was too recent. */
  update(counts: ScanCounts): void;
  /** Reports the final counts (always) and ends the line. */
  done(counts: ScanCounts): void;
}

/** A progress reporter; a no-op when not enabled. */
export function createProgress(options: ProgressOptions): Progress {
  const inPlace = options.inPlace ?? false;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? (inPlace ? 250 : 1_000);
  const label = options.sentLabel ?? 'sent';
  let last = Number.NEGATIVE_INFINITY;
  const text = (c: ScanCounts) => `scanned ${c.scanned}  matched ${c.matched}  ${label} ${c.sent}`;
  const emit = (c: ScanCounts, final: boolean) => {
    if (inPlace) options.write(`\r\u001b[2K${text(c)}${final ? '\n' : ''}`);
    else options.write(`${text(c)}\n`);
  };
  return {
    update(counts) {
      if (!options.enabled || now() - last < intervalMs) return;
      last = now();
      emit(counts, false);
    },
    done(counts) {
      if (options.enabled) emit(counts, true);
    },
  };
}
