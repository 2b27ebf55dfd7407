import { useState } from 'preact/hooks';
import { href } from '../router.ts';
import type { Problem } from '../session.ts';
import { CopyButton, Field, fieldProblems, Loading, Page, ProblemNote, TextField, useClient, useLoad } from '../ui.tsx';

/** How a receiver checks our signatures with the standardwebhooks library. */
export function verificationSnippet(secret: string): string {
  return `import { Webhook } from 'standardwebhooks';

const webhook = new Webhook('${secret}');

// In your handler, with the request body exactly as received (a string or bytes):
const event = webhook.verify(rawBody, {
  'webhook-id': request.headers['webhook-id'],
  'webhook-timestamp': request.headers['webhook-timestamp'],
  'webhook-signature': request.headers['webhook-signature'],
});
// Throws when the signature or the timestamp does not check out.
// The same webhook-id can arrive more than once: deduplicate on it.`;
}

interface Created {
  readonly endpoint_id: string;
  readonly url: string;
  readonly secret: string;
}

/** Registers an endpoint; its signing secret is shown once, here. */
export function EndpointNewPage() {
  const client = useClient();
  const eventTypes = useLoad(() => client.GET('/v1/event-types'), 'event-types');
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [created, setCreated] = useState<Created | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  if (created !== undefined) return <SecretOnce created={created} />;

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const number = (name: string) => (text(name) === '' ? undefined : Number(text(name)));
    setBusy(true);
    const { data, error } = await client.POST('/v1/endpoints', {
      body: {
        url: text('url'),
        event_types: form.getAll('event_types').map(String),
        rate_limit_per_second: number('rate_limit_per_second'),
        timeout_ms: number('timeout_ms'),
      },
    });
    setBusy(false);
    if (data !== undefined) setCreated(data);
    else setProblem(error as Problem);
  };
  const byField = fieldProblems(problem);
  const unnamed = problem !== undefined && (problem.errors ?? []).length === 0 ? problem : undefined;

  return (
    <Page title="Add endpoint">
      <form onSubmit={submit} noValidate>
        <Field id="url" label="URL" hint="Where we POST signed webhooks (https)" problem={byField.url}>
          {(describedBy) => (
            <input
              id="url"
              name="url"
              type="url"
              required
              autoComplete="url"
              placeholder="https://shop.example/webhooks"
              aria-invalid={byField.url !== undefined}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <fieldset aria-describedby={byField.event_types === undefined ? undefined : 'event_types-problem'}>
          <legend>Events</legend>
          <Loading loaded={eventTypes}>
            {(types) => (
              <>
                {types.data.map((t) => (
                  <label key={t.name} class="check">
                    <input type="checkbox" name="event_types" value={t.name} defaultChecked={t.default_subscription} />{' '}
                    {t.name} <span class="muted">{t.description}</span>
                  </label>
                ))}
              </>
            )}
          </Loading>
          {byField.event_types === undefined ? null : (
            <small id="event_types-problem" class="field-problem" role="alert">
              {byField.event_types}
            </small>
          )}
        </fieldset>
        <TextField
          name="rate_limit_per_second"
          label="Rate limit (deliveries per second)"
          hint="Optional; the dispatcher's default when empty"
          inputMode="decimal"
          problem={byField.rate_limit_per_second}
        />
        <TextField
          name="timeout_ms"
          label="Timeout (ms)"
          hint="Optional; 100 to 300000"
          inputMode="numeric"
          problem={byField.timeout_ms}
        />
        <ProblemNote problem={unnamed} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add endpoint'}
          </button>
          <a href={href('endpoints')}>Cancel</a>
        </div>
      </form>
    </Page>
  );
}

function SecretOnce(props: { created: Created }) {
  const { created } = props;
  const snippet = verificationSnippet(created.secret);
  return (
    <Page title="Endpoint added">
      <p>
        <strong>{created.url}</strong> <span class="muted">({created.endpoint_id})</span> will receive signed webhooks.
      </p>
      <h2>Signing secret</h2>
      <p role="note">This is the only time the secret is shown. Store it with your receiver now.</p>
      <div class="secret">
        <code id="secret">{created.secret}</code>
        <CopyButton text={created.secret} label="Copy secret" />
      </div>
      <h2>Verify the signatures</h2>
      <p>
        With the <code>standardwebhooks</code> library (<code>npm install standardwebhooks</code>):
      </p>
      <pre>
        <code>{snippet}</code>
      </pre>
      <CopyButton text={snippet} label="Copy code" />
      <p>
        <a href={href('endpoints')}>Back to the endpoints</a>
      </p>
    </Page>
  );
}
