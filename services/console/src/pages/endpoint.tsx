import { useState } from 'preact/hooks';
import { href } from '../router.ts';
import type { Problem } from '../session.ts';
import { Loading, Page, ProblemNote, Status, useClient, useLoad, When } from '../ui.tsx';
import { HoldBadge, LastAttempt, SuccessShare } from './endpoint-health.tsx';
import { RecoverFailed } from './endpoint-recover.tsx';
import { RotateSecret, SettingsForm } from './endpoint-settings.tsx';

/**
 * One endpoint: its settings, a test event watched until it arrives, disable/enable, rotate,
 * recovery of its failed deliveries, delete.
 */
export function EndpointPage(props: { endpointId: string }) {
  const client = useClient();
  const id = props.endpointId;
  const path = { params: { path: { endpoint_id: id } } };
  const loaded = useLoad(() => client.GET('/v1/endpoints/{endpoint_id}', path), id);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [testId, setTestId] = useState<string | undefined>(undefined);
  const [deleting, setDeleting] = useState<'ask' | 'done' | undefined>(undefined);

  const sendTest = async () => {
    const { data, error } = await client.POST('/v1/endpoints/{endpoint_id}/test', path);
    setProblem(data === undefined ? (error as Problem) : undefined);
    setTestId(data?.delivery_id);
  };
  const setEnabled = async (enabled: boolean) => {
    const { error } = await client.PATCH('/v1/endpoints/{endpoint_id}', { ...path, body: { enabled } });
    setProblem(error as Problem | undefined);
    loaded.reload();
  };
  const remove = async () => {
    const { error, response } = await client.DELETE('/v1/endpoints/{endpoint_id}', path);
    setProblem(response.ok ? undefined : (error as Problem));
    if (response.ok) setDeleting('done');
  };

  if (deleting === 'done') {
    return (
      <Page title="Endpoint deleted">
        <p>
          {id} receives no more webhooks. <a href={href('endpoints')}>Back to the endpoints</a>
        </p>
      </Page>
    );
  }
  return (
    <Page title={`Endpoint ${id}`}>
      <Loading loaded={loaded}>
        {(e) => (
          <>
            <dl class="facts">
              <dt>URL</dt>
              <dd class="url">{e.url}</dd>
              {e.description === '' ? null : (
                <>
                  <dt>Description</dt>
                  <dd>{e.description}</dd>
                </>
              )}
              <dt>State</dt>
              <dd>
                <Status value={e.enabled ? 'enabled' : 'disabled'} />
                {e.disabled_reason === null ? null : <span class="muted"> {e.disabled_reason}</span>}
              </dd>
              <dt>Events</dt>
              <dd>{e.event_types.join(', ')}</dd>
            </dl>
            <HealthFacts endpointId={id} />
            <dl class="facts">
              <dt>Changed</dt>
              <dd>
                <When at={e.updated_at} />
              </dd>
            </dl>
            <div class="actions">
              <button type="button" onClick={sendTest}>
                Send test event
              </button>
              <button type="button" onClick={() => setEnabled(!e.enabled)}>
                {e.enabled ? 'Disable' : 'Enable'}
              </button>
              <a href={href('deliveries', { endpoint_id: id })}>Deliveries</a>
            </div>
            <ProblemNote problem={problem} />
            {testId === undefined ? null : <TestWatch deliveryId={testId} />}
            <SettingsForm endpointId={id} current={e} onSaved={loaded.reload} />
            <RotateSecret endpointId={id} />
            <RecoverFailed endpointId={id} />
            <h2>Delete</h2>
            {deleting === 'ask' ? (
              <fieldset class="actions">
                <legend>Delete this endpoint for good? Its id is never reused.</legend>
                <button type="button" class="danger" onClick={remove}>
                  Delete endpoint
                </button>
                <button type="button" onClick={() => setDeleting(undefined)}>
                  Keep it
                </button>
              </fieldset>
            ) : (
              <button type="button" class="danger" onClick={() => setDeleting('ask')}>
                Delete…
              </button>
            )}
          </>
        )}
      </Loading>
    </Page>
  );
}

/**
 * The endpoint's health over the last 24 h, as the API reports it; read again every few seconds
 * apart from the settings, so a form being edited is left alone.
 */
function HealthFacts(props: { endpointId: string }) {
  const client = useClient();
  const loaded = useLoad(
    () => client.GET('/v1/endpoints/{endpoint_id}', { params: { path: { endpoint_id: props.endpointId } } }),
    `health:${props.endpointId}`,
    5_000,
  );
  const health = loaded.data?.health;
  if (health === undefined) return null;
  return (
    <section aria-labelledby="health-title">
      <h2 id="health-title">Health (last 24 h)</h2>
      <dl class="facts">
        <dt>Delivered</dt>
        <dd>
          <SuccessShare health={health} />
        </dd>
        <dt>Last attempt</dt>
        <dd>
          <LastAttempt health={health} />
        </dd>
        <dt>Breaker, Retry-After</dt>
        <dd>{health.circuit_open || health.retry_after_until !== null ? <HoldBadge health={health} /> : 'closed'}</dd>
      </dl>
    </section>
  );
}

/** A test delivery followed until it is delivered or has failed. */
function TestWatch(props: { deliveryId: string }) {
  const client = useClient();
  const id = props.deliveryId;
  const loaded = useLoad(
    () => client.GET('/v1/deliveries/{delivery_id}', { params: { path: { delivery_id: id } } }),
    id,
    1_000,
    // Followed until delivered or failed (a resend starts a new watch from the delivery's page).
    (d) => d.status === 'delivered' || d.status === 'failed',
  );
  // Until the read model has it, the delivery is a 404: it is on its way.
  const status = loaded.data?.status ?? 'sent';
  const last = loaded.data?.attempts.at(-1);
  return (
    <p class="test-watch" aria-live="polite">
      Test event <a href={href(`deliveries/${encodeURIComponent(id)}`)}>{id}</a>: <Status value={status} />
      {last === undefined ? null : (
        <span class="muted">
          {' '}
          attempt {last.attempt}, {last.status_code ?? last.error_class ?? last.outcome}
        </span>
      )}
    </p>
  );
}
