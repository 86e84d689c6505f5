// The JSON nesting limit in every adapter, inside real host apps on loopback: Express with
// express.json() mounted first (the adapter gets a parsed value, which it must measure before
// serialising it again), Hono with c.req.json() read first (and with a parsed value in Hono's body
// cache, as older Hono versions keep one), Fastify, node:http and registrar.fetch. Every one answers a
// body nested too deep, on POST and PUT, with the 400 invalid_request a raw body gets, and a
// malformed one with the 400 a raw malformed body gets.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import express, { type ErrorRequestHandler } from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { toExpressMiddleware } from '../../../src/adapters/express.js';
import { toFastifyPlugin } from '../../../src/adapters/fastify.js';
import { toHonoMiddleware } from '../../../src/adapters/hono.js';
import { nodeCrypto, toNodeListener } from '../../../src/adapters/node.js';
import { MAX_JSON_DEPTH } from '../../../src/core/credentials/encoding.js';
import { createRegistrar, type Registrar } from '../../../src/registrar.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { memoryLogger, recordingStore, register } from '../../helpers/http.js';
import { type Listening, listenOnLoopback } from '../../helpers/listen.js';

const REDIRECT = ['https://client.example.org/cb'];
const TOO_DEEP = {
  error: 'invalid_request',
  error_description: `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
};

/** A registration whose unknown member `x_ext` nests `levels` arrays, so the body is `levels + 1` deep. */
function body(levels: number, extra: Record<string, unknown> = {}): string {
  const nested = `${'['.repeat(levels)}0${']'.repeat(levels)}`;
  return JSON.stringify({ redirect_uris: REDIRECT, x_ext: '__nested__', ...extra }).replace(
    '"__nested__"',
    nested,
  );
}

type Mount = (registrar: Registrar, listening: Listening) => Promise<() => Promise<void>>;

const HOSTS: readonly [string, Mount][] = [
  [
    'Express with express.json() first',
    async (registrar, { server }) => {
      const app = express();
      app.use(express.json({ limit: '1mb' }));
      app.use(toExpressMiddleware(registrar));
      const hostErrors: ErrorRequestHandler = (error, _req, res, _next) => {
        res.status(599).json({ host_error: (error as Error).message });
      };
      app.use(hostErrors);
      server.on('request', app);
      return async () => {};
    },
  ],
  [
    'Hono with c.req.json() read first',
    async (registrar, { server }) => {
      const app = new Hono();
      app.use(async (c, next) => {
        // A host that reads the body as JSON and leaves a malformed one to Registrar.
        if (c.req.method !== 'GET') await c.req.json().catch(() => undefined);
        await next();
      });
      app.use(toHonoMiddleware(registrar, { getConnInfo }));
      server.on('request', getRequestListener(app.fetch));
      return async () => {};
    },
  ],
  [
    'Hono with a parsed value in its body cache',
    async (registrar, { server }) => {
      const app = new Hono();
      app.use(async (c, next) => {
        if (c.req.method !== 'GET') {
          const parsed = c.req.raw.json();
          parsed.catch(() => undefined);
          c.req.bodyCache.json = parsed;
        }
        await next();
      });
      app.use(toHonoMiddleware(registrar, { getConnInfo }));
      server.on('request', getRequestListener(app.fetch));
      return async () => {};
    },
  ],
  [
    'Fastify',
    async (registrar, { server }) => {
      const app = Fastify({
        serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
          server.on('request', handler);
          return server;
        },
      });
      await app.register(toFastifyPlugin(registrar));
      await app.ready();
      return () => app.close();
    },
  ],
  [
    'node:http',
    async (registrar, { server }) => {
      server.on('request', toNodeListener(registrar));
      return async () => {};
    },
  ],
  [
    'registrar.fetch',
    async (registrar, { server }) => {
      server.on(
        'request',
        getRequestListener((request) => registrar.fetch(request)),
      );
      return async () => {};
    },
  ],
];

for (const [name, mount] of HOSTS) {
  describe(`nesting depth through ${name}`, () => {
    let listening: Listening;
    let release: () => Promise<void>;
    const store = recordingStore(createMemoryStore());
    before(async () => {
      listening = await listenOnLoopback();
      const registrar = createRegistrar({
        issuer: listening.url,
        registrationEnabled: true,
        registration: store,
        logger: memoryLogger(),
        crypto: nodeCrypto,
        rateLimit: false,
      });
      release = await mount(registrar, listening);
    });
    after(async () => {
      await listening.close();
      await release();
    });

    it('refuses a POST nested 5,000 levels deep with 400 invalid_request, before the store', async () => {
      const calls = store.calls.length;
      const { status, json } = await register(listening.url, body(5000));
      assert.equal(status, 400, JSON.stringify(json));
      assert.deepEqual(json, TOO_DEEP);
      assert.equal(store.calls.length, calls);
    });

    it('answers a malformed body with 400 invalid_request', async () => {
      const { status, json } = await register(listening.url, '{"redirect_uris": [');
      assert.equal(status, 400, JSON.stringify(json));
      assert.deepEqual(json, {
        error: 'invalid_request',
        error_description: 'The request body is not valid JSON.',
      });
    });

    it('takes a body exactly MAX_JSON_DEPTH deep and refuses one level more, on POST and PUT', async () => {
      const created = await register(listening.url, body(MAX_JSON_DEPTH - 1));
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.deepEqual((await register(listening.url, body(MAX_JSON_DEPTH))).json, TOO_DEEP);
      const put = (text: string, token: string) =>
        fetch(created.json.registration_client_uri as string, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: text,
        });
      const clientId = created.json.client_id as string;
      const refused = await put(
        body(5000, { client_id: clientId }),
        created.json.registration_access_token as string,
      );
      assert.equal(refused.status, 400);
      assert.deepEqual(await refused.json(), TOO_DEEP);
      const updated = await put(
        body(MAX_JSON_DEPTH - 1, { client_id: clientId }),
        created.json.registration_access_token as string,
      );
      assert.equal(updated.status, 200);
    });
  });
}
