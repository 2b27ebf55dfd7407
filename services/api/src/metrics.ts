import { Counter, Histogram, type Registry } from '@payhook/runtime';

/** The API's request metrics; labels are the route template, never an id. */
export interface ApiMetrics {
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route' | 'status'>;
  readonly readModelRecords: Counter<'kind'>;
}

/** Registers the API's metrics. */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    requests: new Counter({
      name: 'payhook_api_requests_total',
      help: 'HTTP requests answered, by method, route template (unmatched for 404s) and status',
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'payhook_api_request_duration_seconds',
      help: 'Time from a request to its response, by method, route template and status',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    readModelRecords: new Counter({
      name: 'payhook_api_read_model_records_total',
      help: 'Records the read model consumed, by kind (event, delivery, attempt, skipped: undecodable)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}
