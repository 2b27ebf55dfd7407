import { type Endpoint as EndpointRecord, TEST_EVENT_TYPE } from '@payhook/contracts';
import type { DevAllowList } from '@payhook/http-delivery';
import {
  deleteEndpoint,
  type EndpointChanges,
  MAX_OVERLAP_MS,
  parseDescription,
  parseDuration,
  parseEventTypeList,
  parseInteger,
  parseRate,
  parseUrl,
  rotateEndpointSecret,
  TIMEOUT_MS_RANGE,
  updateEndpoint,
} from '@payhook/inputs';
import type { Static } from 'typebox';
import { type Principal, principalOf } from '../auth.ts';
import { EndpointPatch, SecretRotated, SecretRotationBody, TestSent } from '../endpoint-change-schemas.ts';
import { asField } from '../input-problems.ts';
import { Problem, ProblemError } from '../problems.ts';
import { commonProblems, Endpoint, EndpointParams, problemResponse } from '../schemas.ts';
import type { ApiServer } from '../server.ts';
import type { ApiStore } from '../store.ts';
import { testDelivery } from '../test-event.ts';
import { endpointView, visibleEndpoint } from './endpoints.ts';

/** What the endpoint change routes need. */
export interface EndpointChangeRouteDeps {
  readonly store: ApiStore;
  readonly allowList: DevAllowList;
  readonly now: () => number;
}

/** How long older secrets keep signing after a rotation unless `overlap` says otherwise (as the CLI's). */
const DEFAULT_OVERLAP = '24h';
const DISABLED_REASON = 'disabled through the API';

const bodyProblems = {
  413: problemResponse('The body is larger than the limit'),
  415: problemResponse('The body is not application/json'),
  422: problemResponse('A field is not acceptable (named in `errors`)'),
} as const;
const notFound = { 404: problemResponse('No such endpoint for this key') } as const;

/** How long a change waits for the endpoints table to read the topic to its end. */
const LATEST_MS = 5_000;

/**
 * The endpoint as the topic holds it now. Another replica may have changed it moments ago, and
 * a change writes the whole endpoint: from an older version it would bring a deleted endpoint
 * back or drop a secret just rotated in. So the table reads the topic to its end first.
 */
async function latestVisibleEndpoint(
  deps: EndpointChangeRouteDeps,
  principal: Principal,
  endpointId: string,
): Promise<EndpointRecord> {
  if (!(await deps.store.latestEndpoints(LATEST_MS))) {
    throw new ProblemError(Problem.UNAVAILABLE, 'the latest version of the endpoint could not be read; try again');
  }
  return visibleEndpoint(deps.store, principal, endpointId);
}

/**
 * `PATCH` and `DELETE /v1/endpoints/{endpoint_id}`, `POST …/rotate-secret` and `POST …/test`.
 * Each writes what the CLI's `payhook endpoints update|delete|rotate-secret` write (the same
 * functions of `@payhook/inputs`), through the store that seals secrets.
 */
export function registerEndpointChangeRoutes(app: ApiServer, deps: EndpointChangeRouteDeps): void {
  app.patch(
    '/v1/endpoints/:endpoint_id',
    {
      schema: {
        operationId: 'updateEndpoint',
        tags: ['endpoints'],
        summary: 'Change an endpoint',
        description:
          'What `payhook endpoints update` does (`description` too): a new URL is checked as at creation, and the next delivery (a retry too) goes to it. The id, and so the webhook-ids, and the secrets stay. Nothing is written when no value changes.',
        security: [{ bearer: [] }],
        params: EndpointParams,
        body: EndpointPatch,
        response: {
          200: { ...Endpoint, description: 'The endpoint as changed' },
          ...notFound,
          ...bodyProblems,
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const current = await latestVisibleEndpoint(deps, principalOf(request), request.params.endpoint_id);
      const update = updateEndpoint(current, parsePatch(request.body, deps.allowList), deps.now(), DISABLED_REASON);
      if (update.changed.length > 0) await deps.store.writeEndpoint(update.endpoint);
      return endpointView(update.endpoint);
    },
  );

  app.delete(
    '/v1/endpoints/:endpoint_id',
    {
      schema: {
        operationId: 'deleteEndpoint',
        tags: ['endpoints'],
        summary: 'Delete an endpoint',
        description:
          'What `payhook endpoints delete` does: the endpoint is disabled for good, its secrets are removed and it leaves the listings (a 404 from now on); the dispatcher parks its records still in flight in the DLQ as endpoint_disabled. Its id is never reused.',
        security: [{ bearer: [] }],
        params: EndpointParams,
        response: { 204: { description: 'Deleted', type: 'null' }, ...notFound, ...commonProblems },
      },
    },
    async (request, reply) => {
      const current = await latestVisibleEndpoint(deps, principalOf(request), request.params.endpoint_id);
      const deleted = deleteEndpoint(current, deps.now());
      if (deleted !== undefined) await deps.store.writeEndpoint(deleted);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/endpoints/:endpoint_id/rotate-secret',
    {
      schema: {
        operationId: 'rotateEndpointSecret',
        tags: ['endpoints'],
        summary: 'Give an endpoint a new signing secret, with an overlap',
        description:
          'What `payhook endpoints rotate-secret` does: a new secret signs from now on, and the older ones keep signing for the overlap (every delivery then carries one signature per secret), so a receiver can switch without losing a webhook. The new secret is in this response only.',
        security: [{ bearer: [] }],
        params: EndpointParams,
        body: SecretRotationBody,
        response: {
          200: { ...SecretRotated, description: 'The new secret (shown only here)' },
          ...notFound,
          ...bodyProblems,
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const current = await latestVisibleEndpoint(deps, principalOf(request), request.params.endpoint_id);
      const overlapMs = asField(() =>
        parseDuration('overlap', request.body.overlap ?? DEFAULT_OVERLAP, { minMs: 0, maxMs: MAX_OVERLAP_MS }),
      );
      const rotation = rotateEndpointSecret(current, overlapMs, deps.now());
      await deps.store.writeEndpoint(rotation.endpoint);
      return {
        endpoint_id: current.endpoint_id,
        secret: rotation.secret,
        previous_secrets_expire_at: new Date(rotation.previousExpireAt).toISOString(),
      };
    },
  );

  app.post(
    '/v1/endpoints/:endpoint_id/test',
    {
      schema: {
        operationId: 'testEndpoint',
        tags: ['endpoints'],
        summary: 'Send a signed webhook.test event to an endpoint',
        description:
          'Writes a delivery of a new webhook.test event to webhooks.dispatch: the dispatcher signs and sends it like a payment event (retry tiers, DLQ and attempts included), whatever the endpoint subscribes to. Follow it with GET /v1/deliveries/{delivery_id}.',
        security: [{ bearer: [] }],
        params: EndpointParams,
        response: { 202: { ...TestSent, description: 'The test delivery, written' }, ...notFound, ...commonProblems },
      },
    },
    async (request, reply) => {
      const endpoint = visibleEndpoint(deps.store, principalOf(request), request.params.endpoint_id);
      const delivery = testDelivery(endpoint, deps.now());
      await deps.store.writeDelivery(delivery);
      return reply.code(202).send({
        delivery_id: delivery.delivery_id,
        event_id: delivery.event_id,
        event_type: TEST_EVENT_TYPE,
        endpoint_id: endpoint.endpoint_id,
      });
    },
  );
}

/** The patch's values, each checked by the parser creation uses for it (errors name the body field). */
function parsePatch(body: Static<typeof EndpointPatch>, allowList: DevAllowList): EndpointChanges {
  return asField(() => ({
    ...(body.url === undefined ? {} : { url: parseUrl('url', body.url, allowList) }),
    ...(body.event_types === undefined ? {} : { event_types: parseEventTypeList('event_types', body.event_types) }),
    ...(body.rate_limit_per_second === undefined
      ? {}
      : {
          rate_limit_per_second:
            body.rate_limit_per_second === null
              ? null
              : parseRate('rate_limit_per_second', String(body.rate_limit_per_second)),
        }),
    ...(body.timeout_ms === undefined
      ? {}
      : {
          timeout_ms:
            body.timeout_ms === null ? null : parseInteger('timeout_ms', String(body.timeout_ms), TIMEOUT_MS_RANGE),
        }),
    ...(body.description === undefined ? {} : { description: parseDescription('description', body.description) }),
    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
  }));
}
