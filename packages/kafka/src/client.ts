import type { Logger } from '@payhook/runtime';
import kafkajs, {
  type Admin,
  type AdminConfig,
  type Consumer,
  type ConsumerConfig,
  type Kafka,
  type KafkaConfig,
  type logCreator,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import { checkBrokerTrust, securityErrorOf } from './connection-errors.ts';
import { type KafkaSecurity, processKafkaSecurity, saslOptions, tlsOptions } from './security.ts';

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
  /**
   * TLS and SASL (see `kafkaSecurityOf`).
   * @defaultValue the process's `KAFKA_SSL`, `KAFKA_SSL_*` and `KAFKA_SASL_*` variables
   */
  readonly security?: KafkaSecurity;
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

/**
 * A kafkajs client wired to the service's logger, over TLS and SASL when the settings ask for
 * them. Settings that cannot connect (an untrusted broker certificate, refused credentials) make
 * `connect()` fail at once with a {@link KafkaSecurityError} naming the variable, instead of
 * kafkajs's retries. Every client of the pipeline is made here (or by the lenient reader).
 * @throws ConfigError when the security variables do not fit together (default security only).
 */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  silenceKafkajsTimerWarning();
  const security = options.security ?? processKafkaSecurity();
  const ssl = tlsOptions(security);
  const sasl = saslOptions(security);
  const connectionTimeout = options.connectionTimeoutMs ?? 10_000;
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(options.logger.child({ component: 'kafkajs' })),
    retry: { retries: options.retries ?? 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
  };
  if (ssl === undefined && sasl === undefined) return new kafkajs.Kafka(config);
  // Checked once per client, before its first connection; a failed check is tried again next time.
  let trusted: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    trusted ??= checkBrokerTrust(options.brokers, security, connectionTimeout).catch((error: unknown) => {
      trusted = undefined;
      throw error;
    });
    await trusted;
  };
  const guard = <T extends { connect(): Promise<void> }>(client: T): T => {
    const connect = client.connect.bind(client);
    client.connect = async () => {
      await check();
      try {
        await connect();
      } catch (error) {
        throw securityErrorOf(error, security) ?? error;
      }
    };
    return client;
  };
  return new (class SecuredKafka extends kafkajs.Kafka {
    override producer(producerConfig?: ProducerConfig): Producer {
      return guard(super.producer(producerConfig));
    }
    override consumer(consumerConfig: ConsumerConfig): Consumer {
      return guard(super.consumer(consumerConfig));
    }
    override admin(adminConfig?: AdminConfig): Admin {
      return guard(super.admin(adminConfig));
    }
  })(config);
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
