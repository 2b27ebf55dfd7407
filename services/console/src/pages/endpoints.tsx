import { href } from '../router.ts';
import { Loading, Page, Status, Table, useClient, useLoad, When } from '../ui.tsx';

/** What health needs of a delivery. */
type DeliveryOf = { endpoint_id: string; status: string; created_at: string };

/** An endpoint's health over the deliveries the last 24 h window holds. */
interface Health {
  readonly last: DeliveryOf | undefined;
  readonly delivered: number;
  readonly total: number;
}

const DAY_MS = 86_400_000;
const HEALTH_SAMPLE = 250;

/** Health per endpoint from one page of the newest deliveries of the last 24 h. */
export function healthByEndpoint(deliveries: readonly DeliveryOf[]): Map<string, Health> {
  const health = new Map<string, Health>();
  // Newest first: the first seen is the last status.
  for (const d of deliveries) {
    const h = health.get(d.endpoint_id) ?? { last: d, delivered: 0, total: 0 };
    health.set(d.endpoint_id, {
      last: h.last,
      delivered: h.delivered + (d.status === 'delivered' ? 1 : 0),
      total: h.total + 1,
    });
  }
  return health;
}

/** The merchant's endpoints with their health at a glance. */
export function EndpointsPage() {
  const client = useClient();
  const loaded = useLoad(
    async () => {
      const [endpoints, recent] = await Promise.all([
        client.GET('/v1/endpoints', { params: { query: { limit: '250' } } }),
        client.GET('/v1/deliveries', {
          params: { query: { since: new Date(Date.now() - DAY_MS).toISOString(), limit: String(HEALTH_SAMPLE) } },
        }),
      ]);
      if (endpoints.data === undefined) return { error: endpoints.error };
      const deliveries: readonly DeliveryOf[] = recent.data?.data ?? [];
      return {
        data: {
          endpoints: endpoints.data.data,
          health: healthByEndpoint(deliveries),
          sampled: recent.data?.done === false,
        },
      };
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
        {({ endpoints, health, sampled }) =>
          endpoints.length === 0 ? (
            <p>No endpoints yet. Add one to receive payment webhooks.</p>
          ) : (
            <>
              <Table
                caption="Endpoints and their delivery health over the last 24 hours"
                columns={['URL', 'State', 'Last delivery', 'Delivered (24 h)', 'Events']}
              >
                {endpoints.map((e) => {
                  const h = health.get(e.endpoint_id);
                  return (
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
                      </td>
                      <td data-label="Last delivery">
                        {h?.last === undefined ? (
                          <span class="muted">none in 24 h</span>
                        ) : (
                          <>
                            <Status value={h.last.status} /> <When at={h.last.created_at} />
                          </>
                        )}
                      </td>
                      <td data-label="Delivered (24 h)">
                        {h === undefined
                          ? '—'
                          : `${Math.round((100 * h.delivered) / h.total)} % (${h.delivered} of ${h.total})`}
                      </td>
                      <td data-label="Events">{e.event_types.join(', ')}</td>
                    </tr>
                  );
                })}
              </Table>
              {sampled ? (
                <p class="muted">Health counts the newest {HEALTH_SAMPLE} deliveries of the last 24 h.</p>
              ) : null}
            </>
          )
        }
      </Loading>
    </Page>
  );
}
