import { href, type Route } from '../router.ts';
import { Loading, Page, Pager, Status, Table, useClient, useLoad, When } from '../ui.tsx';

/** The merchant's payments, newest first, a page at a time. */
export function PaymentsPage(props: { route: Route }) {
  const client = useClient();
  const cursor = props.route.query.get('cursor') ?? undefined;
  const page = useLoad(
    () => client.GET('/v1/payments', { params: { query: { cursor, limit: '25' } } }),
    cursor ?? '',
    cursor === undefined ? 5_000 : undefined,
  );
  return (
    <Page title="Payments">
      <Loading loaded={page}>
        {(list) =>
          list.data.length === 0 ? (
            <p>No payments yet.</p>
          ) : (
            <>
              <Table caption="Payments, newest first" columns={['Payment', 'Status', 'Amount expected', 'Created']}>
                {list.data.map((p) => (
                  <tr key={p.payment_id}>
                    <td data-label="Payment">
                      <a href={href(`payments/${encodeURIComponent(p.payment_id)}`)}>{p.payment_id}</a>
                      <div class="muted">
                        chain {p.chain_id} · {p.deposit_address}
                      </div>
                    </td>
                    <td data-label="Status">
                      <Status value={p.status} />
                    </td>
                    <td data-label="Amount expected">
                      {p.amount_expected} <span class="muted">{p.asset.symbol} base units</span>
                    </td>
                    <td data-label="Created">
                      <When at={p.created_at} />
                    </td>
                  </tr>
                ))}
              </Table>
              <Pager
                newest={cursor === undefined ? undefined : href('payments')}
                older={list.next_cursor === null ? undefined : href('payments', { cursor: list.next_cursor })}
              />
            </>
          )
        }
      </Loading>
    </Page>
  );
}
