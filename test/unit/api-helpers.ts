// Starts the real API on 127.0.0.1 (port 0) over a real SQLite inventory, for tests that speak HTTP with fetch.
import type { FastifyInstance } from 'fastify';
import { startServer, type ServerOptions } from '../../src/api/index.js';
import { silentLog, tempInventory, type TempInventory } from './inventory-helpers.js';

export interface RunningApi {
  url: string;
  app: FastifyInstance;
  temp: TempInventory;
  close(): Promise<void>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  json<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }>;
}

export async function startApi(options: Partial<Omit<ServerOptions, 'inventory' | 'log'>> = {}, temp?: TempInventory): Promise<RunningApi> {
  temp ??= await tempInventory('sqlite', 'camaudit-api-');
  const { app, url } = await startServer({ inventory: temp.inventory, log: silentLog, host: '127.0.0.1', port: 0, ...options });
  return {
    url,
    app,
    temp,
    async close() {
      await app.close();
      await temp.cleanup();
    },
    get: (path, headers = {}) => fetch(`${url}${path}`, { headers }),
    async json<T>(path: string, init: RequestInit = {}) {
      const response = await fetch(`${url}${path}`, init);
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
    },
  };
}

export const jsonBody = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
