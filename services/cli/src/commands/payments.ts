import { randomBytes } from 'node:crypto';
import { type Asset, chainById, type PaymentIntent } from '@payhook/contracts';
import type { Command } from 'commander';
import { formatUnits } from 'viem/utils';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv } from '../context.ts';
import { type HelpVariable, tableCommandHelp } from '../help.ts';
import { Table, withTables } from '../tables.ts';
import {
  CONFIRMATIONS_RANGE,
  formatDuration,
  MAX_EXPIRES_IN_MS,
  parseAddress,
  parseAmount,
  parseChain,
  parseDuration,
  parseId,
  parseInteger,
  parseSymbol,
} from '../validation.ts';

/** How long a payment waits for funds unless `--expires-in` says otherwise. */
const DEFAULT_EXPIRES_IN = '1h';
/** ERC-20 `decimals()` is a uint8. */
const DECIMALS_RANGE = { min: 0, max: 255 } as const;

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
        const intents = await tables.read(Table.PAYMENT_INTENTS);
        if (intents.has(intent.payment_id)) {
          throw new CliUsageError(`--id: payment "${intent.payment_id}" already exists`);
        }
        for (const other of intents.values()) {
          // Checksummed on write, so equal addresses are equal strings; lowercase guards older records.
          if (other.deposit_address.toLowerCase() === intent.deposit_address.toLowerCase()) {
            throw new CliUsageError(
              `--address: ${intent.deposit_address} is already the deposit address of payment "${other.payment_id}"`,
            );
          }
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
  const paymentId = options.id === undefined ? `pay_${randomBytes(10).toString('hex')}` : parseId('--id', options.id);
  const merchantId = parseId('--merchant', options.merchant);
  const chain = parseChain('--chain', options.chain);
  const address = parseAddress('--address', options.address);
  const amount = parseAmount('--amount', options.amount);
  const expiresInMs = parseDuration('--expires-in', options.expiresIn, { minMs: 1_000, maxMs: MAX_EXPIRES_IN_MS });
  const confirmations =
    options.confirmations === undefined
      ? chain.defaultConfirmations
      : parseInteger('--confirmations', options.confirmations, CONFIRMATIONS_RANGE);

  let asset: Asset;
  if (options.token === undefined) {
    if (options.decimals !== undefined)
      throw new CliUsageError("--decimals: only with --token (the native coin's decimals are the chain's)");
    if (options.symbol !== undefined)
      throw new CliUsageError("--symbol: only with --token (the native coin's symbol is the chain's)");
    asset = { kind: 'NATIVE', token_address: null, symbol: chain.nativeSymbol, decimals: chain.nativeDecimals };
  } else {
    const token = parseAddress('--token', options.token);
    if (token === address) throw new CliUsageError('--token: is the deposit address; a token contract cannot be both');
    if (options.decimals === undefined) throw new CliUsageError('--decimals: required with --token');
    if (options.symbol === undefined) throw new CliUsageError('--symbol: required with --token');
    asset = {
      kind: 'ERC20',
      token_address: token,
      symbol: parseSymbol('--symbol', options.symbol),
      decimals: parseInteger('--decimals', options.decimals, DECIMALS_RANGE),
    };
  }

  return {
    payment_id: paymentId,
    merchant_id: merchantId,
    chain_id: chain.id,
    deposit_address: address,
    asset,
    amount_expected: amount,
    required_confirmations: confirmations,
    expires_at: nowMs + expiresInMs,
    created_at: nowMs,
  };
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
