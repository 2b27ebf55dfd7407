import { href } from '../router.ts';
import { Loading, Page, Table, useClient, useLoad } from '../ui.tsx';
import { DeliveryChart, perMinute } from './delivery-chart.tsx';
import { type DeliveryRow, loadDeliveries } from './load-all.ts';
import { LagFigures, LatencyChart } from './pipeline-figures.tsx';

const CHART_MINUTES = 60;

/** One merchant at a glance. */
interface MerchantRow {
  readonly merchantId: string;
  readonly endpoints: number;
  readonly disabled: number;
  readonly lastHour: number;
  readonly failedLastHour: number;
}

/** Every merchant with endpoints or deliveries, by id. */
export function merchantRows(
  endpoints: readonly { merchant_id: string; enabled: boolean }[],
  lastHour: readonly DeliveryRow[],
): MerchantRow[] {
  const rows = new Map<string, MerchantRow>();
  const row = (id: string) =>
    rows.get(id) ?? { merchantId: id, endpoints: 0, disabled: 0, lastHour: 0, failedLastHour: 0 };
  for (const e of endpoints) {
    const r = row(e.merchant_id);
    rows.set(e.merchant_id, { ...r, endpoints: r.endpoints + 1, disabled: r.disabled + (e.enabled ? 0 : 1) });
  }
  for (const d of lastHour) {
    const r = row(d.merchant_id);
    rows.set(d.merchant_id, {
      ...r,
      lastHour: r.lastHour + 1,
      failedLastHour: r.failedLastHour + (d.status === 'failed' ? 1 : 0),
    });
  }
  return [...rows.values()].sort((a, b) => a.merchantId.localeCompare(b.merchantId));
}

/** The operator's overview: deliveries per minute by outcome, request latency, consumer lag, and every merchant. */
export function OverviewPage() {
  const client = useClient();
  const loaded = useLoad(
    async () => {
      const since = new Date(Date.now() - CHART_MINUTES * 60_000).toISOString();
      const [endpoints, recent, figures] = await Promise.all([
        client.GET('/v1/endpoints', { params: { query: { limit: '250' } } }),
        loadDeliveries(client, { since }),
        client.GET('/v1/operator/overview'),
      ]);
      if (endpoints.data === undefined) return { error: endpoints.error };
      if (recent.data === undefined) return { error: recent.error };
      if (figures.data === undefined) return { error: figures.error };
      return { data: { endpoints: endpoints.data.data, recent: recent.data, figures: figures.data } };
    },
    'overview',
    15_000,
  );
  return (
    <Page title="Overview">
      <Loading loaded={loaded}>
        {({ endpoints, recent, figures }) => (
          <>
            <DeliveryChart buckets={perMinute(recent.rows, Date.now(), CHART_MINUTES)} />
            {recent.complete ? null : <p class="muted">Drawn from the newest {recent.rows.length} deliveries.</p>}
            <h2>Latency</h2>
            <LatencyChart minutes={figures.latency} />
            <h2>Consumer lag</h2>
            <LagFigures groups={figures.lag} />
            <h2>Merchants</h2>
            <Table
              caption="Merchants"
              columns={['Merchant', 'Endpoints', 'Disabled', 'Deliveries (1 h)', 'Failed (1 h)']}
            >
              {merchantRows(endpoints, recent.rows).map((m) => (
                <tr key={m.merchantId}>
                  <td data-label="Merchant">{m.merchantId}</td>
                  <td data-label="Endpoints">{m.endpoints}</td>
                  <td data-label="Disabled">{m.disabled}</td>
                  <td data-label="Deliveries (1 h)">{m.lastHour}</td>
                  <td data-label="Failed (1 h)">
                    <a href={href('dead-letters', { merchant_id: m.merchantId })}>
                      {m.failedLastHour}
                      <span class="visually-hidden"> failed deliveries of {m.merchantId}: see its dead letters</span>
                    </a>
                  </td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </Loading>
    </Page>
  );
}
