import { describe, expect, it } from 'vitest';
import { stackedBands } from '../../web/chart-geometry.js';
import { DEFAULT_PAGE_SIZE, devicesPath, exportPath, inventoryHref, parseRoute } from '../../web/routes.js';

// The page's state in its URL fragment, and its chart's geometry: the pure parts of web/, without a browser.

describe('the page URL', () => {
  it('round-trips an inventory view: filters, sort, order, page', () => {
    const href = inventoryHref({ filters: { covered: 'true', site: 'store 12', search: 'DS-2CD' }, sort: 'model', descending: true, offset: 100, limit: 25 });
    const route = parseRoute(href);
    expect(route).toEqual({ page: 'inventory', query: { filters: { covered: 'true', site: 'store 12', search: 'DS-2CD' }, sort: 'model', descending: true, offset: 100, limit: 25 } });
  });

  it('defaults: no filter, first page, default size; nonsense numbers fall back', () => {
    expect(parseRoute('#/inventory')).toEqual({ page: 'inventory', query: { filters: {}, descending: false, offset: 0, limit: DEFAULT_PAGE_SIZE } });
    const route = parseRoute('#/inventory?offset=-5&limit=1e400&covered=');
    expect(route).toEqual({ page: 'inventory', query: { filters: {}, descending: false, offset: 0, limit: DEFAULT_PAGE_SIZE } });
  });

  it('reads the other views, and anything else is the overview', () => {
    expect(parseRoute('#/device/abc%2Fdef')).toEqual({ page: 'device', id: 'abc/def' });
    expect(parseRoute('#/scans')).toEqual({ page: 'scans' });
    expect(parseRoute('#/scans/s1')).toEqual({ page: 'scan', id: 's1' });
    expect(parseRoute('#/diff?from=a&to=b')).toEqual({ page: 'diff', from: 'a', to: 'b' });
    expect(parseRoute('#/diff?from=a')).toEqual({ page: 'overview' });
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/%E0%A4%A')).toEqual({ page: 'overview' });
  });

  it('asks the API with relative URLs; exports get the filters but not the sort or page', () => {
    const query = { filters: { vendor: 'Dahua', advisory: 'any' }, sort: 'ip', descending: false, offset: 50, limit: 50 };
    expect(devicesPath(query)).toBe('devices?vendor=Dahua&advisory=any&sort=ip&order=asc&limit=50&offset=50');
    expect(exportPath('csv', query.filters)).toBe('export.csv?vendor=Dahua&advisory=any');
    expect(exportPath('xlsx', {})).toBe('export.xlsx');
  });
});

describe('the progress chart', () => {
  const keys = ['replaced', 'planned', 'found'];
  const points = [
    { day: '2026-11-01', values: { replaced: 0, planned: 0, found: 10 } },
    { day: '2026-11-05', values: { replaced: 2, planned: 3, found: 5 } },
    { day: '2026-11-11', values: { replaced: 5, planned: 3, found: 4 } },
  ];

  it('stacks one closed band per status inside the box, scaled to the largest total', () => {
    const geometry = stackedBands(points, keys, 600, 200);
    expect(geometry.maxValue).toBe(12);
    expect(geometry.bands.map((band) => band.key)).toEqual(keys);
    for (const band of geometry.bands) {
      expect(band.path).toMatch(/^M.*Z$/);
      const numbers = band.path.match(/-?\d+(\.\d+)?/g)!.map(Number);
      for (const value of numbers) expect(value >= 0 && value <= 600).toBe(true);
    }
    // Time is to scale: the second day (4 of 10 days in) sits at 40 % of the width.
    expect(geometry.bands[0]!.path).toContain('240,');
    expect(geometry.ticks.map((tick) => tick.label)).toEqual(['2026-11-01', '2026-11-05', '2026-11-11']);
  });

  it('the top of the last band is the total: at the first day 10 of 12 reaches y = 200 - 10/12 * 200', () => {
    const top = stackedBands(points, keys, 600, 200).bands[2]!.path;
    expect(top.startsWith('M0,33.3')).toBe(true);
  });

  it('draws a single day across the width, and nothing for no data', () => {
    const single = stackedBands([points[0]!], keys, 600, 200);
    expect(single.bands[2]!.path).toContain('600,');
    expect(stackedBands([], keys, 600, 200)).toEqual({ bands: [], maxValue: 0, ticks: [] });
  });
});
