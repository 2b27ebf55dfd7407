import { canSee, principalOf } from '../auth.ts';
import { checkWindow, decodeCursor, encodeCursor, pageLimit, timeParam } from '../cursor.ts';
import { Problem, ProblemError } from '../problems.ts';
import type { AttemptEntry, DeliverySummary, ReadModelStore } from '../read-model/read-model-store.ts';
import type { Resender } from '../resender.ts';
import {
  commonProblems,
  type Delivery,
  DeliveryDetail,
  DeliveryList,
  DeliveryListQuery,
  DeliveryParams,
  problemResponse,
  ResendResult,
} from '../schemas.ts';
import type { ApiServer } from '../server.ts';

/** What the delivery routes need. */
export interface DeliveryRouteDeps {
  readonly readModel: () => ReadModelStore;
  readonly resender: Resender;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `GET /v1/deliveries`, `GET /v1/deliveries/{delivery_id}`, `POST /v1/deliveries/{delivery_id}/resend`. */
export function registerDeliveryRoutes(app: ApiServer, deps: DeliveryRouteDeps): void {
  app.get(
    '/v1/deliveries',
    {
      schema: {
        operationId: 'listDeliveries',
        tags: ['deliveries'],
        summary: 'List deliveries',
        description:
          "Deliveries of the key's merchant (every merchant's for an operator key), newest first, from the read model the API builds from webhooks.dispatch, the retry tiers, webhooks.attempts and webhooks.dlq.",
        security: [{ bearer: [] }],
        querystring: DeliveryListQuery,
        response: {
          200: { ...DeliveryList, description: 'One page of deliveries' },
          422: problemResponse('A query parameter is not acceptable (named in `errors`)'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      const limit = pageLimit(query.limit);
      const after = decodeCursor(query.cursor);
      const sinceMs = timeParam(query.since);
      const untilMs = timeParam(query.until);
      checkWindow(sinceMs, untilMs, 'until');
      // One more than the page: whether another page follows.
      const rows = await deps.readModel().deliveries({
        merchantId: principal.merchantId,
        endpointId: query.endpoint_id,
        paymentId: query.payment_id,
        status: query.status,
        sinceMs,
        untilMs,
        after: after === undefined ? undefined : { createdAtMs: after.atMs, deliveryId: after.id },
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const done = rows.length <= limit || last === undefined;
      return {
        data: page.map(deliveryView),
        next_cursor: done ? null : encodeCursor({ atMs: last.createdAtMs, id: last.deliveryId }),
        done,
      };
    },
  );

  app.get(
    '/v1/deliveries/:delivery_id',
    {
      schema: {
        operationId: 'getDelivery',
        tags: ['deliveries'],
        summary: 'Get a delivery with its attempts',
        description:
          "Every attempt (time, tier, status, duration, error class, held and parked decisions with their reason, replayed or not) and when the next one is due. Another merchant's delivery is a 404.",
        security: [{ bearer: [] }],
        params: DeliveryParams,
        response: {
          200: { ...DeliveryDetail, description: 'The delivery' },
          404: problemResponse('No such delivery for this key'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const detail = await visibleDelivery(deps, request.params.delivery_id, principalOf(request));
      return { ...deliveryView(detail), body: detail.body, attempts: detail.attempts.map(attemptView) };
    },
  );

  app.post(
    '/v1/deliveries/:delivery_id/resend',
    {
      schema: {
        operationId: 'resendDelivery',
        tags: ['deliveries'],
        summary: 'Send a delivery again',
        description:
          'What `payhook resend --delivery` does: its latest record (from the DLQ first) is re-published to webhooks.dispatch with the same key and body, so the endpoint receives the same webhook-id; retry state is dropped and the replay headers are set. Takes no body.',
        security: [{ bearer: [] }],
        params: DeliveryParams,
        response: {
          202: { ...ResendResult, description: 'Re-published: the dispatcher sends it within moments' },
          404: problemResponse('No such delivery for this key, or its records are no longer kept'),
          ...commonProblems,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = request.params.delivery_id;
      await visibleDelivery(deps, id, principal);
      const outcome = await deps.resender.resend(id, `resent through the API (key ${principal.keyId})`);
      if (outcome.sent === 0) {
        throw new ProblemError(
          Problem.NOT_FOUND,
          `delivery ${JSON.stringify(id)} has no record left in the DLQ, dispatch or the retry tiers`,
        );
      }
      return reply.code(202).send({ resend_id: outcome.resendId, delivery_id: id, sent: outcome.sent });
    },
  );
}

async function visibleDelivery(
  deps: DeliveryRouteDeps,
  deliveryId: string,
  principal: ReturnType<typeof principalOf>,
): Promise<NonNullable<Awaited<ReturnType<ReadModelStore['delivery']>>>> {
  const detail = await deps.readModel().delivery(deliveryId);
  if (detail === undefined || !canSee(principal, detail.merchantId)) {
    throw new ProblemError(Problem.NOT_FOUND, `delivery ${JSON.stringify(deliveryId)} does not exist`);
  }
  return detail;
}

/** A delivery as the API shows it. */
export function deliveryView(d: DeliverySummary): Delivery {
  return {
    delivery_id: d.deliveryId,
    endpoint_id: d.endpointId,
    merchant_id: d.merchantId,
    payment_id: d.paymentId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    failure_reason: d.failureReason,
    attempt_count: d.attemptCount,
    last_attempt_at: iso(d.lastAttemptAtMs),
    next_attempt_at: iso(d.nextAttemptAtMs),
    replayed_at: iso(d.replayedAtMs),
    created_at: new Date(d.createdAtMs).toISOString(),
  };
}

function attemptView(a: AttemptEntry): DeliveryDetail['attempts'][number] {
  const decision = a.outcome === 'HELD' || a.outcome === 'PARKED';
  return {
    attempt: a.attempt,
    attempted_at: new Date(a.attemptedAtMs).toISOString(),
    tier: a.tier,
    outcome: a.outcome.toLowerCase() as DeliveryDetail['attempts'][number]['outcome'],
    status_code: a.statusCode,
    duration_ms: a.durationMs,
    error_class: a.errorClass,
    error_message: a.errorMessage,
    // A decision taken without a request keeps its reason in the error class.
    reason: decision ? a.errorClass : null,
    replayed: a.replayedAtMs !== null,
    replayed_at: iso(a.replayedAtMs),
    next_attempt_at: iso(a.nextAttemptAtMs),
    response_excerpt: a.responseExcerpt,
  };
}
