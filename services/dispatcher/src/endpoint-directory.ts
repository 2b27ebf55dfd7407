import type { Endpoint } from '@payhook/contracts';

/** The endpoints the dispatcher delivers to, as materialised from the compacted topic. */
export interface EndpointDirectory {
  get(endpointId: string): Endpoint | undefined;
  /**
   * Waits (up to a few seconds) until the table has read every endpoint written so far: a
   * delivery can reach the dispatcher before the endpoint it names does.
   */
  catchUp(): Promise<void>;
  /**
   * Disables an endpoint: writes the disabled version to the endpoints topic (so every pod
   * and the operators see it) and applies it here at once, so the next record is not sent.
   */
  disable(endpoint: Endpoint, reason: string): Promise<void>;
}
