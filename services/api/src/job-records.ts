import type { ScanCounts, SkipCounts } from '@payhook/replay';
import { z } from 'zod';

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

/** A job as the `api.jobs` topic keeps it: written when it starts, as it runs, and when it ends. */
export const JobRecordSchema = z.object({
  version: z.literal(1),
  kind: z.literal('recover'),
  id: z.string(),
  merchant_id: z.string(),
  endpoint_id: z.string(),
  dry_run: z.boolean(),
  since_ms: z.number(),
  until_ms: z.number().nullable(),
  created_at: z.number(),
  status: z.enum([JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED]),
  to_scan: z.number().nullable(),
  counts: z.object({ scanned: z.number(), matched: z.number(), sent: z.number() }),
  undecodable: z.number(),
  finished_at: z.number().nullable(),
  error: z.string().nullable(),
  /** When the process running it last wrote it (about every second while it runs). */
  updated_at: z.number(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/**
 * A running job whose record has not been written for this long was left by a process that
 * stopped (killed, or its pod moved): it is shown as failed, `ABANDONED`.
 */
export const ABANDONED_AFTER_MS = 30_000;

/** The error of a job whose process stopped before it ended. */
export const ABANDONED = 'ABANDONED';

/** The record of a job as it stands. */
export function jobRecord(job: RecoverJob, nowMs: number): JobRecord {
  return {
    version: 1,
    kind: 'recover',
    id: job.id,
    merchant_id: job.merchantId,
    endpoint_id: job.endpointId,
    dry_run: job.dryRun,
    since_ms: job.sinceMs,
    until_ms: job.untilMs,
    created_at: job.createdAtMs,
    status: job.status,
    to_scan: job.toScan,
    counts: { ...job.counts },
    undecodable: job.skipped.undecodable,
    finished_at: job.finishedAtMs,
    error: job.error,
    updated_at: nowMs,
  };
}

/** The job a record describes; a running one not written for {@link ABANDONED_AFTER_MS} is failed. */
export function jobFromRecord(r: JobRecord, nowMs: number): RecoverJob {
  const abandoned = r.status === JobStatus.RUNNING && nowMs - r.updated_at > ABANDONED_AFTER_MS;
  return {
    id: r.id,
    merchantId: r.merchant_id,
    endpointId: r.endpoint_id,
    dryRun: r.dry_run,
    sinceMs: r.since_ms,
    untilMs: r.until_ms,
    createdAtMs: r.created_at,
    status: abandoned ? JobStatus.FAILED : r.status,
    toScan: r.to_scan,
    counts: { ...r.counts },
    skipped: { undecodable: r.undecodable },
    finishedAtMs: abandoned ? r.updated_at : r.finished_at,
    error: abandoned ? ABANDONED : r.error,
  };
}
