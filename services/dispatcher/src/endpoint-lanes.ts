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
}

/** The work of one record: runs while it holds its lane. It must not throw. */
export type LaneTask = () => Promise<void>;

interface Lane {
  readonly endpoint: string;
  running: number;
  /** Waiting for a turn in the ready queue. */
  ready: boolean;
  readonly queue: LaneTask[];
}

/**
 * Per-endpoint FIFO lanes: work for different endpoints runs concurrently, work for one
 * endpoint starts in order with at most `perEndpoint` running, and at most `maxRunning`
 * run overall. A slow endpoint only ever holds its own lane.
 */
export class EndpointLanes {
  readonly #perEndpoint: number;
  readonly #maxRunning: number;
  readonly #lanes = new Map<string, Lane>();
  /** Lanes with a task that may start as soon as a slot frees, in turn order. */
  #ready: Lane[] = [];
  #readyHead = 0;
  #running = 0;
  #queued = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: EndpointLanesOptions = {}) {
    this.#perEndpoint = options.perEndpoint ?? 1;
    this.#maxRunning = options.maxRunning ?? Number.POSITIVE_INFINITY;
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

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for their lane or for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /** Endpoints with work running or waiting. */
  get endpoints(): number {
    return this.#lanes.size;
  }

  /** Queues a task on the endpoint's lane. */
  submit(endpoint: string, task: LaneTask): void {
    let lane = this.#lanes.get(endpoint);
    if (lane === undefined) {
      lane = { endpoint, running: 0, ready: false, queue: [] };
      this.#lanes.set(endpoint, lane);
    }
    lane.queue.push(task);
    this.#queued++;
    this.#offer(lane);
    this.#pump();
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queued === 0) return Promise.resolve();
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
    this.#queued--;
    lane.running++;
    this.#running++;
    const ended = () => this.#ended(lane);
    void task().then(ended, ended);
  }

  #ended(lane: Lane): void {
    lane.running--;
    this.#running--;
    if (lane.running === 0 && lane.queue.length === 0) this.#lanes.delete(lane.endpoint);
    else this.#offer(lane);
    this.#pump();
    if (this.#running === 0 && this.#queued === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
