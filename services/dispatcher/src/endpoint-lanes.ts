/** Options of {@link EndpointLanes}. */
export interface EndpointLanesOptions {
  /**
   * Tasks of one endpoint running at once. Records of one endpoint start in the order they
   * were read; with more than 1 they may finish out of order.
   * @defaultValue 1
   */
  readonly perEndpoint?: number;
  /**
   * Tasks running at once across all endpoints. Lanes with work take turns for a free slot
   * (one task per turn), so a busy endpoint cannot crowd out a quiet one.
   * @defaultValue unbounded
   */
  readonly maxRunning?: number;
  /**
   * A task running longer than this stops counting against `maxRunning` and counts against
   * `maxSlow` instead, so endpoints that hang (each holding its task until a timeout) cannot
   * take every slot from the ones that answer.
   * @defaultValue never
   */
  readonly slowAfterMs?: number;
  /**
   * Slow tasks counted apart at once; past this, a slow task keeps its slot. Tasks running at
   * once are bounded by `maxRunning + maxSlow`.
   * @defaultValue `maxRunning`
   */
  readonly maxSlow?: number;
  /**
   * While one of an endpoint's tasks is slow, its lane keeps at most this many tasks waiting:
   * newer ones are handed to their `moveOn` instead of waiting behind an endpoint that does
   * not answer (their records hold back their partitions while they wait).
   * @defaultValue unbounded
   */
  readonly maxQueuedWhileSlow?: number;
}

/** What becomes of a waiting task that its lane gives up on: it must not throw. */
export type MoveOn = () => void;

/**
 * The work of one record: runs while it holds its lane. It must not throw. It calls `waiting`
 * when it starts waiting on its endpoint (its request went out): only from then on can it
 * count as slow, so a task held up on our side (a rate limit, a free connection) never does.
 */
export type LaneTask = (waiting: () => void) => Promise<void>;

/** One started task, for telling the slow ones apart. */
interface Run {
  readonly lane: Lane;
  /** When it started waiting on its endpoint; 0 until then. */
  startedAt: number;
  /** Older than `slowAfterMs`. */
  late: boolean;
  /** Counted against `maxSlow` rather than `maxRunning`. */
  slow: boolean;
  ended: boolean;
}

interface Lane {
  readonly endpoint: string;
  running: number;
  /** Running tasks older than `slowAfterMs`. */
  late: number;
  /** Waiting for a turn in the ready queue. */
  ready: boolean;
  readonly queue: LaneTask[];
  /** Beside `queue`: what to do with each waiting task if the lane gives up on it. */
  readonly moveOns: (MoveOn | undefined)[];
}

/**
 * Per-endpoint FIFO lanes: work for different endpoints runs concurrently, work for one
 * endpoint starts in order with at most `perEndpoint` running, and at most `maxRunning`
 * run overall, not counting tasks older than `slowAfterMs` (up to `maxSlow` of them). A slow
 * endpoint only ever holds its own lane, and for a while one overall slot.
 */
export class EndpointLanes {
  readonly #perEndpoint: number;
  readonly #maxRunning: number;
  readonly #slowAfterMs: number;
  readonly #maxSlow: number;
  readonly #maxQueuedWhileSlow: number;
  readonly #lanes = new Map<string, Lane>();
  /** Lanes with a task that may start as soon as a slot frees, in turn order. */
  #ready: Lane[] = [];
  #readyHead = 0;
  /** Tasks counted against `maxRunning`. */
  #running = 0;
  /** Tasks counted against `maxSlow`. */
  #slow = 0;
  /** Started tasks not yet counted slow, oldest first, from `#oldest` on (ended ones are skipped). */
  #runs: Run[] = [];
  #oldest = 0;
  #sweeper: NodeJS.Timeout | undefined;
  #queued = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: EndpointLanesOptions = {}) {
    this.#perEndpoint = options.perEndpoint ?? 1;
    this.#maxRunning = options.maxRunning ?? Number.POSITIVE_INFINITY;
    this.#slowAfterMs = options.slowAfterMs ?? Number.POSITIVE_INFINITY;
    this.#maxSlow = options.maxSlow ?? this.#maxRunning;
    this.#maxQueuedWhileSlow = options.maxQueuedWhileSlow ?? Number.POSITIVE_INFINITY;
    if (!(this.#maxQueuedWhileSlow >= 0)) throw new RangeError('maxQueuedWhileSlow must be >= 0');
    if (!(this.#slowAfterMs > 0)) throw new RangeError('slowAfterMs must be > 0');
    if (!(this.#maxSlow >= 0)) throw new RangeError('maxSlow must be >= 0');
    if (!Number.isInteger(this.#perEndpoint) || this.#perEndpoint < 1) {
      throw new RangeError('perEndpoint must be a positive integer');
    }
    if (
      this.#maxRunning !== Number.POSITIVE_INFINITY &&
      !(Number.isInteger(this.#maxRunning) && this.#maxRunning >= 1)
    ) {
      throw new RangeError('maxRunning must be a positive integer');
    }
  }

  /** Tasks running now, slow ones included. */
  get running(): number {
    return this.#running + this.#slow;
  }

  /** Running tasks older than `slowAfterMs` that no longer count against `maxRunning`. */
  get slow(): number {
    return this.#slow;
  }

  /** Tasks waiting for their lane or for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /** Endpoints with work running or waiting. */
  get endpoints(): number {
    return this.#lanes.size;
  }

  /**
   * Queues a task on the endpoint's lane. `moveOn`, when given, is called instead of the task
   * if the lane gives up on it (see {@link EndpointLanesOptions.maxQueuedWhileSlow}).
   */
  submit(endpoint: string, task: LaneTask, moveOn?: MoveOn): void {
    let lane = this.#lanes.get(endpoint);
    if (lane === undefined) {
      lane = { endpoint, running: 0, late: 0, ready: false, queue: [], moveOns: [] };
      this.#lanes.set(endpoint, lane);
    }
    lane.queue.push(task);
    lane.moveOns.push(moveOn);
    this.#queued++;
    if (lane.late > 0) this.#trim(lane);
    this.#offer(lane);
    this.#pump();
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.#queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Puts a lane in line for a slot when it has a task it may start. */
  #offer(lane: Lane): void {
    if (lane.ready || lane.queue.length === 0 || lane.running >= this.#perEndpoint) return;
    lane.ready = true;
    this.#ready.push(lane);
  }

  #pump(): void {
    while (this.#running < this.#maxRunning && this.#readyHead < this.#ready.length) {
      const lane = this.#ready[this.#readyHead] as Lane;
      this.#ready[this.#readyHead] = undefined as unknown as Lane;
      this.#readyHead++;
      lane.ready = false;
      // Its waiting tasks may have been moved on since it got in line.
      if (lane.queue.length === 0) {
        if (lane.running === 0) this.#lanes.delete(lane.endpoint);
        continue;
      }
      this.#start(lane);
      // Back in line for its next task, behind the lanes already waiting.
      this.#offer(lane);
    }
    if (this.#readyHead === this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    } else if (this.#readyHead > 1_024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
  }

  #start(lane: Lane): void {
    const task = lane.queue.shift() as LaneTask;
    lane.moveOns.shift();
    this.#queued--;
    lane.running++;
    this.#running++;
    if (this.#slowAfterMs === Number.POSITIVE_INFINITY) {
      const ended = () => this.#ended(lane, undefined);
      void task(noop).then(ended, ended);
      return;
    }
    const run: Run = { lane, startedAt: 0, late: false, slow: false, ended: false };
    const ended = () => this.#ended(lane, run);
    void task(() => this.#watch(run)).then(ended, ended);
  }

  #ended(lane: Lane, run: Run | undefined): void {
    lane.running--;
    if (run !== undefined) {
      run.ended = true;
      if (run.late) lane.late--;
    }
    if (run?.slow) this.#slow--;
    else this.#running--;
    if (lane.running === 0 && lane.queue.length === 0) this.#lanes.delete(lane.endpoint);
    else this.#offer(lane);
    this.#pump();
    if (this.running === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      this.#runs = [];
      this.#oldest = 0;
      if (this.#queued === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  /**
   * A task now waiting on its endpoint, kept in the order they started waiting for
   * {@link EndpointLanes.#sweep} to find once it is slow.
   */
  #watch(run: Run): void {
    if (run.ended || run.startedAt !== 0) return;
    run.startedAt = performance.now();
    this.#runs.push(run);
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.max(10, this.#slowAfterMs / 4)).unref();
  }

  /**
   * Marks tasks waiting longer than `slowAfterMs` as late (trimming their lanes) and counts
   * them as slow while `maxSlow` allows, freeing their slots. A late task that does not fit
   * under `maxSlow` stays in the list, to be counted slow once there is room.
   */
  #sweep(): void {
    const now = performance.now();
    let freed = false;
    let keptFrom: number | undefined;
    let at = this.#oldest;
    for (; at < this.#runs.length; at++) {
      const run = this.#runs[at] as Run;
      if (run.ended || run.slow) continue;
      if (now - run.startedAt < this.#slowAfterMs) break;
      if (!run.late) {
        run.late = true;
        run.lane.late++;
        this.#trim(run.lane);
      }
      if (this.#slow < this.#maxSlow) {
        run.slow = true;
        this.#slow++;
        this.#running--;
        freed = true;
      } else {
        keptFrom ??= at;
      }
    }
    this.#oldest = keptFrom ?? at;
    if (this.#oldest > 1_024 && this.#oldest * 2 > this.#runs.length) {
      this.#runs = this.#runs.slice(this.#oldest);
      this.#oldest = 0;
    }
    if (freed) this.#pump();
  }

  /** Gives up on the newest waiting tasks of a lane with a slow task, beyond `maxQueuedWhileSlow`. */
  #trim(lane: Lane): void {
    while (lane.queue.length > this.#maxQueuedWhileSlow) {
      const moveOn = lane.moveOns.at(-1);
      if (moveOn === undefined) return;
      lane.queue.pop();
      lane.moveOns.pop();
      this.#queued--;
      moveOn();
    }
  }
}

const noop = (): void => undefined;
