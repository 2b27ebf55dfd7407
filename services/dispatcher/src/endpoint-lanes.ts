/** Options of {@link EndpointLanes}. */
export interface EndpointLanesOptions {
  /**
   * Deliveries to one endpoint running at once. Records of one endpoint start in the order
   * they were read; with more than 1 they may finish out of order.
   * @defaultValue 1
   */
  readonly perEndpoint?: number;
}

interface Lane {
  running: number;
  readonly queue: (() => Promise<void>)[];
}

/**
 * Per-endpoint FIFO lanes: work for different endpoints runs concurrently, work for one
 * endpoint starts in order with at most `perEndpoint` running. A slow endpoint only ever
 * holds its own lane.
 */
export class EndpointLanes {
  readonly #perEndpoint: number;
  readonly #lanes = new Map<string, Lane>();
  #running = 0;
  #queued = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: EndpointLanesOptions = {}) {
    this.#perEndpoint = options.perEndpoint ?? 1;
    if (!Number.isInteger(this.#perEndpoint) || this.#perEndpoint < 1) {
      throw new RangeError('perEndpoint must be a positive integer');
    }
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for their lane. */
  get queued(): number {
    return this.#queued;
  }

  /** Queues a task on the endpoint's lane. The task must not throw (it handles its own errors). */
  submit(endpoint: string, task: () => Promise<void>): void {
    let lane = this.#lanes.get(endpoint);
    if (lane === undefined) {
      lane = { running: 0, queue: [] };
      this.#lanes.set(endpoint, lane);
    }
    lane.queue.push(task);
    this.#queued++;
    this.#pump(endpoint, lane);
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(endpoint: string, lane: Lane): void {
    while (lane.running < this.#perEndpoint && lane.queue.length > 0) {
      const task = lane.queue.shift() as () => Promise<void>;
      this.#queued--;
      lane.running++;
      this.#running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          lane.running--;
          this.#running--;
          if (lane.running === 0 && lane.queue.length === 0) this.#lanes.delete(endpoint);
          else this.#pump(endpoint, lane);
          if (this.#running === 0 && this.#queued === 0) {
            const waiters = this.#idleWaiters;
            this.#idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  }
}
