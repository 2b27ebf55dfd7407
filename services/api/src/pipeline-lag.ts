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
}

/** The lag of the pipeline's two groups, measured as `payhook lag` and the lag exporter measure it. */
export interface PipelineLag {
  /** The groups, the filter's first. */
  readonly groups: readonly (LagGroup & { readonly role: 'filter' | 'dispatcher' })[];
  measure(): Promise<GroupLag[]>;
  /** Disconnects the admin client, when one was connected. */
  stop(): Promise<void>;
}

/** Measures on demand, over one admin client connected at the first measurement. */
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
  return {
    groups,
    async measure() {
      return measureLag(await connected(), kafka, groups, topics);
    },
    async stop() {
      const client = await admin?.catch(() => undefined);
      await client?.disconnect();
    },
  };
}
