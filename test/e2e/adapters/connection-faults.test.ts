// Every adapter against clients that drop their connection: a connection reset right after its
// request still counts under its own address, an abandoned upload is the client's doing (no
// error, no 5xx), and where no address can be known a warning says so once.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { toHonoMiddleware } from '../../../src/adapters/hono.js';
import { nodeCrypto } from '../../../src/adapters/node.js';
import { createRegistrar } from '../../../src/registrar.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { type AdapterName, mountAdapter } from '../../helpers/adapters.js';
import { memoryLogger, register } from '../../helpers/http.js';

const BODY = JSON.stringify({ redirect_uris: ['https://client.example.org/cb'] });
const HEAD = 'POST /oauth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n';

async function serveThrough(adapter: AdapterName) {
  const store = createMemoryStore();
  const logger = memoryLogger();
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const registrar = createRegistrar({
    issuer: url,
    registrationEnabled: true,
    registration: store,
    logger,
    crypto: nodeCrypto,
    rateLimit: { registrations: '3/60s' },
  });
  const release = await mountAdapter(adapter, registrar, server);
  return {
    url,
    port,
    store,
    logger,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await release();
    },
  };
}

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

for (const adapter of ['node', 'express', 'fastify'] as const) {
  describe(`${adapter} adapter: connections reset right after their request`, () => {
    it('create no client once the address has used its registrations', async () => {
      const served = await serveThrough(adapter);
      try {
        for (let index = 0; index < 3; index++) {
          assert.equal((await register(served.url, JSON.parse(BODY))).status, 201);
        }
        const request = `${HEAD}Content-Length: ${BODY.length}\r\n\r\n${BODY}`;
        await Promise.all(
          Array.from({ length: 40 }, async () => {
            const socket = await open(served.port);
            socket.write(request, () => socket.resetAndDestroy());
          }),
        );
        await sleep(500);
        const { clients } = await served.store.listClients();
        assert.equal(clients.length, 3);
      } finally {
        await served.close();
      }
    });
  });
}

for (const adapter of ['node', 'express', 'fastify', 'hono'] as const) {
  describe(`${adapter} adapter: an upload the client abandons`, () => {
    it('logs no error and answers no 5xx', async () => {
      const served = await serveThrough(adapter);
      try {
        for (let index = 0; index < 3; index++) {
          const socket = await open(served.port);
          socket.write(`${HEAD}Content-Length: 1000\r\n\r\n{"redirect_uris":`);
          await sleep(100);
          socket.destroy();
        }
        await sleep(300);
        assert.deepEqual(
          served.logger.records.filter((record) => record.level === 'error'),
          [],
        );
        assert.equal((await served.store.listClients()).clients.length, 0);
      } finally {
        await served.close();
      }
    });
  });
}

describe('requests without a client address', () => {
  function registrarWith(logger: ReturnType<typeof memoryLogger>) {
    return createRegistrar({
      issuer: 'http://127.0.0.1:4000',
      registrationEnabled: true,
      registration: createMemoryStore(),
      logger,
      crypto: nodeCrypto,
    });
  }
  const post = () =>
    new Request('http://127.0.0.1:4000/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    });
  const warnings = (logger: ReturnType<typeof memoryLogger>) =>
    logger.records.filter(
      (record) => record.level === 'warn' && String(record.msg).includes('client address'),
    );

  it('fetch without remoteAddress logs one warning, at the first such request', async () => {
    const logger = memoryLogger();
    const registrar = registrarWith(logger);
    assert.equal((await registrar.fetch(post(), { remoteAddress: '192.0.2.1' })).status, 201);
    assert.equal(warnings(logger).length, 0, 'a request with an address raises none');
    for (let index = 0; index < 3; index++) assert.equal((await registrar.fetch(post())).status, 201);
    assert.equal(warnings(logger).length, 1);
  });

  it('Hono without getConnInfo logs one warning', async () => {
    const logger = memoryLogger();
    const app = new Hono();
    app.use(toHonoMiddleware(registrarWith(logger)));
    for (let index = 0; index < 3; index++) assert.equal((await app.request(post())).status, 201);
    assert.equal(warnings(logger).length, 1);
  });

  it('each Registrar warns for itself', async () => {
    const first = memoryLogger();
    const second = memoryLogger();
    await registrarWith(first).fetch(post());
    await registrarWith(second).fetch(post());
    assert.equal(warnings(first).length, 1);
    assert.equal(warnings(second).length, 1);
  });
});
