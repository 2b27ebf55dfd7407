import { type GroupLag, type LagGroup, measureLag, UNCONSUMED_WINDOW } from '@payhook/consumer-lag';
import { parseEnv } from '@payhook/runtime';
import type { Command } from 'commander';
import { z } from 'zod';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv, pipelineLayout } from '../context.ts';
import { withOps } from '../ops/ops-clients.ts';
import { opsCommandHelp } from '../ops/ops-help.ts';
import { parseGroupId } from '../ops/ops-validation.ts';
import { textTable } from '../ops/text-table.ts';

/** The services' own group variables, read so `lag` measures the groups they use. */
const groupEnv = z.object({
  DISPATCHER_GROUP_ID: z.string().min(1).default('payhook-dispatcher'),
  FILTER_GROUP_ID: z.string().min(1).default('payhook-confirmation-filter'),
});

/** `payhook lag`: consumer lag per group, topic and partition. */
export function registerLagCommand(program: Command, ctx: CliContext): void {
  program
    .command('lag')
    // Usage errors reach main.ts as CommanderErrors: exit 2.
    .exitOverride()
    .description('show consumer lag per group, topic and partition, in records and in seconds')
    .option(
      '--group <id>',
      'a consumer group, its full id (repeatable; default: the dispatcher and the confirmation filter)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--json', 'print JSON (seconds with millisecond precision)')
    .addHelpText(
      'after',
      opsCommandHelp(
        ['KAFKA_BROKERS', 'PAYHOOK_TOPIC_PREFIX', 'PAYHOOK_RETRY_TIERS', 'DISPATCHER_GROUP_ID', 'FILTER_GROUP_ID'],
        [
          'LAG is the records the group has still to read from its committed offset to the end (from the first',
          'record when it has committed nothing). Transaction markers and aborted records are not records, so a',
          `group past its last record shows 0. The first ${UNCONSUMED_WINDOW.records} records (at most ${UNCONSUMED_WINDOW.bytes / 1_048_576} MiB) are counted; beyond them`,
          'each offset counts as a record. SECONDS is how long the oldest unconsumed record has waited (0 when',
          'caught up); on a retry tier, where waiting is its job, the longest any of those records has waited',
          "past its due time (payhook-due-at, else its timestamp plus the tier's delay), so due records held",
          'behind a head that is not yet due count. The pipeline groups are',
          '<prefix><DISPATCHER_GROUP_ID> (dispatch and every retry tier) and <prefix><FILTER_GROUP_ID>',
          '(payments.events).',
        ],
        {
          ok: 'done',
          failure: 'failure: the broker is unreachable',
          refused: ['refused input, with the option named: a malformed group id, or a group the broker does not know'],
        },
      ),
    )
    .action(async (options: { group?: string[]; json?: boolean }) => {
      const named = (options.group ?? []).map((g) => parseGroupId('--group', g));
      const env = pipelineEnv(ctx.env);
      const ids = parseEnv(groupEnv, ctx.env);
      const { topics } = pipelineLayout(env);
      const pipelineGroups: LagGroup[] = [
        {
          groupId: `${topics.prefix}${ids.DISPATCHER_GROUP_ID}`,
          topics: [topics.dispatch, ...topics.retry.map((t) => t.topic)],
        },
        { groupId: `${topics.prefix}${ids.FILTER_GROUP_ID}`, topics: [topics.events] },
      ];
      const groups =
        named.length === 0
          ? pipelineGroups
          : [...new Set(named)].map((id) => pipelineGroups.find((g) => g.groupId === id) ?? { groupId: id });
      const measured = await withOps(env, async (clients) =>
        measureLag(await clients.admin(), clients.kafka, groups, topics),
      );
      for (const g of measured) {
        if (named.includes(g.groupId) && g.state === 'Dead' && g.partitions.length === 0) {
          throw new CliUsageError(
            `--group: the broker knows no group "${g.groupId}" (no members, no committed offsets)`,
          );
        }
      }
      if (options.json === true) ctx.io.out(JSON.stringify(measured.map(groupJson), null, 2));
      else for (const line of lagLines(measured)) ctx.io.out(line);
    });
}

function groupJson(g: GroupLag): Record<string, unknown> {
  return {
    group: g.groupId,
    state: g.state,
    members: g.members,
    partitions: g.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      end_offset: p.endOffset,
      committed_offset: p.committedOffset,
      lag_offsets: p.lagOffsets,
      oldest_unconsumed_at: p.oldestUnconsumedAtMs,
      age_seconds: p.ageSeconds,
      lag_seconds: p.lagSeconds,
      tier_delay_ms: p.tierDelayMs,
    })),
  };
}

function lagLines(groups: readonly GroupLag[]): string[] {
  const lines: string[] = [];
  for (const g of groups) {
    const total = g.partitions.reduce((sum, p) => sum + p.lagOffsets, 0);
    const worst = g.partitions.reduce((max, p) => Math.max(max, p.lagSeconds), 0);
    if (lines.length > 0) lines.push('');
    lines.push(
      `${g.groupId}  ${g.state.toLowerCase()}, ${g.members} member${g.members === 1 ? '' : 's'}: lag ${total} records, ${formatSeconds(worst)}`,
    );
    if (g.partitions.length === 0) {
      lines.push('  no committed offsets');
      continue;
    }
    lines.push(
      ...textTable(
        ['TOPIC', 'PARTITION', 'END', 'COMMITTED', 'LAG', 'SECONDS', 'NOTE'],
        g.partitions.map((p) => [
          p.topic,
          String(p.partition),
          p.endOffset,
          p.committedOffset ?? '-',
          String(p.lagOffsets),
          formatSeconds(p.lagSeconds),
          p.tierDelayMs === null ? '' : `retry tier: beyond its ${p.tierDelayMs / 1000}s delay`,
        ]),
      ).map((l) => `  ${l}`),
    );
  }
  return lines;
}

function formatSeconds(seconds: number): string {
  return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
}
