import type { GroupLag, PartitionLag } from '@payhook/consumer-lag';
import { requireOperator } from '../auth.ts';
import { OperatorOverview } from '../figure-schemas.ts';
import type { PipelineLag } from '../pipeline-lag.ts';
import { Problem, ProblemError } from '../problems.ts';
import type { ReadModelStore } from '../read-model/read-model-store.ts';
import { commonProblems, problemResponse } from '../schemas.ts';
import type { ApiServer } from '../server.ts';

/** The latency chart's span. */
const LATENCY_WINDOW_MS = 3_600_000;

/** What the operator routes need. */
export interface OperatorRouteDeps {
  readonly readModel: () => ReadModelStore;
  readonly lag: PipelineLag;
  readonly now: () => number;
}

/** `GET /v1/operator/overview`: request latency percentiles and the pipeline's consumer lag. */
export function registerOperatorRoutes(app: ApiServer, deps: OperatorRouteDeps): void {
  app.get(
    '/v1/operator/overview',
    {
      schema: {
        operationId: 'getOperatorOverview',
        tags: ['operator'],
        summary: "The pipeline's latency and lag",
        description:
          "Operator keys and operator links only. Request durations per minute over the last hour from the read model, and the consumer lag of the confirmation filter's and the dispatcher's groups, read from the broker at each call.",
        security: [{ bearer: [] }],
        response: {
          200: { ...OperatorOverview, description: 'The figures' },
          403: problemResponse('A merchant key or link'),
          503: problemResponse('The broker did not answer, or the read model is not open yet'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      requireOperator(request);
      const now = deps.now();
      const [latency, lag] = await Promise.all([
        deps.readModel().attemptLatency(now - LATENCY_WINDOW_MS, now),
        deps.lag.measure().catch((error: unknown) => {
          // Only the kind: a broker's message can name hosts.
          request.log.warn({ err: error }, 'consumer lag could not be measured');
          const kind = (error as { code?: string; type?: string }).type ?? (error as Error).name ?? 'Error';
          throw new ProblemError(Problem.UNAVAILABLE, `consumer lag could not be measured (${kind})`);
        }),
      ]);
      return {
        measured_at: new Date(now).toISOString(),
        latency: latency.map((m) => ({
          minute: new Date(m.atMs).toISOString(),
          requests: m.requests,
          p50_ms: m.p50Ms,
          p95_ms: m.p95Ms,
          p99_ms: m.p99Ms,
        })),
        lag: deps.lag.groups.map((g) =>
          groupFigures(
            g.role,
            lag.find((l) => l.groupId === g.groupId),
            g.groupId,
          ),
        ),
      };
    },
  );
}

/** A group's records behind and longest wait, in all and per topic. */
function groupFigures(role: 'filter' | 'dispatcher', lag: GroupLag | undefined, groupId: string) {
  const partitions = lag?.partitions ?? [];
  const byTopic = Map.groupBy(partitions, (p) => p.topic);
  return {
    group_id: groupId,
    role,
    state: lag?.state ?? 'Dead',
    members: lag?.members ?? 0,
    ...sum(partitions),
    topics: [...byTopic].map(([topic, ps]) => ({ topic, ...sum(ps) })),
  };
}

const sum = (partitions: readonly PartitionLag[]) => ({
  lag_records: partitions.reduce((n, p) => n + p.lagOffsets, 0),
  lag_seconds: partitions.reduce((s, p) => Math.max(s, p.lagSeconds), 0),
});
