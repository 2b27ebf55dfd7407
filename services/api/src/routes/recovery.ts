import { canSee, principalOf } from '../auth.ts';
import { invalidField, Problem, ProblemError } from '../problems.ts';
import type { RecoverJob, RecoveryJobs } from '../recovery.ts';
import { commonProblems, EndpointParams, Job, JobParams, problemResponse, RecoverBody } from '../schemas.ts';
import type { ApiServer } from '../server.ts';
import type { ApiStore } from '../store.ts';
import { visibleEndpoint } from './endpoints.ts';

/** What the recovery routes need. */
export interface RecoveryRouteDeps {
  readonly store: ApiStore;
  readonly jobs: RecoveryJobs;
  readonly now: () => number;
}

/** `POST /v1/endpoints/{endpoint_id}/recover`, `GET /v1/jobs/{job_id}`. */
export function registerRecoveryRoutes(app: ApiServer, deps: RecoveryRouteDeps): void {
  app.post(
    '/v1/endpoints/:endpoint_id/recover',
    {
      schema: {
        operationId: 'recoverEndpoint',
        tags: ['endpoints'],
        summary: "Replay an endpoint's dead-lettered deliveries",
        description:
          'What `payhook replay --from dlq --endpoint <id> --since … --until …` does, as a background job: every delivery of the endpoint dead-lettered in the window is re-published to webhooks.dispatch with its webhook-id. Follow it with GET /v1/jobs/{job_id} on any API replica (jobs are kept in the api.jobs topic).',
        security: [{ bearer: [] }],
        params: EndpointParams,
        body: RecoverBody,
        response: {
          202: { ...Job, description: 'The job, started' },
          404: problemResponse('No such endpoint for this key'),
          413: problemResponse('The body is larger than the limit'),
          415: problemResponse('The body is not application/json'),
          422: problemResponse('A field is not acceptable (named in `errors`)'),
          ...commonProblems,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const endpoint = visibleEndpoint(deps.store, principal, request.params.endpoint_id);
      const now = deps.now();
      const sinceMs = Date.parse(request.body.since);
      const untilMs = request.body.until === undefined ? undefined : Date.parse(request.body.until);
      if (sinceMs > now) throw invalidField('since', 'is in the future');
      if (untilMs !== undefined && untilMs <= sinceMs) throw invalidField('until', 'must be later than since');
      const job = await deps.jobs.start({
        merchantId: endpoint.merchant_id,
        endpointId: endpoint.endpoint_id,
        sinceMs,
        untilMs,
        dryRun: request.body.dry_run ?? false,
        reason: `recovered through the API (key ${principal.keyId})`,
      });
      return reply.code(202).send(jobView(job));
    },
  );

  app.get(
    '/v1/jobs/:job_id',
    {
      schema: {
        operationId: 'getJob',
        tags: ['endpoints'],
        summary: 'Get a job with its progress and counts',
        description:
          "Every replica shows every job (they are kept in the api.jobs topic), its progress written about every second while it runs; a running job whose process stopped is shown failed with error ABANDONED. Another merchant's job is a 404.",
        security: [{ bearer: [] }],
        params: JobParams,
        response: {
          200: { ...Job, description: 'The job' },
          404: problemResponse('No such job for this key'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const job = await deps.jobs.get(request.params.job_id);
      if (job === undefined || !canSee(principalOf(request), job.merchantId)) {
        throw new ProblemError(Problem.NOT_FOUND, `job ${JSON.stringify(request.params.job_id)} does not exist`);
      }
      return jobView(job);
    },
  );
}

function jobView(job: RecoverJob): Job {
  const progress =
    job.status === 'succeeded'
      ? 1
      : job.toScan === null
        ? null
        : job.toScan === 0
          ? 1
          : Math.min(1, job.counts.scanned / job.toScan);
  return {
    job_id: job.id,
    kind: 'recover',
    endpoint_id: job.endpointId,
    status: job.status,
    dry_run: job.dryRun,
    since: new Date(job.sinceMs).toISOString(),
    until: job.untilMs === null ? null : new Date(job.untilMs).toISOString(),
    progress,
    scanned: job.counts.scanned,
    matched: job.counts.matched,
    sent: job.counts.sent,
    undecodable: job.skipped.undecodable,
    error: job.error,
    created_at: new Date(job.createdAtMs).toISOString(),
    finished_at: job.finishedAtMs === null ? null : new Date(job.finishedAtMs).toISOString(),
  };
}
