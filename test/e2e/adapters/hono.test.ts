// The Hono adapter inside real host apps: other routes and the 404 stay the host's, a base path
// works, a body that earlier middleware read still gets Registrar's checks, and the socket peer
// comes from the runtime's getConnInfo.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { toHonoMiddleware } from '../../../src/adapters/hono.js';
import { nodeCrypto } from '../../../src/adapters/node.js';
import type { RegistrarConfig } from '../../../src/core/config/registrar-config.js';
import { createRegistrar } from '../../../src/registrar.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { memoryLogger, register } from '../../helpers/http.js';
import { listenOnLoopback } from '../../helpers/listen.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Example' };

/** A Hono host on a listening server; `setup` builds the app from the server's base URL. */
async function host(setup: (url: string) => Hono): Promise<{ url: string; close: () => Promise<void> }> {
  const listening = await listenOnLoopback();
  listening.server.on('request', getRequestListener(setup(listening.url).fetch));
  return listening;
}

function registrarFor(issuer: string, extra: Partial<RegistrarConfig<unknown>> = {}) {
  return createRegistrar({
    issuer,
    registrationEnabled: true,
    registration: createMemoryStore(),
    logger: memoryLogger(),
    crypto: nodeCrypto,
    ...extra,
  });
}

describe('Hono adapter', () => {
  describe('in front of host routes, after middleware that reads the body', () => {
    let url: string;
    let close: () => Promise<void>;
    before(async () => {
      ({ url, close } = await host((base) => {
        const app = new Hono();
        // Host middleware that reads every POST body as text first, as a logger or signature check might.
        app.use(async (c, next) => {
          if (c.req.method === 'POST') c.header('x-body-length', String((await c.req.text()).length));
          await next();
        });
        app.use(toHonoMiddleware(registrarFor(base), { getConnInfo }));
        app.get('/hello', (c) => c.json({ from: 'host' }));
        return app;
      }));
    });
    after(() => close());

    it('registers a client from the body the host already read', async () => {
      const { status, json } = await register(url, GOOD);
      assert.equal(status, 201);
      assert.equal(json.registration_client_uri, `${url}/oauth/register/${json.client_id}`);
    });

    it('still applies the 64 KiB cap and the JSON checks', async () => {
      const tooLarge = await register(url, { ...GOOD, pad: 'x'.repeat(70_000) });
      assert.equal(tooLarge.status, 413);
      assert.equal(tooLarge.json.error, 'invalid_request');
      for (const body of ['{"redirect_uris": [', '[1,2]']) {
        const { status, json } = await register(url, body);
        assert.equal(status, 400);
        assert.equal(json.error, 'invalid_request');
      }
      const form = await register(url, 'a=b', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(form.status, 400);
      assert.equal(form.json.error, 'invalid_request');
    });

    it("leaves other paths to the host's routes and its 404", async () => {
      const hello = await fetch(`${url}/hello`);
      assert.deepEqual(await hello.json(), { from: 'host' });
      const missing = await fetch(`${url}/nowhere`);
      assert.equal(missing.status, 404);
      assert.equal(await missing.text(), '404 Not Found', "Hono's own not-found answered");
    });
  });

  describe('under a base path', () => {
    let url: string;
    let close: () => Promise<void>;
    before(async () => {
      ({ url, close } = await host((base) => {
        const app = new Hono().basePath('/auth');
        app.use(toHonoMiddleware(registrarFor(`${base}/auth`), { getConnInfo }));
        return app;
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

  describe('trusted proxies', () => {
    const proxied = { headers: { 'x-forwarded-proto': 'https' } };
    const config = { trustedProxies: ['127.0.0.1'] };

    it('counts X-Forwarded-Proto from a trusted peer that getConnInfo reports', async () => {
      const { url, close } = await host(() => {
        const app = new Hono();
        app.use(toHonoMiddleware(registrarFor('https://as.example.com', config), { getConnInfo }));
        return app;
      });
      try {
        assert.equal((await register(url, GOOD, proxied)).status, 201);
      } finally {
        await close();
      }
    });

    it('trusts no proxy when the peer is unknown', async () => {
      const { url, close } = await host(() => {
        const app = new Hono();
        app.use(toHonoMiddleware(registrarFor('https://as.example.com', config)));
        return app;
      });
      try {
        const { status, json } = await register(url, GOOD, proxied);
        assert.equal(status, 400);
        assert.equal(json.error, 'invalid_request');
      } finally {
        await close();
      }
    });
  });
});
