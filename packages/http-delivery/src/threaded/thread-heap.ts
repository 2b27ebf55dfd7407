import { setFlagsFromString } from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/** The heap of one sender thread: V8's young and old generations, in MiB. */
export interface ThreadHeapLimits {
  /**
   * The young generation: three semi-spaces (V8 copies the objects alive at a collection from
   * one to the next). Larger means fewer collections and fewer requests still in flight at one,
   * so fewer of them copied and promoted to the old generation.
   */
  readonly youngGenerationMb: number;
  /** The old generation's cap. */
  readonly oldGenerationMb: number;
}

/** The smallest young generation V8 runs with: three semi-spaces of 1 MiB. */
const MIN_YOUNG_GENERATION_MB = 3;
/** The process flags that, in Node, take precedence over any worker's resource limits. */
const PROCESS_HEAP_FLAGS = ['--max-semi-space-size', '--max-old-space-size', '--max-heap-size'] as const;

/** Throws a RangeError naming the field that is not a whole number of MiB in range. */
export function checkThreadHeapLimits(limits: ThreadHeapLimits): void {
  const { youngGenerationMb, oldGenerationMb } = limits;
  if (!Number.isInteger(youngGenerationMb) || youngGenerationMb < MIN_YOUNG_GENERATION_MB) {
    throw new RangeError(`heap.youngGenerationMb must be an integer ≥ ${MIN_YOUNG_GENERATION_MB}`);
  }
  if (!Number.isInteger(oldGenerationMb) || oldGenerationMb < 1) {
    throw new RangeError('heap.oldGenerationMb must be an integer ≥ 1');
  }
}

let processFlagsReleased = false;

/**
 * Lets worker threads started from now on have heaps of their own.
 *
 * V8's heap-size flags hold for every isolate of the process and, in Node, win over a worker's
 * `resourceLimits`. This resets them to V8's "not set" (0), once. The running isolate keeps the
 * sizes it was created with: V8 reads these flags only when it configures a new heap. The
 * process's own thread thus keeps the limits its command line gave it.
 */
export function releaseProcessHeapFlags(): void {
  if (processFlagsReleased) return;
  for (const flag of PROCESS_HEAP_FLAGS) setFlagsFromString(`${flag}=0`);
  processFlagsReleased = true;
}

/** The resource limits of a worker thread with this heap (after {@link releaseProcessHeapFlags}). */
export function resourceLimitsOf(limits: ThreadHeapLimits): ResourceLimits {
  return { maxYoungGenerationSizeMb: limits.youngGenerationMb, maxOldGenerationSizeMb: limits.oldGenerationMb };
}
