import { DeliveryHeader } from '@payhook/contracts';
import type { IHeaders } from 'kafkajs';

/**
 * Names the replay that wrote a record to `webhooks.dispatch`. A replay that reads dispatch
 * itself skips records carrying its own id, so running it again never re-sends its own
 * output. The dispatcher drops it on the next hop (it keeps only its own `payhook-*` headers).
 */
export const REPLAY_ID_HEADER = 'payhook-replay-id';

/**
 * Retry state a replayed record must not carry: the dispatcher would read it as attempts
 * already made and tiers already visited, and a DLQ reason has no place in dispatch. The
 * replay headers of an earlier replay are replaced.
 */
const DROPPED: ReadonlySet<string> = new Set([
  DeliveryHeader.ATTEMPTS,
  DeliveryHeader.DUE_AT,
  DeliveryHeader.TIER,
  DeliveryHeader.HOPS,
  DeliveryHeader.DLQ_REASON,
  DeliveryHeader.REPLAYED_AT,
  DeliveryHeader.REPLAY_REASON,
  REPLAY_ID_HEADER,
]);

/** Who replays, when and why. */
export interface ReplayMark {
  readonly id: string;
  readonly atMs: number;
  readonly reason: string;
}

/**
 * Headers of a re-published delivery: the source record's headers without its retry state
 * (provenance `payhook-original-*` and the last failure's facts stay), plus when, why and by
 * which replay it was re-published.
 */
export function replayHeaders(source: IHeaders | undefined, mark: ReplayMark): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(source ?? {})) {
    if (value !== undefined && !DROPPED.has(name)) headers[name] = value;
  }
  headers[DeliveryHeader.REPLAYED_AT] = String(mark.atMs);
  headers[DeliveryHeader.REPLAY_REASON] = mark.reason;
  headers[REPLAY_ID_HEADER] = mark.id;
  return headers;
}
