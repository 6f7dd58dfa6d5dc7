import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onTokenNeeded, saveToken, storedToken } from './api.js';
import { parseRoute, type Route } from './routes.js';
import { Device } from './views/device.js';
import { Inventory } from './views/inventory.js';
import { Overview } from './views/overview.js';
import { Diff, Scan, Scans } from './views/scans.js';

// The planning page: a hash router over four views, and the token prompt the API's 401 brings up.

function TokenPrompt({ refused, onSaved }: { refused: boolean; onSaved: () => void }) {
  const [token, setToken] = useState('');
  return (
    <form
      class="token"
      aria-labelledby="token-title"
      onSubmit={(event) => {
        event.preventDefault();
        if (token.trim() === '') return;
        saveToken(token);
        onSaved();
      }}
    >
      <h1 id="token-title">This camaudit server wants its API token</h1>
      <p>It is kept in this browser tab only (session storage) and sent as an Authorization header, never in a URL.</p>
      {refused && (
        <p class="problem" role="alert">
          The server refused that token.
        </p>
      )}
      <label>
        <span>API token</span>
        <input type="password" name="token" autoComplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} autoFocus required />
      </label>
      <button type="submit">Continue</button>
    </form>
  );
}

function View({ route, revision }: { route: Route; revision: number }) {
  switch (route.page) {
    case 'inventory':
      return <Inventory query={route.query} revision={revision} />;
    case 'device':
      return <Device id={route.id} revision={revision} />;
    case 'scans':
      return <Scans revision={revision} />;
    case 'scan':
      return <Scan id={route.id} revision={revision} />;
    case 'diff':
      return <Diff from={route.from} to={route.to} revision={revision} />;
    default:
      return <Overview revision={revision} />;
  }
}

const NAV: { page: Route['page'][]; href: string; label: string }[] = [
  { page: ['overview'], href: '#/', label: 'Overview' },
  { page: ['inventory', 'device'], href: '#/inventory', label: 'Inventory' },
  { page: ['scans', 'scan', 'diff'], href: '#/scans', label: 'Scans' },
];

function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  // undefined: no prompt; false: the server wants a token; true: it refused the one given.
  const [tokenPrompt, setTokenPrompt] = useState<boolean | undefined>(undefined);
  // Bumped to reload the current view's data (after the token is given).
  const [revision, setRevision] = useState(0);
  useEffect(() => {
    const follow = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    window.addEventListener('popstate', follow);
    const stop = onTokenNeeded((refused) => setTokenPrompt(refused));
    return () => {
      window.removeEventListener('hashchange', follow);
      window.removeEventListener('popstate', follow);
      stop();
    };
  }, []);
  // After a move to another view (not on the first load), focus goes to its content, as a page load would.
  const firstView = useRef(true);
  useEffect(() => {
    if (firstView.current) {
      firstView.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.page]);
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">camaudit</span>
        <nav aria-label="Views">
          <ul>
            {NAV.map((entry) => (
              <li key={entry.href}>
                <a href={entry.href} aria-current={entry.page.includes(route.page) ? 'page' : undefined}>
                  {entry.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {storedToken() !== null && tokenPrompt === undefined && <span class="muted token-state">token set for this tab</span>}
      </header>
      <main id="main" tabIndex={-1}>
        {tokenPrompt !== undefined ? (
          <TokenPrompt
            refused={tokenPrompt}
            onSaved={() => {
              setTokenPrompt(undefined);
              setRevision((value) => value + 1);
            }}
          />
        ) : (
          <View route={route} revision={revision} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
