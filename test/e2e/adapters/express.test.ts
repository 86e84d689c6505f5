// The Express adapter inside real host apps: other routes and errors stay the host's, a mount path
// works, and the body checks hold whether or not a body parser ran before Registrar.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { toExpressMiddleware } from '../../../src/adapters/express.js';
import { nodeCrypto } from '../../../src/adapters/node.js';
import { createRegistrar } from '../../../src/registrar.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { memoryLogger, recordingStore, register } from '../../helpers/http.js';
import { type Listening, listenOnLoopback } from '../../helpers/listen.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Example' };

/** A host app: `setup` installs what the host puts before Registrar; errors end in the host's handler. */
async function host(
  setup: (app: Express) => void,
  options: { mountPath?: string } = {},
): Promise<Listening & { registerCalls: () => number }> {
  const listening = await listenOnLoopback();
  const store = recordingStore(createMemoryStore());
  const mountPath = options.mountPath ?? '';
  const registrar = createRegistrar({
    issuer: `${listening.url}${mountPath}`,
    registrationEnabled: true,
    registration: store,
    logger: memoryLogger(),
    crypto: nodeCrypto,
  });
  const app = express();
  setup(app);
  if (mountPath) app.use(mountPath, toExpressMiddleware(registrar));
  else app.use(toExpressMiddleware(registrar));
  app.get('/hello', (_req, res) => {
    res.json({ from: 'host' });
  });
  const hostErrors: ErrorRequestHandler = (error, _req, res, _next) => {
    res.status(599).json({ host_error: (error as { type?: string }).type ?? (error as Error).message });
  };
  app.use(hostErrors);
  listening.server.on('request', app);
  return {
    ...listening,
    registerCalls: () => store.calls.filter((call) => call.name === 'registerClient').length,
  };
}

describe('Express adapter', () => {
  describe('without a body parser', () => {
    let app: Awaited<ReturnType<typeof host>>;
    before(async () => {
      app = await host(() => {});
    });
    after(() => app.close());

    it('registers a client', async () => {
      const { status, json } = await register(app.url, GOOD);
      assert.equal(status, 201);
      assert.equal(json.registration_client_uri, `${app.url}/oauth/register/${json.client_id}`);
    });

    it("passes other paths on to the host's routes and its own 404", async () => {
      const hello = await fetch(`${app.url}/hello`);
      assert.equal(hello.status, 200);
      assert.deepEqual(await hello.json(), { from: 'host' });
      const missing = await fetch(`${app.url}/nowhere`);
      assert.equal(missing.status, 404);
      assert.match(
        missing.headers.get('content-type') ?? '',
        /^text\/html/,
        "Express's final handler answered",
      );
    });
  });

  describe('mounted under a path', () => {
    let app: Awaited<ReturnType<typeof host>>;
    before(async () => {
      app = await host(() => {}, { mountPath: '/auth' });
    });
    after(() => app.close());

    it('matches the original URL against the issuer path', async () => {
      const { status, json } = await register(app.url, GOOD, { path: '/auth/oauth/register' });
      assert.equal(status, 201);
      assert.equal(json.registration_client_uri, `${app.url}/auth/oauth/register/${json.client_id}`);
      const read = await fetch(json.registration_client_uri as string, {
        headers: { authorization: `Bearer ${json.registration_access_token}` },
      });
      assert.equal(read.status, 200);
      assert.equal((await read.json()).client_id, json.client_id);
    });
  });

  describe('after express.json() with a limit above 64 KiB', () => {
    let app: Awaited<ReturnType<typeof host>>;
    before(async () => {
      app = await host((parent) => {
        parent.use(express.json({ limit: '1mb' }));
        parent.use(express.urlencoded({ extended: false }));
      });
    });
    after(() => app.close());

    it('registers from the parsed body', async () => {
      const { status, json } = await register(app.url, { ...GOOD, 'client_name#ja-Jpan-JP': 'クライアント' });
      assert.equal(status, 201);
      assert.equal(json['client_name#ja-Jpan-JP'], 'クライアント');
    });

    it('updates a client from the parsed body (RFC 7592 §2.2)', async () => {
      const { json: created } = await register(app.url, GOOD);
      const response = await fetch(created.registration_client_uri as string, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${created.registration_access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ...GOOD, client_id: created.client_id, client_name: 'Renamed' }),
      });
      assert.equal(response.status, 200);
      assert.equal((await response.json()).client_name, 'Renamed');
    });

    const cases: { name: string; body: unknown; headers?: Record<string, string>; status: number }[] = [
      { name: 'a body over 64 KiB', body: { ...GOOD, pad: 'x'.repeat(70_000) }, status: 413 },
      { name: 'malformed JSON', body: '{"redirect_uris": [', status: 400 },
      { name: 'JSON that is not an object', body: '"hello"', status: 400 },
      {
        name: 'a form-encoded body the host parsed',
        body: 'redirect_uris=https%3A%2F%2Fclient.example.org%2Fcb',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 400,
      },
      {
        name: 'a charset the parser refuses before reading',
        body: JSON.stringify(GOOD).replace('Example', 'Ex\u00e4mple'),
        headers: { 'content-type': 'application/json; charset=latin1' },
        status: 201,
      },
    ];
    for (const testCase of cases) {
      it(`answers ${testCase.name} as Registrar does with no parser`, async () => {
        const callsBefore = app.registerCalls();
        const { status, headers, json } = await register(app.url, testCase.body, {
          headers: testCase.headers ?? {},
        });
        assert.equal(status, testCase.status, JSON.stringify(json));
        assert.equal(headers.get('cache-control'), 'no-store');
        if (status === 201) return;
        assert.equal(json.error, 'invalid_request');
        assert.equal(typeof json.error_description, 'string');
        assert.equal(app.registerCalls(), callsBefore, 'the store was not called');
      });
    }

    it("leaves a parser failure on the host's own paths to the host", async () => {
      const response = await fetch(`${app.url}/hello`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      });
      assert.equal(response.status, 599);
      assert.deepEqual(await response.json(), { host_error: 'entity.parse.failed' });
    });
  });

  describe('after express.json() with its default 100 KB limit', () => {
    let app: Awaited<ReturnType<typeof host>>;
    before(async () => {
      app = await host((parent) => parent.use(express.json()));
    });
    after(() => app.close());

    it('answers a body over the parser limit with 413 invalid_request', async () => {
      const { status, json } = await register(app.url, { ...GOOD, pad: 'x'.repeat(200_000) });
      assert.equal(status, 413);
      assert.equal(json.error, 'invalid_request');
    });
  });

  describe('after express.raw()', () => {
    let app: Awaited<ReturnType<typeof host>>;
    before(async () => {
      app = await host((parent) => parent.use(express.raw({ type: '*/*' })));
    });
    after(() => app.close());

    it('checks the exact bytes the parser kept', async () => {
      const { status, json } = await register(
        app.url,
        new Uint8Array([0x7b, 0x22, 0x61, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      );
      assert.equal(status, 400);
      assert.equal(json.error, 'invalid_request', 'invalid UTF-8 is refused as a malformed body');
      assert.equal((await register(app.url, GOOD)).status, 201);
    });
  });

  describe('behind host middleware that fails', () => {
    let app: Awaited<ReturnType<typeof host>>;
    before(async () => {
      app = await host((parent) =>
        parent.use((_req, _res, next) =>
          next(Object.assign(new Error('host says no'), { type: 'host.gate' })),
        ),
      );
    });
    after(() => app.close());

    it("leaves an error that is not a body parser's to the host", async () => {
      const { status, json } = await register(app.url, GOOD);
      assert.equal(status, 599);
      assert.deepEqual(json, { host_error: 'host.gate' });
      assert.equal(app.registerCalls(), 0);
    });
  });
});
