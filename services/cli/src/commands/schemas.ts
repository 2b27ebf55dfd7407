import {
  Contract,
  type ContractKey,
  contractForTopic,
  createRegistryClient,
  loadSchemas,
  valueSubject,
} from '@payhook/contracts';
import type { Command } from 'commander';
import { type CliContext, pipelineEnv, pipelineLayout } from '../context.ts';

/** `payhook schemas register|check`. */
export function registerSchemaCommands(program: Command, ctx: CliContext): void {
  const schemas = program
    .command('schemas')
    .description('register and check the Avro contracts in the schema registry');

  /**
   * Every subject of the pipeline with the contract it carries. The API's own topics
   * (api.idempotency, api.jobs) hold JSON only the API reads, and have none.
   */
  const subjects = (): { subject: string; contract: ContractKey }[] => {
    const env = pipelineEnv(ctx.env);
    return pipelineLayout(env).specs.flatMap((t) => {
      const contract = contractForTopic(t.name, env.PAYHOOK_TOPIC_PREFIX);
      return contract === undefined ? [] : [{ subject: valueSubject(t.name), contract }];
    });
  };

  schemas
    .command('register')
    .description(
      'register every schema under <topic>-value with BACKWARD compatibility (idempotent); ' +
        'reads SCHEMA_REGISTRY_URL, PAYHOOK_RETRY_TIERS, PAYHOOK_TOPIC_PREFIX',
    )
    .action(async () => {
      const env = pipelineEnv(ctx.env);
      const registry = createRegistryClient(env.SCHEMA_REGISTRY_URL);
      const loaded = loadSchemas();
      for (const { subject, contract } of subjects()) {
        const schema = loaded[contract];
        const existing = await registry.idOf(subject, schema);
        await registry.setCompatibility(subject);
        const id = existing ?? (await registry.register(subject, schema));
        ctx.io.out(
          `${existing === undefined ? 'registered' : 'unchanged '} ${subject}  ${Contract[contract].name}  id=${id}`,
        );
      }
    });

  schemas
    .command('check')
    .description(
      'check that every schema in schemas/ may be registered as the next version of its subject; exit 1 if not',
    )
    .action(async () => {
      const env = pipelineEnv(ctx.env);
      const registry = createRegistryClient(env.SCHEMA_REGISTRY_URL);
      const loaded = loadSchemas();
      let failed = 0;
      for (const { subject, contract } of subjects()) {
        const ok = await registry.isCompatible(subject, loaded[contract]);
        if (!ok) failed++;
        ctx.io.out(`${ok ? 'compatible  ' : 'INCOMPATIBLE'} ${subject}`);
      }
      if (failed > 0) process.exitCode = 1;
    });
}
