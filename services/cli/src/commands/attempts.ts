import type { DeliveryAttempt } from '@payhook/contracts';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv } from '../context.ts';
import { readAttempts } from '../ops/attempt-history.ts';
import { requireTopics } from '../ops/offset-ranges.ts';
import { withOps } from '../ops/ops-clients.ts';
import { opsCommandHelp } from '../ops/ops-help.ts';
import { parseTime } from '../ops/ops-validation.ts';
import { isoTime, textTable } from '../ops/text-table.ts';
import { parseId } from '../validation.ts';

interface AttemptsOptions {
  payment?: string;
  delivery?: string;
  endpoint?: string;
  since?: string;
  json?: boolean;
}

/** `payhook attempts`: the delivery history from the attempts log. */
export function registerAttemptsCommand(program: Command, ctx: CliContext): void {
  program
    .command('attempts')
    // Usage errors reach main.ts as CommanderErrors: exit 2.
    .exitOverride()
    .description('show the delivery attempts of a payment, a delivery or an endpoint (webhooks.attempts)')
    .option('--payment <id>', 'attempts of every delivery about this payment')
    .option('--delivery <id>', 'attempts of this delivery (its webhook-id, msg_…)')
    .option('--endpoint <id>', 'attempts made to this endpoint')
    .option('--since <time>', 'only attempts logged at or after this ISO 8601 time (default: the whole log)')
    .option('--json', 'print the attempts as a JSON array (times in milliseconds since the epoch)')
    .addHelpText(
      'after',
      opsCommandHelp(
        ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'PAYHOOK_TOPIC_PREFIX'],
        [
          'Name at least one of --payment, --delivery and --endpoint; several must all match. Attempts are',
          'listed in the order they were made: time, delivery, endpoint, attempt number, where it was read',
          '(dispatch or a retry tier), outcome, HTTP status, duration, error class and message, and when the',
          'next attempt is due. Decisions taken without a request are listed too, with no attempt number:',
          'HELD (moved to a retry tier: an open circuit, a Retry-After, an endpoint that leaves an attempt',
          'unanswered) and PARKED (sent to the DLQ: a disabled or unknown endpoint, an unsafe URL, …), the',
          'reason in ERROR. Attempts of a delivery replayed by an operator are marked "replay". The log',
          'keeps 30 days.',
        ],
        {
          ok: 'done, also when no attempt matched ("no attempts" is printed, or [] with --json)',
          refused: ['refused input, with the option named: no id given, a malformed id or time'],
        },
      ),
    )
    .action(async (options: AttemptsOptions) => {
      const query = {
        paymentId: options.payment === undefined ? undefined : parseId('--payment', options.payment),
        deliveryId: options.delivery === undefined ? undefined : parseId('--delivery', options.delivery),
        endpointId: options.endpoint === undefined ? undefined : parseId('--endpoint', options.endpoint),
        window: { sinceMs: options.since === undefined ? undefined : parseTime('--since', options.since) },
      };
      if (query.paymentId === undefined && query.deliveryId === undefined && query.endpointId === undefined) {
        throw new CliUsageError('--payment, --delivery or --endpoint: name whose attempts to show');
      }
      const env = pipelineEnv(ctx.env);
      const history = await withOps(env, async (clients) => {
        const admin = await clients.admin();
        await requireTopics(admin, [clients.topics.attempts], clients.topics.prefix);
        return readAttempts({
          admin,
          kafka: clients.kafka,
          codec: clients.codec(),
          topic: clients.topics.attempts,
          query,
          groupIdPrefix: `${clients.topics.prefix}payhook-cli.attempts`,
        });
      });
      if (history.undecodable > 0) ctx.io.err(`payhook: ${history.undecodable} undecodable attempt records skipped`);
      if (options.json === true) {
        ctx.io.out(JSON.stringify(history.attempts, null, 2));
        return;
      }
      if (history.attempts.length === 0) {
        ctx.io.out(`no attempts (${history.scanned} records of the attempts log read)`);
        return;
      }
      for (const line of attemptLines(history.attempts)) ctx.io.out(line);
    });
}

function attemptLines(attempts: readonly DeliveryAttempt[]): string[] {
  return textTable(
    ['TIME', 'DELIVERY', 'ENDPOINT', '#', 'TIER', 'OUTCOME', 'STATUS', 'DURATION', 'NEXT ATTEMPT', 'ERROR'],
    attempts.map((a) => [
      isoTime(a.attempted_at),
      a.delivery_id,
      a.endpoint_id,
      attemptNumber(a),
      a.tier,
      a.outcome,
      a.status_code === null ? '-' : String(a.status_code),
      unsent(a) ? '-' : `${a.duration_ms}ms`,
      isoTime(a.next_attempt_at),
      a.error_class === null ? '-' : `${a.error_class}${a.error_message === null ? '' : `: ${a.error_message}`}`,
    ]),
  );
}

/** A decision taken without a request: nothing was sent, so it has no number or duration. */
const unsent = (a: DeliveryAttempt): boolean => a.outcome === 'HELD' || a.outcome === 'PARKED';

/** The attempt's number, and whether it belongs to a replay; none for a decision without a request. */
function attemptNumber(a: DeliveryAttempt): string {
  if (unsent(a)) return '-';
  return a.replayed_at === null ? String(a.attempt) : `${a.attempt} replay`;
}
