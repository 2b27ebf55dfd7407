import type { EndpointHealth } from './figure-schemas.ts';

type AttemptOutcomeName = NonNullable<EndpointHealth['last_attempt']>['outcome'];

import type { ReadModelStore } from './read-model/read-model-store.ts';

/** The window of an endpoint's health. */
export const HEALTH_WINDOW_MS = 24 * 3_600_000;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An endpoint's health over the last 24 h from the read model. The breaker lives in the
 * dispatcher's memory; what the API can see of it is the attempts log: while it is open, the
 * dispatcher logs each delivery it meets as HELD with the reason `circuit_open` and its next
 * try, so an endpoint whose latest entry is such a hold with its next try ahead is open.
 */
export async function endpointHealth(
  readModel: ReadModelStore,
  endpointId: string,
  nowMs: number,
): Promise<EndpointHealth> {
  const sinceMs = nowMs - HEALTH_WINDOW_MS;
  const { requests, delivered, last } = await readModel.endpointHealth(endpointId, sinceMs);
  const heldUntil = (reason: string) =>
    last?.outcome === 'HELD' &&
    last.errorClass === reason &&
    last.nextAttemptAtMs !== null &&
    last.nextAttemptAtMs > nowMs
      ? iso(last.nextAttemptAtMs)
      : null;
  const circuitUntil = heldUntil('circuit_open');
  return {
    since: iso(sinceMs),
    requests,
    delivered,
    success_rate: requests === 0 ? null : delivered / requests,
    last_attempt:
      last === null
        ? null
        : {
            attempted_at: iso(last.attemptedAtMs),
            outcome: last.outcome.toLowerCase() as AttemptOutcomeName,
            status_code: last.statusCode,
            error_class: last.errorClass,
          },
    circuit_open: circuitUntil !== null,
    circuit_open_until: circuitUntil,
    retry_after_until: heldUntil('retry_after'),
  };
}
