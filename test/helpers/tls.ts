// Test helpers for outbound fetches: a self-signed certificate made with openssl
// at test time, HTTPS servers on loopback, a connection-counting sinkhole, and
// a resolver that maps test host names to loopback addresses.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { HostResolver } from '../../src/core/ports/outbound-fetch.js';

/** Host names the test certificate is valid for; the test resolver maps them to loopback. */
export const TEST_HOSTS = ['sector.test', 'client.test', 'docs.test', 'rebind.test', 'localhost'] as const;

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

let certificate: TestCertificate | undefined;

/** One self-signed certificate per test process, for the test host names and loopback addresses. */
export function testCertificate(): TestCertificate {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'registrar-tls-'));
  try {
    const san = [...TEST_HOSTS.map((host) => `DNS:${host}`), 'IP:127.0.0.1', 'IP:127.0.0.2', 'IP:::1'].join(
      ',',
    );
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=registrar test',
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    certificate = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface HttpsTestServer {
  readonly port: number;
  /** `https://{host}:{port}` */
  origin(host?: string): string;
  /** Requests received, in order, with the TLS server name the client sent (SNI). */
  readonly requests: {
    path: string;
    headers: IncomingMessage['headers'];
    servername: string | false | null;
  }[];
  close(): Promise<void>;
}

/** An HTTPS server on `address` (127.0.0.1 unless told) answering with `handler`. */
export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { address?: string; port?: number } = {},
): Promise<HttpsTestServer> {
  const requests: HttpsTestServer['requests'] = [];
  const server = createHttpsServer(testCertificate(), (req, res) => {
    requests.push({
      path: req.url ?? '',
      headers: req.headers,
      servername: (req.socket as TLSSocket).servername,
    });
    handler(req, res);
  });
  server.listen(options.port ?? 0, options.address ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: (host = '127.0.0.1') => `https://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Sinkhole {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/**
 * A TCP listener that counts every connection it accepts and closes it at
 * once, or with `hold`, keeps it open without a word.
 */
export async function startSinkhole(
  address = '127.0.0.1',
  port = 0,
  options: { hold?: boolean } = {},
): Promise<Sinkhole> {
  let count = 0;
  const held = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    count++;
    if (!options.hold) {
      socket.destroy();
      return;
    }
    held.add(socket);
    socket.on('error', () => undefined);
  });
  server.listen(port, address);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A resolver answering from a fixed table, counting its calls per name. */
export function tableResolver(table: Record<string, string | string[]>): HostResolver & {
  calls: string[];
} {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const entry = table[hostname];
    if (entry === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return (Array.isArray(entry) ? entry : [entry]).map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
  };
  return Object.assign(resolve, { calls });
}

/** The fetch options under which tests reach their own HTTPS servers on loopback. */
export function loopbackFetchOptions(resolve?: HostResolver) {
  return {
    allowLoopback: true,
    ca: testCertificate().cert,
    ...(resolve === undefined ? {} : { resolve }),
  };
}
