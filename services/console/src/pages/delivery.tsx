import { useState } from 'preact/hooks';
import { href } from '../router.ts';
import type { Problem } from '../session.ts';
import { Loading, Page, ProblemNote, Status, Table, useClient, useLoad, When } from '../ui.tsx';

/** The body as sent, indented when it is JSON (it always is; an old record may not be). */
function readableBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** One delivery: its state, its body, every attempt with the start of its response, when the next is due; resend. */
export function DeliveryPage(props: { deliveryId: string }) {
  const client = useClient();
  const id = props.deliveryId;
  const loaded = useLoad(
    () => client.GET('/v1/deliveries/{delivery_id}', { params: { path: { delivery_id: id } } }),
    id,
    3_000,
  );
  const [resend, setResend] = useState<{ done?: string; problem?: Problem }>({});
  const resendNow = async () => {
    const { data, error } = await client.POST('/v1/deliveries/{delivery_id}/resend', {
      params: { path: { delivery_id: id } },
    });
    setResend(data === undefined ? { problem: error as Problem } : { done: data.resend_id });
    loaded.reload();
  };
  return (
    <Page title={`Delivery ${id}`}>
      <Loading loaded={loaded}>
        {(d) => (
          <>
            <dl class="facts">
              <dt>Status</dt>
              <dd>
                <Status value={d.status} />
                {d.failure_reason === null ? null : <span class="muted"> {d.failure_reason}</span>}
              </dd>
              <dt>Event</dt>
              <dd>
                {d.event_type} <span class="muted">{d.event_id}</span>
              </dd>
              <dt>Payment</dt>
              <dd>
                <a href={href(`payments/${encodeURIComponent(d.payment_id)}`)}>{d.payment_id}</a>
              </dd>
              <dt>Endpoint</dt>
              <dd>
                <a href={href('deliveries', { endpoint_id: d.endpoint_id })}>{d.endpoint_id}</a>
              </dd>
              <dt>Created</dt>
              <dd>
                <When at={d.created_at} />
              </dd>
              <dt>Next attempt due</dt>
              <dd>{d.next_attempt_at === null ? 'none scheduled' : <When at={d.next_attempt_at} />}</dd>
              {d.replayed_at === null ? null : (
                <>
                  <dt>Last resent</dt>
                  <dd>
                    <When at={d.replayed_at} />
                  </dd>
                </>
              )}
            </dl>
            <div class="actions">
              <button type="button" onClick={resendNow}>
                Resend
              </button>
              <span aria-live="polite">
                {resend.done === undefined ? '' : `Sent again (${resend.done}), with the same webhook-id.`}
              </span>
            </div>
            <ProblemNote problem={resend.problem} />
            <h2>Attempts</h2>
            {d.attempts.length === 0 ? (
              <p>No attempt yet.</p>
            ) : (
              <Table
                caption="Attempts, in the order they were made"
                columns={['#', 'Time', 'Tier', 'Outcome', 'HTTP status', 'Duration', 'Error', 'Response']}
              >
                {d.attempts.map((a) => (
                  <tr key={`${a.attempt}-${a.attempted_at}`}>
                    <td data-label="#">{a.attempt}</td>
                    <td data-label="Time">
                      <When at={a.attempted_at} />
                    </td>
                    <td data-label="Tier">{a.tier}</td>
                    <td data-label="Outcome">
                      {a.outcome}
                      {a.reason === null ? null : <div class="muted">{a.reason}</div>}
                      {a.replayed ? <div class="muted">replayed</div> : null}
                    </td>
                    <td data-label="HTTP status">{a.status_code ?? '—'}</td>
                    <td data-label="Duration">{a.duration_ms} ms</td>
                    <td data-label="Error">
                      {a.error_class ?? '—'}
                      {a.error_message === null ? null : <div class="muted">{a.error_message}</div>}
                    </td>
                    <td data-label="Response">
                      {a.response_excerpt === null ? '—' : <code class="excerpt">{a.response_excerpt}</code>}
                    </td>
                  </tr>
                ))}
              </Table>
            )}
            <h2>Body</h2>
            <p class="muted">The exact bytes signed and sent (shown indented).</p>
            <pre class="body" data-testid="delivery-body">
              {readableBody(d.body)}
            </pre>
          </>
        )}
      </Loading>
    </Page>
  );
}
