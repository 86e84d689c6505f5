// Test helpers: a Registrar on a real loopback port, and a store that records its calls.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeCrypto } from '../../src/adapters/node.js';
import type { RegistrarConfig } from '../../src/core/config/registrar-config.js';
import type { Logger } from '../../src/core/events.js';
import type { RegistrationStore } from '../../src/core/store/registration-store.js';
import { createRegistrar, type Registrar } from '../../src/registrar.js';
import { type HostRoutes, mountAdapter, selectedAdapter } from './adapters.js';

export interface TestServer {
  readonly url: string;
  readonly registrar: Registrar;
  readonly server: Server;
  close(): Promise<void>;
}

/** A logger that keeps every record, so tests can search logs for secrets. */
export function memoryLogger(): Logger & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  return {
    records,
    info: (record) => records.push({ level: 'info', ...record }),
    warn: (record) => records.push({ level: 'warn', ...record }),
    error: (record) => records.push({ level: 'error', ...record }),
  };
}

/**
 * Starts Registrar on 127.0.0.1 with an ephemeral port; `issuer` defaults to that address. It is
 * mounted through the adapter REGISTRAR_TEST_ADAPTER names (node:http when unset), behind the
 * host's own routes when `host` is given.
 */
export async function startRegistrar<C>(
  config: Omit<RegistrarConfig<C>, 'issuer'> & { issuer?: string },
  host?: HostRoutes,
): Promise<TestServer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const registrar = createRegistrar({
    logger: memoryLogger(),
    crypto: nodeCrypto,
    // Suites register far more clients from 127.0.0.1 than the default limit allows;
    // the rate-limit suites pass their own rateLimit.
    rateLimit: false,
    ...config,
    issuer: config.issuer ?? url,
  } as RegistrarConfig<C>);
  const release = await mountAdapter(selectedAdapter(), registrar, server, host);
  return {
    url,
    registrar,
    server,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await release();
    },
  };
}

/** Wraps a store so every callback invocation is recorded with its arguments. */
export function recordingStore<C>(store: RegistrationStore<C>): RegistrationStore<C> & {
  calls: { name: string; args: unknown[] }[];
} {
  const calls: { name: string; args: unknown[] }[] = [];
  const wrapped: Record<string, unknown> = { calls };
  for (const name of Object.keys(store) as (keyof RegistrationStore<C>)[]) {
    const method = store[name];
    if (typeof method !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      calls.push({ name, args: structuredClone(args) });
      return (method as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  return wrapped as unknown as RegistrationStore<C> & { calls: { name: string; args: unknown[] }[] };
}

/** POSTs JSON (or a raw string) to the registration endpoint. */
export async function register(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; path?: string } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${init.path ?? '/oauth/register'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body:
      typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}
