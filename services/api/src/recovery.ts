import { randomBytes } from 'node:crypto';
import type { ContractCodec, PipelineTopics } from '@payhook/contracts';
import type { RecordSender, ScanRange } from '@payhook/kafka';
import { createPublisher, deliveryCandidates, offsetRanges, requireTopics, runReplay } from '@payhook/replay';
import type { Logger } from '@payhook/runtime';
import type { Admin, Kafka } from 'kafkajs';
import { type JobRecord, JobStatus, jobFromRecord, jobRecord, type RecoverJob } from './job-records.ts';
import type { JsonTable } from './json-table.ts';

export { JobStatus, type RecoverJob } from './job-records.ts';

/** What a recovery is asked for. */
export interface RecoverRequest {
  readonly merchantId: string;
  readonly endpointId: string;
  readonly sinceMs: number;
  readonly untilMs: number | undefined;
  readonly dryRun: boolean;
  readonly reason: string;
}

/**
 * Runs recoveries in the background and keeps their jobs in the `api.jobs` topic, so every
 * replica (and this one after a restart) shows them with their progress.
 */
export interface RecoveryJobs {
  /** Starts the job; resolves once its first record is written (visible on every replica). */
  start(request: RecoverRequest): Promise<RecoverJob>;
  /**
   * A job of this process as it runs, or as the topic last recorded it (a job not found waits
   * for the topic to be read up to its end, as another replica may have just started it).
   */
  get(id: string): Promise<RecoverJob | undefined>;
  /** Waits for the jobs still running. */
  stop(): Promise<void>;
}

/** How often a running job's progress is written. */
const PROGRESS_INTERVAL_MS = 1_000;
/** How long a job not found waits for the jobs table to read what other replicas wrote. */
const CATCH_UP_MS = 5_000;
/** Tries of a job's last record before this replica keeps it to itself. */
const FINAL_WRITE_ATTEMPTS = 4;

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
  readonly producer: RecordSender;
  readonly logger: Logger;
  readonly now: () => number;
  readonly table: JsonTable<JobRecord>;
}): RecoveryJobs {
  const { topics, table } = deps;
  /** The jobs running here, as they run (fresher than their records). */
  const jobs = new Map<string, RecoverJob>();
  const running = new Set<Promise<void>>();

  /** Writes the job's state; a failed write is logged (the next one carries the counts again). */
  async function record(job: RecoverJob): Promise<boolean> {
    try {
      await table.write(job.id, jobRecord(job, deps.now()));
      return true;
    } catch (error) {
      deps.logger.warn({ job: job.id, err: { type: (error as Error).name } }, 'job record not written');
      return false;
    }
  }

  /**
   * The job's last record, tried a few times: without it the other replicas would show the job
   * running until it looks abandoned. If it still fails, this replica keeps showing the job.
   */
  async function recordEnd(job: RecoverJob): Promise<boolean> {
    for (let attempt = 1; attempt <= FINAL_WRITE_ATTEMPTS; attempt++) {
      if (await record(job)) return true;
      if (attempt < FINAL_WRITE_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, attempt * 1_000));
    }
    return false;
  }

  async function run(job: RecoverJob, reason: string): Promise<void> {
    // Progress written at most once per interval, one write at a time.
    let lastWrite = 0;
    let writing: Promise<unknown> | undefined;
    const written = {
      update() {
        if (writing !== undefined || deps.now() - lastWrite < PROGRESS_INTERVAL_MS) return;
        lastWrite = deps.now();
        writing = record(job).finally(() => {
          writing = undefined;
        });
      },
      settled: () => writing ?? Promise.resolve(),
    };
    const heartbeat = setInterval(() => written.update(), PROGRESS_INTERVAL_MS);
    try {
      await scan(job, reason, written);
    } finally {
      clearInterval(heartbeat);
      await written.settled();
    }
  }

  async function scan(job: RecoverJob, reason: string, written: { update(): void }): Promise<void> {
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
        progress: { update: () => written.update(), done: () => undefined },
      });
      job.status = JobStatus.SUCCEEDED;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  return {
    async start(request) {
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
      await table.write(job.id, jobRecord(job, deps.now()));
      jobs.set(job.id, job);
      const done = run(job, request.reason)
        .catch((error: unknown) => {
          job.status = JobStatus.FAILED;
          // Only the kind: a broker's message can name hosts.
          job.error = (error as { code?: string }).code ?? (error as Error).name ?? 'Error';
          deps.logger.error({ job: job.id, err: error }, 'recovery job failed');
        })
        .finally(async () => {
          job.finishedAtMs = deps.now();
          if (await recordEnd(job)) jobs.delete(job.id);
          running.delete(done);
        });
      running.add(done);
      return job;
    },
    async get(id) {
      const local = jobs.get(id);
      if (local !== undefined) return local;
      if (table.get(id) === undefined) await table.catchUp(CATCH_UP_MS);
      const stored = table.get(id);
      return stored === undefined ? undefined : jobFromRecord(stored, deps.now());
    },
    async stop() {
      await Promise.allSettled([...running]);
    },
  };
}
