import { randomBytes } from 'node:crypto';
import type { ContractCodec, PipelineTopics } from '@payhook/contracts';
import type { ScanRange } from '@payhook/kafka';
import {
  createProgress,
  createPublisher,
  deliveryCandidates,
  offsetRanges,
  requireTopics,
  runReplay,
  type ScanCounts,
  type SkipCounts,
} from '@payhook/replay';
import type { Logger } from '@payhook/runtime';
import type { Admin, Kafka, Producer } from 'kafkajs';

/** Where a job stands. */
export const JobStatus = { RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed' } as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** A recovery of one endpoint's dead-lettered deliveries, as it runs. */
export interface RecoverJob {
  readonly id: string;
  readonly merchantId: string;
  readonly endpointId: string;
  readonly dryRun: boolean;
  readonly sinceMs: number;
  readonly untilMs: number | null;
  readonly createdAtMs: number;
  status: JobStatus;
  /** DLQ records in the window's offsets, known once the scan starts. */
  toScan: number | null;
  readonly counts: ScanCounts;
  readonly skipped: SkipCounts;
  finishedAtMs: number | null;
  error: string | null;
}

/** What a recovery is asked for. */
export interface RecoverRequest {
  readonly merchantId: string;
  readonly endpointId: string;
  readonly sinceMs: number;
  readonly untilMs: number | undefined;
  readonly dryRun: boolean;
  readonly reason: string;
}

/** Runs recoveries in the background and keeps their jobs (in this process). */
export interface RecoveryJobs {
  start(request: RecoverRequest): RecoverJob;
  get(id: string): RecoverJob | undefined;
  /** Waits for the jobs still running. */
  stop(): Promise<void>;
}

/** Jobs kept, newest; older finished ones are forgotten. */
const KEPT_JOBS = 1_000;

/**
 * `payhook replay --from dlq --endpoint <id> --since … --until …` over HTTP: the same scan
 * (`runReplay`), the same selection (`deliveryCandidates` with the endpoint and the window)
 * and the same publisher (same key and body, so the same webhook-id; retry state dropped;
 * replay headers set), from `@payhook/replay`. The job id is the replay id.
 */
export function createRecoveryJobs(deps: {
  readonly kafka: Kafka;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly producer: Producer;
  readonly logger: Logger;
  readonly now: () => number;
}): RecoveryJobs {
  const { topics } = deps;
  const jobs = new Map<string, RecoverJob>();
  const running = new Set<Promise<void>>();

  async function run(job: RecoverJob, reason: string): Promise<void> {
    const admin: Admin = deps.kafka.admin();
    await admin.connect();
    try {
      await requireTopics(admin, [topics.dlq, topics.dispatch], topics.prefix);
      const window = { sinceMs: job.sinceMs, ...(job.untilMs === null ? {} : { untilMs: job.untilMs }) };
      const partitions = await offsetRanges(admin, topics.dlq, window);
      const ranges = new Map<number, ScanRange>(partitions.map((p) => [p.partition, { start: p.start, end: p.end }]));
      job.toScan = partitions.reduce((sum, p) => sum + Number(p.end - p.start), 0);
      await runReplay({
        kafka: deps.kafka,
        groupIdPrefix: `${topics.prefix}payhook-api.recover`,
        topic: topics.dlq,
        ranges,
        build: deliveryCandidates({
          codec: deps.codec,
          filter: { endpointId: job.endpointId, window },
          skipped: job.skipped,
        }),
        publisher: job.dryRun
          ? undefined
          : createPublisher({
              producer: async () => deps.producer,
              destination: topics.dispatch,
              mark: { id: job.id, reason },
            }),
        counts: job.counts,
        progress: createProgress({ enabled: false, write: () => undefined }),
      });
      job.status = JobStatus.SUCCEEDED;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  return {
    start(request) {
      const job: RecoverJob = {
        id: `job_${randomBytes(10).toString('hex')}`,
        merchantId: request.merchantId,
        endpointId: request.endpointId,
        dryRun: request.dryRun,
        sinceMs: request.sinceMs,
        untilMs: request.untilMs ?? null,
        createdAtMs: deps.now(),
        status: JobStatus.RUNNING,
        toScan: null,
        counts: { scanned: 0, matched: 0, sent: 0 },
        skipped: { undecodable: 0 },
        finishedAtMs: null,
        error: null,
      };
      jobs.set(job.id, job);
      for (const [id, old] of jobs) {
        if (jobs.size <= KEPT_JOBS) break;
        if (old.status !== JobStatus.RUNNING) jobs.delete(id);
      }
      const done = run(job, request.reason)
        .catch((error: unknown) => {
          job.status = JobStatus.FAILED;
          // Only the kind: a broker's message can name hosts.
          job.error = (error as { code?: string }).code ?? (error as Error).name ?? 'Error';
          deps.logger.error({ job: job.id, err: error }, 'recovery job failed');
        })
        .finally(() => {
          job.finishedAtMs = deps.now();
          running.delete(done);
        });
      running.add(done);
      return job;
    },
    get: (id) => jobs.get(id),
    async stop() {
      await Promise.allSettled([...running]);
    },
  };
}
