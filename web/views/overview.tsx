import type { AlertGroup, GroupCounts, InventoryOverview } from '../../src/inventory/overview.js';
import { deviceHref, inventoryHref } from '../routes.js';
import { ProgressChart } from './chart.js';
import { STATUSES, Show, StatusBadge, StatusHeaders, formatTime, text, useResource, useTitle } from './common.js';

const ALERT_TITLES: Record<AlertGroup['kind'], string> = {
  seenAgain: 'Marked replaced or removed, but seen again',
  newCovered: 'New covered devices in the latest scan',
  advisory: 'Firmware in a published advisory’s range',
  cloudP2p: 'Cloud P2P enabled',
};

function alertLink(kind: AlertGroup['kind']): string | undefined {
  if (kind === 'seenAgain') return inventoryHref({ filters: { alert: 'true' } });
  if (kind === 'advisory') return inventoryHref({ filters: { advisory: 'any' } });
  if (kind === 'cloudP2p') return inventoryHref({ filters: { cloud: 'enabled' } });
  return undefined;
}

function Alert({ alert }: { alert: AlertGroup }) {
  const link = alertLink(alert.kind);
  return (
    <section class={`alert ${alert.available && alert.count > 0 ? 'alert-on' : ''}`} aria-labelledby={`alert-${alert.kind}`} data-alert={alert.kind}>
      <h3 id={`alert-${alert.kind}`}>
        {ALERT_TITLES[alert.kind]}: <span class="alert-count">{alert.available ? alert.count : 'not checked'}</span>
      </h3>
      {!alert.available && <p class="muted">This version of camaudit does not observe this yet.</p>}
      {alert.devices.length > 0 && (
        <ul>
          {alert.devices.map((device) => (
            <li key={device.id}>
              <a href={deviceHref(device.id)}>
                {device.ip} {text(device.vendor)} {device.model ?? ''}
              </a>{' '}
              <span class="muted">
                {device.site} · {device.status}
                {device.detail && alert.kind !== 'newCovered' ? ` · ${device.detail}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      {link && alert.count > alert.devices.length && (
        <p>
          <a href={link}>All {alert.count} in the inventory</a>
        </p>
      )}
    </section>
  );
}

function GroupTable({ caption, groups, filterKey }: { caption: string; groups: GroupCounts[]; filterKey: 'site' | 'vendor' | 'brand' }) {
  return (
    <div class="table-wrap">
      <table class="counts" data-group={filterKey}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{filterKey === 'site' ? 'Site' : filterKey === 'vendor' ? 'Vendor' : 'Brand'}</th>
            <th scope="col">Covered</th>
            <StatusHeaders />
          </tr>
        </thead>
        <tbody>
          {groups.map((group) => (
            <tr key={String(group.name)}>
              <th scope="row">
                {group.name === null ? (
                  'unknown'
                ) : (
                  <a href={inventoryHref({ filters: { covered: 'true', [filterKey]: group.name } })}>{group.name}</a>
                )}
              </th>
              <td>{group.counts.total}</td>
              {STATUSES.map((status) => (
                <td key={status}>{group.counts[status]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Overview({ revision }: { revision: number }) {
  useTitle('Overview');
  const loaded = useResource<InventoryOverview>('overview', revision);
  return (
    <Show loaded={loaded}>
      {(overview) => (
        <>
          <h1>Covered cameras: replacement overview</h1>
          <p class="lead">
            {overview.covered.total} of {overview.devices} devices in the inventory are made by a covered manufacturer.{' '}
            {overview.lastScan ? (
              <>
                Last scan {formatTime(overview.lastScan.startedAt)} at {overview.lastScan.site} ({overview.lastScan.status}).
              </>
            ) : (
              'No scan yet.'
            )}
          </p>
          <ul class="cards" aria-label="Covered devices by status">
            <li class="card">
              <a href={inventoryHref({ filters: { covered: 'true' } })}>
                <span class="card-value" data-count="covered">
                  {overview.covered.total}
                </span>
                <span class="card-label">covered</span>
              </a>
            </li>
            {STATUSES.map((status) => (
              <li class={`card card-${status}`} key={status}>
                <a href={inventoryHref({ filters: { covered: 'true', status } })}>
                  <span class="card-value" data-count={status}>
                    {overview.covered[status]}
                  </span>
                  <span class="card-label">
                    <StatusBadge status={status} />
                  </span>
                </a>
              </li>
            ))}
          </ul>
          <section aria-labelledby="alerts-title">
            <h2 id="alerts-title">Alerts</h2>
            <div class="alerts">
              {overview.alerts.map((alert) => (
                <Alert alert={alert} key={alert.kind} />
              ))}
            </div>
          </section>
          <section aria-labelledby="progress-title">
            <h2 id="progress-title">Replacement progress</h2>
            <ProgressChart points={overview.progress} />
          </section>
          <section aria-labelledby="groups-title">
            <h2 id="groups-title">Covered devices by site, vendor and brand</h2>
            <div class="groups">
              <GroupTable caption="Per site" groups={overview.bySite} filterKey="site" />
              <GroupTable caption="Per vendor" groups={overview.byVendor} filterKey="vendor" />
              <GroupTable caption="Per brand" groups={overview.byBrand} filterKey="brand" />
            </div>
          </section>
        </>
      )}
    </Show>
  );
}
