import { useState } from 'preact/hooks';
import { ENDPOINT_FIELDS, EndpointFields, readEndpointFields } from '../endpoint-fields.tsx';
import { href } from '../router.ts';
import { SecretReveal } from '../secret-reveal.tsx';
import type { Problem } from '../session.ts';
import { fieldProblems, Page, ProblemNote, unshownProblem, useClient } from '../ui.tsx';

interface Created {
  readonly endpoint_id: string;
  readonly url: string;
  readonly secret: string;
}

/** Registers an endpoint; its signing secret is shown once, here. */
export function EndpointNewPage() {
  const client = useClient();
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [created, setCreated] = useState<Created | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  if (created !== undefined) {
    return (
      <Page title="Endpoint added">
        <p>
          <strong>{created.url}</strong> <span class="muted">({created.endpoint_id})</span> will receive signed
          webhooks.
        </p>
        <SecretReveal secret={created.secret} />
        <p>
          <a href={href(`endpoints/${encodeURIComponent(created.endpoint_id)}`)}>Open the endpoint</a> ·{' '}
          <a href={href('endpoints')}>Back to the endpoints</a>
        </p>
      </Page>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    const settings = readEndpointFields(event.currentTarget as HTMLFormElement);
    setBusy(true);
    const { data, error } = await client.POST('/v1/endpoints', {
      body: {
        url: settings.url,
        description: settings.description === '' ? undefined : settings.description,
        event_types: [...settings.event_types],
        rate_limit_per_second: settings.rate_limit_per_second ?? undefined,
        timeout_ms: settings.timeout_ms ?? undefined,
      },
    });
    setBusy(false);
    if (data !== undefined) setCreated(data);
    else setProblem(error as Problem);
  };

  return (
    <Page title="Add endpoint">
      <form onSubmit={submit} noValidate>
        <EndpointFields problems={fieldProblems(problem)} />
        <ProblemNote problem={unshownProblem(problem, ENDPOINT_FIELDS)} />
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
