// The trust policy for Client ID Metadata Documents and pre-registered documents
// (docs/client-id-metadata-documents.md#trust-policy, #pre-registered-documents):
// host patterns checked before any fetch, confidential document clients,
// required members, the cache's entry bound, the stored copy of an imported
// document standing in for a failed fetch within its maximum age, and
// client.metadata_changed when keys or redirect URIs change. Documents are
// served by a real TLS server on loopback; the stores are real.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RegistrarConfig } from '../../src/core/config/registrar-config.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import type { ClientRegistration } from '../../src/core/store/registration-store.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { runCommandAsync } from '../helpers/cli.js';
import { memoryLogger, startRegistrar, type TestServer } from '../helpers/http.js';
import { rejectionOf } from '../helpers/rejection.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  startHttpsServer,
  tableResolver,
  testCertificate,
} from '../helpers/tls.js';

interface Route {
  status: number;
  body: string;
}

const T0 = 1_700_000_000_000;
const KEY_A = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
const KEY_B = { kty: 'OKP', crv: 'Ed25519', x: 'l0kZ8bIJmGuYFa1cVEsIsvQxu9fIzk1R1ReqfQ6Pm6c' };

const refusal = (promise: Promise<unknown>) => rejectionOf(promise, ClientResolutionError);

describe('metadata document trust policy and pre-registered documents', () => {
  const routes = new Map<string, Route>();
  let docs: HttpsTestServer;
  let clock = T0;
  const servers: TestServer[] = [];
  const url = (host: string, path: string) => `https://${host}:${docs.port}${path}`;
  const fetchesOf = (path: string) => docs.requests.filter((request) => request.path === path).length;
  const document = (host: string, path: string, extra: Record<string, unknown> = {}) => ({
    client_id: url(host, path),
    client_name: 'Example MCP client',
    redirect_uris: ['http://127.0.0.1/callback'],
    ...extra,
  });
  const publish = (host: string, path: string, extra: Record<string, unknown> = {}) =>
    routes.set(path, { status: 200, body: JSON.stringify(document(host, path, extra)) });
  const withdraw = (path: string, status = 503) => routes.set(path, { status, body: 'down' });

  async function start(
    documents: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<TestServer & { events: RegistrarEvent[] }> {
    const events: RegistrarEvent[] = [];
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      clientIdMetadataDocuments: { enabled: true, cacheMinSeconds: 60, cacheMaxSeconds: 600, ...documents },
      fetch: loopbackFetchOptions(
        tableResolver({ 'client.test': '127.0.0.1', 'docs.test': '127.0.0.1', 'evil.test': '127.0.0.1' }),
      ),
      onEvent: (event) => {
        events.push(event);
      },
      now: () => clock,
      ...extra,
    });
    servers.push(server);
    return Object.assign(server, { events });
  }

  before(async () => {
    docs = await startHttpsServer((req, res) => {
      const route = routes.get(req.url ?? '');
      res
        .writeHead(route?.status ?? 404, {
          'content-type': 'application/json',
          'cache-control': 'max-age=60',
        })
        .end(route?.body ?? '');
    });
  });
  beforeEach(() => {
    clock += 1_000_000_000;
  });
  after(async () => {
    for (const server of servers) await server.close();
    await docs.close();
  });

  describe('host patterns, checked before any fetch', () => {
    it('refuses a denied host with document_not_allowed and fetches nothing', async () => {
      const { registrar } = await start({ denyHosts: ['evil.test'] });
      publish('evil.test', '/denied.json');
      const error = await refusal(registrar.resolveClient(url('evil.test', '/denied.json')));
      assert.equal(error.code, 'document_not_allowed');
      assert.match(error.message, /host/);
      assert.equal(fetchesOf('/denied.json'), 0);
      publish('client.test', '/other.json');
      assert.equal(
        (await registrar.resolveClient(url('client.test', '/other.json'))).source,
        'metadata_document',
      );
    });

    it('lets in only hosts an allowHosts pattern matches; a wildcard matches below the name, not the name', async () => {
      const { registrar } = await start({ allowHosts: ['client.test', '*.docs.test'] });
      publish('client.test', '/allowed.json');
      assert.equal(
        (await registrar.resolveClient(url('client.test', '/allowed.json'))).clientId,
        url('client.test', '/allowed.json'),
      );
      publish('docs.test', '/apex.json');
      assert.equal(
        (await refusal(registrar.resolveClient(url('docs.test', '/apex.json')))).code,
        'document_not_allowed',
      );
      assert.equal(fetchesOf('/apex.json'), 0);
    });

    it('lets a denied host stay out even when an allowHosts pattern matches it', async () => {
      const { registrar } = await start({ allowHosts: ['*'], denyHosts: ['client.test'] });
      publish('client.test', '/both.json');
      assert.equal(
        (await refusal(registrar.resolveClient(url('client.test', '/both.json')))).code,
        'document_not_allowed',
      );
      assert.equal(fetchesOf('/both.json'), 0);
    });

    it('refuses bad patterns at construction, naming the key', () => {
      const construct = (documents: Record<string, unknown>) => () =>
        createRegistrar({
          issuer: 'https://as.example',
          clientIdMetadataDocuments: { enabled: true, ...documents },
        } as RegistrarConfig);
      for (const allowHosts of [['Client.Test'], ['**'], ['https://client.test'], ['client.test:443'], [7]]) {
        assert.throws(construct({ allowHosts }), {
          name: 'ConfigurationError',
          message: /clientIdMetadataDocuments\.allowHosts/,
        });
      }
      assert.throws(construct({ denyHosts: 'evil.test' }), {
        message: /clientIdMetadataDocuments\.denyHosts/,
      });
      assert.throws(construct({ cacheMaxEntries: 0 }), {
        message: /clientIdMetadataDocuments\.cacheMaxEntries/,
      });
      assert.throws(construct({ allowHost: ['x.test'] }), { message: /allowHosts/ });
      assert.doesNotThrow(construct({ allowHosts: ['*', 'a.example', '*.b.example', '192.0.2.1'] }));
    });
  });

  describe('document content rules', () => {
    it('refuses a confidential document when allowConfidentialClients is false, and chooses none from a list', async () => {
      const { registrar } = await start({ allowConfidentialClients: false });
      publish('client.test', '/confidential.json', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [KEY_A] },
      });
      const error = await refusal(registrar.resolveClient(url('client.test', '/confidential.json')));
      assert.equal(error.code, 'invalid_document');
      assert.match(error.message, /private_key_jwt/);
      publish('client.test', '/choice.json', {
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
        jwks: { keys: [KEY_A] },
      });
      const resolved = await registrar.resolveClient(url('client.test', '/choice.json'));
      assert.equal(resolved.metadata.token_endpoint_auth_method, 'none');
    });

    it('still accepts a confidential document by default', async () => {
      const { registrar } = await start({});
      publish('client.test', '/pkjwt.json', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [KEY_A] },
      });
      const resolved = await registrar.resolveClient(url('client.test', '/pkjwt.json'));
      assert.equal(resolved.metadata.token_endpoint_auth_method, 'private_key_jwt');
    });

    it('refuses a document without a required member, naming it', async () => {
      const { registrar } = await start({ requiredMembers: ['client_name', 'logo_uri'] });
      publish('client.test', '/no-logo.json');
      const error = await refusal(registrar.resolveClient(url('client.test', '/no-logo.json')));
      assert.equal(error.code, 'invalid_document');
      assert.match(error.message, /logo_uri/);
      publish('client.test', '/logo.json', { logo_uri: 'https://client.test/logo.png' });
      assert.equal(
        (await registrar.resolveClient(url('client.test', '/logo.json'))).metadata.logo_uri,
        'https://client.test/logo.png',
      );
    });

    it('keeps at most cacheMaxEntries documents, dropping the least recently used', async () => {
      const { registrar } = await start({ cacheMaxEntries: 2 });
      for (const path of ['/lru-1.json', '/lru-2.json', '/lru-3.json']) publish('client.test', path);
      await registrar.resolveClient(url('client.test', '/lru-1.json'));
      await registrar.resolveClient(url('client.test', '/lru-2.json'));
      await registrar.resolveClient(url('client.test', '/lru-1.json'));
      await registrar.resolveClient(url('client.test', '/lru-3.json'));
      // lru-2 was the least recently used when lru-3 came in.
      await registrar.resolveClient(url('client.test', '/lru-1.json'));
      await registrar.resolveClient(url('client.test', '/lru-2.json'));
      assert.equal(fetchesOf('/lru-1.json'), 1);
      assert.equal(fetchesOf('/lru-2.json'), 2);
    });
  });

  describe('client.metadata_changed', () => {
    it('reports changed keys and redirect URIs of a document this process saw before, by name only', async () => {
      const server = await start({});
      const id = url('client.test', '/changing.json');
      publish('client.test', '/changing.json', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [KEY_A] },
      });
      await server.registrar.resolveClient(id);
      clock += 120_000;
      // The same members in another order are no change.
      routes.set('/changing.json', {
        status: 200,
        body: JSON.stringify({
          jwks: { keys: [{ x: KEY_A.x, crv: 'Ed25519', kty: 'OKP' }] },
          token_endpoint_auth_method: 'private_key_jwt',
          redirect_uris: ['http://127.0.0.1/callback'],
          client_name: 'Example MCP client',
          client_id: id,
        }),
      });
      await server.registrar.resolveClient(id);
      assert.equal(server.events.length, 0);
      clock += 120_000;
      publish('client.test', '/changing.json', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [KEY_B] },
        redirect_uris: ['http://127.0.0.1/callback', 'https://client.test/cb'],
        client_name: 'Renamed',
      });
      const resolved = await server.registrar.resolveClient(id);
      assert.equal(resolved.metadata.client_name, 'Renamed');
      assert.equal(server.events.length, 1);
      const [event] = server.events;
      assert.equal(event?.type, 'client.metadata_changed');
      assert.equal(event?.client_id, id);
      assert.equal(event?.time, Math.floor(clock / 1000));
      assert.deepEqual(event?.changed, ['redirect_uris', 'jwks']);
      assert.ok(!JSON.stringify(event).includes(KEY_B.x), 'the event names members, never values');
    });
  });

  describe('pre-registered documents', () => {
    it('imports a document as a client whose id is its URL, admitted past allowHosts, and not manageable', async () => {
      const server = await start({ allowHosts: [] });
      const id = url('client.test', '/imported.json');
      publish('client.test', '/imported.json');
      const unimported = url('client.test', '/unimported.json');
      publish('client.test', '/unimported.json');
      assert.equal((await refusal(server.registrar.resolveClient(unimported))).code, 'document_not_allowed');
      assert.equal(fetchesOf('/unimported.json'), 0);

      const registration = await server.registrar.importClientDocument(id);
      assert.equal(registration.client_id, id);
      assert.equal(registration.document_fetched_at, Math.floor(clock / 1000));
      assert.equal(registration.client_secret_hash, undefined);
      assert.deepEqual(registration.metadata.redirect_uris, ['http://127.0.0.1/callback']);
      assert.deepEqual(
        server.events.map((event) => event.type),
        ['client.registered'],
      );

      clock += 120_000;
      const resolved = await server.registrar.resolveClient(id);
      assert.equal(resolved.source, 'metadata_document');
      assert.ok(resolved.source === 'metadata_document' && resolved.preRegistered && !resolved.storedCopy);

      // RFC 7592 management of an imported document fails closed: nobody holds its token.
      const read = await fetch(`${server.url}/oauth/register/${encodeURIComponent(id)}`, {
        headers: { authorization: 'Bearer anything' },
      });
      assert.equal(read.status, 401);
      assert.equal((await read.json()).error, 'invalid_token');
    });

    it('serves the stored copy while the live document is unavailable, only within the maximum age, never for an invalid one', async () => {
      const logger = memoryLogger();
      const server = await start({ storedCopyMaxAgeSeconds: 3600 }, { logger });
      const id = url('client.test', '/flaky.json');
      publish('client.test', '/flaky.json');
      await server.registrar.importClientDocument(id);
      withdraw('/flaky.json');
      clock += 120_000;
      const fallback = await server.registrar.resolveClient(id);
      assert.ok(fallback.source === 'metadata_document' && fallback.storedCopy && fallback.preRegistered);
      assert.deepEqual(fallback.metadata.redirect_uris, ['http://127.0.0.1/callback']);
      assert.ok(
        logger.records.some(
          (record) => record.msg === 'metadata document unavailable; serving the stored copy',
        ),
      );

      // Within cacheMinSeconds the stored copy is served without another fetch.
      const before = fetchesOf('/flaky.json');
      await server.registrar.resolveClient(id);
      assert.equal(fetchesOf('/flaky.json'), before);

      // A document that answers but is invalid is refused, stored copy or not.
      clock += 120_000;
      routes.set('/flaky.json', { status: 200, body: '{"client_id":"https://elsewhere.test/x"}' });
      assert.equal((await refusal(server.registrar.resolveClient(id))).code, 'invalid_document');

      // Past the maximum age the stored copy no longer stands in.
      withdraw('/flaky.json', 500);
      clock += 3_600_000;
      assert.equal((await refusal(server.registrar.resolveClient(id))).code, 'document_unavailable');
    });

    it('replaces the stored copy with every good live fetch and reports a change against it', async () => {
      const store = createMemoryStore();
      const server = await start({}, { registration: store });
      const id = url('client.test', '/moving.json');
      publish('client.test', '/moving.json');
      await server.registrar.importClientDocument(id);
      clock += 120_000;
      publish('client.test', '/moving.json', { redirect_uris: ['http://127.0.0.1/other'] });
      await server.registrar.resolveClient(id);
      const stored = (await store.loadClient(id)) as ClientRegistration;
      assert.deepEqual(stored.metadata.redirect_uris, ['http://127.0.0.1/other']);
      assert.equal(stored.document_fetched_at, Math.floor(clock / 1000));
      assert.deepEqual(server.events.at(-1)?.changed, ['redirect_uris']);
    });

    it('refreshes on demand: the change is stored and reported; an unknown or unimported id is unknown_client', async () => {
      const store = createMemoryStore();
      const server = await start({}, { registration: store });
      const id = url('client.test', '/refreshed.json');
      publish('client.test', '/refreshed.json', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [KEY_A] },
      });
      await server.registrar.importClientDocument(id);
      publish('client.test', '/refreshed.json', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [KEY_B] },
      });
      const refreshed = await server.registrar.refreshClientDocument(id);
      assert.deepEqual(refreshed.metadata.jwks, { keys: [KEY_B] });
      assert.deepEqual(((await store.loadClient(id)) as ClientRegistration).metadata.jwks, { keys: [KEY_B] });
      assert.deepEqual(server.events.at(-1), {
        type: 'client.metadata_changed',
        client_id: id,
        time: Math.floor(clock / 1000),
        changed: ['jwks'],
      });
      // The refreshed copy is what the cache now serves.
      const fetches = fetchesOf('/refreshed.json');
      assert.deepEqual((await server.registrar.resolveClient(id)).metadata.jwks, { keys: [KEY_B] });
      assert.equal(fetchesOf('/refreshed.json'), fetches);

      assert.equal(
        (await refusal(server.registrar.refreshClientDocument(url('client.test', '/never.json')))).code,
        'unknown_client',
      );
      withdraw('/refreshed.json');
      assert.equal((await refusal(server.registrar.refreshClientDocument(id))).code, 'document_unavailable');
    });

    it('refuses to import a denied host, a bad URL, an unavailable or invalid document, and a second import', async () => {
      const store = createMemoryStore();
      const server = await start({ denyHosts: ['evil.test'] }, { registration: store });
      publish('evil.test', '/evil.json');
      assert.equal(
        (await refusal(server.registrar.importClientDocument(url('evil.test', '/evil.json')))).code,
        'document_not_allowed',
      );
      assert.equal(fetchesOf('/evil.json'), 0);
      assert.equal(
        (await refusal(server.registrar.importClientDocument('https://client.test/'))).code,
        'invalid_client_id',
      );
      withdraw('/gone.json', 404);
      assert.equal(
        (await refusal(server.registrar.importClientDocument(url('client.test', '/gone.json')))).code,
        'document_unavailable',
      );
      routes.set('/bad.json', { status: 200, body: '[]' });
      assert.equal(
        (await refusal(server.registrar.importClientDocument(url('client.test', '/bad.json')))).code,
        'invalid_document',
      );
      assert.equal((await store.listClients()).clients.length, 0, 'nothing was stored');
      publish('client.test', '/twice.json');
      await server.registrar.importClientDocument(url('client.test', '/twice.json'));
      assert.equal(
        (await refusal(server.registrar.importClientDocument(url('client.test', '/twice.json')))).code,
        'server_error',
      );
    });

    it('lets every instance on one store see the copy another stored', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'registrar-documents-'));
      try {
        const filename = join(dir, 'shared.db');
        const stores = [createSqliteStore({ filename }), createSqliteStore({ filename })];
        const first = await start({}, { registration: stores[0] });
        const second = await start({}, { registration: stores[1] });
        const id = url('client.test', '/shared.json');
        publish('client.test', '/shared.json');
        await first.registrar.importClientDocument(id);
        publish('client.test', '/shared.json', { redirect_uris: ['http://127.0.0.1/next'] });
        await first.registrar.refreshClientDocument(id);
        withdraw('/shared.json');
        const seen = await second.registrar.resolveClient(id);
        assert.ok(seen.source === 'metadata_document' && seen.storedCopy);
        assert.deepEqual(seen.metadata.redirect_uris, ['http://127.0.0.1/next']);
        for (const store of stores) await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('is not a client while documents are off', async () => {
      const store = createMemoryStore();
      const on = await start({}, { registration: store });
      const id = url('client.test', '/off.json');
      publish('client.test', '/off.json');
      await on.registrar.importClientDocument(id);
      const off = await start({ enabled: false }, { registration: store });
      assert.equal((await refusal(off.registrar.resolveClient(id))).code, 'unknown_client');
      await assert.rejects(off.registrar.importClientDocument(id), { name: 'TypeError', message: /enabled/ });
    });
  });

  describe('registrar clients import and refresh', () => {
    it('imports and refreshes through the command, with the config file serve reads', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'registrar-import-'));
      try {
        const database = join(dir, 'registrar.db');
        const config = join(dir, 'config.json');
        writeFileSync(
          config,
          JSON.stringify({
            clientIdMetadataDocuments: { enabled: true, denyHosts: ['evil.test'] },
            fetch: { allowLoopback: true, ca: testCertificate().cert },
          }),
        );
        const id = url('127.0.0.1', '/cli.json');
        publish('127.0.0.1', '/cli.json', { client_name: 'Command client' });
        const args = ['--store', `sqlite:${database}`, '--config', config];
        const imported = await runCommandAsync(['clients', 'import', id, ...args]);
        assert.equal(imported.status, 0, imported.stderr);
        assert.equal(imported.stdout.trim(), `Imported ${id} (Command client).`);

        publish('127.0.0.1', '/cli.json', {
          client_name: 'Command client',
          redirect_uris: ['http://127.0.0.1/new'],
        });
        const refreshed = await runCommandAsync(['clients', 'refresh', id, '--json', ...args]);
        assert.equal(refreshed.status, 0, refreshed.stderr);
        const shown = JSON.parse(refreshed.stdout) as Record<string, unknown>;
        assert.equal(shown.client_id, id);
        assert.deepEqual(shown.redirect_uris, ['http://127.0.0.1/new']);
        assert.equal(shown.has_registration_access_token, true);
        assert.ok(!refreshed.stdout.includes('sha256:'), 'no hash is printed');

        const store = createSqliteStore({ filename: database });
        try {
          const stored = (await store.loadClient(id)) as ClientRegistration;
          assert.deepEqual(stored.metadata.redirect_uris, ['http://127.0.0.1/new']);
        } finally {
          await store.close();
        }

        const unknown = await runCommandAsync([
          'clients',
          'refresh',
          url('127.0.0.1', '/none.json'),
          ...args,
        ]);
        assert.equal(unknown.status, 1);
        assert.match(unknown.stderr, /\(unknown_client\)/);
        const denied = await runCommandAsync(['clients', 'import', url('evil.test', '/x.json'), ...args]);
        assert.equal(denied.status, 1);
        assert.match(denied.stderr, /\(document_not_allowed\)/);
        const off = await runCommandAsync(['clients', 'import', id, '--store', `sqlite:${database}`]);
        assert.equal(off.status, 2);
        assert.match(off.stderr, /clientIdMetadataDocuments\.enabled/);
        const bare = await runCommandAsync(['clients', 'import', ...args]);
        assert.equal(bare.status, 2);
        assert.match(bare.stderr, /^registrar: missing required argument 'url'$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
