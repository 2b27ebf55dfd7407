import type { ApiKey } from '@payhook/contracts';
import { issueApiKey } from '@payhook/inputs';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv } from '../context.ts';
import { type HelpVariable, tableCommandHelp } from '../help.ts';
import { Table, withTables } from '../tables.ts';
import { parseId } from '../validation.ts';

const TABLE_ENV: readonly HelpVariable[] = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'PAYHOOK_TOPIC_PREFIX'];
const MAX_DESCRIPTION_LENGTH = 200;
const KEY_ID = /^[0-9a-f]{16}$/;

/** `payhook api-keys create|list|revoke`: the compacted api-keys topic the HTTP API authenticates with. */
export function registerApiKeyCommands(program: Command, ctx: CliContext): void {
  // Set before the subcommands are added, so they inherit it: their usage errors then exit 2.
  const keys = program
    .command('api-keys')
    .exitOverride()
    .description('create, list and revoke keys of the HTTP API (the compacted api-keys topic; hashes only)')
    .addHelpText('after', tableCommandHelp(TABLE_ENV));

  keys
    .command('create')
    .description('create a key for one merchant (--merchant) or an operator key (--operator); prints it once')
    .option('--merchant <id>', "a merchant key: sees and writes this merchant's payments and endpoints only")
    .option('--operator', "an operator key: sees every merchant's objects and names the merchant when it creates one")
    .option('--description <text>', `what the key is for (up to ${MAX_DESCRIPTION_LENGTH} characters)`)
    .option('--json', 'print JSON: {"key_id", "key", "role", "merchant_id"}')
    .addHelpText(
      'after',
      tableCommandHelp(TABLE_ENV, [
        'The key (phk_<key_id>_<secret>) is printed only now: the topic keeps its id and the SHA-256 of its',
        'secret, never the key. Clients send it as "Authorization: Bearer <key>".',
      ]),
    )
    .action(async (options: { merchant?: string; operator?: boolean; description?: string; json?: boolean }) => {
      if ((options.merchant === undefined) === (options.operator !== true)) {
        throw new CliUsageError('--merchant <id> or --operator: give exactly one');
      }
      const merchantId = options.merchant === undefined ? null : parseId('--merchant', options.merchant);
      const description = (options.description ?? '').trim();
      if (description.length > MAX_DESCRIPTION_LENGTH || /\p{C}/u.test(description)) {
        throw new CliUsageError(`--description: must be up to ${MAX_DESCRIPTION_LENGTH} visible characters`);
      }
      const env = pipelineEnv(ctx.env);
      const issued = issueApiKey();
      const record: ApiKey = {
        key_id: issued.keyId,
        merchant_id: merchantId,
        role: merchantId === null ? 'OPERATOR' : 'MERCHANT',
        secret_sha256: issued.hash,
        description,
        created_at: Date.now(),
        revoked_at: null,
      };
      await withTables(env, (tables) => tables.write(Table.API_KEYS, record.key_id, record));
      if (options.json === true) {
        ctx.io.out(
          JSON.stringify({ key_id: record.key_id, key: issued.token, role: record.role, merchant_id: merchantId }),
        );
        return;
      }
      ctx.io.out(`key_id: ${record.key_id}`);
      ctx.io.out(`role: ${record.role}${merchantId === null ? '' : ` (merchant ${merchantId})`}`);
      ctx.io.out(`key: ${issued.token}`);
      ctx.io.err('The key is shown only now: store it in the client; payhook keeps only its hash.');
    });

  keys
    .command('list')
    .description('list keys with role, merchant, description and state (never the key or its hash)')
    .option('--merchant <id>', "only this merchant's keys")
    .option('--json', 'print a JSON array')
    .addHelpText('after', tableCommandHelp(TABLE_ENV))
    .action(async (options: { merchant?: string; json?: boolean }) => {
      const merchant = options.merchant === undefined ? undefined : parseId('--merchant', options.merchant);
      const env = pipelineEnv(ctx.env);
      const rows = await withTables(env, (tables) => tables.read(Table.API_KEYS));
      const selected = [...rows.values()]
        .filter((k) => merchant === undefined || k.merchant_id === merchant)
        .sort((a, b) => a.created_at - b.created_at || a.key_id.localeCompare(b.key_id))
        .map(publicView);
      if (options.json === true) {
        ctx.io.out(JSON.stringify(selected, null, 2));
        return;
      }
      if (selected.length === 0) {
        ctx.io.err(merchant === undefined ? 'no API keys' : `no API keys for merchant ${merchant}`);
        return;
      }
      for (const k of selected) {
        ctx.io.out(
          [
            k.key_id,
            k.role === 'OPERATOR' ? 'operator' : `merchant=${k.merchant_id}`,
            k.revoked_at === null ? 'active' : `revoked (${new Date(k.revoked_at).toISOString()})`,
            `created=${new Date(k.created_at).toISOString()}`,
            ...(k.description === '' ? [] : [`description=${JSON.stringify(k.description)}`]),
          ].join('  '),
        );
      }
    });

  keys
    .command('revoke')
    .description(
      'revoke a key: the API refuses it within seconds (as soon as it reads the topic); a no-op when revoked already',
    )
    .argument('<key_id>', 'the key id (16 hexadecimal digits, as `list` shows it)')
    .addHelpText('after', tableCommandHelp(TABLE_ENV))
    .action(async (id: string) => {
      if (!KEY_ID.test(id)) throw new CliUsageError('<key_id>: must be 16 hexadecimal digits (lowercase)');
      const env = pipelineEnv(ctx.env);
      const changed = await withTables(env, async (tables) => {
        const key = (await tables.read(Table.API_KEYS)).get(id);
        if (key === undefined) throw new CliUsageError(`<key_id>: API key "${id}" does not exist`);
        if (key.revoked_at !== null) return false;
        await tables.write(Table.API_KEYS, id, { ...key, revoked_at: Date.now() });
        return true;
      });
      ctx.io.out(`${changed ? 'revoked' : 'already revoked'} ${id}`);
    });
}

/** A key as `list` shows it: never the hash. */
function publicView(k: ApiKey) {
  return {
    key_id: k.key_id,
    role: k.role,
    merchant_id: k.merchant_id,
    description: k.description,
    created_at: k.created_at,
    revoked_at: k.revoked_at,
  };
}
