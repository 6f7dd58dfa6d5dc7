// The page's state lives in the URL's fragment (#/inventory?covered=true&sort=vendor), so a view survives a
// reload and can be shared as a link. The fragment never reaches the server, which keeps its own routes free.
// Pure: no DOM here, so the unit tests read it directly.

export const FILTER_KEYS = ['site', 'covered', 'vendor', 'brand', 'status', 'advisory', 'alert', 'cloud', 'search'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const PAGE_SIZES = [25, 50, 100, 250] as const;
export const DEFAULT_PAGE_SIZE = 50;

export interface InventoryQuery {
  filters: Partial<Record<FilterKey, string>>;
  sort?: string;
  descending: boolean;
  offset: number;
  limit: number;
}

export type Route =
  | { page: 'overview' }
  | { page: 'inventory'; query: InventoryQuery }
  | { page: 'device'; id: string }
  | { page: 'scans' }
  | { page: 'scan'; id: string }
  | { page: 'diff'; from: string; to: string };

function wholeNumber(text: string | null, fallback: number, max: number): number {
  const value = text === null ? Number.NaN : Number(text);
  return Number.isSafeInteger(value) && value >= 0 ? Math.min(value, max) : fallback;
}

export function parseInventoryQuery(params: URLSearchParams): InventoryQuery {
  const filters: InventoryQuery['filters'] = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value !== null && value !== '') filters[key] = value;
  }
  const limit = wholeNumber(params.get('limit'), DEFAULT_PAGE_SIZE, 1000);
  const sort = params.get('sort');
  return {
    filters,
    ...(sort ? { sort } : {}),
    descending: params.get('order') === 'desc',
    offset: wholeNumber(params.get('offset'), 0, 2_147_483_647),
    limit: limit === 0 ? DEFAULT_PAGE_SIZE : limit,
  };
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const [path = '', search = ''] = text.split('?', 2) as [string?, string?];
  const parts = path.split('/').filter((part) => part !== '').map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  const params = new URLSearchParams(search);
  if (parts[0] === 'inventory') return { page: 'inventory', query: parseInventoryQuery(params) };
  if (parts[0] === 'device' && parts[1]) return { page: 'device', id: parts[1] };
  if (parts[0] === 'scans' && parts[1]) return { page: 'scan', id: parts[1] };
  if (parts[0] === 'scans') return { page: 'scans' };
  if (parts[0] === 'diff' && params.get('from') && params.get('to')) return { page: 'diff', from: params.get('from')!, to: params.get('to')! };
  return { page: 'overview' };
}

/** The filters as API query parameters (GET /devices and the exports take the same names). */
export function filterParams(filters: InventoryQuery['filters']): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value !== undefined && value !== '') params.set(key, value);
  }
  return params;
}

export function devicesPath(query: InventoryQuery): string {
  const params = filterParams(query.filters);
  if (query.sort) {
    params.set('sort', query.sort);
    params.set('order', query.descending ? 'desc' : 'asc');
  }
  params.set('limit', String(query.limit));
  params.set('offset', String(query.offset));
  return `devices?${params.toString()}`;
}

export function exportPath(format: 'csv' | 'xlsx', filters: InventoryQuery['filters']): string {
  const params = filterParams(filters).toString();
  return `export.${format}${params ? `?${params}` : ''}`;
}

export function inventoryHref(query: Partial<InventoryQuery> & { filters?: InventoryQuery['filters'] }): string {
  const params = filterParams(query.filters ?? {});
  if (query.sort) params.set('sort', query.sort);
  if (query.sort && query.descending) params.set('order', 'desc');
  if (query.offset) params.set('offset', String(query.offset));
  if (query.limit && query.limit !== DEFAULT_PAGE_SIZE) params.set('limit', String(query.limit));
  const search = params.toString();
  return `#/inventory${search ? `?${search}` : ''}`;
}

export function deviceHref(id: string): string {
  return `#/device/${encodeURIComponent(id)}`;
}

export function scanHref(id: string): string {
  return `#/scans/${encodeURIComponent(id)}`;
}

export function diffHref(from: string, to: string): string {
  return `#/diff?${new URLSearchParams({ from, to }).toString()}`;
}
