import type { ApiClient } from '@payhook/api/client';

/** What the operator pages read of a delivery. */
export interface DeliveryRow {
  readonly delivery_id: string;
  readonly endpoint_id: string;
  readonly merchant_id: string;
  readonly status: 'delivered' | 'retrying' | 'failed';
  readonly failure_reason: string | null;
  readonly created_at: string;
  readonly last_attempt_at: string | null;
}

/** Pages read at most: the operator pages summarise up to this many pages of 250. */
const MAX_PAGES = 8;

/**
 * Deliveries matching `query`, newest first, following the cursor up to a bound; `complete` says
 * whether every one was read.
 */
export async function loadDeliveries(
  client: ApiClient,
  query: { status?: 'delivered' | 'retrying' | 'failed'; since?: string },
): Promise<{ data?: { rows: DeliveryRow[]; complete: boolean }; error?: unknown }> {
  const rows: DeliveryRow[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { data, error } = await client.GET('/v1/deliveries', {
      params: { query: { ...query, cursor, limit: '250' } },
    });
    if (data === undefined) return { error };
    rows.push(...data.data);
    if (data.next_cursor === null) return { data: { rows, complete: true } };
    cursor = data.next_cursor;
  }
  return { data: { rows, complete: false } };
}
