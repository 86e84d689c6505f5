// Test helpers for JOSE: an HTTPS server on loopback publishing JWK Sets, reached
// through the real safe fetcher (docs/operations.md#outbound-fetches-the-ssrf-guard) under the loopback allowance for tests,
// and key pairs.

import { exportJWK, generateKeyPair } from 'jose';
import type { OutboundFetchOptions } from '../../src/core/ports/outbound-fetch.js';
import { loopbackFetchOptions, startHttpsServer, tableResolver } from './tls.js';

/** Test host names (in the test certificate) that the resolver maps to the key server. */
export type KeyServerHost = 'docs.test' | 'client.test';

export interface KeyServer {
  /** `https://{host}:{port}`, for a host name the test resolver maps to this server. */
  origin(host: KeyServerHost): string;
  /** Requests served, by path. */
  readonly hits: Map<string, number>;
  /** Publishes a document at `path`; `status` other than 200 answers that status. */
  publish(path: string, document: unknown, status?: number): void;
  /** The `fetch` settings under which Registrar's safe fetcher reaches this server. */
  readonly fetchOptions: OutboundFetchOptions;
  close(): Promise<void>;
}

export async function startKeyServer(): Promise<KeyServer> {
  const documents = new Map<string, { body: string; status: number }>();
  const hits = new Map<string, number>();
  const server = await startHttpsServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const found = documents.get(path);
    res.writeHead(found?.status ?? 404, { 'content-type': 'application/json' });
    res.end(found?.body ?? '{}');
  });
  return {
    hits,
    origin: (host) => server.origin(host),
    publish(path, document, status = 200) {
      documents.set(path, { body: JSON.stringify(document), status });
    },
    fetchOptions: loopbackFetchOptions(
      tableResolver({ 'docs.test': '127.0.0.1', 'client.test': '127.0.0.1' }),
    ),
    close: () => server.close(),
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
