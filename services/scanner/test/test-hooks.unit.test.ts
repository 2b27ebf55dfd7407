import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PaymentEvent } from '@payhook/contracts';
import { InjectedAbort, transactionAbortHook } from '../src/test-hooks.ts';

const dir = mkdtempSync(join(tmpdir(), 'payhook-scanner-hook-'));
const event = (payment_id: string, status: string) => ({ payment_id, status }) as PaymentEvent;

describe('the scanner transaction abort hook (tests only)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is off unless SCANNER_TEST_ABORT_FILE is set', () => {
    assert.equal(transactionAbortHook({}), undefined);
    assert.equal(transactionAbortHook({ SCANNER_TEST_ABORT_FILE: '' }), undefined);
  });

  it('lets every transaction through while the file is absent or names another payment or status', async () => {
    const file = join(dir, 'other');
    const hook = transactionAbortHook({ SCANNER_TEST_ABORT_FILE: file }, 1_000);
    await hook?.([event('pay_1', 'CONFIRMED')]);
    writeFileSync(file, 'pay_1\n');
    await hook?.([event('pay_1', 'DETECTED'), event('pay_2', 'CONFIRMED')]);
    assert.ok(existsSync(file));
  });

  it('holds the transaction that confirms the named payment until the test lets go, then aborts it', async () => {
    const file = join(dir, 'abort');
    writeFileSync(file, 'pay_1');
    const hook = transactionAbortHook({ SCANNER_TEST_ABORT_FILE: file }, 10_000);
    let settled = false;
    const held = hook?.([event('pay_1', 'CONFIRMED')]).finally(() => {
      settled = true;
    });
    await sleep(200);
    assert.ok(existsSync(`${file}.held`) && !existsSync(file), 'the file is renamed while held');
    assert.equal(settled, false);
    rmSync(`${file}.held`);
    await assert.rejects(held as Promise<void>, InjectedAbort);
    // Once only: the file is gone.
    await hook?.([event('pay_1', 'CONFIRMED')]);
  });

  it('aborts after the longest hold even if the test never lets go', async () => {
    const file = join(dir, 'timeout');
    writeFileSync(file, 'pay_1');
    const hook = transactionAbortHook({ SCANNER_TEST_ABORT_FILE: file }, 100);
    await assert.rejects(
      hook?.([event('pay_1', 'CONFIRMED')]) as Promise<void>,
      /aborting the transaction that confirms pay_1/,
    );
  });
});
