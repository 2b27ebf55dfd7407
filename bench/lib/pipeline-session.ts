import { performance } from 'node:perf_hooks';
import type { Logger } from '@payhook/runtime';
import type { Admin, Kafka, Message } from 'kafkajs';
import { CHAINS, type ChainWriters, connectChainWriters } from './chain-writers.ts';
import { type DispatchProbe, startDispatchProbe } from './dispatch-probe.ts';
import { deltaOf, type ServiceProcess, startService } from './dispatcher-process.ts';
import { type BenchMerchant, expectedDeliveryIds, paymentEvent } from './merchants.ts';
import { type BenchPipeline, createBenchPipeline } from './pipeline.ts';
import { type CpuWindow, cpuWindow, rssSampler } from './proc.ts';
import type { Receiver } from './receiver.ts';
import { type Closable, dispatcherEnv, toEndpoint } from './session.ts';
import { type WebhookArrivals, WebhookTracker } from './webhook-tracker.ts';

/** A private pipeline with the confirmation filter and the dispatcher running on it. */
export interface PipelineSession {
  readonly pipeline: BenchPipeline;
  readonly filter: ServiceProcess;
  readonly dispatcher: ServiceProcess;
  run(spec: PipelineRunSpec): Promise<PipelineRunResult>;
  /** Stops both services and the writers, then deletes the pipeline. */
  close(): Promise<void>;
}

/** One batch of payment events through the pipeline. */
export interface PipelineRunSpec {
  readonly tag: string;
  readonly events: number;
  /** A backlog (`txEvents` per transaction) or a pace (events/s, one transaction per block). */
  readonly write:
    | { readonly kind: 'backlog'; readonly txEvents: number }
    | { readonly kind: 'paced'; readonly eventsPerSecond: number; readonly blockMs: number };
  readonly verifyEvery: number;
  readonly timeoutMs: number;
  /** Time when each delivery record becomes readable in webhooks.dispatch (costs the bench CPU). */
  readonly probe?: boolean;
}

/** What a run measured. */
export interface PipelineRunResult extends WebhookArrivals {
  readonly events: number;
  readonly eventsWritten: number;
  readonly writeMs: number;
  readonly eventsWrittenPerSecond: number;
  readonly cpu: CpuWindow;
  /** CPU milliseconds per event (filter) and per webhook (dispatcher). */
  readonly filterCpuMsPerEvent: number | undefined;
  readonly dispatcherCpuMsPerWebhook: number | undefined;
  /** Highest sampled RSS during the run, MiB. */
  readonly rssMaxMb: { readonly filter: number | undefined; readonly dispatcher: number | undefined };
  readonly transactions: TransactionFigures;
}

/**
 * What the transactions cost, counted on the topics: every transaction leaves one commit
 * marker in each partition it wrote, which takes an offset like a record.
 */
export interface TransactionFigures {
  /** Transactions of the two writers (each: its events and a checkpoint). */
  readonly writerTransactions: number;
  /** Delivery records the filter wrote (its own counter) and commit markers beside them. */
  readonly filterRecords: number;
  readonly dispatchMarkers: number;
  /**
   * Filter transactions: at least markers ÷ dispatch partitions (each touched every partition),
   * at most the markers (each touched one).
   */
  readonly filterTransactionsAtLeast: number;
  readonly recordsPerMarker: number | undefined;
}

/** Options of {@link openPipelineSession}. */
export interface PipelineSessionOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly brokers: string;
  readonly registryUrl: string;
  readonly partitions: number;
  readonly eventsPartitions: number;
  readonly receiver: Receiver;
  readonly merchants: readonly BenchMerchant[];
  readonly nodeFlags: readonly string[];
  readonly logger: Logger;
  /** Other processes whose CPU use is reported (the broker, the registry). */
  readonly watch: Readonly<Record<string, number | undefined>>;
  /** Holds whatever is open, so that an interrupt can close it. */
  readonly track: Set<Closable>;
}

/** Creates a pipeline, writes the endpoints, starts the dispatcher and the filter and the writers. */
export async function openPipelineSession(options: PipelineSessionOptions): Promise<PipelineSession> {
  const { kafka, admin, merchants, receiver } = options;
  const pipeline = await createBenchPipeline(options);
  const started: ServiceProcess[] = [];
  let writers: ChainWriters | undefined;
  let probe: DispatchProbe | undefined;
  const stopAll = async () => {
    await probe?.stop();
    await writers?.disconnect();
    await Promise.all(started.map((service) => service.stop()));
    await pipeline.close();
  };
  const interim: Closable = { close: stopAll };
  options.track.add(interim);
  const now = Date.now();
  const secrets = new Map<string, string>();
  let filter: ServiceProcess;
  let dispatcher: ServiceProcess;
  try {
    await pipeline.addEndpoints(
      merchants.flatMap((m) =>
        m.endpoints.map((e) => {
          secrets.set(e.id, e.secret);
          return toEndpoint(e, now, m.id);
        }),
      ),
    );
    const base = dispatcherEnv(options.brokers, options.registryUrl, pipeline);
    [dispatcher, filter] = await Promise.all([
      startService('dispatcher', { env: base, nodeFlags: options.nodeFlags }).then((s) => {
        started.push(s);
        return s;
      }),
      startService('confirmation-filter', {
        // The dispatcher's settings are no business of the filter's, which reads only its own.
        env: { ...base, FILTER_INSTANCE_ID: 'bench', FILTER_SESSION_TIMEOUT_MS: '6000' },
      }).then((s) => {
        started.push(s);
        return s;
      }),
    ]);
    writers = await connectChainWriters({
      kafka,
      codec: pipeline.codec,
      topics: pipeline.topics,
      logger: options.logger,
    });
    probe = await startDispatchProbe(kafka, pipeline.topics, pipeline.codec);
  } catch (error) {
    await stopAll();
    options.track.delete(interim);
    throw error;
  }
  const chainWriters = writers;
  const dispatchProbe = probe;
  const highWater = async (topic: string) =>
    (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);

  async function run(spec: PipelineRunSpec): Promise<PipelineRunResult> {
    const eventOf = new Map<string, number>();
    const events = Array.from({ length: spec.events }, (_, seq) => {
      const merchant = merchants[seq % merchants.length] as BenchMerchant;
      const event = paymentEvent(spec.tag, seq, merchant, CHAINS[seq % CHAINS.length] as number);
      for (const id of expectedDeliveryIds(event, merchant)) eventOf.set(id, seq);
      return event;
    });
    // Encoded before the clock starts, as the dispatcher benchmark encodes its deliveries.
    const messages: Message[] = await Promise.all(
      events.map(async (e) => ({
        key: e.payment_id,
        value: await pipeline.codec.encode(pipeline.topics.events, 'PAYMENT_EVENT', e),
      })),
    );
    const tracker = new WebhookTracker(eventOf, spec.events, secrets, spec.verifyEvery);
    const [dispatchBefore, filterBefore] = await Promise.all([highWater(pipeline.topics.dispatch), filter.metrics()]);
    let writerTransactions = 0;
    const onWrite = (indexes: readonly number[], at: number) => {
      writerTransactions++;
      tracker.written(indexes, at);
    };
    receiver.listen(tracker.onArrival);
    if (spec.probe === true) dispatchProbe.listen(tracker.visible);
    const cpu = cpuWindow({ filter: filter.pid, dispatcher: dispatcher.pid, ...options.watch });
    const rss = { filter: rssSampler(filter.pid), dispatcher: rssSampler(dispatcher.pid) };
    const startedAt = performance.now();
    const deadline = startedAt + spec.timeoutMs;
    let eventsWritten = spec.events;
    if (spec.write.kind === 'backlog') await chainWriters.backlog(messages, spec.write.txEvents, onWrite);
    else {
      const { eventsPerSecond, blockMs } = spec.write;
      eventsWritten = await chainWriters.paced(messages, eventsPerSecond, blockMs, deadline, onWrite);
    }
    const writeMs = performance.now() - startedAt;
    await tracker.wait(Math.max(0, deadline - performance.now()));
    const arrivals = tracker.summary();
    const seconds = (performance.now() - startedAt) / 1000;
    const cpuUse = cpu.end(arrivals.arrived);
    const rssMaxMb = { filter: rss.filter.stop(), dispatcher: rss.dispatcher.stop() };
    receiver.listen(undefined);
    dispatchProbe.listen(undefined);
    const [dispatchAfter, filterAfter] = await Promise.all([highWater(pipeline.topics.dispatch), filter.metrics()]);
    const filterRecords = deltaOf(filterBefore, filterAfter, 'payhook_filter_deliveries_out_total');
    const dispatchMarkers = dispatchAfter - dispatchBefore - filterRecords;
    const cpuMs = (cores: number | undefined, per: number) =>
      cores === undefined || per === 0 ? undefined : Math.round(((cores * seconds * 1000) / per) * 1000) / 1000;
    return {
      ...arrivals,
      events: spec.events,
      eventsWritten,
      writeMs: Math.round(writeMs),
      eventsWrittenPerSecond: Math.round((eventsWritten / writeMs) * 1000),
      cpu: cpuUse,
      filterCpuMsPerEvent: cpuMs(cpuUse.byProcess.filter, eventsWritten),
      dispatcherCpuMsPerWebhook: cpuMs(cpuUse.byProcess.dispatcher, arrivals.arrived),
      rssMaxMb,
      transactions: {
        writerTransactions,
        filterRecords,
        dispatchMarkers,
        filterTransactionsAtLeast: Math.ceil(dispatchMarkers / options.partitions),
        recordsPerMarker: dispatchMarkers > 0 ? Math.round((filterRecords / dispatchMarkers) * 10) / 10 : undefined,
      },
    };
  }

  let closing: Promise<void> | undefined;
  const session: PipelineSession = {
    pipeline,
    filter,
    dispatcher,
    run,
    close() {
      closing ??= stopAll().finally(() => options.track.delete(session));
      return closing;
    },
  };
  options.track.delete(interim);
  options.track.add(session);
  return session;
}
