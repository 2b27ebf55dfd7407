import type { Logger } from '@payhook/runtime';
import type { Consumer } from 'kafkajs';

/**
 * Watches a consumer's crashes. kafkajs restarts the consumer after a retriable failure (logged
 * here as a warning); after any other it stays stopped, and `stopped` is called, so that its
 * owner does not go on holding partitions it no longer reads. `crashed` is called first on
 * either.
 */
export function watchConsumerCrash(
  consumer: Consumer,
  handlers: { logger: Logger; crashed?: () => void; stopped: (error: Error) => void },
): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    handlers.crashed?.();
    if (payload.restart) handlers.logger.warn({ err: payload.error }, 'consumer failed; kafkajs restarts it');
    else handlers.stopped(payload.error);
  });
}
