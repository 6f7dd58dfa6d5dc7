import { useEffect, useState } from 'preact/hooks';
import type { DeviceDetail, DevicePatch, InventoryDevice } from '../../src/inventory/types.js';
import { sendJson } from '../api.js';
import { inventoryHref, scanHref } from '../routes.js';
import { CoveredBadge, Problem, STATUSES, Show, StatusBadge, formatTime, text, useResource, useTitle } from './common.js';

// One device: the verdict and why (covered reason, evidence per channel with the rule and the value seen),
// advisories with their sources, addresses and history, and the form that changes what the planners own.

/** Only http(s) references become links; anything else stays text. */
function Reference({ href }: { href: string }) {
  return /^https?:\/\//i.test(href) ? (
    <a href={href} rel="noreferrer noopener" target="_blank">
      {href}
    </a>
  ) : (
    <>{href}</>
  );
}

function Facts({ device }: { device: InventoryDevice }) {
  const identification = device.identification;
  const rows: [string, string][] = [
    ['Vendor (hardware)', text(identification.vendor)],
    ['Brand (sold as)', text(identification.brand)],
    ['Model', text(identification.model)],
    ['Firmware', text(identification.firmware?.raw)],
    ['Serial', text(device.serial ?? identification.serial)],
    ['Class', identification.deviceClass],
    ['Confidence', `${Math.round(identification.confidence * 100)} %`],
    ['Address', device.ip],
    ['All addresses', device.addresses.join(', ') || '—'],
    ['MAC', text(device.mac)],
    ['Ports', device.ports.join(', ') || '—'],
    ['Channels', device.sources.join(', ') || '—'],
    ['ONVIF endpoint', text(device.endpoint)],
    ['Site', device.site],
    ['First seen', formatTime(device.firstSeen)],
    ['Last seen', formatTime(device.lastSeen)],
    ['Agent', device.agent],
  ];
  return (
    <dl class="facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Evidence({ device }: { device: InventoryDevice }) {
  const evidence = device.identification.evidence;
  if (evidence.length === 0) return <p class="muted">No fingerprint rule matched what this device answered.</p>;
  return (
    <div class="table-wrap">
      <table class="evidence">
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Rule</th>
            <th scope="col">Field</th>
            <th scope="col">Value seen</th>
            <th scope="col">Says</th>
            <th scope="col">Weight</th>
          </tr>
        </thead>
        <tbody>
          {evidence.map((entry, index) => (
            <tr key={`${entry.ruleId}-${index}`}>
              <td>{entry.source}</td>
              <td>
                <code>{entry.ruleId}</code>
              </td>
              <td>
                <code>{entry.field}</code>
              </td>
              <td class="value">{entry.value}</td>
              <td>
                {Object.entries(entry.params)
                  .map(([key, value]) => `${key}=${value}`)
                  .join(', ')}
              </td>
              <td>{entry.confidence.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function History({ detail }: { detail: DeviceDetail }) {
  return (
    <div class="table-wrap">
      <table class="history">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            <th scope="col">Scan</th>
          </tr>
        </thead>
        <tbody>
          {detail.history.map((entry) => (
            <tr key={entry.id}>
              <td>{formatTime(entry.at)}</td>
              <td>
                {entry.kind}
                {entry.field && entry.field !== entry.kind ? ` (${entry.field})` : ''}
              </td>
              <td>{text(entry.oldValue)}</td>
              <td>{text(entry.newValue)}</td>
              <td>{entry.scanId ? <a href={scanHref(entry.scanId)}>{entry.scanId.slice(0, 8)}</a> : 'by hand'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface FormState {
  status: string;
  statusReason: string;
  site: string;
  owner: string;
  location: string;
  notes: string;
  clearAlert: boolean;
}

function formOf(device: InventoryDevice): FormState {
  return {
    status: device.status,
    statusReason: device.statusReason ?? '',
    site: device.site,
    owner: device.owner ?? '',
    location: device.location ?? '',
    notes: device.notes ?? '',
    clearAlert: false,
  };
}

/** Only what changed goes into the PATCH; an emptied field becomes null (site cannot be emptied). */
export function patchOf(device: InventoryDevice, form: FormState): DevicePatch {
  const patch: DevicePatch = {};
  const nullable = (value: string): string | null => (value.trim() === '' ? null : value.trim());
  if (form.status !== device.status) patch.status = form.status as DevicePatch['status'];
  if (nullable(form.statusReason) !== device.statusReason) patch.statusReason = nullable(form.statusReason);
  if (form.site.trim() !== device.site && form.site.trim() !== '') patch.site = form.site.trim();
  if (nullable(form.owner) !== device.owner) patch.owner = nullable(form.owner);
  if (nullable(form.location) !== device.location) patch.location = nullable(form.location);
  if (nullable(form.notes) !== device.notes) patch.notes = nullable(form.notes);
  if (form.clearAlert) patch.clearAlert = true;
  return patch;
}

function EditForm({ device, onSaved }: { device: InventoryDevice; onSaved: () => void }) {
  const [form, setForm] = useState<FormState>(formOf(device));
  const [message, setMessage] = useState<string>('');
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  useEffect(() => setForm(formOf(device)), [device]);
  const set = (key: keyof FormState) => (event: { currentTarget: { value: string } }) => setForm({ ...form, [key]: event.currentTarget.value });
  const needsReason = form.status === 'exempt';
  const submit = (event: Event): void => {
    event.preventDefault();
    const patch = patchOf(device, form);
    setProblem(undefined);
    if (Object.keys(patch).length === 0) {
      setMessage('Nothing changed.');
      return;
    }
    setMessage('Saving…');
    sendJson<InventoryDevice>('PATCH', `devices/${encodeURIComponent(device.id)}`, patch).then(
      () => {
        setMessage('Saved.');
        onSaved();
      },
      (error: unknown) => {
        setMessage('');
        setProblem(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };
  return (
    <form class="edit" onSubmit={submit} aria-labelledby="edit-title">
      <h2 id="edit-title">Plan</h2>
      <label>
        <span>Status</span>
        <select name="status" value={form.status} onChange={set('status')}>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Reason{needsReason ? ' (required for exempt)' : ''}</span>
        <input name="statusReason" value={form.statusReason} onInput={set('statusReason')} required={needsReason} maxLength={2000} />
      </label>
      <label>
        <span>Site</span>
        <input name="site" value={form.site} onInput={set('site')} required maxLength={200} />
      </label>
      <label>
        <span>Location</span>
        <input name="location" value={form.location} onInput={set('location')} maxLength={2000} />
      </label>
      <label>
        <span>Owner</span>
        <input name="owner" value={form.owner} onInput={set('owner')} maxLength={2000} />
      </label>
      <label class="wide">
        <span>Notes</span>
        <textarea name="notes" value={form.notes} onInput={set('notes')} rows={3} maxLength={2000} />
      </label>
      {device.alert && (
        <label class="check">
          <input type="checkbox" name="clearAlert" checked={form.clearAlert} onChange={(event) => setForm({ ...form, clearAlert: event.currentTarget.checked })} />
          <span>Clear the alert (I have checked it)</span>
        </label>
      )}
      <div class="actions">
        <button type="submit">Save</button>
        <span role="status" class="saved">
          {message}
        </span>
      </div>
      {problem && <Problem error={problem} />}
    </form>
  );
}

export function Device({ id, revision }: { id: string; revision: number }) {
  const [saved, setSaved] = useState(0);
  const loaded = useResource<DeviceDetail>(`devices/${encodeURIComponent(id)}`, revision + saved);
  useTitle('Device');
  return (
    <Show loaded={loaded}>
      {(detail) => {
        const { device } = detail;
        const identification = device.identification;
        return (
          <article class="device">
            <p>
              <a href={inventoryHref({})}>← Inventory</a>
            </p>
            <h1>
              <span class="device-name">{[identification.vendor, identification.model].filter(Boolean).join(' ') || 'Unidentified device'}</span> at {device.ip}
            </h1>
            <p class="verdict">
              <CoveredBadge covered={identification.covered} /> <StatusBadge status={device.status} />
              {device.statusReason && <span class="muted"> {device.statusReason}</span>}
            </p>
            {device.alert && (
              <p class="problem" role="alert">
                Alert: {device.alert}
              </p>
            )}
            <section aria-labelledby="why-title">
              <h2 id="why-title">Why</h2>
              <p class="reason">{identification.coveredReason ?? (identification.covered ? 'Covered.' : 'Its maker is not on the lists camaudit checks.')}</p>
              {identification.conflicts.length > 0 && (
                <ul class="conflicts">
                  {identification.conflicts.map((conflict) => (
                    <li key={conflict}>{conflict}</li>
                  ))}
                </ul>
              )}
              <h3>Evidence per channel</h3>
              <Evidence device={device} />
            </section>
            <section aria-labelledby="advisories-title">
              <h2 id="advisories-title">Advisories</h2>
              {identification.advisories.length === 0 ? (
                <p class="muted">No published advisory covers this firmware (or the firmware is unknown).</p>
              ) : (
                <ul class="advisories">
                  {identification.advisories.map((advisory) => (
                    <li key={advisory.id}>
                      <strong>{advisory.id}</strong> {advisory.title}
                      <br />
                      <span class="muted">{advisory.reason}</span>
                      <ul>
                        {advisory.references.map((reference) => (
                          <li key={reference}>
                            <Reference href={reference} />
                          </li>
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <div class="device-columns">
              <section aria-labelledby="facts-title">
                <h2 id="facts-title">Device</h2>
                <Facts device={device} />
              </section>
              <EditForm device={device} onSaved={() => setSaved((count) => count + 1)} />
            </div>
            <section aria-labelledby="history-title">
              <h2 id="history-title">History</h2>
              <History detail={detail} />
              <details>
                <summary>Seen in {detail.sightings.length} scans</summary>
                <ul>
                  {detail.sightings.map((sighting) => (
                    <li key={sighting.scanId}>
                      {formatTime(sighting.seenAt)} at {sighting.ip} (<a href={scanHref(sighting.scanId)}>scan {sighting.scanId.slice(0, 8)}</a>)
                    </li>
                  ))}
                </ul>
              </details>
            </section>
          </article>
        );
      }}
    </Show>
  );
}
