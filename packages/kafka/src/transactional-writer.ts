import { type Logger, PayhookError } from '@payhook/runtime';
import type { Kafka, Producer, Transaction } from 'kafkajs';
import { connectTransactional, createTransactionalProducer } from './producer.ts';

/** Stable error codes of {@link TransactionalWriter}. */
export const TransactionErrorCode = {
  /** Nothing of the transaction was or will be committed: the same work can run again. */
  ABORTED: 'PAYHOOK_TRANSACTION_ABORTED',
  /**
   * The commit was sent and failed (the broker went away, typically): the transaction may
   * have committed or not. Whoever keeps state in memory must read it back before going on.
   */
  OUTCOME_UNKNOWN: 'PAYHOOK_TRANSACTION_OUTCOME_UNKNOWN',
  /** A newer producer with the same transactional id took over; this writer is closed for good. */
  FENCED: 'PAYHOOK_TRANSACTION_FENCED',
  /** The writer was disconnected. */
  CLOSED: 'PAYHOOK_TRANSACTION_WRITER_CLOSED',
} as const;
export type TransactionErrorCode = (typeof TransactionErrorCode)[keyof typeof TransactionErrorCode];

/** A transaction that did not commit (or may not have); `code` says what is known. */
export class TransactionError extends PayhookError {
  declare readonly code: TransactionErrorCode;

  constructor(code: TransactionErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause, retryable: code === TransactionErrorCode.ABORTED });
  }
}

/** Options of {@link createTransactionalWriter}. */
export interface TransactionalWriterOptions {
  readonly kafka: Kafka;
  /** Stable per logical writer: registering it fences every older producer with the same id. */
  readonly transactionalId: string;
  readonly logger: Logger;
}

/**
 * A transactional producer that survives failed transactions. kafkajs leaves its producer
 * unusable for good when a commit or an abort fails (its transaction state stays COMMITTING
 * or ABORTING, and every later `transaction()` throws a non-retriable error), which is what
 * happens when the broker goes away mid-transaction. The writer then replaces the producer
 * (a new one registered under the same transactional id, which aborts the open transaction
 * or waits for the commit in flight to complete) before the next transaction.
 *
 * It does the same after a transaction in which a send failed. kafkajs advances a partition's
 * sequence number only when the broker acknowledges a batch, but a batch whose acknowledgement
 * was lost (a broker killed after replicating it, a dropped connection) is in the log. The next
 * transaction would reuse that batch's sequence numbers: the broker refuses them for ever
 * (OUT_OF_ORDER_SEQUENCE_NUMBER), or, for a batch of the same length, takes it for a retry of
 * the aborted one and acknowledges it without writing it, so a committed transaction silently
 * lacks its records. The new producer's bumped epoch starts every sequence afresh, as the Java
 * client bumps its epoch after such a failure (KIP-360).
 */
export interface TransactionalWriter {
  readonly transactionalId: string;
  /** False from a failed transaction until a new producer is registered (for readiness checks). */
  readonly ready: boolean;
  /** Connects and registers the transactional id, fencing older producers that use it. */
  connect(): Promise<void>;
  /**
   * Registers a new producer now if the last transaction left the old one unusable (a no-op
   * otherwise). Once it resolves, the failed transaction is settled: aborted, or committed if
   * its commit had reached the broker, so what is read afterwards is final.
   *
   * @throws the connection error while the broker is unreachable; call again later.
   */
  recover(): Promise<void>;
  /**
   * Runs `work` in one transaction and commits it; one transaction at a time (later calls
   * wait). Recovers first when needed.
   *
   * @throws TransactionError whose code tells whether the transaction is known to be aborted.
   */
  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  disconnect(): Promise<void>;
}

/** Creates a {@link TransactionalWriter}; nothing connects before `connect()`. */
export function createTransactionalWriter(options: TransactionalWriterOptions): TransactionalWriter {
  const { kafka, transactionalId } = options;
  const logger = options.logger.child({ component: 'transactional-writer', transactionalId });
  let producer: Producer = createTransactionalProducer(kafka, transactionalId);
  /** The producer must be replaced before the next transaction. */
  let broken = false;
  let fenced: unknown;
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();

  async function recover(): Promise<void> {
    if (closed) throw new TransactionError(TransactionErrorCode.CLOSED, `writer ${transactionalId} is closed`);
    if (fenced !== undefined) throw fencedError(fenced);
    if (!broken) return;
    await producer.disconnect().catch(() => undefined);
    const next = createTransactionalProducer(kafka, transactionalId);
    try {
      await connectTransactional(next);
    } catch (error) {
      await next.disconnect().catch(() => undefined);
      if (isFencedError(error)) fenced = error;
      throw error;
    }
    producer = next;
    broken = false;
    logger.info('transactional producer replaced after a failed transaction');
  }

  async function runOnce<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      await recover();
    } catch (error) {
      if (error instanceof TransactionError) throw error;
      // No transaction began: nothing of it can commit.
      throw new TransactionError(TransactionErrorCode.ABORTED, 'the producer could not be registered', error);
    }
    let tx: Transaction | undefined;
    let committing = false;
    let sendFailed = false;
    try {
      tx = await producer.transaction();
      const result = await work(watchSends(tx, () => (sendFailed = true)));
      committing = true;
      await tx.commit();
      return result;
    } catch (error) {
      if (isFencedError(error)) {
        fenced = error;
        broken = true;
        throw fencedError(error);
      }
      if (committing) {
        // kafkajs cannot abort after a commit was sent, and its state stays COMMITTING.
        broken = true;
        logger.warn({ err: error }, 'commit failed; its outcome is unknown; the producer will be replaced');
        throw new TransactionError(
          TransactionErrorCode.OUTCOME_UNKNOWN,
          'the commit failed: the transaction may or may not have committed',
          error,
        );
      }
      if (tx?.isActive() === true) {
        try {
          await tx.abort();
        } catch (abortError) {
          // The abort never reached the broker, and kafkajs stays ABORTING: a new producer
          // registered under this id aborts the open transaction.
          broken = true;
          if (isFencedError(abortError)) fenced = abortError;
          logger.warn({ err: abortError }, 'abort failed; the producer will be replaced');
        }
      } else if (tx === undefined) {
        broken = true;
      }
      if (sendFailed && !broken) {
        broken = true;
        logger.warn(
          { err: error },
          'a send failed; the producer will be replaced to start its sequence numbers afresh',
        );
      }
      if (fenced !== undefined) throw fencedError(fenced);
      // The cause in the message: it is what an operator needs to read in the log.
      throw new TransactionError(
        TransactionErrorCode.ABORTED,
        `the transaction was aborted: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
  }

  return {
    transactionalId,
    get ready() {
      return !broken && fenced === undefined && !closed;
    },
    async connect() {
      await connectTransactional(producer);
    },
    recover() {
      const next = tail.then(recover);
      tail = next.catch(() => undefined);
      return next;
    },
    run(work) {
      const next = tail.then(() => runOnce(work));
      tail = next.catch(() => undefined);
      return next;
    },
    async disconnect() {
      closed = true;
      await tail;
      await producer.disconnect();
    },
  };
}

/** `tx` whose `send` and `sendBatch` call `onFailure` when they reject (and still reject). */
function watchSends(tx: Transaction, onFailure: () => void): Transaction {
  const watched = <T>(sent: Promise<T>): Promise<T> =>
    sent.catch((error: unknown) => {
      onFailure();
      throw error;
    });
  return {
    send: (record) => watched(tx.send(record)),
    sendBatch: (batch) => watched(tx.sendBatch(batch)),
    sendOffsets: (offsets) => tx.sendOffsets(offsets),
    commit: () => tx.commit(),
    abort: () => tx.abort(),
    isActive: () => tx.isActive(),
  };
}

function fencedError(cause: unknown): TransactionError {
  return new TransactionError(
    TransactionErrorCode.FENCED,
    'fenced: a newer producer with the same transactional id took over',
    cause,
  );
}

const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/**
 * Whether an error means a newer producer with the same transactional id took over. kafkajs
 * wraps protocol errors (retries exhausted, non-retriable), so the chain of causes is searched.
 */
export function isFencedError(error: unknown): boolean {
  for (
    let e = error as { type?: string; code?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0;
    e && depth < 6;
    depth++
  ) {
    if (e.type !== undefined && FENCED_TYPES.has(e.type)) return true;
    if (e.code === TransactionErrorCode.FENCED) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}
