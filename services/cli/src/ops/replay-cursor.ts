import { ensureTopics, type RecordSender, scanTopics } from '@payhook/kafka';
import { PayhookError } from '@payhook/runtime';
import type { Admin, Kafka } from 'kafkajs';
import { z } from 'zod';
import { OpsErrorCode } from './ops-errors.ts';

/** The compacted topic of replay cursors, under the pipeline's prefix. */
export function cursorTopic(prefix: string): string {
  return `${prefix}payhook.replay-cursors`;
}

const offset = z.string().regex(/^\d+$/);
const cursorSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  source: z.string(),
  destination: z.string(),
  /** The normalised filter set the replay was started with. */
  filter: z.record(z.string(), z.unknown()),
  reason: z.string(),
  /** Per source partition: the next offset to scan, and the end the run that wrote it aimed for. */
  positions: z.array(z.object({ partition: z.number().int().min(0), next: offset, end: offset })),
  /** Totals over every run of the replay. */
  counts: z.object({ scanned: z.number(), matched: z.number(), sent: z.number() }),
  started_at: z.number(),
  updated_at: z.number(),
  /** When a run reached its end offsets; null while one is under way or was interrupted. */
  completed_at: z.number().nullable(),
});

/** Where a replay stands: stored as plain JSON under the replay's id after every batch it sent. */
export type ReplayCursor = z.infer<typeof cursorSchema>;

/** Reads and writes replay cursors. */
export interface CursorStore {
  readonly topic: string;
  /**
   * The latest cursor stored under `id`, or undefined (also when the topic does not exist yet).
   * @throws PayhookError `CLI_OPS_CURSOR_UNREADABLE` when the stored value is not a cursor.
   */
  load(id: string): Promise<ReplayCursor | undefined>;
  /** Creates the topic if missing (compacted, one partition); idempotent. */
  ensure(): Promise<void>;
  /** Writes the cursor, acknowledged by every in-sync replica. */
  save(cursor: ReplayCursor): Promise<void>;
}

/** A cursor store on `<prefix>payhook.replay-cursors`. */
export function createCursorStore(deps: {
  readonly prefix: string;
  readonly kafka: Kafka;
  readonly admin: () => Promise<Admin>;
  readonly producer: () => Promise<RecordSender>;
}): CursorStore {
  const topic = cursorTopic(deps.prefix);
  return {
    topic,
    async load(id) {
      const admin = await deps.admin();
      if (!(await admin.listTopics()).includes(topic)) return undefined;
      const offsets = await admin.fetchTopicOffsets(topic);
      const ranges = new Map(offsets.map((p) => [p.partition, { start: BigInt(p.low), end: BigInt(p.high) }]));
      let latest: Buffer | null | undefined;
      await scanTopics({
        kafka: deps.kafka,
        ranges: new Map([[topic, ranges]]),
        groupIdPrefix: `${deps.prefix}payhook-cli.replay-cursors`,
        onBatch: ({ messages }) => {
          for (const m of messages) if (m.key?.toString('utf8') === id) latest = m.value;
          return 'continue' as const;
        },
      });
      if (latest === undefined || latest === null) return undefined;
      try {
        return cursorSchema.parse(JSON.parse(latest.toString('utf8')));
      } catch (cause) {
        throw new PayhookError(
          OpsErrorCode.CURSOR_UNREADABLE,
          `the stored cursor of replay ${id} on ${topic} cannot be read: run again with --restart, or choose another --id`,
          { cause },
        );
      }
    },
    async ensure() {
      await ensureTopics(await deps.admin(), [
        { name: topic, partitions: 1, config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' } },
      ]);
    },
    async save(cursor) {
      const producer = await deps.producer();
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: cursor.id, value: JSON.stringify(cursor) }],
      });
    },
  };
}
