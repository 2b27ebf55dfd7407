import { href, type Route } from '../router.ts';
import { instant, localInput } from '../time-inputs.ts';
import { Loading, Page, Pager, Status, Table, useClient, useLoad, When } from '../ui.tsx';

const STATUSES = ['delivered', 'retrying', 'failed'] as const;
type DeliveryStatus = (typeof STATUSES)[number];
const isStatus = (s: string | null): s is DeliveryStatus => STATUSES.includes(s as DeliveryStatus);

const timeValue = (iso: string | undefined) => {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(ms) ? '' : localInput(ms);
};

/** The deliveries log: filtered by endpoint, payment, status and time, newest first, a page at a time. */
export function DeliveriesPage(props: { route: Route }) {
  const client = useClient();
  const q = props.route.query;
  const filters = {
    endpoint_id: q.get('endpoint_id') ?? undefined,
    payment_id: q.get('payment_id') ?? undefined,
    status: isStatus(q.get('status')) ? (q.get('status') as DeliveryStatus) : undefined,
    since: q.get('since') ?? undefined,
    until: q.get('until') ?? undefined,
  };
  const cursor = q.get('cursor') ?? undefined;
  const endpoints = useLoad(() => client.GET('/v1/endpoints', { params: { query: { limit: '250' } } }), 'endpoints');
  const page = useLoad(
    () => client.GET('/v1/deliveries', { params: { query: { ...filters, cursor, limit: '25' } } }),
    q.toString(),
    cursor === undefined ? 5_000 : undefined,
  );
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    window.location.hash = href('deliveries', {
      endpoint_id: value('endpoint_id'),
      payment_id: value('payment_id'),
      status: value('status'),
      since: instant(value('since') ?? ''),
      until: instant(value('until') ?? ''),
    });
  };
  return (
    <Page title="Deliveries">
      {/* Uncontrolled fields, set afresh on each navigation (the key): the list's polling
          re-renders the page, and controlled fields would undo what the reader is typing. */}
      <form class="filters" onSubmit={apply} aria-label="Filter deliveries" key={q.toString()}>
        <div class="field">
          <label for="filter-endpoint">Endpoint</label>
          <select id="filter-endpoint" name="endpoint_id">
            <option value="">All endpoints</option>
            {(endpoints.data?.data ?? []).map((e) => (
              <option key={e.endpoint_id} value={e.endpoint_id} selected={e.endpoint_id === filters.endpoint_id}>
                {e.url} ({e.endpoint_id})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-payment">Payment id</label>
          <input id="filter-payment" name="payment_id" defaultValue={filters.payment_id ?? ''} />
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" name="status">
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s} selected={s === filters.status}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-since">Created from</label>
          <input id="filter-since" name="since" type="datetime-local" defaultValue={timeValue(filters.since)} />
        </div>
        <div class="field">
          <label for="filter-until">Created before</label>
          <input id="filter-until" name="until" type="datetime-local" defaultValue={timeValue(filters.until)} />
        </div>
        <div class="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      <Loading loaded={page}>
        {(list) =>
          list.data.length === 0 ? (
            <p>No deliveries{cursor === undefined ? '' : ' on this page'}.</p>
          ) : (
            <>
              <Table
                caption="Deliveries, newest first"
                columns={['Delivery', 'Status', 'Event', 'Attempts', 'Created']}
              >
                {list.data.map((d) => (
                  <tr key={d.delivery_id}>
                    <td data-label="Delivery">
                      <a href={href(`deliveries/${encodeURIComponent(d.delivery_id)}`)}>{d.delivery_id}</a>
                      <div class="muted">{d.endpoint_id}</div>
                    </td>
                    <td data-label="Status">
                      <Status value={d.status} />
                    </td>
                    <td data-label="Event">
                      {d.event_type}
                      <div class="muted">
                        <a href={href(`payments/${encodeURIComponent(d.payment_id)}`)}>{d.payment_id}</a>
                      </div>
                    </td>
                    <td data-label="Attempts">{d.attempt_count}</td>
                    <td data-label="Created">
                      <When at={d.created_at} />
                    </td>
                  </tr>
                ))}
              </Table>
              <Pager
                newest={cursor === undefined ? undefined : href('deliveries', filters)}
                older={
                  list.next_cursor === null ? undefined : href('deliveries', { ...filters, cursor: list.next_cursor })
                }
              />
            </>
          )
        }
      </Loading>
    </Page>
  );
}
