import { type GroupLag, type LagGroup, measureLag } from '@payhook/consumer-lag';
import type { PipelineTopics } from '@payhook/contracts';
import type { Admin, Kafka } from 'kafkajs';

/** Options of {@link createPipelineLag}. */
export interface PipelineLagOptions {
  readonly kafka: Kafka;
  readonly topics: PipelineTopics;
  /** The confirmation filter's group, before the prefix. */
  readonly filterGroupId: string;
  /** The dispatcher's group, before the prefix. */
  readonly dispatcherGroupId: string;
  /**
   * A measurement is reused this long: every open operator view asks every few seconds, and
   * each measurement reads the groups' offsets and scans the topics' unread records.
   * @defaultValue 5_000
   */
  readonly reuseMs?: number;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/** The lag of the pipeline's two groups, measured as `payhook lag` and the lag exporter measure it. */
export interface PipelineLag {
  /** The groups, the filter's first. */
  readonly groups: readonly (LagGroup & { readonly role: 'filter' | 'dispatcher' })[];
  measure(): Promise<GroupLag[]>;
  /** Disconnects the admin client, when one was connected. */
  stop(): Promise<void>;
}

/**
 * Measures on demand, over one admin client connected at the first measurement; callers within
 * `reuseMs` of a measurement (or while one runs) share it.
 */
export function createPipelineLag(options: PipelineLagOptions): PipelineLag {
  const { kafka, topics } = options;
  const groups = [
    { role: 'filter', groupId: `${topics.prefix}${options.filterGroupId}`, topics: [topics.events] },
    {
      role: 'dispatcher',
      groupId: `${topics.prefix}${options.dispatcherGroupId}`,
      topics: [topics.dispatch, ...topics.retry.map((t) => t.topic)],
    },
  ] as const;
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })();
    // A failed connection is tried again by the next measurement.
    admin.catch(() => {
      admin = undefined;
    });
    return admin;
  };
  const now = options.now ?? Date.now;
  const reuseMs = options.reuseMs ?? 5_000;
  let last: { at: number | undefined; result: Promise<GroupLag[]> } | undefined;
  return {
    groups,
    measure() {
      // Shared while it runs (`at` unset) and for reuseMs after it ended.
      if (last !== undefined && (last.at === undefined || now() - last.at < reuseMs)) return last.result;
      const result = (async () => measureLag(await connected(), kafka, groups, topics))();
      const entry: { at: number | undefined; result: Promise<GroupLag[]> } = { at: undefined, result };
      last = entry;
      result.then(
        () => {
          entry.at = now();
        },
        // A failure is not reused: the next caller measures again.
        () => {
          if (last === entry) last = undefined;
        },
      );
      return result;
    },
    async stop() {
      const client = await admin?.catch(() => undefined);
      await client?.disconnect();
    },
  };
}
