import { useState } from 'preact/hooks';
import type { ScanDiff, ScanPage, ScanRecord, DiffEntry } from '../../src/inventory/types.js';
import { sendJson } from '../api.js';
import { deviceHref, diffHref, scanHref } from '../routes.js';
import { Problem, Show, formatTime, text, useResource, useTitle } from './common.js';

// Scans: the list, one scan's record (ranges, counts, refused inputs), the difference between two scans, and
// starting a scan inside the ranges this server was allowed (POST /scans refuses anything else anyway).

interface ServerInfo {
  version: string;
  scanning: boolean;
  allowedCidrs: string[];
  scanRunning: boolean;
}

const SCAN_LIST_LIMIT = 100;

function cidrsOf(scan: ScanRecord): string[] {
  const cidrs = scan.scope.cidrs;
  return Array.isArray(cidrs) ? cidrs.filter((entry): entry is string => typeof entry === 'string') : [];
}

function count(scan: ScanRecord, key: string): string {
  const value = scan.counts[key];
  return typeof value === 'number' ? String(value) : '—';
}

function StartScan({ server, onStarted }: { server: ServerInfo; onStarted: () => void }) {
  const [ranges, setRanges] = useState(server.allowedCidrs.join(' '));
  const [message, setMessage] = useState('');
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  if (!server.scanning) {
    return <p class="muted">This server may not start scans (it was started without --allow-cidr).</p>;
  }
  const submit = (event: Event): void => {
    event.preventDefault();
    setProblem(undefined);
    const cidrs = ranges.split(/[\s,]+/).filter((entry) => entry !== '');
    sendJson<{ scanId: string }>('POST', 'scans', { cidrs }).then(
      (started) => {
        setMessage(`Scan ${started.scanId.slice(0, 8)} started.`);
        onStarted();
      },
      (error: unknown) => setProblem(error instanceof Error ? error : new Error(String(error))),
    );
  };
  return (
    <form class="start-scan" onSubmit={submit}>
      <label>
        <span>Ranges to scan (inside {server.allowedCidrs.join(', ')})</span>
        <input name="cidrs" value={ranges} onInput={(event) => setRanges(event.currentTarget.value)} required />
      </label>
      <button type="submit" disabled={server.scanRunning}>
        {server.scanRunning ? 'A scan is running' : 'Start a scan'}
      </button>
      <span role="status">{message}</span>
      {problem && <Problem error={problem} />}
    </form>
  );
}

export function Scans({ revision }: { revision: number }) {
  useTitle('Scans');
  const [started, setStarted] = useState(0);
  const scans = useResource<ScanPage>(`scans?limit=${SCAN_LIST_LIMIT}`, revision + started);
  const server = useResource<ServerInfo>('server', revision + started);
  const [from, setFrom] = useState<string | undefined>(undefined);
  const [to, setTo] = useState<string | undefined>(undefined);
  return (
    <>
      <h1>Scans</h1>
      <Show loaded={server}>{(info) => <StartScan server={info} onStarted={() => setStarted((value) => value + 1)} />}</Show>
      <Show loaded={scans}>
        {(page) =>
          page.items.length === 0 ? (
            <p class="notice">No scan yet.</p>
          ) : (
            <form
              class="scan-list"
              onSubmit={(event) => {
                event.preventDefault();
                if (from && to) window.location.hash = diffHref(from, to);
              }}
            >
              <div class="table-wrap">
                <table>
                  <caption class="visually-hidden">Scans, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Started</th>
                      <th scope="col">Site</th>
                      <th scope="col">Status</th>
                      <th scope="col">Ranges</th>
                      <th scope="col">Devices</th>
                      <th scope="col">Covered</th>
                      <th scope="col">New</th>
                      <th scope="col">Alerts</th>
                      <th scope="col">Compare from</th>
                      <th scope="col">to</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((scan) => (
                      <tr key={scan.id}>
                        <th scope="row">
                          <a href={scanHref(scan.id)}>{formatTime(scan.startedAt)}</a>
                        </th>
                        <td>{scan.site}</td>
                        <td>{scan.status}</td>
                        <td>{cidrsOf(scan).join(', ') || 'multicast only'}</td>
                        <td>{count(scan, 'devices')}</td>
                        <td>{count(scan, 'covered')}</td>
                        <td>{count(scan, 'newDevices')}</td>
                        <td>{count(scan, 'alerts')}</td>
                        <td>
                          <input type="radio" name="from" value={scan.id} checked={from === scan.id} onChange={() => setFrom(scan.id)} aria-label={`Compare from the scan of ${formatTime(scan.startedAt)}`} />
                        </td>
                        <td>
                          <input type="radio" name="to" value={scan.id} checked={to === scan.id} onChange={() => setTo(scan.id)} aria-label={`Compare to the scan of ${formatTime(scan.startedAt)}`} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <button type="submit" disabled={!from || !to || from === to}>
                Compare the two scans
              </button>
            </form>
          )
        }
      </Show>
    </>
  );
}

function Value({ value }: { value: unknown }) {
  if (value !== null && typeof value === 'object') {
    return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
  }
  return <>{text(value as string | number | null | undefined)}</>;
}

/** The scan record's errors: refused inputs (channel, address, reason, how often) as a table, anything else as JSON. */
function Refused({ errors }: { errors: unknown[] }) {
  const entries = errors.filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null && 'reason' in entry);
  const others = errors.filter((entry) => !entries.includes(entry as Record<string, unknown>));
  const cell = (value: unknown): string => (value === undefined || value === null ? '—' : String(value));
  return (
    <>
      {entries.length > 0 && (
        <div class="table-wrap">
          <table class="refused">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Address</th>
                <th scope="col">Port</th>
                <th scope="col">Reason</th>
                <th scope="col">Times</th>
                <th scope="col">First</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry, index) => (
                <tr key={index}>
                  <td>{cell(entry.channel)}</td>
                  <td>{cell(entry.ip)}</td>
                  <td>{cell(entry.port)}</td>
                  <td>{cell(entry.reason)}</td>
                  <td>{cell(entry.count)}</td>
                  <td>{formatTime(typeof entry.firstAt === 'string' ? entry.firstAt : null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {others.length > 0 && <Value value={others} />}
    </>
  );
}

export function Scan({ id, revision }: { id: string; revision: number }) {
  useTitle('Scan');
  const loaded = useResource<ScanRecord>(`scans/${encodeURIComponent(id)}`, revision);
  return (
    <Show loaded={loaded}>
      {(scan) => (
        <article>
          <p>
            <a href="#/scans">← Scans</a>
          </p>
          <h1>Scan of {formatTime(scan.startedAt)}</h1>
          <dl class="facts">
            {(
              [
                ['Id', scan.id],
                ['Site', scan.site],
                ['Agent', scan.agent],
                ['Status', scan.status],
                ['Started', formatTime(scan.startedAt)],
                ['Finished', formatTime(scan.finishedAt)],
                ['Ranges', cidrsOf(scan).join(', ') || '—'],
                ['Channels', scan.channels.join(', ')],
              ] as const
            ).map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <h2>Counts</h2>
          <dl class="facts">
            {Object.entries(scan.counts).map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>
                  <Value value={value} />
                </dd>
              </div>
            ))}
          </dl>
          <h2>Refused inputs and errors</h2>
          {scan.errors.length === 0 ? <p class="muted">None.</p> : <Refused errors={scan.errors} />}
        </article>
      )}
    </Show>
  );
}

function DiffTable({ caption, entries }: { caption: string; entries: (DiffEntry & { changes?: ScanDiff['changed'][number]['changes'] })[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption>
          {caption}: {entries.length}
        </caption>
        {entries.length > 0 && (
          <>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">MAC</th>
                <th scope="col">Vendor</th>
                <th scope="col">Brand</th>
                <th scope="col">Model</th>
                <th scope="col">Firmware</th>
                {entries.some((entry) => entry.changes) && <th scope="col">Changes</th>}
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.deviceId}>
                  <th scope="row">
                    <a href={deviceHref(entry.deviceId)}>{entry.ip}</a>
                  </th>
                  <td>{text(entry.mac)}</td>
                  <td>{text(entry.vendor)}</td>
                  <td>{text(entry.brand)}</td>
                  <td>{text(entry.model)}</td>
                  <td>{text(entry.firmware)}</td>
                  {entry.changes && <td>{entry.changes.map((change) => `${change.field}: ${text(change.before)} → ${text(change.after)}`).join('; ')}</td>}
                </tr>
              ))}
            </tbody>
          </>
        )}
      </table>
    </div>
  );
}

export function Diff({ from, to, revision }: { from: string; to: string; revision: number }) {
  useTitle('Scan diff');
  const loaded = useResource<ScanDiff>(`scans/${encodeURIComponent(to)}/diff?against=${encodeURIComponent(from)}`, revision);
  return (
    <>
      <p>
        <a href="#/scans">← Scans</a>
      </p>
      <h1>What changed between two scans</h1>
      <p>
        From <a href={scanHref(from)}>{from.slice(0, 8)}</a> to <a href={scanHref(to)}>{to.slice(0, 8)}</a>.
      </p>
      <Show loaded={loaded}>
        {(diff) => (
          <>
            <DiffTable caption="New" entries={diff.new} />
            <DiffTable caption="Gone" entries={diff.gone} />
            <DiffTable caption="Changed" entries={diff.changed} />
            <p>{diff.unchanged} unchanged.</p>
          </>
        )}
      </Show>
    </>
  );
}
