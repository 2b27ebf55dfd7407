import type { ApiClient } from '@payhook/api/client';
import { DeadLettersPage } from './pages/dead-letters.tsx';
import { DeliveriesPage } from './pages/deliveries.tsx';
import { DeliveryPage } from './pages/delivery.tsx';
import { EndpointPage } from './pages/endpoint.tsx';
import { EndpointNewPage } from './pages/endpoint-new.tsx';
import { EndpointsPage } from './pages/endpoints.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PaymentPage } from './pages/payment.tsx';
import { PaymentsPage } from './pages/payments.tsx';
import { href, type Route, useRoute } from './router.ts';
import type { PortalRole, Problem } from './session.ts';
import { ClientContext, Page } from './ui.tsx';

const MERCHANT_NAV = [
  { path: 'endpoints', label: 'Endpoints' },
  { path: 'deliveries', label: 'Deliveries' },
  { path: 'payments', label: 'Payments' },
] as const;
// The operator sees every merchant: an overview and the DLQ first.
const OPERATOR_NAV = [
  { path: 'overview', label: 'Overview' },
  { path: 'dead-letters', label: 'Dead letters' },
  ...MERCHANT_NAV,
] as const;

/** The console of an open portal session, or the page that says why there is none. */
export function App(props: { client: ApiClient | undefined; role: PortalRole; refused: Problem | undefined }) {
  const route = useRoute();
  if (props.refused !== undefined || props.client === undefined) return <Closed problem={props.refused} />;
  const nav = props.role === 'operator' ? OPERATOR_NAV : MERCHANT_NAV;
  const home = nav[0].path;
  const section = route.segments[0] ?? home;
  return (
    <ClientContext.Provider value={props.client}>
      <button type="button" class="skip" onClick={skipToMain}>
        Skip to the content
      </button>
      <header>
        <span class="brand">payhook</span>
        <nav aria-label="Console">
          <ul>
            {nav.map((n) => (
              <li key={n.path}>
                <a href={href(n.path)} aria-current={section === n.path ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <PageOf route={route} home={home} />
      </main>
    </ClientContext.Provider>
  );
}

// The fragment holds the page, so skipping to the content is a button that moves the focus.
function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function PageOf(props: { route: Route; home: string }) {
  const [section = props.home, id] = props.route.segments;
  if (section === 'overview') return <OverviewPage />;
  if (section === 'dead-letters') return <DeadLettersPage route={props.route} />;
  if (section === 'endpoints') {
    if (id === undefined) return <EndpointsPage />;
    return id === 'new' ? <EndpointNewPage /> : <EndpointPage endpointId={id} />;
  }
  if (section === 'deliveries')
    return id === undefined ? <DeliveriesPage route={props.route} /> : <DeliveryPage deliveryId={id} />;
  if (section === 'payments')
    return id === undefined ? <PaymentsPage route={props.route} /> : <PaymentPage paymentId={id} />;
  return (
    <Page title="Not found">
      <p>
        There is no such page. <a href={href('endpoints')}>Go to the endpoints</a>.
      </p>
    </Page>
  );
}

/** No usable portal session: the link expired, was altered, or none was opened. */
function Closed(props: { problem: Problem | undefined }) {
  const expired = props.problem?.detail?.includes('expired') === true;
  const title =
    props.problem === undefined
      ? 'Open the console from a portal link'
      : expired
        ? 'This link has expired'
        : 'This link is not valid';
  return (
    <main id="main" class="closed">
      <Page title={title}>
        <p>
          {props.problem === undefined
            ? 'The console opens from a portal link made for your account.'
            : expired
              ? 'Portal links work for a short time only, so that no lasting key is kept in a browser.'
              : 'The link was changed or was made for another installation.'}
        </p>
        <p>Ask for a new link from the place you got this one (your payment provider's dashboard or support).</p>
        {props.problem?.detail === undefined ? null : <p class="muted">The API said: {props.problem.detail}.</p>}
      </Page>
    </main>
  );
}
