import { DeliveryHeader } from '@payhook/contracts';
import { headerText, type ScanRange, scanTopics } from '@payhook/kafka';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { GroupPosition } from './positions.ts';
import { type ScanWindow, UnconsumedWindow, type WindowRecord } from './unconsumed-window.ts';

/** The window read at a position; undefined where the group is caught up. */
export type UnconsumedLookup = (position: GroupPosition) => UnconsumedWindow | undefined;

/** Options of {@link readUnconsumed}. */
export interface ReadUnconsumedOptions {
  /** Start of the reading groups' ids, `<groupIdPrefix>.<random>`. */
  readonly groupIdPrefix: string;
  /** Delay of each retry tier topic. */
  readonly tierDelays: ReadonlyMap<string, number>;
  readonly window: ScanWindow;
}

/** The windows read together from one start on one partition. */
interface Stretch {
  readonly range: ScanRange;
  readonly windows: UnconsumedWindow[];
}

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const positionKey = (topic: string, partition: number, from: bigint) => `${topic}\u0000${partition}\u0000${from}`;

/**
 * Reads a window of records (read_committed) from every position that is behind its
 * partition's end, through short-lived consumer groups that commit nothing.
 *
 * Positions on one partition within a window's records of each other are read in one
 * stretch, from the first of them, so that several groups near each other cost one read.
 * Positions further apart are read in separate scans rather than reading everything between
 * them: the cost per position stays bounded by the window however far apart groups are. The
 * pipeline has one group per topic, so a measurement is one scan.
 */
export async function readUnconsumed(
  kafka: Kafka,
  positions: readonly GroupPosition[],
  options: ReadUnconsumedOptions,
): Promise<UnconsumedLookup> {
  const windows = new Map<string, UnconsumedWindow>();
  const partitions = new Map<string, { topic: string; partition: number; end: bigint; starts: UnconsumedWindow[] }>();
  for (const p of positions) {
    if (p.from >= p.end) continue;
    const key = positionKey(p.topic, p.partition, p.from);
    if (windows.has(key)) continue;
    const window = new UnconsumedWindow(p.from, options.tierDelays.get(p.topic) ?? null, options.window);
    windows.set(key, window);
    const known = partitions.get(partitionKey(p.topic, p.partition));
    if (known === undefined) {
      partitions.set(partitionKey(p.topic, p.partition), {
        topic: p.topic,
        partition: p.partition,
        end: p.end,
        starts: [window],
      });
    } else {
      known.starts.push(window);
    }
  }

  // scans[i] holds the i-th stretch of every partition.
  const scans: Map<string, Map<number, Stretch>>[] = [];
  const reach = BigInt(options.window.records);
  for (const { topic, partition, end, starts } of partitions.values()) {
    starts.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    const stretches: UnconsumedWindow[][] = [];
    for (const w of starts) {
      const last = stretches.at(-1);
      const previous = last?.at(-1);
      if (last !== undefined && previous !== undefined && w.from - previous.from <= reach) last.push(w);
      else stretches.push([w]);
    }
    stretches.forEach((stretch, i) => {
      const scan = scans[i] ?? new Map<string, Map<number, Stretch>>();
      scans[i] = scan;
      const byPartition = scan.get(topic) ?? new Map<number, Stretch>();
      scan.set(topic, byPartition);
      byPartition.set(partition, { range: { start: stretch[0]?.from ?? end, end }, windows: stretch });
    });
  }

  for (const scan of scans) {
    await scanTopics({
      kafka,
      ranges: new Map([...scan].map(([topic, ps]) => [topic, new Map([...ps].map(([p, s]) => [p, s.range]))])),
      groupIdPrefix: options.groupIdPrefix,
      onBatch: ({ topic, partition, messages }) => {
        const stretch = scan.get(topic)?.get(partition);
        if (stretch === undefined) return 'done';
        for (const message of messages) {
          const record = windowRecord(message);
          for (const w of stretch.windows) w.add(record);
        }
        return stretch.windows.every((w) => w.full) ? 'done' : 'continue';
      },
    });
  }
  return (p) => (p.from < p.end ? windows.get(positionKey(p.topic, p.partition, p.from)) : undefined);
}

function windowRecord(message: KafkaMessage): WindowRecord {
  // As the dispatcher reads it: any finite number.
  const dueText = headerText(message.headers, DeliveryHeader.DUE_AT);
  const due = dueText === undefined ? Number.NaN : Number(dueText);
  return {
    offset: BigInt(message.offset),
    timestampMs: Number(message.timestamp),
    dueAtMs: Number.isFinite(due) ? due : undefined,
    bytes: (message.key?.length ?? 0) + (message.value?.length ?? 0),
  };
}
