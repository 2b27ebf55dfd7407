import { href } from '../router.ts';
import { Loading, Page, Status, Table, useClient, useLoad } from '../ui.tsx';
import { HoldBadge, LastAttempt, SuccessShare } from './endpoint-health.tsx';

/** The merchant's endpoints with their health at a glance. */
export function EndpointsPage() {
  const client = useClient();
  const loaded = useLoad(
    async () => {
      const endpoints = await client.GET('/v1/endpoints', { params: { query: { limit: '250' } } });
      if (endpoints.data === undefined) return { error: endpoints.error };
      return { data: endpoints.data.data };
    },
    'endpoints',
    5_000,
  );
  return (
    <Page
      title="Endpoints"
      actions={
        <a class="button" href={href('endpoints/new')}>
          Add endpoint
        </a>
      }
    >
      <Loading loaded={loaded}>
        {(endpoints) =>
          endpoints.length === 0 ? (
            <p>No endpoints yet. Add one to receive payment webhooks.</p>
          ) : (
            <Table
              caption="Endpoints and their delivery health over the last 24 hours"
              columns={['URL', 'State', 'Last attempt', 'Delivered (24 h)', 'Events']}
            >
              {endpoints.map((e) => (
                <tr key={e.endpoint_id}>
                  <td data-label="URL">
                    <a href={href(`endpoints/${encodeURIComponent(e.endpoint_id)}`)} class="url">
                      {e.url}
                    </a>
                    {e.description === '' ? null : <div>{e.description}</div>}
                    <div class="muted">{e.endpoint_id}</div>
                  </td>
                  <td data-label="State">
                    <Status value={e.enabled ? 'enabled' : 'disabled'} />
                    {e.disabled_reason === null ? null : <div class="muted">{e.disabled_reason}</div>}
                    <div>
                      <HoldBadge health={e.health} />
                    </div>
                  </td>
                  <td data-label="Last attempt">
                    <LastAttempt health={e.health} />
                  </td>
                  <td data-label="Delivered (24 h)">
                    <SuccessShare health={e.health} />
                  </td>
                  <td data-label="Events">{e.event_types.join(', ')}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </Loading>
    </Page>
  );
}
