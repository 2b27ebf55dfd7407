import { Field, Loading, TextField, useClient, useLoad } from './ui.tsx';

/** The test event type: sent on request only, never subscribed to. */
const TEST_EVENT_TYPE = 'webhook.test';

/** The body fields {@link EndpointFields} shows problems for. */
export const ENDPOINT_FIELDS = ['url', 'description', 'event_types', 'rate_limit_per_second', 'timeout_ms'] as const;

/** An endpoint's settings as the form holds them. */
export interface EndpointSettings {
  readonly url: string;
  /** What the endpoint is for; empty when none. */
  readonly description: string;
  readonly event_types: readonly string[];
  readonly rate_limit_per_second: number | null;
  readonly timeout_ms: number | null;
}

/**
 * The URL, events, rate and timeout inputs, each with the API's problem for its field; filled
 * from `initial` when editing.
 */
export function EndpointFields(props: { problems: Record<string, string>; initial?: EndpointSettings }) {
  const client = useClient();
  const eventTypes = useLoad(() => client.GET('/v1/event-types'), 'event-types');
  const { problems, initial } = props;
  return (
    <>
      <Field id="url" label="URL" hint="Where we POST signed webhooks (https)" problem={problems.url}>
        {(describedBy) => (
          <input
            id="url"
            name="url"
            type="url"
            required
            autoComplete="url"
            placeholder="https://shop.example/webhooks"
            defaultValue={initial?.url}
            aria-invalid={problems.url !== undefined}
            aria-describedby={describedBy}
          />
        )}
      </Field>
      <TextField
        name="description"
        label="Description"
        hint="Optional: what the endpoint is for"
        value={initial?.description}
        problem={problems.description}
      />
      <fieldset aria-describedby={problems.event_types === undefined ? undefined : 'event_types-problem'}>
        <legend>Events</legend>
        <Loading loaded={eventTypes}>
          {(types) => (
            <>
              {types.data
                .filter((t) => t.name !== TEST_EVENT_TYPE)
                .map((t) => (
                  <label key={t.name} class="check">
                    <input
                      type="checkbox"
                      name="event_types"
                      value={t.name}
                      defaultChecked={
                        initial === undefined ? t.default_subscription : initial.event_types.includes(t.name)
                      }
                    />{' '}
                    {t.name} <span class="muted">{t.description}</span>
                  </label>
                ))}
            </>
          )}
        </Loading>
        {problems.event_types === undefined ? null : (
          <small id="event_types-problem" class="field-problem" role="alert">
            {problems.event_types}
          </small>
        )}
      </fieldset>
      <TextField
        name="rate_limit_per_second"
        label="Rate limit (deliveries per second)"
        hint="Optional; the dispatcher's default when empty"
        inputMode="decimal"
        value={initial?.rate_limit_per_second?.toString()}
        problem={problems.rate_limit_per_second}
      />
      <TextField
        name="timeout_ms"
        label="Timeout (ms)"
        hint="Optional; 100 to 300000; the dispatcher's default when empty"
        inputMode="numeric"
        value={initial?.timeout_ms?.toString()}
        problem={problems.timeout_ms}
      />
    </>
  );
}

/** The settings a submitted {@link EndpointFields} form holds; an empty number is null (the default). */
export function readEndpointFields(form: HTMLFormElement): EndpointSettings {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  // Sent as typed, so that the API names a value that is not a number.
  const number = (name: string) => (text(name) === '' ? null : Number(text(name)));
  return {
    url: text('url'),
    description: text('description'),
    event_types: data.getAll('event_types').map(String),
    rate_limit_per_second: number('rate_limit_per_second'),
    timeout_ms: number('timeout_ms'),
  };
}
