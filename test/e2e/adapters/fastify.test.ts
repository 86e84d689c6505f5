// The Fastify adapter inside real host apps: other routes and the 404 stay the host's, the host's
// hooks see Registrar's replies, a prefix works, and the host's body settings do not change
// Registrar's body checks.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { toFastifyPlugin } from '../../../src/adapters/fastify.js';
import { nodeCrypto } from '../../../src/adapters/node.js';
import { createRegistrar, type Registrar } from '../../../src/registrar.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { memoryLogger, register } from '../../helpers/http.js';
import { listenOnLoopback } from '../../helpers/listen.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Example' };

function registrarFor(issuer: string, registrationEnabled = true, discoveryEnabled = false): Registrar {
  return createRegistrar({
    issuer,
    registrationEnabled,
    discoveryEnabled,
    registration: createMemoryStore(),
    logger: memoryLogger(),
    crypto: nodeCrypto,
  });
}

/**
 * A Fastify host on a server that already listens, so the issuer can carry the port: Fastify
 * loads plugins in `ready()`, before its own `listen()` would have bound one.
 */
async function host(
  options: FastifyServerOptions,
  setup: (app: FastifyInstance, url: string) => void,
): Promise<{ app: FastifyInstance; url: string; close: () => Promise<void> }> {
  const listening = await listenOnLoopback();
  const app = Fastify({
    ...options,
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      listening.server.on('request', handler);
      return listening.server;
    },
  });
  app.get('/hello', async () => ({ from: 'host' }));
  app.post('/echo', async (request) => request.body);
  setup(app, listening.url);
  await app.ready();
  return {
    app,
    url: listening.url,
    close: async () => {
      await listening.close();
      await app.close();
    },
  };
}

describe('Fastify adapter', () => {
  describe('in a host with a 1 KiB body limit and its own hooks', () => {
    let url: string;
    let close: () => Promise<void>;
    before(async () => {
      ({ url, close } = await host({ bodyLimit: 1024 }, (app, base) => {
        app.addHook('onSend', async (_request, reply, payload) => {
          reply.header('x-host-hook', 'seen');
          return payload;
        });
        app.register(toFastifyPlugin(registrarFor(base)));
      }));
    });
    after(() => close());

    it('registers a client, and the host hook sees the reply', async () => {
      const { status, headers, json } = await register(url, GOOD);
      assert.equal(status, 201);
      assert.equal(headers.get('x-host-hook'), 'seen');
      assert.equal(headers.get('content-type'), 'application/json');
      assert.equal(json.registration_client_uri, `${url}/oauth/register/${json.client_id}`);
    });

    it("applies Registrar's 64 KiB cap, not the host's bodyLimit", async () => {
      const larger = { ...GOOD, client_name: 'x'.repeat(4096) };
      assert.equal((await register(url, larger)).status, 201);
      const tooLarge = await register(url, { ...GOOD, pad: 'x'.repeat(70_000) });
      assert.equal(tooLarge.status, 413);
      assert.equal(tooLarge.json.error, 'invalid_request');
      const hostLimit = await fetch(`${url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(larger),
      });
      assert.equal(hostLimit.status, 413, "the host's own routes keep its limit");
    });

    it('checks the media type itself, even one Fastify would call invalid', async () => {
      for (const contentType of ['', 'not a media type', 'text/plain']) {
        const { status, json } = await register(url, GOOD, { headers: { 'content-type': contentType } });
        assert.equal(status, 400, contentType);
        assert.equal(json.error, 'invalid_request');
      }
    });

    it('reads the body its own way while the host parses JSON for its routes', async () => {
      const echo = await fetch(`${url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      assert.deepEqual(await echo.json(), { a: 1 });
      const { status, json } = await register(url, '{"redirect_uris": [');
      assert.equal(status, 400);
      assert.equal(json.error, 'invalid_request');
    });

    it("leaves other paths to the host's routes and its 404", async () => {
      const hello = await fetch(`${url}/hello`);
      assert.deepEqual(await hello.json(), { from: 'host' });
      const missing = await fetch(`${url}/nowhere`);
      assert.equal(missing.status, 404);
      assert.equal((await missing.json()).error, 'Not Found', "Fastify's own not-found handler answered");
      const nested = await fetch(`${url}/oauth/register/a/b`);
      assert.equal(nested.status, 404);
      assert.equal((await nested.json()).error, 'Not Found');
    });
  });

  describe('registered under a prefix', () => {
    let url: string;
    let close: () => Promise<void>;
    before(async () => {
      ({ url, close } = await host({}, (app, base) => {
        app.register(toFastifyPlugin(registrarFor(`${base}/auth`)), { prefix: '/auth' });
      }));
    });
    after(() => close());

    it('serves the paths the issuer gives', async () => {
      const { status, json } = await register(url, GOOD, { path: '/auth/oauth/register' });
      assert.equal(status, 201);
      const read = await fetch(json.registration_client_uri as string, {
        headers: { authorization: `Bearer ${json.registration_access_token}` },
      });
      assert.equal(read.status, 200);
    });
  });

  it('refuses a prefix the registration path does not start with', async () => {
    const app = Fastify();
    app.register(toFastifyPlugin(registrarFor('http://127.0.0.1/as')), { prefix: '/elsewhere' });
    await assert.rejects(async () => {
      await app.ready();
    }, TypeError);
    await app.close();
  });

  it('refuses discoveryEnabled under a prefix, since the well-known paths start at the root', async () => {
    const app = Fastify();
    app.register(toFastifyPlugin(registrarFor('http://127.0.0.1/auth', true, true)), { prefix: '/auth' });
    await assert.rejects(
      async () => {
        await app.ready();
      },
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(
          error.message,
          /discoveryEnabled serves "\/\.well-known\/oauth-authorization-server\/auth"/,
        );
        return true;
      },
    );
    await app.close();
  });

  it('declares no discovery route while discoveryEnabled is off, so the host may', async () => {
    const { url, close } = await host({}, (app, base) => {
      app.register(toFastifyPlugin(registrarFor(base)));
      app.get('/.well-known/oauth-authorization-server', async () => ({ from: 'host' }));
    });
    try {
      const response = await fetch(`${url}/.well-known/oauth-authorization-server`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { from: 'host' });
    } finally {
      await close();
    }
  });

  it('declares no registration route while registration is disabled, so the host may', async () => {
    const { url, close } = await host({}, (app, base) => {
      app.register(toFastifyPlugin(registrarFor(base, false)));
      app.post('/oauth/register', async () => ({ from: 'host' }));
    });
    try {
      const { status, json } = await register(url, GOOD);
      assert.equal(status, 200);
      assert.deepEqual(json, { from: 'host' });
    } finally {
      await close();
    }
  });
});
