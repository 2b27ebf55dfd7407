import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-error.ts';
import { type CliContext, pipelineEnv, pipelineLayout } from '../context.ts';
import { withOps } from '../ops/ops-clients.ts';
import { opsCommandHelp } from '../ops/ops-help.ts';
import { parseReason, parseWindow } from '../ops/ops-validation.ts';
import { describeFilter, parseSource, type ReplayFilter, replayIdOf } from '../ops/replay-plan.ts';
import { executeReplay, MAX_LISTED_UNDECODABLE, type ReplaySummary } from '../ops/replay-run.ts';
import { createPublisher, type PoisonRecord, type ReplayCandidate } from '../ops/replayer.ts';
import { findDeliveries } from '../ops/resend.ts';
import { isoTime, textTable } from '../ops/text-table.ts';
import { parseEventTypes, parseId, parseRate } from '../validation.ts';

interface ReplayOptions {
  from: string;
  endpoint?: string;
  eventType?: string;
  payment?: string;
  delivery?: string;
  since?: string;
  until?: string;
  reason?: string;
  dryRun?: boolean;
  json?: boolean;
  rate?: string;
  progress?: boolean;
  id?: string;
  restart?: boolean;
}

interface ResendOptions {
  delivery?: string;
  payment?: string;
  reason?: string;
  dryRun?: boolean;
  json?: boolean;
}

const ENV = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'PAYHOOK_TOPIC_PREFIX', 'PAYHOOK_RETRY_TIERS'] as const;

/** `payhook replay` and `payhook resend`: deliver records again, keeping their webhook-id. */
export function registerReplayCommands(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    // Usage errors (a missing required option) reach main.ts as CommanderErrors: exit 2.
    .exitOverride()
    .description('re-publish deliveries to webhooks.dispatch to be delivered again, keeping their webhook-id')
    .requiredOption(
      '--from <source>',
      'dlq, dispatch, retry:<tier>, events, or one of their topic names (events: rebuild the deliveries)',
    )
    .option('--endpoint <id>', 'only deliveries to this endpoint')
    .option('--event-type <types>', 'only these event types, comma-separated, e.g. payment.confirmed')
    .option('--payment <id>', 'only deliveries about this payment')
    .option('--delivery <id>', 'only this delivery (its webhook-id, msg_…)')
    .option('--since <time>', 'only records written to the source at or after this ISO 8601 time')
    .option('--until <time>', 'only records written before this ISO 8601 time')
    .option('--reason <text>', 'why (required unless --dry-run); sent along as the payhook-replay-reason header')
    .option('--dry-run', 'list what would be sent; write nothing')
    .option('--json', 'print JSON: the summary, and with --dry-run the records')
    .option('--rate <per-second>', 'at most this many records per second (default: unlimited)')
    .option('--progress', 'report progress on stderr even when it is not a terminal')
    .option('--id <id>', 'name of the replay and its cursor (default: derived from the source and filters)')
    .option('--restart', 'ignore a stored cursor and scan the whole range again')
    .addHelpText(
      'after',
      opsCommandHelp(
        ENV,
        [
          'From the DLQ, dispatch or a retry tier, each matching record is re-published to webhooks.dispatch',
          'with its key and value bytes unchanged (so its webhook-id), without its retry state (payhook-attempts,',
          '-due-at, -tier, -tier-hops, -dlq-reason), keeping its provenance (payhook-original-*), and with',
          'payhook-replayed-at, payhook-replay-reason and payhook-replay-id set.',
          '',
          'From events, the confirmation filter skips events it has handled, so re-publishing them would do',
          'nothing: instead the delivery records of the matching events are built again for the endpoints',
          'subscribed now (enabled, same merchant, event type subscribed) and written to webhooks.dispatch. Their',
          'webhook-ids equal the first delivery’s, since ids derive from the event and the endpoint.',
          '',
          'A replay resumes: its cursor (per partition, the next offset to scan) is stored in the compacted',
          'topic <prefix>payhook.replay-cursors after each batch it sent (records first, cursor second: an',
          'interrupted run may send a batch twice, always with the same webhook-ids). Running the same replay',
          'again scans only what it has not scanned yet, up to the end offsets of the new run. --since and',
          '--until select by the time records were written to the source topic (--until exclusive).',
          '',
          "Records that do not decode as their topic's contract (poison records) are never re-published: a run",
          'skips them, moves its cursor past them and counts them in its summary. --dry-run also lists them,',
          `whatever the filters (they cannot be read to be filtered), with topic, partition, offset, key and`,
          `the decoder's reason (the first ${MAX_LISTED_UNDECODABLE}).`,
        ],
        {
          ok: 'done (also when nothing matched); the summary says how many records were sent',
          refused: [
            'refused input, with the option named and nothing written: an unknown source or tier, a',
            'malformed id or time, --until not after --since, --rate not above 0, no --reason, or an',
            '--id whose stored cursor has other filters',
          ],
        },
      ),
    )
    .action(async (options: ReplayOptions) => {
      const env = pipelineEnv(ctx.env);
      const { topics } = pipelineLayout(env);
      const source = parseSource('--from', options.from, topics);
      const filter: ReplayFilter = {
        endpointId: options.endpoint === undefined ? undefined : parseId('--endpoint', options.endpoint),
        eventTypes: options.eventType === undefined ? undefined : parseEventTypes('--event-type', options.eventType),
        paymentId: options.payment === undefined ? undefined : parseId('--payment', options.payment),
        deliveryId: options.delivery === undefined ? undefined : parseId('--delivery', options.delivery),
        window: parseWindow(options.since, options.until),
      };
      const rate = options.rate === undefined ? undefined : parseRate('--rate', options.rate);
      const dryRun = options.dryRun === true;
      const reason = options.reason === undefined ? undefined : parseReason('--reason', options.reason);
      if (!dryRun && reason === undefined) {
        throw new CliUsageError('--reason: required (unless --dry-run): say why, it travels with every record');
      }
      const id = options.id === undefined ? replayIdOf(source, filter) : parseId('--id', options.id);

      ctx.io.err(`replay ${id}: ${describeFilter(source, filter)}${dryRun ? ' (dry run)' : ''}`);
      const summary = await withOps(env, (clients) =>
        executeReplay(clients, {
          id,
          source,
          filter,
          reason,
          dryRun,
          rate,
          restart: options.restart === true,
          progress: {
            enabled: options.progress === true || process.stderr.isTTY === true,
            inPlace: process.stderr.isTTY === true,
            // Raw, not ctx.io: on a terminal the line is rewritten in place.
            write: (text) => process.stderr.write(text),
          },
        }),
      );
      printSummary(ctx, summary, options.json === true);
    });

  program
    .command('resend')
    .exitOverride()
    .description('re-publish one delivery, or every delivery of a payment, to webhooks.dispatch')
    .option('--delivery <id>', 'the delivery (its webhook-id, msg_…)')
    .option('--payment <id>', "every delivery of the payment (each delivery's latest record)")
    .option('--reason <text>', 'why (required unless --dry-run); sent along as the payhook-replay-reason header')
    .option('--dry-run', 'list what would be sent; write nothing')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      opsCommandHelp(
        ENV,
        [
          'The DLQ is searched first, then webhooks.dispatch and the retry tiers. A delivery found in the DLQ is',
          'taken from there; otherwise its latest record. Records are re-published like `payhook replay` does:',
          'key and value unchanged (the same webhook-id), retry state dropped, replay headers set.',
        ],
        {
          ok: 'sent (or, with --dry-run, listed)',
          refused: [
            'refused input, with the option named and nothing written: neither --delivery nor --payment,',
            'a malformed id, no --reason, or no delivery matches',
          ],
        },
      ),
    )
    .action(async (options: ResendOptions) => {
      const deliveryId = options.delivery === undefined ? undefined : parseId('--delivery', options.delivery);
      const paymentId = options.payment === undefined ? undefined : parseId('--payment', options.payment);
      if (deliveryId === undefined && paymentId === undefined) {
        throw new CliUsageError('--delivery or --payment: name the delivery or the payment to resend');
      }
      const dryRun = options.dryRun === true;
      const reason = options.reason === undefined ? undefined : parseReason('--reason', options.reason);
      if (!dryRun && reason === undefined) {
        throw new CliUsageError('--reason: required (unless --dry-run): say why, it travels with every record');
      }
      const env = pipelineEnv(ctx.env);
      const id = `rs_${randomBytes(8).toString('hex')}`;
      const found = await withOps(env, async (clients) => {
        const candidates = await findDeliveries(clients, { deliveryId, paymentId });
        if (candidates.length === 0) {
          const option = deliveryId === undefined ? '--payment' : '--delivery';
          const what = deliveryId === undefined ? `payment "${paymentId}"` : `delivery "${deliveryId}"`;
          throw new CliUsageError(
            `${option}: no record of ${what} in ${clients.topics.dlq}, ${clients.topics.dispatch} or the retry tiers`,
          );
        }
        if (!dryRun) {
          const publisher = createPublisher({
            producer: clients.producer,
            destination: clients.topics.dispatch,
            mark: { id, reason: reason as string },
          });
          for (const candidate of candidates) await publisher.add(candidate);
          await publisher.flush();
        }
        return candidates;
      });
      if (options.json === true) {
        ctx.io.out(
          JSON.stringify(
            { id, dry_run: dryRun, sent: dryRun ? 0 : found.length, records: found.map(recordJson) },
            null,
            2,
          ),
        );
        return;
      }
      ctx.io.out(`resend ${id}: ${dryRun ? 'would send' : 'sent'} ${found.length} to webhooks.dispatch`);
      for (const line of recordLines(found)) ctx.io.out(line);
    });
}

function printSummary(ctx: CliContext, s: ReplaySummary, json: boolean): void {
  if (json) {
    const out = {
      id: s.id,
      source: s.source,
      destination: s.destination,
      dry_run: s.dryRun,
      resumed: s.resumed,
      scanned: s.counts.scanned,
      matched: s.counts.matched,
      sent: s.dryRun ? 0 : s.counts.sent,
      undecodable: s.undecodable,
      totals: s.totals,
      ...(s.dryRun
        ? { records: s.records.map(recordJson), undecodable_records: s.undecodableRecords.map(poisonJson) }
        : {}),
    };
    ctx.io.out(JSON.stringify(out, null, 2));
    return;
  }
  const resumed = s.resumed ? ', resumed from its cursor' : '';
  const skipped = s.undecodable > 0 ? `, ${s.undecodable} undecodable skipped` : '';
  if (s.dryRun) {
    ctx.io.out(
      `replay ${s.id} (dry run${resumed}): would send ${s.counts.matched} of ${s.counts.scanned} records scanned on ${s.source} to ${s.destination}${skipped}`,
    );
    for (const line of recordLines(s.records)) ctx.io.out(line);
    for (const line of poisonLines(s)) ctx.io.out(line);
    return;
  }
  ctx.io.out(
    `replay ${s.id}${resumed}: sent ${s.counts.sent} of ${s.counts.scanned} records scanned on ${s.source} to ${s.destination}${skipped}`,
  );
  if (s.resumed) ctx.io.out(`replay ${s.id} in all: sent ${s.totals.sent} of ${s.totals.scanned} scanned`);
}

function recordLines(records: readonly ReplayCandidate[]): string[] {
  if (records.length === 0) return [];
  return textTable(
    ['DELIVERY', 'ENDPOINT', 'PAYMENT', 'EVENT TYPE', 'ORIGINAL TIME', 'DLQ REASON'],
    records.map((r) => [
      r.deliveryId,
      r.endpointId,
      r.paymentId,
      r.eventType,
      isoTime(r.originalTimeMs),
      r.dlqReason ?? '-',
    ]),
  );
}

/** The undecodable records a dry run met: where each is and why it does not decode. */
function poisonLines(s: ReplaySummary): string[] {
  if (s.undecodable === 0) return [];
  const more = s.undecodable - s.undecodableRecords.length;
  return [
    '',
    `undecodable records (a run skips them; they are never re-published)${more > 0 ? `, the first ${s.undecodableRecords.length}:` : ':'}`,
    ...textTable(
      ['TOPIC', 'PARTITION', 'OFFSET', 'KEY', 'WRITTEN', 'REASON'],
      s.undecodableRecords.map((p) => [
        p.topic,
        String(p.partition),
        p.offset,
        p.key ?? '-',
        isoTime(p.timestampMs),
        p.reason,
      ]),
    ),
    ...(more > 0 ? [`… and ${more} more`] : []),
  ];
}

function poisonJson(p: PoisonRecord): Record<string, unknown> {
  return {
    topic: p.topic,
    partition: p.partition,
    offset: p.offset,
    key: p.key,
    written_at: isoTime(p.timestampMs),
    reason: p.reason,
  };
}

function recordJson(r: ReplayCandidate): Record<string, unknown> {
  return {
    delivery_id: r.deliveryId,
    endpoint_id: r.endpointId,
    payment_id: r.paymentId,
    event_type: r.eventType,
    original_time: isoTime(r.originalTimeMs),
    dlq_reason: r.dlqReason,
    source: { topic: r.topic, partition: r.partition, offset: r.offset },
  };
}
