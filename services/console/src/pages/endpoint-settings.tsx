import { useState } from 'preact/hooks';
import { ENDPOINT_FIELDS, EndpointFields, type EndpointSettings, readEndpointFields } from '../endpoint-fields.tsx';
import { SecretReveal } from '../secret-reveal.tsx';
import type { Problem } from '../session.ts';
import { fieldProblems, ProblemNote, TextField, unshownProblem, useClient, When } from '../ui.tsx';

/** Changes an endpoint's URL, events, rate and timeout (PATCH); empty numbers go back to the defaults. */
export function SettingsForm(props: { endpointId: string; current: EndpointSettings; onSaved(): void }) {
  const client = useClient();
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const settings = readEndpointFields(event.currentTarget as HTMLFormElement);
    const { data, error } = await client.PATCH('/v1/endpoints/{endpoint_id}', {
      params: { path: { endpoint_id: props.endpointId } },
      body: { ...settings, event_types: [...settings.event_types] },
    });
    setProblem(data === undefined ? (error as Problem) : undefined);
    setSaved(data !== undefined);
    if (data !== undefined) props.onSaved();
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <EndpointFields problems={fieldProblems(problem)} initial={props.current} />
      <ProblemNote problem={unshownProblem(problem, ENDPOINT_FIELDS)} />
      <div class="actions">
        <button type="submit">Save changes</button>
        <span aria-live="polite">{saved ? 'Saved.' : ''}</span>
      </div>
    </form>
  );
}

/** Gives the endpoint a new secret; the older ones keep signing for the overlap. */
export function RotateSecret(props: { endpointId: string }) {
  const client = useClient();
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [rotated, setRotated] = useState<{ secret: string; until: string } | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    const overlap = String(new FormData(event.currentTarget as HTMLFormElement).get('overlap') ?? '').trim();
    const { data, error } = await client.POST('/v1/endpoints/{endpoint_id}/rotate-secret', {
      params: { path: { endpoint_id: props.endpointId } },
      body: overlap === '' ? {} : { overlap },
    });
    setProblem(data === undefined ? (error as Problem) : undefined);
    if (data !== undefined) setRotated({ secret: data.secret, until: data.previous_secrets_expire_at });
  };
  const problems = fieldProblems(problem);
  return (
    <form onSubmit={submit} noValidate aria-labelledby="rotate-title">
      <h2 id="rotate-title">Rotate the signing secret</h2>
      {rotated === undefined ? (
        <>
          <TextField
            name="overlap"
            label="Overlap"
            hint="How long the older secrets keep signing too, e.g. 1h (default 24h)"
            problem={problems.overlap}
          />
          <ProblemNote problem={unshownProblem(problem, ['overlap'])} />
          <div class="actions">
            <button type="submit">Rotate secret</button>
          </div>
        </>
      ) : (
        <>
          <p>
            Every webhook is signed with the older secrets too until <When at={rotated.until} />.
          </p>
          <SecretReveal secret={rotated.secret} />
        </>
      )}
    </form>
  );
}
