// Every call the page makes to the camaudit API: relative URLs (the page is served by the API itself, perhaps
// behind a proxy under a prefix), the token as an Authorization header when the server wants one, and nothing
// else: no cookie, no other origin.

const TOKEN_KEY = 'camaudit.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server wants a token and the page has none, or a wrong one. */
export class TokenNeededError extends ApiError {}

// The token lives in sessionStorage only: it survives a reload but ends with the browser tab.
export function storedToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  window.sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken(): void {
  window.sessionStorage.removeItem(TOKEN_KEY);
}

const tokenListeners = new Set<(refused: boolean) => void>();

/** Called whenever a request is refused for want of a token (`refused`: the one given was wrong). */
export function onTokenNeeded(listener: (refused: boolean) => void): () => void {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = storedToken();
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store' });
  if (response.ok) return response;
  const body = (await response.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
  const code = body?.code ?? 'CAMAUDIT_ERR_INTERNAL';
  const message = body?.message ?? `${response.status} ${response.statusText}`;
  if (response.status === 401) {
    forgetToken();
    for (const listener of tokenListeners) listener(token !== null);
    throw new TokenNeededError(401, code, message);
  }
  throw new ApiError(response.status, code, message);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await call(path, signal ? { signal } : {})).json()) as T;
}

export async function sendJson<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T> {
  return (await (await call(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as T;
}

/** The file name a Content-Disposition header gives, if it is a plain one. */
export function attachmentName(header: string | null, fallback: string): string {
  const match = header ? /filename="([\w.-]+)"/.exec(header) : null;
  return match?.[1] ?? fallback;
}

/**
 * Downloads an export through fetch (so that the token goes in a header, never in a URL that a log or the
 * browser history would keep), then hands the file to the browser.
 */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await call(path);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = attachmentName(response.headers.get('content-disposition'), fallbackName);
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
