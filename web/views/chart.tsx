import type { ProgressPoint } from '../../src/inventory/overview.js';
import { stackedBands } from '../chart-geometry.js';
import { STATUS_LABELS, STATUSES, StatusHeaders } from './common.js';

// Replacement progress as stacked bands, drawn as SVG by hand (a chart library would be most of the bundle for
// one chart). Colours come from the stylesheet (classes), since the CSP allows no inline style. The same numbers
// are in a table below it for screen readers and for copying.

const WIDTH = 640;
const HEIGHT = 200;
const MARGIN = { left: 40, bottom: 22, top: 8, right: 8 };
// Done at the bottom, open work on top: the bottom bands grow as the plan advances.
const ORDER = ['replaced', 'removed', 'exempt', 'planned', 'found'] as const;

export function ProgressChart({ points }: { points: ProgressPoint[] }) {
  if (points.length === 0) return <p class="muted">No covered device yet, so no progress to show.</p>;
  const geometry = stackedBands(
    points.map((point) => ({ day: point.day, values: { ...point } as unknown as Record<string, number> })),
    ORDER,
    WIDTH - MARGIN.left - MARGIN.right,
    HEIGHT - MARGIN.top - MARGIN.bottom,
  );
  const last = points[points.length - 1]!;
  const done = last.replaced + last.removed;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="chart-caption" preserveAspectRatio="xMidYMid meet">
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          {geometry.bands.map((band) => (
            <path key={band.key} d={band.path} class={`band band-${band.key}`} />
          ))}
          <line x1="0" y1={HEIGHT - MARGIN.top - MARGIN.bottom} x2={WIDTH - MARGIN.left - MARGIN.right} y2={HEIGHT - MARGIN.top - MARGIN.bottom} class="axis" />
          <text x="-6" y="8" class="axis-label" text-anchor="end">
            {geometry.maxValue}
          </text>
          <text x="-6" y={HEIGHT - MARGIN.top - MARGIN.bottom} class="axis-label" text-anchor="end">
            0
          </text>
          {geometry.ticks.map((tick, index) => (
            <text key={tick.label} x={tick.x} y={HEIGHT - MARGIN.top - 6} class="axis-label" text-anchor={index === 0 ? 'start' : index === geometry.ticks.length - 1 ? 'end' : 'middle'}>
              {tick.label}
            </text>
          ))}
        </g>
      </svg>
      <figcaption id="chart-caption">
        Covered devices by status at the end of each day with a change. Now: {done} of {last.total} replaced or removed, {last.planned} planned, {last.found}{' '}
        not yet planned, {last.exempt} exempt.
        <ul class="legend">
          {ORDER.map((status) => (
            <li key={status}>
              <span class={`swatch band-${status}`} aria-hidden="true" />
              {STATUS_LABELS[status]}
            </li>
          ))}
        </ul>
      </figcaption>
      <details>
        <summary>Progress as a table</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <StatusHeaders />
              </tr>
            </thead>
            <tbody>
              {points.map((point) => (
                <tr key={point.day}>
                  <th scope="row">{point.day}</th>
                  {STATUSES.map((status) => (
                    <td key={status}>{point[status]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
