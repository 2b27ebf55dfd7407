import { existsSync, readFileSync, renameSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PaymentEvent } from '@payhook/contracts';

/** The error a transaction is aborted with by {@link transactionAbortHook}. */
export class InjectedAbort extends Error {
  constructor(paymentId: string) {
    super(`test hook: aborting the transaction that confirms ${paymentId}`);
    this.name = 'InjectedAbort';
  }
}

/**
 * A fault-injection hook for tests, off unless `SCANNER_TEST_ABORT_FILE` is set (only the cluster
 * fault suite, test/faults/cluster.faults.ts, sets it; nothing in deploy/ does). When that file
 * holds a payment id and a transaction of the scanner sends that payment's CONFIRMED event, the
 * hook, called after the transaction's sends and before its commit, renames the file to
 * `<file>.held` (the records are in the log, uncommitted), waits until the test removes it (at
 * most `holdMs`), and throws {@link InjectedAbort}: the transactional writer aborts the
 * transaction, and the scanner retries the step. The test reorgs the chain meanwhile, so the
 * payment's CONFIRMED exists only in an aborted transaction.
 */
export function transactionAbortHook(
  env: Readonly<Record<string, string | undefined>> = process.env,
  holdMs = 20_000,
): ((events: readonly PaymentEvent[]) => Promise<void>) | undefined {
  const file = env.SCANNER_TEST_ABORT_FILE;
  if (file === undefined || file === '') return undefined;
  return async (events) => {
    if (!existsSync(file)) return;
    const paymentId = readFileSync(file, 'utf8').trim();
    if (!events.some((e) => e.payment_id === paymentId && e.status === 'CONFIRMED')) return;
    const held = `${file}.held`;
    renameSync(file, held);
    const deadline = Date.now() + holdMs;
    while (existsSync(held) && Date.now() < deadline) await sleep(50);
    throw new InjectedAbort(paymentId);
  };
}
