import { ensureTopics, readTopicConfigs } from '@payhook/kafka';
import type { Command } from 'commander';
import { withAdmin } from '../clients.ts';
import { type CliContext, pipelineEnv, pipelineLayout } from '../context.ts';

/** `payhook topics create|describe`. */
export function registerTopicCommands(program: Command, ctx: CliContext): void {
  const topics = program.command('topics').description('provision and inspect the pipeline topics');

  topics
    .command('create')
    .description(
      'create every pipeline topic, add missing partitions and set intended configs (idempotent); ' +
        'reads KAFKA_BROKERS, PAYHOOK_PARTITIONS, PAYHOOK_RETRY_TIERS, PAYHOOK_TOPIC_PREFIX',
    )
    .option('--dry-run', 'print the intended topics without touching the broker')
    .action(async (options: { dryRun?: boolean }) => {
      const env = pipelineEnv(ctx.env);
      const { specs } = pipelineLayout(env);
      if (options.dryRun === true) {
        for (const s of specs) ctx.io.out(`${s.name}  partitions=${s.partitions}  ${formatConfig(s.config)}`);
        return;
      }
      await withAdmin(env, async (admin) => {
        const report = await ensureTopics(admin, specs);
        for (const name of report.created) ctx.io.out(`created      ${name}`);
        for (const name of report.expanded) ctx.io.out(`expanded     ${name}`);
        for (const name of report.reconfigured) ctx.io.out(`reconfigured ${name}`);
        for (const name of report.unchanged) ctx.io.out(`unchanged    ${name}`);
      });
    });

  topics
    .command('describe')
    .description('print each pipeline topic with its partition count and configs as the broker reports them')
    .action(async () => {
      const env = pipelineEnv(ctx.env);
      const { specs } = pipelineLayout(env);
      await withAdmin(env, async (admin) => {
        const existing = new Set(await admin.listTopics());
        const present = specs.filter((s) => existing.has(s.name)).map((s) => s.name);
        const configs = await readTopicConfigs(admin, present);
        const metadata = present.length > 0 ? await admin.fetchTopicMetadata({ topics: present }) : { topics: [] };
        for (const spec of specs) {
          const partitions = metadata.topics.find((t) => t.name === spec.name)?.partitions.length;
          if (partitions === undefined) {
            ctx.io.out(`${spec.name}  MISSING`);
            continue;
          }
          const actual = configs.get(spec.name) ?? {};
          const shown = Object.fromEntries(Object.keys(spec.config).map((k) => [k, actual[k] ?? '?']));
          ctx.io.out(`${spec.name}  partitions=${partitions}  ${formatConfig(shown)}`);
        }
      });
    });
}

function formatConfig(config: Readonly<Record<string, string>>): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
