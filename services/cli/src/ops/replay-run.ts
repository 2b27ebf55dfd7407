import type { Endpoint } from '@payhook/contracts';
import type { ScanRange } from '@payhook/kafka';
import { CliUsageError } from '../cli-error.ts';
import { Table, withTables } from '../tables.ts';
import { offsetRanges, requireTopics } from './offset-ranges.ts';
import type { OpsClients } from './ops-clients.ts';
import { createProgress, type ScanCounts } from './progress.ts';
import { createCursorStore, type ReplayCursor } from './replay-cursor.ts';
import { normaliseFilter, type ReplayFilter, type ReplaySource, SourceKind } from './replay-plan.ts';
import {
  type CandidateBuilder,
  createPublisher,
  deliveryCandidates,
  eventCandidates,
  type PoisonRecord,
  type ReplayCandidate,
  runReplay,
  type SkipCounts,
} from './replayer.ts';

/** How often a cursor is stored while a replay scans without sending. */
const IDLE_CURSOR_INTERVAL_MS = 5_000;
/** Most undecodable records a dry run lists one by one (all are counted). */
export const MAX_LISTED_UNDECODABLE = 1_000;

/** One replay run as the command line asked for it. */
export interface ReplayPlan {
  readonly id: string;
  readonly source: ReplaySource;
  readonly filter: ReplayFilter;
  /** Required unless `dryRun`. */
  readonly reason: string | undefined;
  readonly dryRun: boolean;
  /** Records per second; unlimited when undefined. */
  readonly rate: number | undefined;
  /** Ignore a stored cursor and start over. */
  readonly restart: boolean;
  /** Report progress on stderr; `inPlace` when stderr is a terminal. */
  readonly progress: { readonly enabled: boolean; readonly inPlace: boolean; readonly write: (text: string) => void };
}

/** What a replay run did. */
export interface ReplaySummary {
  readonly id: string;
  readonly source: string;
  readonly destination: string;
  readonly dryRun: boolean;
  /** Whether the run went on from a stored cursor. */
  readonly resumed: boolean;
  /** This run's counts. */
  readonly counts: ScanCounts;
  /** Source records that do not decode, skipped. */
  readonly undecodable: number;
  /** For a dry run, the first {@link MAX_LISTED_UNDECODABLE} of them, with where they are and why. */
  readonly undecodableRecords: readonly PoisonRecord[];
  /** Totals over every run of this replay (the cursor's); this run's for a dry run. */
  readonly totals: ScanCounts;
  /** The matching deliveries, for a dry run. */
  readonly records: readonly ReplayCandidate[];
}

/**
 * Runs a replay: finds where it stands (its cursor, unless `restart`), fixes the end offsets
 * now, scans from the cursor to them and re-publishes every match to `webhooks.dispatch`,
 * storing the cursor after each batch it sent. A dry run reads the cursor but writes nothing.
 */
export async function executeReplay(clients: OpsClients, plan: ReplayPlan): Promise<ReplaySummary> {
  const { topics, env } = clients;
  const admin = await clients.admin();
  await requireTopics(admin, [plan.source.topic, topics.dispatch], topics.prefix);
  const store = createCursorStore({
    prefix: topics.prefix,
    kafka: clients.kafka,
    admin: clients.admin,
    producer: clients.producer,
  });
  const filter = normaliseFilter(plan.source, plan.filter);
  const stored = plan.restart ? undefined : await store.load(plan.id);
  if (stored !== undefined && JSON.stringify(stored.filter) !== JSON.stringify(filter)) {
    throw new CliUsageError(
      `--id: replay "${plan.id}" was started with other filters (${JSON.stringify(stored.filter)}); repeat them, add --restart to start it over with these, or choose another --id`,
    );
  }

  const partitions = await offsetRanges(admin, plan.source.topic, plan.filter.window);
  const ranges = new Map<number, ScanRange>();
  const positions = new Map<number, { next: bigint; end: bigint }>();
  for (const p of partitions) {
    const saved = stored?.positions.find((s) => s.partition === p.partition);
    let start = saved === undefined ? p.start : BigInt(saved.next);
    if (start < p.low) start = p.low;
    if (start > p.end) start = p.end;
    ranges.set(p.partition, { start, end: p.end });
    positions.set(p.partition, { next: start, end: p.end });
  }

  const skipped: SkipCounts = { undecodable: 0 };
  const poison: PoisonRecord[] = [];
  // A dry run shows them; a real run skips and counts them as it always has (they would only
  // come back to the DLQ as poison_record), so it does not keep them.
  const onPoison = plan.dryRun
    ? (record: PoisonRecord): void => {
        if (poison.length < MAX_LISTED_UNDECODABLE) poison.push(record);
      }
    : undefined;
  let build: CandidateBuilder;
  if (plan.source.kind === SourceKind.EVENTS) {
    const endpoints: Endpoint[] = [...(await withTables(env, (t) => t.read(Table.ENDPOINTS))).values()];
    build = eventCandidates({
      codec: clients.codec(),
      dispatchTopic: topics.dispatch,
      filter: plan.filter,
      endpoints,
      skipped,
      onPoison,
    });
  } else {
    build = deliveryCandidates({
      codec: clients.codec(),
      filter: plan.filter,
      skipped,
      onPoison,
      // Reading dispatch, a replay meets what it wrote there itself on an earlier run.
      ...(plan.source.topic === topics.dispatch ? { skipReplayId: plan.id } : {}),
    });
  }

  const counts: ScanCounts = { scanned: 0, matched: 0, sent: 0 };
  const previous = stored?.counts ?? { scanned: 0, matched: 0, sent: 0 };
  const totals = (): ScanCounts => ({
    scanned: previous.scanned + counts.scanned,
    matched: previous.matched + counts.matched,
    sent: previous.sent + counts.sent,
  });
  const records: ReplayCandidate[] = [];
  const progress = createProgress({ ...plan.progress, sentLabel: plan.dryRun ? 'would send' : 'sent' });
  const startedAt = Date.now();

  if (plan.dryRun) {
    await runReplay({
      kafka: clients.kafka,
      groupIdPrefix: `${topics.prefix}payhook-cli.replay`,
      topic: plan.source.topic,
      ranges,
      build,
      publisher: undefined,
      counts,
      progress,
      onCandidate: (c) => void records.push(c),
    });
    counts.sent = counts.matched;
    progress.done(counts);
    return summary(false);
  }

  if (plan.reason === undefined) throw new CliUsageError('--reason: required (unless --dry-run)');
  await store.ensure();
  const cursor = (completedAt: number | null): ReplayCursor => ({
    version: 1,
    id: plan.id,
    source: plan.source.topic,
    destination: topics.dispatch,
    filter,
    reason: plan.reason as string,
    positions: [...positions].map(([partition, p]) => ({
      partition,
      next: p.next.toString(),
      end: p.end.toString(),
    })),
    counts: totals(),
    started_at: stored?.started_at ?? startedAt,
    updated_at: Date.now(),
    completed_at: completedAt,
  });
  let savedAt = Date.now();
  const publisher = createPublisher({
    producer: clients.producer,
    destination: topics.dispatch,
    mark: { id: plan.id, reason: plan.reason },
    rate: plan.rate,
  });
  await runReplay({
    kafka: clients.kafka,
    groupIdPrefix: `${topics.prefix}payhook-cli.replay`,
    topic: plan.source.topic,
    ranges,
    build,
    publisher,
    counts,
    progress,
    onProgress: async (partition, next, sent) => {
      const position = positions.get(partition);
      if (position !== undefined && next > position.next) position.next = next;
      if (sent === 0 && Date.now() - savedAt < IDLE_CURSOR_INTERVAL_MS) return;
      // Produce first, then the cursor: an interrupted run sends a batch again rather than losing it.
      await store.save(cursor(null));
      savedAt = Date.now();
    },
  });
  for (const p of positions.values()) p.next = p.end;
  await store.save(cursor(Date.now()));
  progress.done(counts);
  return summary(true);

  function summary(sent: boolean): ReplaySummary {
    return {
      id: plan.id,
      source: plan.source.topic,
      destination: topics.dispatch,
      dryRun: !sent,
      resumed: stored !== undefined,
      counts,
      undecodable: skipped.undecodable,
      undecodableRecords: poison,
      totals: sent ? totals() : { ...counts },
      records,
    };
  }
}
