import type { Logger } from 'pino';

/** Options of {@link createShutdown}. */
export interface ShutdownOptions {
  readonly logger: Logger;
  /**
   * The whole shutdown must finish within this many milliseconds, or the process exits 1.
   * @defaultValue 30_000
   */
  readonly deadlineMs?: number;
  /** @defaultValue `['SIGTERM', 'SIGINT']` */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called with the exit status; @defaultValue `process.exit`. */
  readonly exit?: (code: number) => void;
}

/** Ordered shutdown: steps run one after another, in the order they were added. */
export interface Shutdown {
  /** Adds a step; the composition root adds them in the order they must stop. */
  add(name: string, step: () => Promise<void> | void): void;
  /** Runs every step once (later calls return the same promise) and exits. */
  run(reason: string): Promise<void>;
}

/** Installs signal handlers that run the added steps in order, bounded by a deadline. */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const steps: { name: string; step: () => Promise<void> | void }[] = [];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const deadlineMs = options.deadlineMs ?? 30_000;
  let running: Promise<void> | undefined;

  const run = (reason: string): Promise<void> => {
    running ??= (async () => {
      options.logger.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        options.logger.error({ deadlineMs }, 'shutdown deadline passed; exiting');
        exit(1);
      }, deadlineMs);
      timer.unref();
      let code = 0;
      for (const { name, step } of steps) {
        try {
          await step();
          options.logger.debug({ step: name }, 'shutdown step done');
        } catch (error) {
          code = 1;
          options.logger.error({ step: name, err: error }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      options.logger.info({ code }, 'stopped');
      exit(code);
    })();
    return running;
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => void run(signal));
  }
  return { add: (name, step) => void steps.push({ name, step }), run };
}
