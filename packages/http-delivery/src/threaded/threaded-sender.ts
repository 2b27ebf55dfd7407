import type { HeapInfo } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { PayhookError } from '@payhook/runtime/errors';
import { onAbort } from '../abort-fanout.ts';
import { SenderClosedError, SenderThreadError } from '../errors.ts';
// Types only from the sender itself: this side of the threads never loads the HTTP client.
import type { DeliveryResult, HttpSender, SendRequest } from '../http-sender.ts';
import { checkSenderOptions } from '../sender-options.ts';
import {
  type FromThread,
  packedRequestIds,
  packRequest,
  type ThreadSenderOptions,
  type ThreadStart,
  type ToThread,
  unpackResults,
  type WireError,
  type WireFailure,
} from './protocol.ts';
import {
  checkThreadHeapLimits,
  releaseProcessHeapFlags,
  resourceLimitsOf,
  type ThreadHeapLimits,
} from './thread-heap.ts';

/** Endpoint URLs whose thread is remembered; past this the cache starts afresh. */
const MAX_CACHED_URLS = 50_000;
/** How long a closing thread may take to exit once it said it is done. */
const EXIT_GRACE_MS = 5_000;

/**
 * Options of {@link createThreadedHttpSender}: those of the sender in each thread, and these.
 * There is no clock: a thread reads `Retry-After` dates against the system clock.
 */
export interface ThreadedHttpSenderOptions extends ThreadSenderOptions {
  /**
   * Sender threads. Each has its own connection pool; an origin always goes to the same
   * thread, so its connections are reused and its per-origin bound holds.
   * @defaultValue 1
   */
  readonly threads?: number;
  /**
   * Each thread's own heap. Without it the threads inherit the process's heap flags (a copy of
   * the caller's sizes); with it the caller's own heap keeps its flags.
   */
  readonly heap?: ThreadHeapLimits;
  /**
   * Called once if a thread fails or exits unasked. Its attempts then reject, and so does
   * every later call: the owner should stop (its records are not finished, so they are
   * delivered again after a restart).
   */
  readonly onFatal?: (error: SenderThreadError) => void;
}

/** An {@link HttpSender} whose attempts run in sender threads. */
export interface ThreadedHttpSender extends HttpSender {
  /** Each thread's V8 heap statistics, in thread order. */
  threadHeapStatistics(): Promise<HeapInfo[]>;
}

interface Pending {
  readonly resolve: (result: DeliveryResult) => void;
  readonly reject: (error: Error) => void;
  readonly onStart: (() => void) | undefined;
}

/** One sender thread, seen from the caller's side. */
interface SenderThread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Requests packed for the next message. */
  outbox: unknown[];
  /** A copy of the headers last packed for this thread: requests with equal ones leave theirs out. */
  lastHeaders: Readonly<Record<string, string>> | undefined;
  /** The thread runs (or never will: it exited first). */
  readonly started: Promise<void>;
  /** The thread said it is done, or exited. */
  readonly closed: Promise<void>;
  readonly exited: Promise<void>;
  /** Why the thread stopped, once it has. */
  stoppedBy: SenderThreadError | undefined;
}

/**
 * Creates an {@link HttpSender} whose attempts (signing, the address guard, the HTTP exchange
 * itself) run in worker threads, so that a busy caller, such as a consumer decoding and routing
 * records, shares the work with another core. Requests and results cross in batches, one
 * message per direction and turn of the event loop.
 */
export function createThreadedHttpSender(options: ThreadedHttpSenderOptions = {}): ThreadedHttpSender {
  const { threads: count = 1, heap, onFatal, ...senderOptions } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('threads must be an integer ≥ 1');
  if (heap !== undefined) {
    checkThreadHeapLimits(heap);
    releaseProcessHeapFlags();
  }
  // Bad options fail here, not later in a thread.
  checkSenderOptions(senderOptions);
  let closing = false;
  let failure: SenderThreadError | undefined;
  let nextId = 1;
  /** Cancels the subscriptions to caller signals, once the sender is done. */
  const unsubscribes: (() => void)[] = [];

  const rejectAll = (thread: SenderThread, error: Error) => {
    for (const pending of thread.pending.values()) pending.reject(error);
    thread.pending.clear();
  };
  const fail = (error: SenderThreadError) => {
    if (failure !== undefined) return;
    failure = error;
    for (const thread of threads) rejectAll(thread, error);
    for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    onFatal?.(error);
  };

  const start = (index: number): SenderThread => {
    const worker = new Worker(new URL('./sender-thread.ts', import.meta.url), {
      workerData: { options: senderOptions } satisfies ThreadStart,
      name: `payhook-sender-${index}`,
      ...(heap === undefined ? {} : { resourceLimits: resourceLimitsOf(heap) }),
    });
    let done = () => {};
    let gone = () => {};
    const thread: SenderThread = {
      worker,
      pending: new Map(),
      outbox: [],
      lastHeaders: undefined,
      started: new Promise<void>((resolve) => {
        worker.once('online', resolve);
        worker.once('exit', resolve);
      }),
      closed: new Promise<void>((resolve) => (done = resolve)),
      exited: new Promise<void>((resolve) => (gone = resolve)),
      stoppedBy: undefined,
    };
    worker.on('message', (message: FromThread) => {
      if (message.type === 'closed') done();
      else deliver(thread, message.started, message.results, message.failures);
    });
    worker.on('error', (error) => {
      const failed = new SenderThreadError(`sender thread ${index} failed`, { cause: error });
      thread.stoppedBy ??= failed;
      // During a shutdown only what it owed fails (as on an exit); otherwise the sender is done.
      if (closing) rejectAll(thread, failed);
      else fail(failed);
    });
    worker.on('messageerror', (error) =>
      fail(new SenderThreadError(`a message from sender thread ${index} could not be read`, { cause: error })),
    );
    worker.on('exit', (code) => {
      done();
      gone();
      const error = new SenderThreadError(`sender thread ${index} exited with code ${code}`);
      thread.stoppedBy ??= error;
      // Whatever it still owed fails, during a shutdown too; only then is it not fatal.
      if (closing) rejectAll(thread, error);
      else fail(error);
    });
    return thread;
  };
  const threads: SenderThread[] = Array.from({ length: count }, (_, i) => start(i));

  function deliver(
    thread: SenderThread,
    started: readonly number[],
    results: readonly unknown[],
    failures: readonly WireFailure[],
  ): void {
    for (const id of started) {
      const pending = thread.pending.get(id);
      try {
        pending?.onStart?.();
      } catch (error) {
        // As in the sender itself, a callback that throws fails its own call only; here the
        // request has gone out already, and its outcome is dropped.
        thread.pending.delete(id);
        pending?.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    unpackResults(results, (id, result) => {
      const pending = thread.pending.get(id);
      if (pending === undefined) return;
      thread.pending.delete(id);
      pending.resolve(result);
    });
    for (const { id, failure } of failures) {
      const pending = thread.pending.get(id);
      if (pending === undefined) continue;
      thread.pending.delete(id);
      pending.reject(rebuild(failure));
    }
  }

  // Each caller signal crosses once, as a number; its abort reaches every thread, and the
  // threads forget it once it is collected here.
  const signalIds = new WeakMap<AbortSignal, number>();
  const forget = new FinalizationRegistry<number>((signal) => {
    if (closing || failure !== undefined) return;
    for (const thread of threads) post(thread, { type: 'forget', signal });
  });
  let nextSignal = 1;
  const signalId = (signal: AbortSignal): number => {
    let id = signalIds.get(signal);
    if (id === undefined) {
      const assigned = nextSignal++;
      id = assigned;
      signalIds.set(signal, assigned);
      forget.register(signal, assigned);
      unsubscribes.push(
        onAbort(signal, () => {
          for (const thread of threads) post(thread, { type: 'abort', signal: assigned });
        }),
      );
    }
    return id;
  };

  // Origins stick to a thread; with one thread there is nothing to choose.
  const threadOfUrl = new Map<string, SenderThread>();
  const threadFor = (url: string): SenderThread => {
    if (threads.length === 1) return threads[0] as SenderThread;
    let thread = threadOfUrl.get(url);
    if (thread === undefined) {
      let host = '';
      try {
        host = new URL(url).host;
      } catch {
        // Refused by the thread's own URL check.
      }
      let hash = 0;
      for (let i = 0; i < host.length; i++) hash = (hash * 31 + host.charCodeAt(i)) | 0;
      thread = threads[Math.abs(hash) % threads.length] as SenderThread;
      if (threadOfUrl.size >= MAX_CACHED_URLS) threadOfUrl.clear();
      threadOfUrl.set(url, thread);
    }
    return thread;
  };

  const post = (thread: SenderThread, message: ToThread) => {
    // Sends already waiting go first: an abort must find them there.
    flush(thread);
    thread.worker.postMessage(message);
  };
  const flush = (thread: SenderThread) => {
    if (thread.outbox.length === 0) return;
    const requests = thread.outbox;
    // Posting copies the batch: the same array is emptied and filled again.
    try {
      thread.worker.postMessage({ type: 'send', requests } satisfies ToThread);
      requests.length = 0;
    } catch (error) {
      thread.outbox = [];
      // A request that cannot cross (say, a body that cannot be cloned) fails with its batch;
      // the thread never saw the batch's headers either.
      thread.lastHeaders = undefined;
      for (const id of packedRequestIds(requests)) {
        thread.pending.get(id)?.reject(error instanceof Error ? error : new Error(String(error)));
        thread.pending.delete(id);
      }
    }
  };
  let flushScheduled = false;
  const flushAll = () => {
    flushScheduled = false;
    for (const thread of threads) flush(thread);
  };

  function send(request: SendRequest): Promise<DeliveryResult> {
    if (failure !== undefined) return Promise.reject(failure);
    if (closing) return Promise.reject(new SenderClosedError());
    const url = String(request.url);
    const thread = threadFor(url);
    const id = nextId++;
    const headers = sameHeaders(request.headers, thread.lastHeaders) ? undefined : { ...request.headers };
    if (headers !== undefined) thread.lastHeaders = headers;
    packRequest(
      thread.outbox,
      id,
      url,
      headers,
      request,
      request.signal === undefined ? undefined : signalId(request.signal),
    );
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
    return new Promise<DeliveryResult>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject, onStart: request.onStart });
    });
  }

  /** A running thread's heap statistics; a thread that stopped is named with why. */
  async function heapStatisticsOf(thread: SenderThread): Promise<HeapInfo> {
    await thread.started;
    try {
      return await thread.worker.getHeapStatistics();
    } catch (error) {
      throw thread.stoppedBy ?? error;
    }
  }

  async function shutDown(how: 'close' | 'destroy'): Promise<void> {
    closing = true;
    for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    await Promise.all(
      threads.map(async (thread) => {
        post(thread, { type: how });
        await thread.closed;
        const grace = setTimeout(() => void thread.worker.terminate(), EXIT_GRACE_MS);
        await thread.exited;
        clearTimeout(grace);
      }),
    );
  }

  return {
    send,
    close: () => shutDown('close'),
    destroy: () => shutDown('destroy'),
    threadHeapStatistics: () => Promise.all(threads.map(heapStatisticsOf)),
  };
}

/** Whether two header records have the same names and values. */
function sameHeaders(
  given: Readonly<Record<string, string>>,
  last: Readonly<Record<string, string>> | undefined,
): boolean {
  if (last === undefined) return false;
  let count = 0;
  for (const name in given) {
    if (given[name] !== last[name]) return false;
    count++;
  }
  for (const _ in last) count--;
  return count === 0;
}

/** The error a thread's `send` rejected with, as near as it can be rebuilt here. */
function rebuild(failure: WireError): Error {
  const error =
    failure.code === undefined
      ? new Error(failure.message)
      : new PayhookError(failure.code, failure.message, { retryable: failure.retryable });
  error.name = failure.name;
  return error;
}
