import {
  describeTopicHealth,
  effectiveReplication,
  ensureTopics,
  type ReplicationPolicy,
  type TopicHealth,
  type TopicSpec,
  type TopicState,
} from '@payhook/kafka';
import type { Command } from 'commander';
import { withAdmin } from '../clients.ts';
import { type CliContext, type PipelineEnv, pipelineEnv, pipelineLayout } from '../context.ts';

/** `payhook topics create|describe`. */
export function registerTopicCommands(program: Command, ctx: CliContext): void {
  const topics = program.command('topics').description('provision and inspect the pipeline topics');

  topics
    .command('create')
    .description(
      'create every pipeline topic, add missing partitions and set intended configs (idempotent); ' +
        'reads KAFKA_BROKERS, PAYHOOK_PARTITIONS, PAYHOOK_REPLICATION_FACTOR (default 3) and ' +
        'PAYHOOK_MIN_INSYNC_REPLICAS (default 2), both capped to fit the cluster, PAYHOOK_RETRY_TIERS, PAYHOOK_TOPIC_PREFIX',
    )
    .option('--dry-run', 'print the intended topics without touching the broker')
    .action(async (options: { dryRun?: boolean }) => {
      const env = pipelineEnv(ctx.env);
      const { specs } = pipelineLayout(env);
      const replication = replicationOf(env);
      if (options.dryRun === true) {
        // Without a broker to ask, the replication is shown as asked for; creation caps it.
        const asked = effectiveReplication(replication, Number.MAX_SAFE_INTEGER);
        for (const s of specs) {
          ctx.io.out(
            `${s.name}  partitions=${s.partitions}  ${formatConfig(s.config)}  ` +
              `replication=${asked.replicationFactor}  min.insync.replicas=${asked.minInsyncReplicas}`,
          );
        }
        return;
      }
      await withAdmin(env, async (admin) => {
        const report = await ensureTopics(admin, specs, { replication });
        for (const note of report.replication.notes) ctx.io.err(`note: ${note}`);
        for (const warning of report.replication.warnings) ctx.io.err(`warning: ${warning}`);
        for (const m of report.replicationMismatches) {
          ctx.io.err(
            `warning: ${m.topic} has replication factor ${m.actual}, not ${m.intended}; ` +
              'Kafka changes it only by a partition reassignment (kafka-reassign-partitions)',
          );
        }
        for (const name of report.created) ctx.io.out(`created      ${name}`);
        for (const name of report.expanded) ctx.io.out(`expanded     ${name}`);
        for (const name of report.reconfigured) ctx.io.out(`reconfigured ${name}`);
        for (const name of report.unchanged) ctx.io.out(`unchanged    ${name}`);
      });
    });

  topics
    .command('describe')
    .description(
      'print each pipeline topic as the brokers report it: partitions, configs, replication factor and ' +
        'min.insync.replicas, flagging partitions that are UNDER-REPLICATED (a replica out of sync), ' +
        'BELOW-MIN-ISR (acks=all writes refused) or OFFLINE (no leader)',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const env = pipelineEnv(ctx.env);
      const { specs } = pipelineLayout(env);
      // Not through the admin client: kafkajs's fails while any partition is offline.
      const states = await describeTopicHealth(
        { brokers: env.KAFKA_BROKERS },
        specs.map((s) => s.name),
      );
      const byName = new Map(states.map((h) => [h.topic, h]));
      const configOf = (spec: TopicSpec, state: TopicState) =>
        Object.fromEntries(Object.keys(spec.config).map((k) => [k, state.configs[k] ?? null]));
      if (options.json === true) {
        const rows = specs.map((spec) => {
          const state = byName.get(spec.name);
          if (state === undefined) return { topic: spec.name, missing: true };
          const { configs: _, ...health } = state;
          return { ...health, config: configOf(spec, state) };
        });
        ctx.io.out(JSON.stringify(rows, null, 2));
        return;
      }
      for (const spec of specs) {
        const state = byName.get(spec.name);
        if (state === undefined) {
          ctx.io.out(`${spec.name}  MISSING`);
          continue;
        }
        const shown = Object.fromEntries(Object.entries(configOf(spec, state)).map(([k, v]) => [k, v ?? '?']));
        ctx.io.out(
          `${spec.name}  partitions=${state.partitions}  ${formatConfig(shown)}  ` +
            `replication=${state.replicationFactor}  min.insync.replicas=${state.minInsyncReplicas ?? '?'}${flags(state)}`,
        );
      }
      const summary = summarise(states);
      if (summary !== undefined) ctx.io.out(summary);
    });
}

function replicationOf(env: PipelineEnv): ReplicationPolicy {
  return { replicationFactor: env.PAYHOOK_REPLICATION_FACTOR, minInsyncReplicas: env.PAYHOOK_MIN_INSYNC_REPLICAS };
}

function flags(h: TopicHealth): string {
  const parts: [string, readonly number[]][] = [
    ['UNDER-REPLICATED', h.underReplicated],
    ['BELOW-MIN-ISR', h.belowMinIsr],
    ['OFFLINE', h.offline],
  ];
  return parts
    .filter(([, partitions]) => partitions.length > 0)
    .map(([flag, partitions]) => `  ${flag}=${partitions.join(',')}`)
    .join('');
}

/** One line counting the flagged partitions; undefined when every partition is healthy. */
function summarise(health: readonly TopicHealth[]): string | undefined {
  const count = (pick: (h: TopicHealth) => readonly number[]) => health.reduce((n, h) => n + pick(h).length, 0);
  const under = count((h) => h.underReplicated);
  const below = count((h) => h.belowMinIsr);
  const offline = count((h) => h.offline);
  if (under + below + offline === 0) return undefined;
  return `partitions: ${under} under-replicated, ${below} below min.insync.replicas, ${offline} offline`;
}

function formatConfig(config: Readonly<Record<string, string>>): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
