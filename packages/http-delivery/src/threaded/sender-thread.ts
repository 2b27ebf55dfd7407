// The body of a sender thread: an ordinary HTTP sender driven by messages from the
// threaded sender. Started by `createThreadedHttpSender`, never on its own.
import { parentPort, workerData } from 'node:worker_threads';
import { PayhookError } from '@payhook/runtime/errors';
import type { Connector } from '../guarded-connector.ts';
import { createHttpSender, type HttpSenderOptions, type SendRequest } from '../http-sender.ts';
import type { Resolve } from '../resolver.ts';
import {
  type FromThread,
  packResult,
  type RequestBindings,
  type ThreadStart,
  type ToThread,
  unpackRequests,
  type WireFailure,
} from './protocol.ts';

if (parentPort === null) throw new Error('sender-thread.ts runs only as a worker thread');
const port = parentPort;
const { options } = workerData as ThreadStart;
const { networkModule, ...senderOptions } = options;

let network: { resolve?: Resolve; connector?: Connector } = {};
if (networkModule !== undefined) network = (await import(networkModule)) as typeof network;
const sender = createHttpSender({
  ...senderOptions,
  ...(network.resolve === undefined ? {} : { resolve: network.resolve }),
  ...(network.connector === undefined ? {} : { connector: network.connector }),
} satisfies HttpSenderOptions);

/** One controller per caller signal: aborting it aborts every attempt that was given it. */
const signals = new Map<number, AbortController>();
const signalOf = (id: number): AbortSignal => {
  let controller = signals.get(id);
  if (controller === undefined) {
    controller = new AbortController();
    signals.set(id, controller);
  }
  return controller.signal;
};

// Events of one turn go back in one message.
const started: number[] = [];
const results: unknown[] = [];
const failures: WireFailure[] = [];
let flushing = false;
const flush = () => {
  if (!flushing) return;
  flushing = false;
  const message: FromThread = { type: 'events', started, results, failures };
  // Posting copies the events: the same arrays are emptied and filled again.
  port.postMessage(message);
  started.length = 0;
  results.length = 0;
  failures.length = 0;
};
/** The headers of the last request read: a packed request without headers has these. */
let lastHeaders: Readonly<Record<string, string>> = {};
const queued = () => {
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
};

// Attempts not yet answered; closing waits for them so that every caller hears back.
let running = 0;
let onIdle: (() => void) | undefined;

/** The thread's side of a request: its signal's counterpart, and the report that it went out. */
const bindings: RequestBindings = {
  signal: signalOf,
  onStart: (id) => () => {
    started.push(id);
    queued();
  },
};

function run(id: number, request: SendRequest): void {
  running++;
  sender
    .send(request)
    .then(
      (result) => packResult(results, id, result),
      (error: unknown) => {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        const payhook = error instanceof PayhookError ? error : undefined;
        failures.push({
          id,
          failure: { name, message, code: payhook?.code, retryable: payhook?.retryable ?? false },
        });
      },
    )
    .finally(() => {
      running--;
      queued();
      if (running === 0) onIdle?.();
    });
}

async function shutDown(how: 'close' | 'destroy'): Promise<void> {
  await (how === 'close' ? sender.close() : sender.destroy());
  if (running > 0) await new Promise<void>((resolve) => (onIdle = resolve));
  flush();
  port.postMessage({ type: 'closed' } satisfies FromThread);
  port.close();
}

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'send':
      lastHeaders = unpackRequests(message.requests, lastHeaders, bindings, run);
      break;
    case 'forget':
      signals.delete(message.signal);
      break;
    case 'abort':
      signalOf(message.signal);
      signals.get(message.signal)?.abort(new DOMException('This operation was aborted', 'AbortError'));
      break;
    case 'close':
    case 'destroy':
      void shutDown(message.type);
      break;
  }
});
