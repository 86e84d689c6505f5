// Test helpers for JOSE: a real local HTTP server publishing JWK Sets, reached
// through an injected OutboundFetch (the safe fetcher of DESIGN §8 is https-only
// and refuses loopback, so tests map each https URL onto this server), and key pairs.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { OutboundFetch } from '../../src/core/outbound-fetch.js';

export interface KeyServer {
  /** Fetches `https://any.host/PATH` from the local server's `/PATH`. */
  readonly fetch: OutboundFetch;
  /** Requests served, by path. */
  readonly hits: Map<string, number>;
  /** Publishes a document at `path`; `status` other than 200 answers that status. */
  publish(path: string, document: unknown, status?: number): void;
  close(): Promise<void>;
}

export async function startKeyServer(): Promise<KeyServer> {
  const documents = new Map<string, { body: string; status: number }>();
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const found = documents.get(path);
    res.writeHead(found?.status ?? 404, { 'content-type': 'application/json' });
    res.end(found?.body ?? '{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    hits,
    publish(path, document, status = 200) {
      documents.set(path, { body: JSON.stringify(document), status });
    },
    async fetch(url, options) {
      const target = new URL(url);
      if (target.protocol !== 'https:') throw new Error('https only');
      const response = await fetch(`http://127.0.0.1:${port}${target.pathname}${target.search}`, {
        headers: { accept: options?.accept ?? '*/*' },
      });
      const body = new Uint8Array(await response.arrayBuffer());
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return { status: response.status, headers, body };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface TestKeyPair {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public JWK, with `kid` and `alg`. */
  readonly publicJwk: Record<string, unknown>;
}

/** A fresh key pair for `alg` with its public JWK. */
export async function keyPair(
  alg: string,
  kid = `${alg}-${Math.random().toString(36).slice(2)}`,
): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}
