import { href } from '../router.ts';
import { Loading, Page, Status, useClient, useLoad, When } from '../ui.tsx';

/** A payment's timeline (every state change with its block and transactions) and the webhooks it caused. */
export function PaymentPage(props: { paymentId: string }) {
  const client = useClient();
  const id = props.paymentId;
  const loaded = useLoad(
    async () => {
      const [payment, deliveries] = await Promise.all([
        client.GET('/v1/payments/{payment_id}', { params: { path: { payment_id: id } } }),
        client.GET('/v1/deliveries', { params: { query: { payment_id: id, limit: '250' } } }),
      ]);
      if (payment.data === undefined) return { error: payment.error };
      return { data: { payment: payment.data, deliveries: deliveries.data?.data ?? [] } };
    },
    id,
    3_000,
  );
  return (
    <Page title={`Payment ${id}`}>
      <Loading loaded={loaded}>
        {({ payment: p, deliveries }) => (
          <>
            <dl class="facts">
              <dt>Status</dt>
              <dd>
                <Status value={p.status} />
              </dd>
              <dt>Amount</dt>
              <dd>
                {p.amount_received} of {p.amount_expected} <span class="muted">{p.asset.symbol} base units</span>
              </dd>
              <dt>Deposit address</dt>
              <dd class="url">
                {p.deposit_address} <span class="muted">chain {p.chain_id}</span>
              </dd>
              <dt>Confirmations required</dt>
              <dd>{p.required_confirmations}</dd>
              <dt>Expires</dt>
              <dd>
                <When at={p.expires_at} />
              </dd>
            </dl>
            <h2>Timeline</h2>
            {p.history.length === 0 ? (
              <p>Pending: nothing seen on chain yet.</p>
            ) : (
              <ol class="timeline">
                {p.history.map((h) => {
                  const caused = deliveries.filter((d) => d.event_id === h.event_id);
                  return (
                    <li key={h.event_id}>
                      <div>
                        <Status value={h.status} /> <When at={h.occurred_at} />
                      </div>
                      <div class="muted">
                        {h.block_number === null ? 'no block' : `block ${h.block_number}`} · {h.confirmations}{' '}
                        confirmations · received {h.amount_received}
                      </div>
                      {h.tx_hashes.map((tx) => (
                        <div key={tx} class="url muted">
                          tx {tx}
                        </div>
                      ))}
                      {caused.length === 0 ? null : (
                        <ul>
                          {caused.map((d) => (
                            <li key={d.delivery_id}>
                              webhook{' '}
                              <a href={href(`deliveries/${encodeURIComponent(d.delivery_id)}`)}>{d.delivery_id}</a> to{' '}
                              {d.endpoint_id}: <Status value={d.status} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </li>
                  );
                })}
              </ol>
            )}
          </>
        )}
      </Loading>
    </Page>
  );
}
