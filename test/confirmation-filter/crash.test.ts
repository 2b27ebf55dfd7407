// kill -9 the filter process mid-stream and restart it: under read_committed the dispatch
// topic holds every expected delivery record exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PaymentEvent } from '@payhook/contracts';
import { createPipelineFixture, type PipelineFixture, sampleValues, waitUntil } from '@payhook/testkit';
import { testEndpoint } from '../dispatcher/fixture.ts';

const FILTER_MAIN = fileURLToPath(new URL('../../services/confirmation-filter/src/main.ts', import.meta.url));
const PAYMENTS = 300;
let pipe: PipelineFixture;

function spawnFilter() {
  const child = spawn(process.execPath, [FILTER_MAIN], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...pipe.serviceEnv(),
      FILTER_INSTANCE_ID: 'crash-test',
      FILTER_SESSION_TIMEOUT_MS: '6000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit');
  return Object.assign(child, { exited });
}

before(async () => {
  pipe = await createPipelineFixture();
});
after(() => pipe.close());

it('kill -9 mid-stream and restart: no duplicate and no missing delivery record', async () => {
  const endpoints = [
    testEndpoint({ url: 'https://a.example/h', merchant_id: 'mer_crash' }),
    testEndpoint({ url: 'https://b.example/h', merchant_id: 'mer_crash' }),
  ];
  await pipe.produce(
    pipe.topics.endpoints,
    'ENDPOINT',
    endpoints.map((e) => ({ key: e.endpoint_id, value: e })),
  );
  const dispatched = await pipe.collect(pipe.topics.dispatch, 'WEBHOOK_DELIVERY');
  const first = spawnFilter();
  const events: PaymentEvent[] = Array.from({ length: PAYMENTS }, (_, i) => ({
    ...sampleValues.PAYMENT_EVENT,
    event_id: `evt_crash_${i}`,
    payment_id: `pay_crash_${i}`,
    merchant_id: 'mer_crash',
    sequence: 1,
    status: 'CONFIRMED',
  }));
  // A steady stream, so the kill lands between transactions and inside them.
  const producing = (async () => {
    for (let i = 0; i < PAYMENTS; i += 10) {
      await pipe.produce(
        pipe.topics.events,
        'PAYMENT_EVENT',
        events.slice(i, i + 10).map((e) => ({ key: e.payment_id, value: e })),
      );
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await waitUntil(() => dispatched.length >= 100, { what: 'some output', timeoutMs: 60_000 });
  first.kill('SIGKILL');
  await first.exited;
  await producing;
  const second = spawnFilter();
  await waitUntil(() => dispatched.length >= PAYMENTS * 2, { what: 'all output', timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 2_000));
  assert.equal(dispatched.length, PAYMENTS * 2, 'no duplicate records');
  assert.equal(new Set(dispatched.map((d) => d.delivery_id)).size, PAYMENTS * 2, 'no missing records');
  second.kill('SIGTERM');
  const [code] = await second.exited;
  assert.equal(code, 0);
});
