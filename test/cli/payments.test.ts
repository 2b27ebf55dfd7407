import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Chain, createContractCodec, createRegistryClient, loadSchemas, type PaymentIntent } from '@payhook/contracts';
import { createTableReader } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { testEnvironment, testKafka, uniqueName } from '@payhook/testkit';
import type { Admin } from 'kafkajs';
import { runCli } from './run-cli.ts';

// One pipeline of its own: topics and subjects under a random prefix, provisioned by the CLI itself.
const prefix = `${uniqueName('cli')}.`;
const topic = `${prefix}payments.intents`;
const env = { PAYHOOK_TOPIC_PREFIX: prefix, PAYHOOK_RETRY_TIERS: '5s', PAYHOOK_PARTITIONS: '1' };

// Well-known local development accounts, in their EIP-55 spelling.
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const BOB = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const CAROL = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const UNUSED = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65';
const MAX_UINT256 = (2n ** 256n - 1n).toString();

const kafka = testKafka();
let admin: Admin;
const codec = createContractCodec(createRegistryClient(testEnvironment.schemaRegistryUrl), loadSchemas());

const cli = (args: readonly string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });

/** Records ever written to the intents topic (compaction never runs within a test: its lag is a minute). */
async function recordCount(): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** The intents table as the pipeline reads it. */
async function readIntents(): Promise<Map<string, PaymentIntent>> {
  const reader = createTableReader<PaymentIntent>({
    kafka,
    topic,
    logger: createLogger({ name: 'test', level: 'error', destination: process.stderr }),
    decode: (_key, value) => codec.decode('PAYMENT_INTENT', value),
  });
  await reader.start();
  await reader.stop();
  return new Map([...reader.values()].map((p) => [p.payment_id, p]));
}

async function createJson(args: readonly string[]): Promise<PaymentIntent> {
  const result = await cli(['payments', 'create', ...args, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as PaymentIntent;
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  for (const command of [
    ['topics', 'create'],
    ['schemas', 'register'],
  ]) {
    const result = await cli(command);
    assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`);
  }
});

after(async () => {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('payhook payments', () => {
  it('create stores a native payment with the chain defaults; get shows it', async () => {
    const before = Date.now();
    const created = await createJson([
      '--merchant',
      'mer_a',
      '--chain',
      '1',
      '--address',
      ALICE.toLowerCase(),
      '--amount',
      '1500000000000000000',
      '--id',
      'pay_native',
    ]);
    assert.equal(created.payment_id, 'pay_native');
    assert.equal(created.deposit_address, ALICE, 'stored checksummed');
    assert.deepEqual(created.asset, { kind: 'NATIVE', token_address: null, symbol: 'ETH', decimals: 18 });
    assert.equal(created.chain_id, 1);
    assert.equal(created.amount_expected, '1500000000000000000');
    assert.equal(created.required_confirmations, Chain.ETHEREUM.defaultConfirmations);
    assert.equal(created.expires_at - created.created_at, 3_600_000);
    assert.ok(created.created_at >= before && created.created_at <= Date.now());

    // Avro decodes into instances of generated record classes: compare the plain data.
    assert.deepEqual(JSON.parse(JSON.stringify((await readIntents()).get('pay_native'))), created);

    const got = await cli(['payments', 'get', 'pay_native', '--json']);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), created);

    const text = await cli(['payments', 'get', 'pay_native']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^chain: 1 \(Ethereum\)$/m);
    assert.match(text.stdout, new RegExp(`^deposit_address: ${ALICE}$`, 'm'));
    assert.match(text.stdout, /^amount_expected: 1500000000000000000 \(1\.5 ETH\)$/m);
    assert.match(text.stdout, /^required_confirmations: 12$/m);
  });

  it('create stores an ERC-20 payment with explicit confirmations and expiry', async () => {
    const created = await createJson([
      '--merchant',
      'mer_a',
      '--chain',
      '31337',
      '--address',
      BOB,
      '--amount',
      '0002500000',
      '--token',
      TOKEN.toLowerCase(),
      '--decimals',
      '6',
      '--symbol',
      'USDC',
      '--confirmations',
      '3',
      '--expires-in',
      '30m',
    ]);
    assert.match(created.payment_id, /^pay_[0-9a-f]{20}$/);
    assert.deepEqual(created.asset, { kind: 'ERC20', token_address: TOKEN, symbol: 'USDC', decimals: 6 });
    assert.equal(created.amount_expected, '2500000', 'leading zeros dropped');
    assert.equal(created.required_confirmations, 3);
    assert.equal(created.expires_at - created.created_at, 30 * 60_000);
    const text = await cli(['payments', 'get', created.payment_id]);
    assert.match(text.stdout, /^asset: USDC \(ERC-20 0x5FbDB2315678afecb367f032d93F642f64180aa3, 6 decimals\)$/m);
    assert.match(text.stdout, /^amount_expected: 2500000 \(2\.5 USDC\)$/m);
  });

  it('the largest uint256 is a valid amount; the local chain needs one confirmation by default', async () => {
    const created = await createJson([
      '--merchant',
      'mer_b',
      '--chain',
      '31337',
      '--address',
      CAROL,
      '--amount',
      MAX_UINT256,
    ]);
    assert.equal(created.amount_expected, MAX_UINT256);
    assert.equal(created.required_confirmations, 1);
  });

  describe('refused input exits 2, names what was wrong and writes nothing', () => {
    let count: number;
    let intentsBefore: number;
    before(async () => {
      count = await recordCount();
      intentsBefore = (await readIntents()).size;
    });

    const create = (overrides: Record<string, string | undefined>, ...extra: string[]) => {
      const options: Record<string, string | undefined> = {
        '--merchant': 'mer_x',
        '--chain': '1',
        '--address': UNUSED,
        '--amount': '1000',
        ...overrides,
      };
      const args = Object.entries(options).flatMap(([name, value]) => (value === undefined ? [] : [name, value]));
      return ['payments', 'create', ...args, ...extra];
    };
    // One letter's case flipped: the same hex digits, a checksum that cannot match.
    const wrongChecksum = ALICE.replace(/C8$/, 'c8');
    const wrongTokenChecksum = TOKEN.replace('0x5FbDB', '0x5fbDB');
    const cases: [string, string[], RegExp][] = [
      [
        'an address with a wrong checksum',
        create({ '--address': wrongChecksum }),
        /--address: .* fails its EIP-55 checksum/,
      ],
      [
        'an address that is too short',
        create({ '--address': '0x1234' }),
        /--address: must be 0x followed by 40 hexadecimal digits/,
      ],
      [
        'an address that is not hex',
        create({ '--address': `0x${'g'.repeat(40)}` }),
        /--address: must be 0x followed by 40/,
      ],
      ['the zero address', create({ '--address': `0x${'0'.repeat(40)}` }), /--address: the zero address/],
      [
        'an address used by another payment',
        create({ '--address': ALICE }),
        /--address: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 is already the deposit address of payment "pay_native"/,
      ],
      [
        'the same address in lowercase on another chain',
        create({ '--address': ALICE.toLowerCase(), '--chain': '8453' }),
        /--address: .* already the deposit address of payment "pay_native"/,
      ],
      ['a payment id that is taken', create({ '--id': 'pay_native' }), /--id: payment "pay_native" already exists/],
      ['a zero amount', create({ '--amount': '0' }), /--amount: must be above zero/],
      ['a negative amount', create({ '--amount': '-5' }), /--amount: must be a whole number of base units/],
      [
        'a decimal amount',
        create({ '--amount': '1.5' }),
        /--amount: must be a whole number of base units \(amounts are integer base units/,
      ],
      ['an amount in exponent notation', create({ '--amount': '1e18' }), /--amount: must be a whole number/],
      ['a hexadecimal amount', create({ '--amount': '0x10' }), /--amount: must be a whole number/],
      [
        'an amount above uint256',
        create({ '--amount': (2n ** 256n).toString() }),
        /--amount: exceeds the largest uint256/,
      ],
      ['an unknown chain', create({ '--chain': '5' }), /--chain: "5" is not a known chain id; known: 1 \(Ethereum\)/],
      ['a chain that is not a number', create({ '--chain': 'mainnet' }), /--chain: "mainnet" is not a known chain id/],
      [
        'a token with a wrong checksum',
        create({}, '--token', wrongTokenChecksum, '--decimals', '6', '--symbol', 'USDC'),
        /--token: .* fails its EIP-55 checksum/,
      ],
      [
        'a token without decimals',
        create({}, '--token', TOKEN, '--symbol', 'USDC'),
        /--decimals: required with --token/,
      ],
      ['a token without a symbol', create({}, '--token', TOKEN, '--decimals', '6'), /--symbol: required with --token/],
      [
        'a token that is the deposit address',
        create({ '--address': TOKEN }, '--token', TOKEN, '--decimals', '6', '--symbol', 'X'),
        /--token: is the deposit address/,
      ],
      [
        'decimals above uint8',
        create({}, '--token', TOKEN, '--decimals', '256', '--symbol', 'USDC'),
        /--decimals: must be a whole number from 0 to 255/,
      ],
      [
        'a symbol with spaces',
        create({}, '--token', TOKEN, '--decimals', '6', '--symbol', 'US DC'),
        /--symbol: must be 1 to 32 visible characters/,
      ],
      ['decimals without a token', create({}, '--decimals', '6'), /--decimals: only with --token/],
      ['a symbol without a token', create({}, '--symbol', 'ETH'), /--symbol: only with --token/],
      [
        'zero confirmations',
        create({}, '--confirmations', '0'),
        /--confirmations: must be a whole number from 1 to 10000/,
      ],
      [
        'confirmations that are not a number',
        create({}, '--confirmations', 'many'),
        /--confirmations: must be a whole number/,
      ],
      ['a malformed duration', create({}, '--expires-in', '1h30m'), /--expires-in: "1h30m" is not a duration/],
      ['a zero duration', create({}, '--expires-in', '0s'), /--expires-in: must be from 1s to 365d/],
      ['a duration above a year', create({}, '--expires-in', '366d'), /--expires-in: must be from 1s to 365d/],
      ['a malformed payment id', create({ '--id': 'pay 1' }), /--id: must be 1 to 128/],
      ['a malformed merchant', create({ '--merchant': '/etc' }), /--merchant: must be 1 to 128/],
      ['no --amount', create({ '--amount': undefined }), /required option '--amount <base-units>'/],
      ['no --address', create({ '--address': undefined }), /required option '--address <0x…>'/],
      ['getting an unknown payment', ['payments', 'get', 'pay_missing'], /<id>: payment "pay_missing" does not exist/],
      ['getting a malformed id', ['payments', 'get', 'pay missing'], /<id>: must be 1 to 128/],
    ];
    for (const [title, args, message] of cases) {
      it(title, async () => {
        const result = await cli(args);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(result.stdout, '');
      });
    }

    it('and nothing reached the topic', async () => {
      assert.equal(await recordCount(), count);
      assert.equal((await readIntents()).size, intentsBefore);
    });
  });

  it('a pipeline without topics fails with status 1 and says what to run', async () => {
    const result = await cli(['payments', 'get', 'pay_native'], { PAYHOOK_TOPIC_PREFIX: `${uniqueName('none')}.` });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /payments\.intents does not exist: run "payhook topics create"/);
  });

  it('every payments command documents the environment it reads and its exit statuses', async () => {
    for (const command of ['create', 'get']) {
      const result = await cli(['payments', command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      for (const variable of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'PAYHOOK_TOPIC_PREFIX', 'Exit status']) {
        assert.ok(result.stdout.includes(variable), `${command} --help names ${variable}`);
      }
    }
  });
});
