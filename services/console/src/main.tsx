import './styles.css';
import { render } from 'preact';
import { App } from './app.tsx';
import { dropPortalToken, type Problem, portalClient, roleOf, takePortalToken } from './session.ts';

const root = document.getElementById('app');
if (root === null) throw new Error('no #app element');
const token = takePortalToken(window.location, window.sessionStorage, window.history);

// A refused token (expired, altered) closes the session on any request.
function show(refused: Problem | undefined): void {
  if (refused !== undefined) dropPortalToken(window.sessionStorage);
  const client = token === undefined || refused !== undefined ? undefined : portalClient(token, show);
  render(
    <App client={client} role={token === undefined ? 'merchant' : roleOf(token)} refused={refused} />,
    root as HTMLElement,
  );
}
show(undefined);
