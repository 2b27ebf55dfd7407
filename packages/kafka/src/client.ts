import type { Logger } from '@payhook/runtime';
import kafkajs, { type Kafka, type KafkaConfig, type logCreator } from 'kafkajs';

const { logLevel } = kafkajs;

/** Options of {@link createKafkaClient}. */
export interface KafkaClientOptions {
  /** `host:port` of one or more brokers. */
  readonly brokers: readonly string[];
  /** Client id sent to the broker (shows in broker logs and quotas). */
  readonly clientId: string;
  readonly logger: Logger;
  /** @defaultValue 10_000 */
  readonly connectionTimeoutMs?: number;
  /** @defaultValue 30_000 */
  readonly requestTimeoutMs?: number;
  /**
   * Retries of a failed request or connection before the call fails.
   * @defaultValue 8
   */
  readonly retries?: number;
}

const LEVELS = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
  [logLevel.NOTHING]: 'silent',
} as const;

/** kafkajs logs through the service's pino logger, one level down (kafkajs is chatty at info). */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, label, log }) => {
      const { message, ...rest } = log;
      // Protocol-level error responses are retried inside kafkajs; one that matters reaches
      // the caller as a rejected promise, so they are debug noise here.
      const isRetriedResponse =
        (typeof message === 'string' && message.startsWith('Response ')) || 'retryCount' in rest;
      const target = level === logLevel.INFO || isRetriedResponse ? 'debug' : (LEVELS[level] ?? 'info');
      if (target === 'silent') return;
      logger[target]({ kafkajs: label, ...rest }, message);
    };
}

/** A kafkajs client wired to the service's logger. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  silenceKafkajsTimerWarning();
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(options.logger.child({ component: 'kafkajs' })),
    retry: { retries: options.retries ?? 8, initialRetryTime: 200, maxRetryTime: 5_000 },
  };
  return new kafkajs.Kafka(config);
}

let timerWarningSilenced = false;

/**
 * kafkajs 2.2.4 schedules its request-queue check with a negative delay while it has never
 * been throttled; Node 24 then prints a TimeoutNegativeWarning on every connection. The
 * timer fires at once either way, so that one warning is dropped and all others pass.
 */
export function silenceKafkajsTimerWarning(): void {
  if (timerWarningSilenced) return;
  timerWarningSilenced = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
