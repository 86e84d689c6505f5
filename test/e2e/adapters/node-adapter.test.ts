// The node:http adapter's translation of what a client controls: the Host
// header and the request target must never move the path that routing sees.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { nodeCrypto, toNodeListener } from '../../../src/adapters/node.js';
import { createRegistrar } from '../../../src/registrar.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { memoryLogger } from '../../helpers/http.js';

const BODY = JSON.stringify({ redirect_uris: ['https://client.example.org/cb'] });

function send(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

describe('node:http adapter', () => {
  let port: number;
  const server = createServer();
  const hostRoutes: string[] = [];

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    const registrar = createRegistrar({
      issuer: `http://127.0.0.1:${port}`,
      registrationEnabled: true,
      registration: createMemoryStore(),
      crypto: nodeCrypto,
      logger: memoryLogger(),
      rateLimit: false,
    });
    server.on(
      'request',
      toNodeListener(registrar, (req, res) => {
        hostRoutes.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('host route');
      }),
    );
  });
  after(() => {
    server.close();
    server.closeAllConnections();
  });

  it('does not let a Host header carrying a path route another path to Registrar', async () => {
    for (const host of ['x/oauth/register?', 'x/oauth/register#', 'evil.example/oauth/register/abc?']) {
      const answer = await send(port, '/token', host);
      assert.equal(answer.status, 200, host);
      assert.equal(answer.body, 'host route', `${host}: the host's own route answered`);
    }
    assert.deepEqual(hostRoutes.slice(-3), ['/token', '/token', '/token']);
  });

  it('still registers with ordinary Host headers, with or without a port', async () => {
    for (const host of [`127.0.0.1:${port}`, 'as.example.com', '[::1]:8080']) {
      assert.equal((await send(port, '/oauth/register', host)).status, 201, host);
    }
  });

  it('routes an absolute-form request target by its path only', async () => {
    const answer = await send(port, `http://other.example/oauth/register`, `127.0.0.1:${port}`);
    assert.equal(answer.status, 201);
  });
});
