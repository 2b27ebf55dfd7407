import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Admin } from 'kafkajs';
import { type BenchEndpoint, endpointId, makeDelivery } from './deliveries.ts';
import { type DispatcherProcess, sumOf } from './dispatcher-process.ts';
import type { BenchPipeline, EncodedDeliveries } from './pipeline.ts';

// Instruments of the failover benchmark (bench/session-timeout.ts): a receiver that tells each
// request's partition by its endpoint, a steady load, the group as its coordinator describes
// it, the dispatchers' event-loop delay, and CPU hogs.

/** Every request the receiver saw: per partition the arrival times, and the repeated webhook-ids. */
export class Arrivals {
  readonly byPartition: number[][];
  readonly #duplicateTimes: number[] = [];
  readonly #seen = new Set<string>();

  constructor(partitions: number) {
    this.byPartition = Array.from({ length: partitions }, () => []);
  }

  add(id: string, partition: number, at: number): void {
    this.byPartition[partition]?.push(at);
    if (this.#seen.has(id)) this.#duplicateTimes.push(at);
    else this.#seen.add(id);
  }

  has(id: string): boolean {
    return this.#seen.has(id);
  }

  /** Requests between `from` (inclusive) and `to` on every partition. */
  between(from: number, to: number): number {
    return this.byPartition.reduce((n, times) => n + times.filter((t) => t >= from && t < to).length, 0);
  }

  /** Requests for a webhook-id that had arrived before, between `from` (inclusive) and `to`. */
  duplicatesBetween(from: number, to: number): number {
    return this.#duplicateTimes.filter((t) => t >= from && t < to).length;
  }

  /** The longest stretch without an arrival on `partition` that ends after `from`. */
  longestGap(partition: number, from: number): { start: number; end: number } {
    let previous = from;
    let best = { start: from, end: from };
    // Arrival times are pushed in order.
    for (const t of this.byPartition[partition] ?? []) {
      if (t >= from && t - previous > best.end - best.start) best = { start: previous, end: t };
      previous = t;
    }
    return best;
  }
}

/** Options of {@link startFailoverReceiver}. */
export interface FailoverReceiverOptions {
  readonly endpoints: number;
  /** Endpoint `i`'s records are produced to partition `i % partitions`. */
  readonly partitions: number;
  readonly isSlow: (index: number) => boolean;
  /** How long slow endpoints take to answer (200), ms. */
  readonly slowMs: number;
}

/** One HTTP server per endpoint on 127.0.0.1; slow ones answer after `slowMs`. */
export async function startFailoverReceiver(options: FailoverReceiverOptions) {
  let arrivals: Arrivals | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const servers: Server[] = [];
  for (let i = 0; i < options.endpoints; i++) {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = req.headers['webhook-id'];
        arrivals?.add(typeof id === 'string' ? id : '', i % options.partitions, performance.now());
        if (!options.isSlow(i)) return void res.writeHead(200, { 'content-length': '2' }).end('ok');
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) res.writeHead(200, { 'content-length': '2' }).end('ok');
        }, options.slowMs);
        timers.add(timer);
      });
    });
    // Longer than the client's idle timeout: the client decides when a pooled socket closes.
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    urls: servers.map((s, i) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/${endpointId(i)}`),
    /** Where arrivals go from now on. */
    record(into: Arrivals | undefined) {
      arrivals = into;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/** Options of {@link startSteadyLoad}. */
export interface SteadyLoadOptions {
  readonly pipeline: BenchPipeline;
  readonly endpoints: readonly BenchEndpoint[];
  readonly partitions: number;
  readonly isSlow: (index: number) => boolean;
  /** Deliveries per second over every endpoint. */
  readonly ratePerSecond: number;
  /** Deliveries per second each slow endpoint gets (the fast ones share the rest). */
  readonly slowRatePerSecond: number;
  /** Distinguishes this load's deliveries from any other's. */
  readonly tag: string;
}

/** Produces deliveries at a steady rate until stopped; bursts to the fast endpoints on request. */
export function startSteadyLoad(options: SteadyLoadOptions) {
  const { pipeline, partitions } = options;
  const slow = options.endpoints.filter((e) => options.isSlow(e.index));
  const fast = options.endpoints.filter((e) => !options.isSlow(e.index));
  const slowEvery = Math.max(2, Math.round(options.ratePerSecond / (slow.length * options.slowRatePerSecond)));
  const pick = (seq: number) =>
    (seq % slowEvery === 0 ? slow[(seq / slowEvery) % slow.length] : fast[seq % fast.length]) as BenchEndpoint;
  const produced: string[] = [];
  let running = true;
  const encode = async (tag: string, from: number, to: number, choose: (seq: number) => BenchEndpoint) => {
    const chosen = Array.from({ length: to - from }, (_, k) => choose(from + k));
    const batch = await pipeline.encode(chosen.map((e, k) => makeDelivery(tag, from + k, e, Date.now())));
    // Explicit partitions, so that each arrival tells its partition by its endpoint.
    const messages = batch.messages.map((m, k) => ({ ...m, partition: (chosen[k]?.index ?? 0) % partitions }));
    return { messages, ids: batch.ids } satisfies EncodedDeliveries;
  };
  const loop = (async () => {
    const started = performance.now();
    let seq = 0;
    while (running) {
      const due = Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond);
      if (due > seq) {
        const batch = await encode(options.tag, seq, due, pick);
        await pipeline.produce(batch);
        produced.push(...batch.ids);
        seq = due;
      }
      await sleep(20);
    }
  })();
  return {
    /** Every delivery id produced so far. */
    produced: produced as readonly string[],
    /** Encodes `count` deliveries to the fast endpoints now (untimed); `send()` produces them at once. */
    async prepareBurst(tag: string, count: number) {
      const batch = await encode(tag, 0, count, (seq) => fast[seq % fast.length] as BenchEndpoint);
      return {
        async send() {
          await pipeline.produce(batch);
          produced.push(...batch.ids);
        },
      };
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The group as its coordinator describes it: state, and each member's partitions of one topic. */
export interface GroupSample {
  readonly at: number;
  readonly state: string;
  readonly members: readonly { readonly id: string; readonly partitions: readonly number[] }[];
}

/** Describes a consumer group every `pollMs` until stopped. */
export function watchGroup(admin: Admin, groupId: string, topic: string, pollMs: number) {
  const samples: GroupSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = performance.now();
      const group = (await admin.describeGroups([groupId]).catch(() => undefined))?.groups[0];
      if (group !== undefined) {
        const members = group.members.map((m) => ({
          id: m.memberId,
          partitions:
            m.memberAssignment.length === 0
              ? []
              : (kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? []),
        }));
        samples.push({ at, state: group.state, members });
      }
      await sleep(pollMs);
    }
  })();
  const stableWith = (s: GroupSample, n: number) =>
    s.state === 'Stable' && s.members.length === n && s.members.every((m) => m.partitions.length > 0);
  return {
    samples: samples as readonly GroupSample[],
    /** The first sample from `after` on that is Stable with `n` members, each holding partitions of the topic. */
    async stable(n: number, after: number, timeoutMs: number): Promise<GroupSample> {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = samples.find((s) => s.at >= after && stableWith(s, n));
        if (found !== undefined) return found;
        if (performance.now() > deadline) throw new Error(`the group was not stable with ${n} members in time`);
        await sleep(pollMs);
      }
    },
    /**
     * Times the group left Stable with its members between `from` and `to` (a rebalance, or a
     * member that left and came back under a new id), and every member id seen.
     */
    between(from: number, to: number) {
      const inRange = samples.filter((s) => s.at >= from && s.at < to);
      const key = (s: GroupSample) => (s.state === 'Stable' ? `Stable ${s.members.map((m) => m.id).join()}` : s.state);
      let rebalances = inRange[0] !== undefined && inRange[0].state !== 'Stable' ? 1 : 0;
      for (let i = 1; i < inRange.length; i++) {
        const previous = inRange[i - 1] as GroupSample;
        if (previous.state === 'Stable' && key(inRange[i] as GroupSample) !== key(previous)) rebalances++;
      }
      return { rebalances, memberIds: new Set(inRange.flatMap((s) => s.members.map((m) => m.id))) };
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Event-loop delay of a dispatcher's main thread (where kafkajs sends heartbeats from), ms. */
export interface LoopFigures {
  /** Median of the one-second windows' p50. */
  readonly p50Ms: number;
  readonly worstP99Ms: number;
  /** The longest single delay seen. */
  readonly maxMs: number;
}

/** Scrapes a dispatcher's event-loop delay once a second until stopped. */
export function watchEventLoop(dispatcher: DispatcherProcess): { stop(): LoopFigures } {
  const p50: number[] = [];
  let p99 = 0;
  let max = 0;
  const timer = setInterval(() => {
    dispatcher.metrics().then(
      (m) => {
        // prom-client restarts its histogram at every scrape: each sample covers the last second.
        p50.push(sumOf(m, 'payhook_nodejs_eventloop_lag_p50_seconds') * 1000);
        p99 = Math.max(p99, sumOf(m, 'payhook_nodejs_eventloop_lag_p99_seconds') * 1000);
        max = Math.max(max, sumOf(m, 'payhook_nodejs_eventloop_lag_max_seconds') * 1000);
      },
      () => undefined,
    );
  }, 1_000);
  return {
    stop() {
      clearInterval(timer);
      p50.sort((a, b) => a - b);
      return {
        p50Ms: Math.round(p50[Math.floor((p50.length - 1) / 2)] ?? Number.NaN),
        worstP99Ms: Math.round(p99),
        maxMs: Math.round(max),
      };
    },
  };
}

/** `count` busy-loop processes; each takes a core when it can get one. */
export function startHogs(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => {
    const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const kill = () => hog.kill('SIGKILL');
    process.once('exit', kill);
    hog.once('exit', () => process.off('exit', kill));
    return hog;
  });
}
