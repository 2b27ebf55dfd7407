import { Counter, type Registry } from '@payhook/runtime';

/** The filter's metrics: counts in and out, by bounded labels. */
export interface FilterMetrics {
  readonly eventsIn: Counter<'status'>;
  readonly deliveriesOut: Counter<'event_type'>;
  readonly skipped: Counter<'reason'>;
}

export function createFilterMetrics(registry: Registry): FilterMetrics {
  const registers = [registry];
  return {
    eventsIn: new Counter({
      name: 'payhook_filter_events_in_total',
      help: 'Payment events read, by the state entered',
      labelNames: ['status'],
      registers,
    }),
    deliveriesOut: new Counter({
      name: 'payhook_filter_deliveries_out_total',
      help: 'Delivery records written to webhooks.dispatch, by event type',
      labelNames: ['event_type'],
      registers,
    }),
    skipped: new Counter({
      name: 'payhook_filter_events_skipped_total',
      help: 'Events that produced no delivery: duplicate, not announced, or no subscribed endpoint',
      labelNames: ['reason'],
      registers,
    }),
  };
}
