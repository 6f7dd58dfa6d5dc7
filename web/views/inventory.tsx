import { useEffect, useRef, useState } from 'preact/hooks';
import { DEVICE_COLUMNS } from '../../src/export/columns.js';
import type { DevicePage } from '../../src/inventory/types.js';
import type { DeviceFacets } from '../../src/inventory/overview.js';
import { download } from '../api.js';
import { deviceHref, devicesPath, exportPath, inventoryHref, PAGE_SIZES, type FilterKey, type InventoryQuery } from '../routes.js';
import { STATUSES, Problem, Show, useResource, useTitle } from './common.js';

// The inventory: the export's columns, filtered, sorted and paged by the server (GET /devices), so the page
// stays as quick at 100,000 devices as at 100. Every filter, the sort and the page are in the URL.

// Columns the server can sort by (GET /devices?sort=): each has an index.
const SORTABLE = new Set(['site', 'location', 'ip', 'mac', 'vendor', 'brand', 'model', 'firmware', 'serial', 'covered', 'confidence', 'firstSeen', 'lastSeen', 'status', 'owner']);
const TEXT_DEBOUNCE_MS = 300;


function go(query: InventoryQuery, replace = false): void {
  const href = inventoryHref(query);
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function withFilter(query: InventoryQuery, key: FilterKey, value: string): InventoryQuery {
  const filters = { ...query.filters };
  if (value === '') delete filters[key];
  else filters[key] = value;
  return { ...query, filters, offset: 0 };
}

function Select({ label, name, value, options, onChange }: { label: string; name: FilterKey; value: string; options: { value: string; label: string }[]; onChange: (name: FilterKey, value: string) => void }) {
  // The current value is offered even before the list of values has loaded, so a shared link shows its filter.
  const all = value !== '' && !options.some((option) => option.value === value) ? [...options, { value, label: value }] : options;
  return (
    <label>
      <span>{label}</span>
      <select name={name} value={value} onChange={(event) => onChange(name, event.currentTarget.value)}>
        <option value="">any</option>
        {all.map((option) => (
          <option value={option.value} key={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Filters({ query, facets }: { query: InventoryQuery; facets: DeviceFacets | undefined }) {
  const [text, setText] = useState(query.filters.search ?? '');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => setText(query.filters.search ?? ''), [query.filters.search]);
  const change = (name: FilterKey, value: string): void => go(withFilter(query, name, value));
  const names = (values: string[] | undefined) => (values ?? []).map((value) => ({ value, label: value }));
  return (
    <form class="filters" role="search" aria-label="Filter the inventory" onSubmit={(event) => event.preventDefault()}>
      <label class="search">
        <span>Search</span>
        <input
          type="search"
          name="search"
          value={text}
          placeholder="address, MAC, model, serial, owner…"
          onInput={(event) => {
            const value = event.currentTarget.value;
            setText(value);
            window.clearTimeout(timer.current);
            timer.current = window.setTimeout(() => go(withFilter(query, 'search', value.trim()), true), TEXT_DEBOUNCE_MS);
          }}
        />
      </label>
      <Select label="Covered" name="covered" value={query.filters.covered ?? ''} options={[{ value: 'true', label: 'covered' }, { value: 'false', label: 'not covered' }]} onChange={change} />
      <Select label="Status" name="status" value={query.filters.status ?? ''} options={STATUSES.map((status) => ({ value: status, label: status }))} onChange={change} />
      <Select label="Site" name="site" value={query.filters.site ?? ''} options={names(facets?.sites)} onChange={change} />
      <Select label="Vendor" name="vendor" value={query.filters.vendor ?? ''} options={names(facets?.vendors)} onChange={change} />
      <Select label="Brand" name="brand" value={query.filters.brand ?? ''} options={names(facets?.brands)} onChange={change} />
      <Select
        label="Advisory"
        name="advisory"
        value={query.filters.advisory ?? ''}
        options={[
          { value: 'any', label: 'any advisory' },
          { value: 'none', label: 'no advisory' },
          ...(facets?.advisories ?? []).map((advisory) => ({ value: advisory.id, label: `${advisory.id} (${advisory.devices})` })),
        ]}
        onChange={change}
      />
      <Select label="Alert" name="alert" value={query.filters.alert ?? ''} options={[{ value: 'true', label: 'seen again' }]} onChange={change} />
      <Select label="Cloud P2P" name="cloud" value={query.filters.cloud ?? ''} options={['enabled', 'disabled', 'unknown'].map((state) => ({ value: state, label: state }))} onChange={change} />
      {Object.keys(query.filters).length > 0 && (
        <button type="button" class="secondary" onClick={() => go({ ...query, filters: {}, offset: 0 })}>
          Clear filters
        </button>
      )}
    </form>
  );
}

function Exports({ query }: { query: InventoryQuery }) {
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const save = (format: 'csv' | 'xlsx'): void => {
    setBusy(true);
    setProblem(undefined);
    download(exportPath(format, query.filters), `camaudit-devices.${format}`).then(
      () => setBusy(false),
      (error: unknown) => {
        setBusy(false);
        setProblem(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };
  return (
    <div class="exports">
      <button type="button" onClick={() => save('csv')} disabled={busy}>
        Download CSV
      </button>
      <button type="button" onClick={() => save('xlsx')} disabled={busy}>
        Download XLSX
      </button>
      <span class="muted">with the filters above</span>
      {problem && <Problem error={problem} />}
    </div>
  );
}

function Pager({ query, total }: { query: InventoryQuery; total: number }) {
  const first = total === 0 ? 0 : query.offset + 1;
  const last = Math.min(total, query.offset + query.limit);
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={query.offset === 0} onClick={() => go({ ...query, offset: Math.max(0, query.offset - query.limit) })}>
        Previous
      </button>
      <span role="status" class="range">
        {first}–{last} of {total}
      </span>
      <button type="button" disabled={last >= total} onClick={() => go({ ...query, offset: query.offset + query.limit })}>
        Next
      </button>
      <label>
        <span>Rows</span>
        <select value={String(query.limit)} onChange={(event) => go({ ...query, limit: Number(event.currentTarget.value), offset: 0 })}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}

function SortHeader({ columnKey, header, query }: { columnKey: string; header: string; query: InventoryQuery }) {
  if (!SORTABLE.has(columnKey)) return <th scope="col">{header}</th>;
  const active = query.sort === columnKey;
  const descending = active && !query.descending;
  return (
    <th scope="col" aria-sort={active ? (query.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="sort" onClick={() => go({ ...query, sort: columnKey, descending, offset: 0 })}>
        {header}
        <span aria-hidden="true">{active ? (query.descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

function Table({ page, query }: { page: DevicePage; query: InventoryQuery }) {
  if (page.items.length === 0) return <p class="notice">No device matches these filters.</p>;
  return (
    <div class="table-wrap">
      <table class="devices">
        <caption class="visually-hidden">Devices, {page.total} matching</caption>
        <thead>
          <tr>
            {DEVICE_COLUMNS.map((column) => (
              <SortHeader key={column.key} columnKey={column.key} header={column.header} query={query} />
            ))}
          </tr>
        </thead>
        <tbody>
          {page.items.map((device) => (
            <tr key={device.id} data-device={device.id}>
              {DEVICE_COLUMNS.map((column) => {
                const value = column.value(device);
                const cell = value === null ? '' : String(value);
                if (column.key === 'ip') {
                  return (
                    <th scope="row" key={column.key}>
                      <a href={deviceHref(device.id)}>{cell}</a>
                    </th>
                  );
                }
                return (
                  <td key={column.key} class={`col-${column.key}`}>
                    {column.key === 'status' ? (
                      <span class={`badge status-${cell}`}>{cell}</span>
                    ) : (
                      <span class="cell" title={cell.length > 30 ? cell : undefined}>
                        {cell}
                      </span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Inventory({ query, revision }: { query: InventoryQuery; revision: number }) {
  useTitle('Inventory');
  const page = useResource<DevicePage>(devicesPath(query), revision);
  // The filter values come second: the table is what the reader is waiting for.
  const loadedFacets = useResource<DeviceFacets>(page.state === 'loading' ? undefined : 'facets', revision);
  const facets = loadedFacets.state === 'done' ? loadedFacets.value : undefined;
  return (
    <>
      <h1>Inventory</h1>
      <Filters query={query} facets={facets} />
      <Exports query={query} />
      <Show loaded={page}>
        {(value) => (
          <>
            <Pager query={query} total={value.total} />
            <Table page={value} query={query} />
          </>
        )}
      </Show>
    </>
  );
}
