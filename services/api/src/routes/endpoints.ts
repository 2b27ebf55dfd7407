import type { Endpoint as EndpointRecord } from '@payhook/contracts';
import type { DevAllowList } from '@payhook/http-delivery';
import { buildEndpoint, type EndpointFieldNames } from '@payhook/inputs';
import { canSee, merchantFor, type Principal, principalOf } from '../auth.ts';
import { endpointHealth } from '../endpoint-health.ts';
import { EndpointWithHealth, EndpointWithHealthList } from '../figure-schemas.ts';
import type { IdempotencyStore } from '../idempotency.ts';
import { asField } from '../input-problems.ts';
import { invalidField, Problem, ProblemError } from '../problems.ts';
import type { ReadModelStore } from '../read-model/read-model-store.ts';
import {
  commonProblems,
  type Endpoint,
  EndpointCreate,
  EndpointCreated,
  EndpointParams,
  IdempotencyHeaders,
  ListQuery,
  problemResponse,
} from '../schemas.ts';
import type { ApiServer } from '../server.ts';
import type { ApiStore } from '../store.ts';
import { registerEndpointChangeRoutes } from './endpoint-changes.ts';

/** The body's names for the shared builder's fields, so its errors name what the client sent. */
const FIELDS: EndpointFieldNames = {
  merchant: 'merchant_id',
  url: 'url',
  events: 'event_types',
  rate: 'rate_limit_per_second',
  timeoutMs: 'timeout_ms',
  id: 'endpoint_id',
  description: 'description',
};
const DEFAULT_PAGE = 50;
const MAX_PAGE = 250;

/** What the endpoint routes need. */
export interface EndpointRouteDeps {
  readonly store: ApiStore;
  readonly idempotency: IdempotencyStore;
  readonly allowList: DevAllowList;
  readonly now: () => number;
  /** The read model (health): a 503 until it is open. */
  readonly readModel: () => ReadModelStore;
}

/**
 * `GET /v1/endpoints`, `GET /v1/endpoints/{endpoint_id}`, `POST /v1/endpoints`, and the changes
 * of an endpoint (`registerEndpointChangeRoutes`).
 */
export function registerEndpointRoutes(app: ApiServer, deps: EndpointRouteDeps): void {
  registerEndpointChangeRoutes(app, deps);
  app.get(
    '/v1/endpoints',
    {
      schema: {
        operationId: 'listEndpoints',
        tags: ['endpoints'],
        summary: 'List endpoints',
        description:
          "The key's merchant's endpoints (every merchant's for an operator key), by endpoint id, each with its health over the last 24 h; deleted ones are left out.",
        security: [{ bearer: [] }],
        querystring: ListQuery,
        response: {
          200: { ...EndpointWithHealthList, description: 'One page of endpoints' },
          422: problemResponse('A query parameter is not acceptable'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const limit = request.query.limit === undefined ? DEFAULT_PAGE : Number(request.query.limit);
      if (limit > MAX_PAGE) throw invalidField('querystring.limit', `must be from 1 to ${MAX_PAGE}`);
      const after = request.query.iterator;
      const visible = [...deps.store.endpoints.values()]
        .filter((e) => e.deleted_at === null && canSee(principal, e.merchant_id))
        .filter((e) => after === undefined || e.endpoint_id > after)
        .sort((a, b) => (a.endpoint_id < b.endpoint_id ? -1 : 1));
      const page = visible.slice(0, limit);
      const done = visible.length <= limit;
      const readModel = deps.readModel();
      const now = deps.now();
      return {
        data: await Promise.all(page.map((e) => endpointWithHealth(readModel, e, now))),
        iterator: done ? null : (page.at(-1)?.endpoint_id ?? null),
        done,
      };
    },
  );

  app.get(
    '/v1/endpoints/:endpoint_id',
    {
      schema: {
        operationId: 'getEndpoint',
        tags: ['endpoints'],
        summary: 'Get an endpoint',
        description:
          "With its health over the last 24 h; never its signing secret. Another merchant's endpoint, or a deleted one, is a 404.",
        security: [{ bearer: [] }],
        params: EndpointParams,
        response: {
          200: { ...EndpointWithHealth, description: 'The endpoint' },
          404: problemResponse('No such endpoint for this key'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const endpoint = visibleEndpoint(deps.store, principalOf(request), request.params.endpoint_id);
      return endpointWithHealth(deps.readModel(), endpoint, deps.now());
    },
  );

  app.post(
    '/v1/endpoints',
    {
      schema: {
        operationId: 'createEndpoint',
        tags: ['endpoints'],
        summary: 'Register an endpoint',
        description:
          'Validated as `payhook endpoints add` validates it (the URL with the delivery policy). The response holds the signing secret: it is never shown again.',
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        body: EndpointCreate,
        response: {
          201: { ...EndpointCreated, description: 'The endpoint, with its signing secret (shown only here)' },
          409: problemResponse(
            'The endpoint id is taken, or the endpoint this Idempotency-Key created has changed since (its first response is not repeated)',
          ),
          413: problemResponse('The body is larger than the limit'),
          415: problemResponse('The body is not application/json'),
          422: problemResponse('A field is not acceptable (named in `errors`), or the Idempotency-Key was reused'),
          ...commonProblems,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const key = request.headers['idempotency-key'];
      const create = async () => ({ body: await createEndpoint(deps, principal, body) });
      if (key === undefined) return reply.code(201).send((await create()).body);
      const outcome = await deps.idempotency.run(principal.keyId, key, { route: 'POST /v1/endpoints', body }, create);
      const first = outcome.response.body as EndpointCreated;
      if (outcome.replayed) {
        await refuseStaleReplay(deps.store, first);
        reply.header('idempotent-replayed', 'true');
      }
      return reply.code(201).send(first);
    },
  );
}

async function createEndpoint(
  deps: EndpointRouteDeps,
  principal: Principal,
  body: EndpointCreate,
): Promise<EndpointCreated> {
  const merchant = merchantFor(principal, body.merchant_id);
  const created = asField(() =>
    buildEndpoint(
      {
        merchant,
        url: body.url,
        events: body.event_types,
        rate: body.rate_limit_per_second === undefined ? undefined : String(body.rate_limit_per_second),
        timeoutMs: body.timeout_ms === undefined ? undefined : String(body.timeout_ms),
        id: body.endpoint_id,
        description: body.description,
      },
      deps.allowList,
      deps.now(),
      FIELDS,
    ),
  );
  // A random id cannot be taken; a chosen one may be (deleted ones too: ids are never reused).
  if (deps.store.endpoints.get(created.endpoint.endpoint_id) !== undefined) {
    throw new ProblemError(
      Problem.CONFLICT,
      `endpoint_id: endpoint ${JSON.stringify(created.endpoint.endpoint_id)} already exists`,
      { errors: [{ field: 'endpoint_id', detail: 'is taken' }] },
    );
  }
  await deps.store.writeEndpoint(created.endpoint);
  return { ...endpointView(created.endpoint), secret: created.secret };
}

/**
 * A create's first response holds the secret it made; once the endpoint has changed (its secret
 * rotated, say after a leak, or the endpoint deleted) that response is stale, and giving it again
 * would hand out a secret that no longer signs, or one taken out of use on purpose. The topic is
 * read to its end first: the create, or a change, may have been made on another replica moments ago.
 */
async function refuseStaleReplay(store: ApiStore, first: EndpointCreated): Promise<void> {
  if (!(await store.latestEndpoints(5_000))) {
    throw new ProblemError(Problem.UNAVAILABLE, 'the endpoint could not be read to check this repeat; try again');
  }
  const now = store.endpoints.get(first.endpoint_id);
  if (now !== undefined && now.deleted_at === null && now.updated_at === Date.parse(first.updated_at)) return;
  throw new ProblemError(
    Problem.CONFLICT,
    `the endpoint this Idempotency-Key created (${first.endpoint_id}) has changed since; its first response, with its secret, is not given again`,
  );
}

/**
 * The endpoint with this id, when the principal may see it and it is not deleted.
 * @throws ProblemError 404 otherwise: another merchant's endpoint is not found, never forbidden.
 */
export function visibleEndpoint(store: ApiStore, principal: Principal, endpointId: string): EndpointRecord {
  const endpoint = store.endpoints.get(endpointId);
  if (endpoint === undefined || endpoint.deleted_at !== null || !canSee(principal, endpoint.merchant_id)) {
    throw new ProblemError(Problem.NOT_FOUND, `endpoint ${JSON.stringify(endpointId)} does not exist`);
  }
  return endpoint;
}

/** An endpoint as the API shows it: never its secrets. */
export function endpointView(e: EndpointRecord): Endpoint {
  return {
    endpoint_id: e.endpoint_id,
    merchant_id: e.merchant_id,
    url: e.url,
    event_types: e.event_types,
    enabled: e.enabled,
    disabled_reason: e.disabled_reason,
    rate_limit_per_second: e.rate_limit_per_second,
    timeout_ms: e.timeout_ms,
    description: e.description,
    updated_at: new Date(e.updated_at).toISOString(),
  };
}

/** An endpoint as the API shows it, with its health over the last 24 h. */
async function endpointWithHealth(
  readModel: ReadModelStore,
  e: EndpointRecord,
  nowMs: number,
): Promise<EndpointWithHealth> {
  return { ...endpointView(e), health: await endpointHealth(readModel, e.endpoint_id, nowMs) };
}
