// The progress chart's geometry: stacked bands of covered devices per status, one point per day on a time axis.
// Pure (numbers in, SVG path text out) so the unit tests check it without a browser.

export interface SeriesPoint {
  day: string;
  values: Record<string, number>;
}

export interface Band {
  key: string;
  /** SVG path data of the band, closed. */
  path: string;
}

export interface ChartGeometry {
  bands: Band[];
  maxValue: number;
  /** Labels along the time axis: the first and last day, and the middle one when there are three or more. */
  ticks: { x: number; label: string }[];
}

function dayTime(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

const round = (value: number): string => (Math.round(value * 10) / 10).toString();

/** Bands stacked in `keys` order from the bottom; a single day is drawn as a flat band across the width. */
export function stackedBands(points: readonly SeriesPoint[], keys: readonly string[], width: number, height: number): ChartGeometry {
  if (points.length === 0) return { bands: [], maxValue: 0, ticks: [] };
  const series = points.length === 1 ? [points[0]!, points[0]!] : points;
  const first = dayTime(series[0]!.day);
  const last = dayTime(series[series.length - 1]!.day);
  const span = last - first;
  const xOf = (index: number): number => (span === 0 ? (index / (series.length - 1)) * width : ((dayTime(series[index]!.day) - first) / span) * width);
  const totals = series.map((point) => keys.reduce((sum, key) => sum + (point.values[key] ?? 0), 0));
  const maxValue = Math.max(1, ...totals);
  const yOf = (value: number): number => height - (value / maxValue) * height;
  const below = series.map(() => 0);
  const bands: Band[] = [];
  for (const key of keys) {
    const above = series.map((point, index) => below[index]! + (point.values[key] ?? 0));
    // Steps, not slopes: a status holds from one day's change until the next.
    const top: string[] = [];
    const bottom: string[] = [];
    series.forEach((_, index) => {
      const x = xOf(index);
      const next = index + 1 < series.length ? xOf(index + 1) : x;
      top.push(`${round(x)},${round(yOf(above[index]!))}`, `${round(next)},${round(yOf(above[index]!))}`);
      bottom.push(`${round(x)},${round(yOf(below[index]!))}`, `${round(next)},${round(yOf(below[index]!))}`);
    });
    bands.push({ key, path: `M${top.join('L')}L${bottom.reverse().join('L')}Z` });
    above.forEach((value, index) => (below[index] = value));
  }
  const tickIndexes = points.length >= 3 ? [0, Math.floor((points.length - 1) / 2), points.length - 1] : points.length === 2 ? [0, 1] : [0];
  const ticks = tickIndexes.map((index) => ({ x: points.length === 1 ? 0 : xOf(index), label: points[index]!.day }));
  return { bands, maxValue, ticks };
}
