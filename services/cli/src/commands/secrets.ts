import { SealedSecretError, sealSecrets, secretsKeyRingOf } from '@payhook/signing';
import type { Command } from 'commander';
import { CliFailure, CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv } from '../context.ts';
import { type HelpVariable, tableCommandHelp } from '../help.ts';
import { Table, withTables } from '../tables.ts';

const TABLE_ENV: readonly HelpVariable[] = [
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'PAYHOOK_TOPIC_PREFIX',
  'PAYHOOK_SECRETS_KEY',
];

/** `payhook secrets rotate-key`: endpoints' signing secrets sealed again under the current key. */
export function registerSecretsCommands(program: Command, ctx: CliContext): void {
  const secrets = program
    .command('secrets')
    .exitOverride()
    .description('signing secrets at rest: seal every endpoint under the current key-encryption key')
    .addHelpText('after', tableCommandHelp(TABLE_ENV));

  secrets
    .command('rotate-key')
    .description('seal every endpoint secret under the current key (the first of PAYHOOK_SECRETS_KEY)')
    .option('--dry-run', 'count the endpoints that would be written, write nothing')
    .addHelpText(
      'after',
      tableCommandHelp(TABLE_ENV, [
        'To change the key: put the new key first in PAYHOOK_SECRETS_KEY and keep the old one after',
        'it (e.g. k2:<new>,k1:<old>) for the dispatcher, the API and the CLI; run this command; when it',
        'reports every endpoint current, drop the old key. Plaintext secrets written before sealing',
        'are sealed too. Secrets are opened and sealed here, never printed.',
      ]),
    )
    .action(async (options: { dryRun?: boolean }) => {
      const env = pipelineEnv(ctx.env);
      const ring = secretsKeyRingOf(env);
      if (ring === undefined) {
        throw new CliUsageError('PAYHOOK_SECRETS_KEY: set the key to seal with (or PAYHOOK_SECRETS_KEY_FILE)');
      }
      const { total, stale, unreadable } = await withTables(env, async (tables) => {
        const endpoints = [...(await tables.read(Table.ENDPOINTS)).values()];
        const toSeal = endpoints.filter((e) => e.secrets.some((s) => !ring.isCurrent(s.secret)));
        const failed: string[] = [];
        for (const [i, endpoint] of toSeal.entries()) {
          try {
            // Opened and sealed here first, so a dry run finds what cannot be opened too.
            sealSecrets(endpoint.secrets, endpoint.endpoint_id, ring);
          } catch (error) {
            // One endpoint that cannot be opened (altered, or under a key no longer given)
            // must not keep the others on the old key.
            if (!(error instanceof SealedSecretError)) throw error;
            failed.push(`${endpoint.endpoint_id} (${error.message})`);
            continue;
          }
          // Written as it is: the table seals every secret under the current key on the way.
          if (options.dryRun !== true) await tables.write(Table.ENDPOINTS, endpoint.endpoint_id, endpoint);
          if ((i + 1) % 100 === 0) ctx.io.err(`checked ${i + 1} of ${toSeal.length} endpoints`);
        }
        return { total: endpoints.length, stale: toSeal.length - failed.length, unreadable: failed };
      });
      const verb = options.dryRun === true ? 'would seal' : 'sealed';
      ctx.io.out(`${verb} ${stale} of ${total} endpoints under key "${ring.current.id}"`);
      if (unreadable.length > 0) {
        throw new CliFailure(
          `the secrets of ${unreadable.length} endpoints cannot be opened and ${options.dryRun === true ? 'would be' : 'were'} left as they are: ${unreadable.join('; ')}`,
        );
      }
    });
}
