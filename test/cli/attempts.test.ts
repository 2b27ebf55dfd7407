import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeliveryAttempt } from '@payhook/contracts';
import { createPipelineFixture, type PipelineFixture } from '@payhook/testkit';
import type { Producer } from 'kafkajs';
import { runCli } from './run-cli.ts';

const MINUTE_MS = 60_000;

let pipe: PipelineFixture;
let producer: Producer;
const base = Date.now() - 60 * MINUTE_MS;

const cli = (args: readonly string[]) => runCli(args, pipe.serviceEnv());

function attempt(
  overrides: Partial<DeliveryAttempt> & Pick<DeliveryAttempt, 'delivery_id' | 'attempt'>,
): DeliveryAttempt {
  return {
    event_id: 'evt_att',
    payment_id: 'pay_att',
    endpoint_id: 'ep_att_a',
    tier: 'dispatch',
    outcome: 'RETRY_SCHEDULED',
    status_code: 503,
    duration_ms: 120,
    error_class: 'HTTP_5XX',
    error_message: 'HTTP 503',
    attempted_at: base,
    replayed_at: null,
    next_attempt_at: base + 1_000,
    response_excerpt: null,
    ...overrides,
  };
}

// One payment delivered to two endpoints: msg_att_a fails twice, then succeeds; msg_att_b is
// parked after a 410. Another payment's attempt at the same endpoint, and one elsewhere.
const history: DeliveryAttempt[] = [
  attempt({ delivery_id: 'msg_att_a', attempt: 1, attempted_at: base }),
  attempt({
    delivery_id: 'msg_att_b',
    attempt: 1,
    endpoint_id: 'ep_att_b',
    attempted_at: base + 500,
    outcome: 'ENDPOINT_DISABLED',
    status_code: 410,
    error_class: 'HTTP_410',
    error_message: 'HTTP 410',
    next_attempt_at: null,
  }),
  attempt({
    delivery_id: 'msg_att_a',
    attempt: 2,
    tier: '1s',
    attempted_at: base + 2_000,
    status_code: null,
    error_class: 'TIMEOUT_HEADERS',
    error_message: 'no response headers within 15000 ms',
    duration_ms: 15_001,
    next_attempt_at: base + 4_000,
  }),
  attempt({
    delivery_id: 'msg_att_a',
    attempt: 3,
    tier: '2s',
    attempted_at: base + 5_000,
    outcome: 'DELIVERED',
    status_code: 200,
    error_class: null,
    error_message: null,
    duration_ms: 35,
    next_attempt_at: null,
  }),
];
const otherPayment = attempt({
  delivery_id: 'msg_att_c',
  attempt: 1,
  payment_id: 'pay_att_other',
  attempted_at: base + 1_000,
});
const elsewhere = attempt({
  delivery_id: 'msg_att_d',
  attempt: 1,
  payment_id: 'pay_att_other',
  endpoint_id: 'ep_att_z',
  attempted_at: base + 3_000,
});

// Decisions taken without a request, and a delivery replayed from the DLQ.
const story: DeliveryAttempt[] = [
  attempt({
    delivery_id: 'msg_att_h',
    attempt: 0,
    payment_id: 'pay_att_story',
    endpoint_id: 'ep_att_s',
    tier: '2s',
    attempted_at: base + 6_000,
    outcome: 'HELD',
    status_code: null,
    duration_ms: 0,
    error_class: 'circuit_open',
    error_message: 'circuit open: no request sent',
    next_attempt_at: base + 8_000,
  }),
  attempt({
    delivery_id: 'msg_att_h',
    attempt: 0,
    payment_id: 'pay_att_story',
    endpoint_id: 'ep_att_s',
    tier: '4s',
    attempted_at: base + 8_000,
    outcome: 'PARKED',
    status_code: null,
    duration_ms: 0,
    error_class: 'endpoint_disabled',
    error_message: 'deleted',
    next_attempt_at: null,
  }),
  attempt({
    delivery_id: 'msg_att_h',
    attempt: 1,
    payment_id: 'pay_att_story',
    endpoint_id: 'ep_att_s',
    attempted_at: base + 9_000,
    outcome: 'DELIVERED',
    status_code: 200,
    error_class: null,
    error_message: null,
    replayed_at: base + 8_500,
    next_attempt_at: null,
  }),
];

/** Plain data: Avro decodes into record classes. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

async function attemptsJson(args: readonly string[]): Promise<DeliveryAttempt[]> {
  const result = await cli(['attempts', ...args, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as DeliveryAttempt[];
}

before(async () => {
  pipe = await createPipelineFixture({ tiers: '1s,2s', partitions: 3 });
  producer = pipe.kafka.producer({ idempotent: true });
  await producer.connect();
  // As the dispatcher writes them: each when it ends, keyed by delivery id (so spread over
  // partitions). The long attempt 2 of msg_att_a is logged after attempt 3 began.
  const loggedAt = (a: DeliveryAttempt) => a.attempted_at + a.duration_ms;
  const written = [...history, otherPayment, elsewhere, ...story].sort((a, b) => loggedAt(a) - loggedAt(b));
  for (const a of written) {
    await producer.send({
      topic: pipe.topics.attempts,
      acks: -1,
      messages: [
        {
          key: a.delivery_id,
          value: await pipe.codec.encode(pipe.topics.attempts, 'DELIVERY_ATTEMPT', a),
          timestamp: String(loggedAt(a)),
        },
      ],
    });
  }
});

after(async () => {
  await producer.disconnect();
  await pipe.close();
});

describe('payhook attempts', () => {
  it('--payment lists every attempt of the payment in the order they were made, with every field', async () => {
    const found = await attemptsJson(['--payment', 'pay_att']);
    assert.deepEqual(found, plain(history));
  });

  it('--delivery and --endpoint select their attempts; several ids must all match', async () => {
    assert.deepEqual(
      await attemptsJson(['--delivery', 'msg_att_a']),
      plain(history.filter((a) => a.delivery_id === 'msg_att_a')),
    );
    assert.deepEqual(
      await attemptsJson(['--endpoint', 'ep_att_a']),
      plain([history[0], otherPayment, history[2], history[3]]),
    );
    assert.deepEqual(
      await attemptsJson(['--endpoint', 'ep_att_a', '--payment', 'pay_att_other']),
      plain([otherPayment]),
    );
  });

  it('--since keeps the attempts logged at or after that time', async () => {
    const since = new Date(base + 2_500).toISOString();
    // Attempt 2 began before, but ended (and was logged) after.
    assert.deepEqual(await attemptsJson(['--payment', 'pay_att', '--since', since]), plain([history[2], history[3]]));
  });

  it('prints a table for a person: time, endpoint, attempt, tier, outcome, status, duration, error, next attempt', async () => {
    const result = await cli(['attempts', '--delivery', 'msg_att_a']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0] ?? '', /^TIME +DELIVERY +ENDPOINT +# +TIER +OUTCOME +STATUS +DURATION +NEXT ATTEMPT +ERROR$/);
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\./g, '\\.');
    assert.match(
      lines[1] ?? '',
      new RegExp(
        `^${iso(base)} +msg_att_a +ep_att_a +1 +dispatch +RETRY_SCHEDULED +503 +120ms +${iso(base + 1_000)} +HTTP_5XX: HTTP 503$`,
      ),
    );
    assert.match(
      lines[2] ?? '',
      / 2 +1s +RETRY_SCHEDULED +- +15001ms .* TIMEOUT_HEADERS: no response headers within 15000 ms$/,
    );
    assert.match(lines[3] ?? '', / 3 +2s +DELIVERED +200 +35ms +- +-$/);
  });

  it('shows decisions taken without a request with their reason, and a replayed delivery as a replay', async () => {
    assert.deepEqual(await attemptsJson(['--payment', 'pay_att_story']), plain(story));
    const result = await cli(['attempts', '--payment', 'pay_att_story']);
    assert.equal(result.code, 0, result.stderr);
    const [, held, parked, replayed] = result.stdout.trimEnd().split('\n');
    assert.match(
      held ?? '',
      / msg_att_h +ep_att_s +- +2s +HELD +- +- +\S+ +circuit_open: circuit open: no request sent$/,
    );
    assert.match(parked ?? '', / - +4s +PARKED +- +- +- +endpoint_disabled: deleted$/);
    assert.match(replayed ?? '', / 1 replay +dispatch +DELIVERED +200 +120ms /);
  });

  it('nothing found is an answer, not an error: "no attempts" (or []) and status 0', async () => {
    const text = await cli(['attempts', '--payment', 'pay_never']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^no attempts \(9 records of the attempts log read\)$/m);
    assert.deepEqual(await attemptsJson(['--delivery', 'msg_never']), []);
  });

  const refused: [string, string[], RegExp][] = [
    ['no id', ['attempts'], /--payment, --delivery or --endpoint: name whose attempts to show/],
    ['a malformed payment', ['attempts', '--payment', 'pay 1'], /--payment: must be 1 to 128/],
    ['a malformed delivery', ['attempts', '--delivery', '-'], /--delivery: must be 1 to 128/],
    ['a malformed endpoint', ['attempts', '--endpoint', 'ep/1'], /--endpoint: must be 1 to 128/],
    [
      'a malformed time',
      ['attempts', '--payment', 'pay_att', '--since', '15 minutes ago'],
      /--since: "15 minutes ago" is not an ISO 8601 time/,
    ],
  ];
  for (const [title, args, message] of refused) {
    it(`refuses ${title} with status 2`, async () => {
      const result = await cli(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }

  it('documents the environment it reads and its exit statuses', async () => {
    const result = await cli(['attempts', '--help']);
    assert.equal(result.code, 0, result.stderr);
    for (const word of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'PAYHOOK_TOPIC_PREFIX', 'Exit status', 'no attempts']) {
      assert.ok(result.stdout.includes(word), `attempts --help names ${word}`);
    }
  });
});
