import type { paths } from '@payhook/api/client';
import { Status, When } from '../ui.tsx';

/** An endpoint's health as the API computes it from its read model (last 24 h). */
export type EndpointHealth =
  paths['/v1/endpoints/{endpoint_id}']['get']['responses'][200]['content']['application/json']['health'];

/** Share of the last 24 h's requests answered 2xx, with the counts. */
export function SuccessShare(props: { health: EndpointHealth }) {
  const { requests, delivered, success_rate: rate } = props.health;
  if (rate === null) return <span class="muted">no requests in 24 h</span>;
  return (
    <span>
      {Math.round(100 * rate)} %{' '}
      <span class="muted">
        ({delivered} of {requests})
      </span>
    </span>
  );
}

/** The latest attempt (or wait without a request) and its HTTP status or error. */
export function LastAttempt(props: { health: EndpointHealth }) {
  const last = props.health.last_attempt;
  if (last === null) return <span class="muted">none in 24 h</span>;
  const detail = last.status_code === null ? (last.error_class ?? '') : `HTTP ${last.status_code}`;
  return (
    <span>
      <Status value={last.outcome} /> {detail} <When at={last.attempted_at} />
    </span>
  );
}

/** Whether the dispatcher is holding deliveries back: an open circuit breaker, or a Retry-After. */
export function HoldBadge(props: { health: EndpointHealth }) {
  const { circuit_open_until: circuit, retry_after_until: retryAfter } = props.health;
  if (circuit !== null) {
    return (
      <span class="hold">
        <span class="status status-bad">circuit open</span> <span class="muted">until</span> <When at={circuit} />
      </span>
    );
  }
  if (retryAfter !== null) {
    return (
      <span class="hold">
        <span class="status status-warn">waiting (Retry-After)</span> <span class="muted">until</span>{' '}
        <When at={retryAfter} />
      </span>
    );
  }
  return null;
}
