import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, TokenNeededError } from '../api.js';

// Shared by the views: loading a resource, showing its error, and formatting. Every device-supplied string is
// handed to preact as a text child or attribute value, which the DOM keeps as text: no view builds HTML.

export const STATUSES = ['found', 'planned', 'replaced', 'removed', 'exempt'] as const;

export const STATUS_LABELS: Record<(typeof STATUSES)[number], string> = {
  found: 'Found',
  planned: 'Planned',
  replaced: 'Replaced',
  removed: 'Removed',
  exempt: 'Exempt',
};

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: Error } | { state: 'done'; value: T };

/** GETs `path` whenever it (or `revision`) changes; a newer request cancels the older one. */
export function useResource<T>(path: string | undefined, revision = 0): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    if (path === undefined) return undefined;
    const abort = new AbortController();
    setLoaded((previous) => (previous.state === 'done' ? previous : { state: 'loading' }));
    getJson<T>(path, abort.signal).then(
      (value) => {
        if (!abort.signal.aborted) setLoaded({ state: 'done', value });
      },
      (error: unknown) => {
        if (!abort.signal.aborted) setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => abort.abort();
  }, [path, revision]);
  return loaded;
}

export function Problem({ error }: { error: Error }) {
  if (error instanceof TokenNeededError) return <p class="notice">This server wants a token.</p>;
  const code = error instanceof ApiError ? ` (${error.code})` : '';
  return (
    <p class="problem" role="alert">
      {error.message}
      {code}
    </p>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}

/** Renders `children(value)` once loaded, else the loading or error line. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (value: T) => ComponentChildren }) {
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'error') return <Problem error={loaded.error} />;
  return <>{children(loaded.value)}</>;
}

/** `2026-12-03 11:20 UTC`: the inventory stores UTC, and planners at several sites compare times. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function text(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function CoveredBadge({ covered }: { covered: boolean }) {
  return <span class={covered ? 'badge covered' : 'badge not-covered'}>{covered ? 'covered' : 'not covered'}</span>;
}

/** Sets the document title, so that history entries and tabs say which view they are. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · camaudit`;
  }, [title]);
}

/** One column header per status, for the tables of counts. */
export function StatusHeaders() {
  return (
    <>
      {STATUSES.map((status) => (
        <th scope="col" key={status}>
          {STATUS_LABELS[status]}
        </th>
      ))}
    </>
  );
}
