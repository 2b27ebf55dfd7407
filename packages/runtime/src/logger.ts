import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Service name, written as `service` on every line. */
  readonly name: string;
  /** @defaultValue `'info'` */
  readonly level?: string;
  /** Destination stream; @defaultValue standard output. */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * Paths whose values never reach a log line: endpoint secrets, signatures, authorization
 * headers and RPC URLs (which often carry an API key).
 */
export const REDACTED_PATHS: readonly string[] = [
  'secret',
  'secrets',
  '*.secret',
  '*.secrets',
  'signature',
  '*.signature',
  'headers.authorization',
  'headers["webhook-signature"]',
  '*.headers.authorization',
  '*.headers["webhook-signature"]',
  'rpcUrl',
  '*.rpcUrl',
  'password',
  '*.password',
];

/** A pino logger with payhook's redaction rules. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { service: options.name },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}
