import { chainById, type PaymentIntent } from '@payhook/contracts';
import { buildPaymentIntent, DEFAULT_EXPIRES_IN, findIntentConflict, PAYMENT_INTENT_OPTIONS } from '@payhook/inputs';
import type { Command } from 'commander';
import { formatUnits } from 'viem/utils';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv } from '../context.ts';
import { type HelpVariable, tableCommandHelp } from '../help.ts';
import { Table, withTables } from '../tables.ts';
import { CONFIRMATIONS_RANGE, formatDuration, MAX_EXPIRES_IN_MS, parseId } from '../validation.ts';

const TABLE_ENV: readonly HelpVariable[] = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'PAYHOOK_TOPIC_PREFIX'];

interface CreateOptions {
  merchant: string;
  chain: string;
  address: string;
  amount: string;
  token?: string;
  decimals?: string;
  symbol?: string;
  confirmations?: string;
  expiresIn: string;
  id?: string;
  json?: boolean;
}

/** `payhook payments create|get`: the compacted payments.intents topic. */
export function registerPaymentCommands(program: Command, ctx: CliContext): void {
  // Set before the subcommands are added, so they inherit it: their usage errors (a missing
  // required option) then reach main.ts as CommanderErrors and exit 2 instead of 1.
  const payments = program
    .command('payments')
    .exitOverride()
    .description('create and inspect payment intents (the compacted payments.intents topic)')
    .addHelpText('after', tableCommandHelp(TABLE_ENV));

  payments
    .command('create')
    .description('create a payment intent: what the scanner watches a deposit address for')
    .requiredOption('--merchant <id>', 'merchant that owns the payment (selects its webhook endpoints)')
    .requiredOption('--chain <id>', 'EIP-155 chain id of a known chain, e.g. 1, 8453 or 31337')
    .requiredOption('--address <0x…>', 'deposit address; checksummed or all-lowercase; unique across payments')
    .requiredOption('--amount <base-units>', 'expected amount in integer base units (wei for ETH), up to uint256')
    .option(
      '--token <0x…>',
      "ERC-20 contract address (default: the chain's native coin); needs --decimals and --symbol",
    )
    .option('--decimals <n>', "the token's decimals, 0 to 255 (only with --token)")
    .option('--symbol <s>', "the token's display symbol (only with --token)")
    .option(
      '--confirmations <n>',
      `required confirmations, ${CONFIRMATIONS_RANGE.min} to ${CONFIRMATIONS_RANGE.max} (default: the chain's)`,
    )
    .option(
      '--expires-in <duration>',
      `how long the payment waits for funds, 1s to ${formatDuration(MAX_EXPIRES_IN_MS)}`,
      DEFAULT_EXPIRES_IN,
    )
    .option('--id <id>', 'payment id (default: a random pay_… id); refused when taken')
    .option('--json', 'print the intent written as JSON')
    .addHelpText(
      'after',
      tableCommandHelp(TABLE_ENV, [
        'The payments table is read first: a payment id that is taken, or a deposit address another',
        'payment uses (on any chain, expired or not), is refused.',
      ]),
    )
    .action(async (options: CreateOptions) => {
      const intent = intentFromOptions(options, Date.now());
      const env = pipelineEnv(ctx.env);
      await withTables(env, async (tables) => {
        const conflict = findIntentConflict(intent, await tables.read(Table.PAYMENT_INTENTS));
        if (conflict?.kind === 'id_taken') {
          throw new CliUsageError(`--id: payment "${intent.payment_id}" already exists`);
        }
        if (conflict?.kind === 'address_taken') {
          throw new CliUsageError(
            `--address: ${intent.deposit_address} is already the deposit address of payment "${conflict.existing.payment_id}"`,
          );
        }
        await tables.write(Table.PAYMENT_INTENTS, intent.payment_id, intent);
      });
      if (options.json === true) ctx.io.out(JSON.stringify(intent, null, 2));
      else for (const line of describeIntent(intent, Date.now())) ctx.io.out(line);
    });

  payments
    .command('get')
    .description('show one payment intent')
    .argument('<id>', 'payment id')
    .option('--json', 'print the intent as JSON (timestamps in milliseconds since the epoch)')
    .addHelpText('after', tableCommandHelp(TABLE_ENV))
    .action(async (id: string, options: { json?: boolean }) => {
      const paymentId = parseId('<id>', id);
      const env = pipelineEnv(ctx.env);
      const intent = await withTables(env, async (tables) => (await tables.read(Table.PAYMENT_INTENTS)).get(paymentId));
      if (intent === undefined) throw new CliUsageError(`<id>: payment "${paymentId}" does not exist`);
      if (options.json === true) ctx.io.out(JSON.stringify(intent, null, 2));
      else for (const line of describeIntent(intent, Date.now())) ctx.io.out(line);
    });
}

/** Validates every option (each error names its option) into the intent to write. */
function intentFromOptions(options: CreateOptions, nowMs: number): PaymentIntent {
  return buildPaymentIntent(options, nowMs, PAYMENT_INTENT_OPTIONS);
}

/** An intent for a person: each field on its own line, amounts also in display units. */
function describeIntent(intent: PaymentIntent, nowMs: number): string[] {
  const chain = chainById(intent.chain_id);
  const { asset } = intent;
  const display = `${formatUnits(BigInt(intent.amount_expected), asset.decimals)} ${asset.symbol}`;
  const expiry = intent.expires_at <= nowMs ? 'expired' : `in ${formatRemaining(intent.expires_at - nowMs)}`;
  return [
    `payment_id: ${intent.payment_id}`,
    `merchant_id: ${intent.merchant_id}`,
    `chain: ${intent.chain_id}${chain === undefined ? '' : ` (${chain.name})`}`,
    `deposit_address: ${intent.deposit_address}`,
    `asset: ${asset.kind === 'NATIVE' ? `${asset.symbol} (native` : `${asset.symbol} (ERC-20 ${asset.token_address}`}, ${asset.decimals} decimals)`,
    `amount_expected: ${intent.amount_expected} (${display})`,
    `required_confirmations: ${intent.required_confirmations}`,
    `created_at: ${new Date(intent.created_at).toISOString()}`,
    `expires_at: ${new Date(intent.expires_at).toISOString()} (${expiry})`,
  ];
}

function formatRemaining(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
