// The figures the API derives from its read model and the pipeline's consumer groups: an
// endpoint's health and the operator's overview.
import { type Static, Type } from 'typebox';
import { AttemptOutcome, Endpoint } from './schemas.ts';

const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const EndpointHealth = Type.Object(
  {
    since: Timestamp('Start of the window: 24 h ago'),
    requests: Type.Integer({
      description: 'Requests made in the window (waits taken without a request are not counted)',
    }),
    delivered: Type.Integer({ description: 'Of those, the ones answered 2xx' }),
    success_rate: Nullable(Type.Number({ description: 'delivered / requests, from 0 to 1; null without requests' })),
    last_attempt: Nullable(
      Type.Object(
        {
          attempted_at: Timestamp('When it was made'),
          outcome: AttemptOutcome,
          status_code: Nullable(Type.Integer({ description: "The endpoint's HTTP status; null without a response" })),
          error_class: Nullable(
            Type.String({ description: 'Why it failed, or why it waited (circuit_open, retry_after)' }),
          ),
        },
        { additionalProperties: false, description: 'The newest entry of the window; null when there is none' },
      ),
    ),
    circuit_open: Type.Boolean({
      description:
        "The dispatcher's circuit breaker for this endpoint is open: its latest entry waited on the open circuit and the next try is still ahead",
    }),
    circuit_open_until: Nullable(Timestamp('When the held deliveries are tried next, while the circuit is open')),
    retry_after_until: Nullable(
      Timestamp('Until when the endpoint asked to be left alone (Retry-After), while it lasts'),
    ),
  },
  { additionalProperties: false, description: "The endpoint's deliveries over the last 24 h, from the read model" },
);
export type EndpointHealth = Static<typeof EndpointHealth>;

export const EndpointWithHealth = Type.Object(
  { ...Endpoint.properties, health: EndpointHealth },
  {
    additionalProperties: false,
    description: "A merchant's webhook endpoint with its health; its signing secret is never shown again",
  },
);
export type EndpointWithHealth = Static<typeof EndpointWithHealth>;

export const EndpointWithHealthList = Type.Object(
  {
    data: Type.Array(EndpointWithHealth),
    iterator: Nullable(Type.String({ description: 'Pass as `iterator` for the next page; null on the last' })),
    done: Type.Boolean(),
  },
  { additionalProperties: false },
);

const LagFigures = {
  lag_records: Type.Integer({ description: 'Records not yet consumed (transaction markers excluded)' }),
  lag_seconds: Type.Number({
    description: 'The longest wait among them (retry tiers: only time past the due time counts)',
  }),
};

export const OperatorOverview = Type.Object(
  {
    measured_at: Timestamp('When the figures were read'),
    latency: Type.Array(
      Type.Object(
        {
          minute: Timestamp("The minute's start"),
          requests: Type.Integer(),
          p50_ms: Type.Integer(),
          p95_ms: Type.Integer(),
          p99_ms: Type.Integer(),
        },
        { additionalProperties: false },
      ),
      {
        description:
          'Request durations of every endpoint per minute over the last hour, oldest first (nearest-rank percentiles; 0 in a minute without requests)',
      },
    ),
    lag: Type.Array(
      Type.Object(
        {
          group_id: Type.String(),
          role: Type.Union([Type.Literal('filter'), Type.Literal('dispatcher')]),
          state: Type.String({ description: 'As the broker reports it (Stable, Empty, Dead, …)' }),
          members: Type.Integer(),
          ...LagFigures,
          topics: Type.Array(Type.Object({ topic: Type.String(), ...LagFigures }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
      { description: "The confirmation filter's and the dispatcher's consumer groups, measured as `payhook lag` does" },
    ),
  },
  { additionalProperties: false },
);
export type OperatorOverview = Static<typeof OperatorOverview>;
