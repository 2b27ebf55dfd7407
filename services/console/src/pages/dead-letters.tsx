import { useState } from 'preact/hooks';
import { href, type Route } from '../router.ts';
import { Loading, Page, Table, useClient, useLoad, When } from '../ui.tsx';
import { RecoverFailed } from './endpoint-recover.tsx';
import { type DeliveryRow, loadDeliveries } from './load-all.ts';

/** Failed deliveries of one endpoint for one reason. */
interface DeadLetterGroup {
  readonly reason: string;
  readonly endpointId: string;
  readonly merchantId: string;
  readonly count: number;
  readonly oldest: string;
  readonly newest: string;
}

/** Groups failed deliveries by reason and endpoint, largest group first. */
export function groupDeadLetters(rows: readonly DeliveryRow[]): DeadLetterGroup[] {
  const groups = new Map<string, DeadLetterGroup>();
  for (const d of rows) {
    const reason = d.failure_reason ?? 'unknown';
    const key = `${reason}\u0000${d.endpoint_id}`;
    const g = groups.get(key);
    groups.set(key, {
      reason,
      endpointId: d.endpoint_id,
      merchantId: d.merchant_id,
      count: (g?.count ?? 0) + 1,
      oldest: g === undefined || d.created_at < g.oldest ? d.created_at : g.oldest,
      newest: g === undefined || d.created_at > g.newest ? d.created_at : g.newest,
    });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.endpointId.localeCompare(b.endpointId));
}

/** The DLQ by reason and endpoint, each group recoverable after a dry-run count (operator view). */
export function DeadLettersPage(props: { route: Route }) {
  const client = useClient();
  const merchant = props.route.query.get('merchant_id') ?? undefined;
  const loaded = useLoad(() => loadDeliveries(client, { status: 'failed' }), 'dead-letters', 10_000);
  const [open, setOpen] = useState<string | undefined>(undefined);
  return (
    <Page title={merchant === undefined ? 'Dead letters' : `Dead letters of ${merchant}`}>
      <Loading loaded={loaded}>
        {({ rows, complete }) => {
          const groups = groupDeadLetters(rows.filter((d) => merchant === undefined || d.merchant_id === merchant));
          if (groups.length === 0) return <p>No failed deliveries.</p>;
          return (
            <>
              <Table
                caption="Failed deliveries by reason and endpoint"
                columns={['Reason', 'Endpoint', 'Failed', 'Created', '']}
              >
                {groups.map((g) => {
                  const key = `${g.reason}-${g.endpointId}`;
                  return (
                    <tr key={key}>
                      <td data-label="Reason">{g.reason}</td>
                      <td data-label="Endpoint">
                        <a href={href(`endpoints/${encodeURIComponent(g.endpointId)}`)}>{g.endpointId}</a>
                        <div class="muted">{g.merchantId}</div>
                      </td>
                      <td data-label="Failed">
                        <a href={href('deliveries', { endpoint_id: g.endpointId, status: 'failed' })}>{g.count}</a>
                      </td>
                      <td data-label="Created">
                        <When at={g.oldest} /> to <When at={g.newest} />
                      </td>
                      <td data-label="Recover">
                        <button
                          type="button"
                          aria-expanded={open === key}
                          onClick={() => setOpen(open === key ? undefined : key)}
                        >
                          Recover…<span class="visually-hidden"> {g.endpointId}</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </Table>
              {complete ? null : <p class="muted">Counted over the newest {rows.length} failed deliveries.</p>}
              {groups
                .filter((g) => open === `${g.reason}-${g.endpointId}`)
                .map((g) => (
                  <RecoverFailed key={g.endpointId} endpointId={g.endpointId} sinceMs={Date.parse(g.oldest) - 60_000} />
                ))}
            </>
          );
        }}
      </Loading>
    </Page>
  );
}
