// Client ID Metadata Documents (docs/client-id-metadata-documents.md) through registrar.resolveClient:
// documents served by a real TLS server on loopback and fetched through the
// safe fetcher; every bad URL, bad document and bad address with its exact
// error; caching within bounds, failures never cached.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { resolveConfig } from '../../src/core/config/resolve-config.js';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { isClientIdUrl } from '../../src/core/host/client-document.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import { discoveryDocument } from '../../src/core/host/discovery.js';
import { OutboundFetchError } from '../../src/core/ports/outbound-fetch.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { ENDPOINT_FLAGS, startServe } from '../helpers/cli.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';
import { rejectionOf } from '../helpers/rejection.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  type Sinkhole,
  startHttpsServer,
  startSinkhole,
  tableResolver,
} from '../helpers/tls.js';

interface Route {
  status?: number;
  headers?: Record<string, string>;
  body: string | Uint8Array;
}

const T0 = 1_700_000_000_000;

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ClientResolutionError);

describe('Client ID Metadata Documents', () => {
  const routes = new Map<string, Route>();
  let docs: HttpsTestServer;
  let sink: Sinkhole;
  let server: TestServer;
  let clock = T0;
  const origin = () => `https://client.test:${docs.port}`;
  const url = (path: string) => `${origin()}${path}`;
  const requestsFor = (path: string) => docs.requests.filter((request) => request.path === path).length;
  const serve = (path: string, route: Route) => routes.set(path, route);
  const serveJson = (path: string, document: unknown, headers: Record<string, string> = {}) =>
    serve(path, {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(document),
    });
  const validDocument = (path: string, extra: Record<string, unknown> = {}) => ({
    client_id: url(path),
    client_name: 'Example MCP client',
    redirect_uris: ['http://127.0.0.1:33418/callback', 'https://app.example/cb'],
    ...extra,
  });

  before(async () => {
    sink = await startSinkhole();
    docs = await startHttpsServer((req, res) => {
      const route = routes.get(req.url ?? '');
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(route.status ?? 200, route.headers ?? {}).end(route.body);
    });
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      clientIdMetadataDocuments: { enabled: true, cacheMinSeconds: 60, cacheMaxSeconds: 600 },
      fetch: {
        ...loopbackFetchOptions(
          tableResolver({
            'client.test': '127.0.0.1',
            'metadata.test': '169.254.169.254',
            'lan.test': '192.168.1.20',
          }),
        ),
        timeoutMs: 2000,
      },
      now: () => clock,
    });
  });
  beforeEach(() => {
    clock += 1_000_000;
  });
  after(async () => {
    await server.close();
    await docs.close();
    await sink.close();
  });

  it('resolves a document into validated metadata with defaults', async () => {
    serveJson('/client.json', validDocument('/client.json'));
    const resolved = await server.registrar.resolveClient(url('/client.json'));
    assert.equal(resolved.source, 'metadata_document');
    assert.equal(resolved.clientId, url('/client.json'));
    assert.deepEqual(resolved.metadata.redirect_uris, validDocument('/client.json').redirect_uris);
    assert.equal(resolved.metadata.client_name, 'Example MCP client');
    // A document cannot establish a secret, so the absent method means none.
    assert.equal(resolved.metadata.token_endpoint_auth_method, 'none');
    assert.deepEqual(resolved.metadata.grant_types, ['authorization_code']);
    assert.deepEqual(resolved.metadata.response_types, ['code']);
    assert.equal(resolved.metadata.application_type, 'web');
    assert.equal(resolved.metadata.id_token_signed_response_alg, 'RS256');
    assert.ok(!('client_id' in resolved.metadata));
    assert.equal(docs.requests.at(-1)?.headers.accept, 'application/json');
  });

  it('accepts a document using private_key_jwt with its keys, and with a query in its URL', async () => {
    const path = '/client.json?v=2';
    serveJson(
      path,
      validDocument(path, {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] },
      }),
    );
    const resolved = await server.registrar.resolveClient(url(path));
    assert.equal(resolved.metadata.token_endpoint_auth_method, 'private_key_jwt');
  });

  it('settles the lists a document offers (RP Metadata Choices) into single values', async () => {
    serveJson(
      '/choices.json',
      validDocument('/choices.json', {
        id_token_signing_alg_values_supported: ['EdDSA', 'HS256', 'PS256'],
        userinfo_signing_alg_values_supported: ['ES256'],
      }),
    );
    const resolved = await server.registrar.resolveClient(url('/choices.json'));
    // The server's order (RS256, PS256, ES256, EdDSA) decides, not the document's.
    assert.equal(resolved.metadata.id_token_signed_response_alg, 'PS256');
    assert.equal(resolved.metadata.userinfo_signed_response_alg, 'ES256');
    assert.ok(!('id_token_signing_alg_values_supported' in resolved.metadata));
    assert.ok(!('userinfo_signing_alg_values_supported' in resolved.metadata));
  });

  it('accepts a document up to the 5 KB cap', async () => {
    const document = validDocument('/large.json', { client_name: '' });
    document.client_name = 'n'.repeat(5120 - JSON.stringify(document).length);
    serveJson('/large.json', document);
    assert.equal(JSON.stringify(document).length, 5120);
    const resolved = await server.registrar.resolveClient(url('/large.json'));
    assert.equal((resolved.metadata.client_name as string).length, document.client_name.length);
  });

  describe('caching', () => {
    const cases: [name: string, headers: Record<string, string>, seconds: number][] = [
      ['no Cache-Control: the lower bound', {}, 60],
      ['max-age inside the bounds', { 'cache-control': 'public, max-age=120' }, 120],
      ['max-age below the lower bound', { 'cache-control': 'max-age=5' }, 60],
      ['max-age above the upper bound', { 'cache-control': 'max-age=999999' }, 600],
      ['no-store: the lower bound', { 'cache-control': 'no-store' }, 60],
    ];
    cases.forEach(([name, headers, seconds], index) => {
      it(name, async () => {
        const path = `/cached-${index}.json`;
        serveJson(path, validDocument(path), headers);
        const first = await server.registrar.resolveClient(url(path));
        assert.equal(
          first.source === 'metadata_document' && first.cachedUntil,
          Math.floor(clock / 1000) + seconds,
        );
        clock += (seconds - 1) * 1000;
        await server.registrar.resolveClient(url(path));
        assert.equal(requestsFor(path), 1, 'served from the cache');
        clock += 2000;
        await server.registrar.resolveClient(url(path));
        assert.equal(requestsFor(path), 2, 'fetched again after expiry');
      });
    });

    it('never caches a failure', async () => {
      serve('/flaky.json', { status: 503, body: '' });
      const failed = await rejection(server.registrar.resolveClient(url('/flaky.json')));
      assert.equal(failed.code, 'document_unavailable');
      serveJson('/flaky.json', { client_id: 'https://someone.else/client.json' });
      assert.equal(
        (await rejection(server.registrar.resolveClient(url('/flaky.json')))).code,
        'invalid_document',
      );
      serveJson('/flaky.json', validDocument('/flaky.json'));
      const resolved = await server.registrar.resolveClient(url('/flaky.json'));
      assert.equal(resolved.clientId, url('/flaky.json'));
      assert.equal(requestsFor('/flaky.json'), 3);
    });

    it('shares one fetch between concurrent resolutions', async () => {
      serveJson('/concurrent.json', validDocument('/concurrent.json'));
      const results = await Promise.all(
        Array.from({ length: 5 }, () => server.registrar.resolveClient(url('/concurrent.json'))),
      );
      assert.equal(results.length, 5);
      assert.equal(requestsFor('/concurrent.json'), 1);
    });
  });

  describe('refuses client_id URLs that break the rules, fetching nothing', () => {
    const cases: [name: string, clientId: () => string, message: string][] = [
      ['a fragment', () => url('/client.json#me'), 'The client_id URL must not contain a fragment.'],
      ['an empty fragment', () => url('/client.json#'), 'The client_id URL must not contain a fragment.'],
      [
        'a user name',
        () => `https://user@client.test:${docs.port}/client.json`,
        'The client_id URL must not contain user information.',
      ],
      [
        'a user name and password',
        () => `https://user:pw@client.test:${docs.port}/client.json`,
        'The client_id URL must not contain user information.',
      ],
      ['no path', () => origin(), "The client_id URL must have a path other than '/'."],
      ['the root path', () => `${origin()}/`, "The client_id URL must have a path other than '/'."],
      [
        'a root path with a query',
        () => `${origin()}/?a=1`,
        "The client_id URL must have a path other than '/'.",
      ],
      [
        'a double-dot segment',
        () => url('/a/../client.json'),
        'The client_id URL must not contain dot segments.',
      ],
      [
        'a single-dot segment',
        () => url('/./client.json'),
        'The client_id URL must not contain dot segments.',
      ],
      [
        'a trailing dot segment',
        () => url('/client.json/..'),
        'The client_id URL must not contain dot segments.',
      ],
      [
        'an encoded double-dot segment',
        () => url('/a/%2e%2E/client.json'),
        'The client_id URL must not contain dot segments.',
      ],
      [
        'a half-encoded dot segment',
        () => url('/a/.%2e/x'),
        'The client_id URL must not contain dot segments.',
      ],
      [
        'an upper-case scheme',
        () => `HTTPS://client.test:${docs.port}/client.json`,
        "The client_id URL must start with 'https://'.",
      ],
      [
        'a scheme without slashes',
        () => `https:client.test:${docs.port}/client.json`,
        "The client_id URL must start with 'https://'.",
      ],
      [
        'an upper-case host',
        () => `https://CLIENT.test:${docs.port}/client.json`,
        'The client_id URL must be in normalised form, as a URL parser writes it back.',
      ],
      [
        'the default port written out',
        () => 'https://client.test:443/client.json',
        'The client_id URL must be in normalised form, as a URL parser writes it back.',
      ],
      [
        'an unencoded character the parser would encode',
        () => url('/client"x".json'),
        'The client_id URL must be in normalised form, as a URL parser writes it back.',
      ],
      [
        'whitespace',
        () => url('/client .json'),
        'The client_id URL contains whitespace or a control character.',
      ],
      [
        'a control character',
        () => url('/client\u0000.json'),
        'The client_id URL contains whitespace or a control character.',
      ],
      [
        'an over-long URL',
        () => url(`/${'x'.repeat(2100)}`),
        'The client_id URL is longer than 2048 characters.',
      ],
      ['an unparseable URL', () => 'https://[::1/client.json', 'The client_id URL is not a valid URL.'],
    ];
    for (const [name, clientId, message] of cases) {
      it(name, async () => {
        const before = docs.requests.length;
        const error = await rejection(server.registrar.resolveClient(clientId()));
        assert.equal(error.code, 'invalid_client_id');
        assert.equal(error.message, message);
        assert.equal(docs.requests.length, before);
      });
    }
  });

  describe('refuses bad documents and bad addresses with the exact error', () => {
    const cases: {
      name: string;
      path: string;
      route?: (path: string) => Route;
      clientId?: () => string;
      code: string;
      message: string;
    }[] = [
      {
        name: 'a 404',
        path: '/missing.json',
        code: 'document_unavailable',
        message: 'The client metadata document answered with HTTP status 404; 200 is required.',
      },
      {
        name: 'a 201',
        path: '/created.json',
        route: (path) => ({ status: 201, body: JSON.stringify(validDocument(path)) }),
        code: 'document_unavailable',
        message: 'The client metadata document answered with HTTP status 201; 200 is required.',
      },
      {
        name: 'a redirect, which is not followed',
        path: '/moved.json',
        route: () => ({
          status: 302,
          headers: { location: `https://127.0.0.1:${sink.port}/client.json` },
          body: '',
        }),
        code: 'document_unavailable',
        message: 'The client metadata document answered with HTTP status 302; 200 is required.',
      },
      {
        name: 'a document over 5 KB',
        path: '/huge.json',
        route: (path) => ({ body: JSON.stringify(validDocument(path, { client_name: 'n'.repeat(6000) })) }),
        code: 'document_unavailable',
        message: 'The client metadata document could not be fetched: the response is larger than allowed.',
      },
      {
        name: 'a host resolving to the cloud metadata address',
        path: '/client.json',
        clientId: () => 'https://metadata.test/client.json',
        code: 'document_unavailable',
        message:
          'The client metadata document could not be fetched: its host is not a publicly reachable address.',
      },
      {
        name: 'a host resolving to a private address',
        path: '/client.json',
        clientId: () => 'https://lan.test/client.json',
        code: 'document_unavailable',
        message:
          'The client metadata document could not be fetched: its host is not a publicly reachable address.',
      },
      {
        name: 'a literal private address',
        path: '/client.json',
        clientId: () => 'https://10.0.0.8/client.json',
        code: 'document_unavailable',
        message:
          'The client metadata document could not be fetched: its host is not a publicly reachable address.',
      },
      {
        name: 'a decimal spelling of the metadata address',
        path: '/client.json',
        clientId: () => 'https://2852039166/client.json',
        code: 'invalid_client_id',
        message: 'The client_id URL must be in normalised form, as a URL parser writes it back.',
      },
      {
        name: 'an IPv4-mapped IPv6 metadata address',
        path: '/client.json',
        clientId: () => 'https://[::ffff:a9fe:a9fe]/client.json',
        code: 'document_unavailable',
        message:
          'The client metadata document could not be fetched: its host is not a publicly reachable address.',
      },
      {
        name: 'a unique-local IPv6 address',
        path: '/client.json',
        clientId: () => 'https://[fd00::5]/client.json',
        code: 'document_unavailable',
        message:
          'The client metadata document could not be fetched: its host is not a publicly reachable address.',
      },
      {
        name: 'a host that does not resolve',
        path: '/client.json',
        clientId: () => 'https://unknown.test/client.json',
        code: 'document_unavailable',
        message: 'The client metadata document could not be fetched: its host name could not be resolved.',
      },
      {
        name: 'a body that is not JSON',
        path: '/html.json',
        route: () => ({ body: '<html></html>' }),
        code: 'invalid_document',
        message: 'The client metadata document is not valid JSON.',
      },
      {
        name: 'a body that is not UTF-8',
        path: '/latin1.json',
        route: (path) => ({
          body: Buffer.from(`{"client_id":"${url(path)}","client_name":"caf\u00e9"}`, 'latin1'),
        }),
        code: 'invalid_document',
        message: 'The client metadata document is not valid JSON.',
      },
      {
        name: 'a JSON array',
        path: '/array.json',
        route: () => ({ body: '[]' }),
        code: 'invalid_document',
        message: 'The client metadata document must be a JSON object.',
      },
      {
        name: 'JSON null',
        path: '/null.json',
        route: () => ({ body: 'null' }),
        code: 'invalid_document',
        message: 'The client metadata document must be a JSON object.',
      },
      {
        name: 'a different client_id',
        path: '/other.json',
        route: () => ({ body: JSON.stringify(validDocument('/client.json')) }),
        code: 'invalid_document',
        message: 'The client_id in the client metadata document does not equal its URL.',
      },
      {
        name: 'a client_id differing only in case',
        path: '/case.json',
        route: (path) => ({
          body: JSON.stringify({ ...validDocument(path), client_id: url(path).toUpperCase() }),
        }),
        code: 'invalid_document',
        message: 'The client_id in the client metadata document does not equal its URL.',
      },
      {
        name: 'no client_id',
        path: '/anonymous.json',
        route: (path) => ({ body: JSON.stringify({ ...validDocument(path), client_id: undefined }) }),
        code: 'invalid_document',
        message: 'The client_id in the client metadata document does not equal its URL.',
      },
      {
        name: 'a client_secret',
        path: '/secret.json',
        route: (path) => ({ body: JSON.stringify(validDocument(path, { client_secret: 'shh' })) }),
        code: 'invalid_document',
        message: 'The client metadata document must not carry client_secret.',
      },
      {
        name: 'a client_secret_expires_at',
        path: '/secret-expiry.json',
        route: (path) => ({ body: JSON.stringify(validDocument(path, { client_secret_expires_at: 0 })) }),
        code: 'invalid_document',
        message: 'The client metadata document must not carry client_secret_expires_at.',
      },
      ...['client_secret_basic', 'client_secret_post', 'client_secret_jwt'].map((method) => ({
        name: `the shared-secret method ${method}`,
        path: `/${method}.json`,
        route: (path: string) => ({
          body: JSON.stringify(validDocument(path, { token_endpoint_auth_method: method })),
        }),
        code: 'invalid_document',
        message: `The client metadata document must not use the shared-secret method '${method}'.`,
      })),
      {
        name: 'a javascript: redirect URI',
        path: '/script.json',
        route: (path) => ({
          body: JSON.stringify(validDocument(path, { redirect_uris: ['javascript:alert(1)'] })),
        }),
        code: 'invalid_document',
        message:
          "The client metadata document is invalid: An entry of redirect_uris uses the forbidden scheme 'javascript'.",
      },
      {
        name: 'a redirect URI with a fragment',
        path: '/fragment.json',
        route: (path) => ({
          body: JSON.stringify(validDocument(path, { redirect_uris: ['https://app.example/cb#x'] })),
        }),
        code: 'invalid_document',
        message: 'The client metadata document is invalid: An entry of redirect_uris contains a fragment.',
      },
      {
        name: 'an http redirect URI on a public host',
        path: '/plain-http.json',
        route: (path) => ({
          body: JSON.stringify(validDocument(path, { redirect_uris: ['http://app.example/cb'] })),
        }),
        code: 'invalid_document',
        message:
          'The client metadata document is invalid: An entry of redirect_uris uses http on a host other than loopback; use https.',
      },
      {
        name: 'no redirect URIs',
        path: '/no-redirects.json',
        route: (path) => ({ body: JSON.stringify({ client_id: url(path) }) }),
        code: 'invalid_document',
        message:
          'The client metadata document is invalid: redirect_uris is required and must not be empty for the authorization_code and implicit grants.',
      },
      {
        name: 'private_key_jwt without keys',
        path: '/keyless.json',
        route: (path) => ({
          body: JSON.stringify(validDocument(path, { token_endpoint_auth_method: 'private_key_jwt' })),
        }),
        code: 'invalid_document',
        message:
          "The client metadata document is invalid: token_endpoint_auth_method 'private_key_jwt' needs jwks or jwks_uri.",
      },
      {
        name: 'an OpenID Connect member breaking its rule',
        path: '/oidc.json',
        route: (path) => ({ body: JSON.stringify(validDocument(path, { default_max_age: -5 })) }),
        code: 'invalid_document',
        message:
          'The client metadata document is invalid: default_max_age must be a non-negative integer number of seconds.',
      },
      {
        name: 'a sector identifier document that lacks a redirect URI',
        path: '/sector-client.json',
        route: (path) => {
          serveJson('/sector.json', ['https://app.example/cb']);
          return {
            body: JSON.stringify(
              validDocument(path, {
                redirect_uris: ['https://app.example/cb', 'https://other.example/cb'],
                sector_identifier_uri: url('/sector.json'),
              }),
            ),
          };
        },
        code: 'invalid_document',
        message:
          "The client metadata document is invalid: The sector_identifier_uri document does not list the redirect URI 'https://other.example/cb'.",
      },
      {
        name: 'a document whose list offers nothing the server supports',
        path: '/no-choice.json',
        route: (path) => ({
          body: JSON.stringify(validDocument(path, { id_token_signing_alg_values_supported: ['HS256'] })),
        }),
        code: 'invalid_document',
        message:
          'The client metadata document is invalid: id_token_signing_alg_values_supported offers no algorithm this server supports.',
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        if (testCase.route) serve(testCase.path, testCase.route(testCase.path));
        const clientId = testCase.clientId?.() ?? url(testCase.path);
        const error = await rejection(server.registrar.resolveClient(clientId));
        assert.equal(error.code, testCase.code);
        assert.equal(error.message, testCase.message);
        assert.equal(sink.connections(), 0);
      });
    }
  });

  it('keeps the fetcher failure, which may name an address, as the private cause only', async () => {
    const error = await rejection(server.registrar.resolveClient('https://metadata.test/client.json'));
    assert.ok(error.cause instanceof OutboundFetchError);
    assert.equal(error.cause.code, 'forbidden_address');
    assert.match(error.cause.message, /169\.254\.169\.254/);
    assert.doesNotMatch(error.message, /169\.254/);
  });

  it('resolves a registered client from the store', async () => {
    const created = await register(server.url, {
      redirect_uris: ['https://app.example/cb'],
      client_name: 'Stored',
    });
    assert.equal(created.status, 201);
    const resolved = await server.registrar.resolveClient(created.json.client_id as string);
    assert.equal(resolved.source, 'registration');
    assert.equal(resolved.clientId, created.json.client_id);
    assert.equal(resolved.metadata.client_name, 'Stored');
    assert.ok(
      resolved.source === 'registration' && resolved.registration.client_id === created.json.client_id,
    );
  });

  it('answers unknown_client for an id the store does not hold', async () => {
    for (const clientId of ['no-such-client', '', 'http://client.test/client.json']) {
      const error = await rejection(server.registrar.resolveClient(clientId));
      assert.equal(error.code, 'unknown_client');
      assert.equal(error.message, 'The client is not registered.');
    }
  });

  it('never mints a client_id that starts with https://', async () => {
    for (let i = 0; i < 50; i++) {
      const { json } = await register(server.url, { redirect_uris: ['https://app.example/cb'] });
      const clientId = json.client_id as string;
      assert.ok(!clientId.startsWith('https://'));
      assert.equal(isClientIdUrl(clientId), false);
    }
  });

  it('advertises client_id_metadata_document_supported in discovery', () => {
    assert.equal(server.registrar.metadata().client_id_metadata_document_supported, true);
    assert.equal(discoveryDocument(server.registrar.settings).client_id_metadata_document_supported, true);
  });
});

describe('Client ID Metadata Documents switched off', () => {
  it('looks URL client ids up in the store, fetches nothing, and does not advertise support', async () => {
    const docs = await startHttpsServer((_req, res) => res.writeHead(200).end('{}'));
    try {
      const registrar = createRegistrar({
        issuer: 'https://as.example.com',
        registration: createMemoryStore(),
        fetch: loopbackFetchOptions(),
      });
      const error = await rejection(registrar.resolveClient(`${docs.origin()}/client.json`));
      assert.equal(error.code, 'unknown_client');
      assert.equal(docs.requests.length, 0);
      assert.ok(!('client_id_metadata_document_supported' in registrar.metadata()));
    } finally {
      await docs.close();
    }
  });
});

describe('registrar serve with metadata documents enabled in its config file', () => {
  it('advertises client_id_metadata_document_supported in both discovery documents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-cimd-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ clientIdMetadataDocuments: { enabled: true, cacheMaxSeconds: 300 } }),
    );
    const served = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--config',
      config,
      ...ENDPOINT_FLAGS,
    ]);
    try {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const document = (await (await fetch(`${served.url}${path}`)).json()) as Record<string, unknown>;
        assert.equal(document.client_id_metadata_document_supported, true, path);
      }
    } finally {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveClient and the store', () => {
  it('maps StoreUnavailableError to temporarily_unavailable and other failures to server_error', async () => {
    const unavailable = createRegistrar({
      issuer: 'https://as.example.com',
      loadClient: () => {
        throw new StoreUnavailableError();
      },
      clientRegistration: () => null,
    });
    const down = await rejection(unavailable.resolveClient('abc'));
    assert.equal(down.code, 'temporarily_unavailable');
    assert.equal(down.message, 'The client store is temporarily unavailable.');
    const broken = createRegistrar({
      issuer: 'https://as.example.com',
      loadClient: () => ({ id: 'abc' }),
      clientRegistration: () => {
        throw new Error('disk on fire');
      },
    });
    const failed = await rejection(broken.resolveClient('abc'));
    assert.equal(failed.code, 'server_error');
    assert.equal(failed.message, 'The client could not be resolved.');
  });

  it('answers unknown_client when the store has no registration for a loaded client', async () => {
    const registrar = createRegistrar({
      issuer: 'https://as.example.com',
      loadClient: () => ({ id: 'abc' }),
      clientRegistration: () => null,
    });
    assert.equal((await rejection(registrar.resolveClient('abc'))).code, 'unknown_client');
  });

  it('is a TypeError to resolve a registered id without loadClient and clientRegistration', async () => {
    const registrar = createRegistrar({
      issuer: 'https://as.example.com',
      clientIdMetadataDocuments: { enabled: true },
    });
    await assert.rejects(registrar.resolveClient('abc'), TypeError);
    await assert.rejects(registrar.resolveClient(42 as unknown as string), TypeError);
  });
});

describe('configuration', () => {
  const issuer = 'https://as.example.com';
  const cases: [name: string, config: Record<string, unknown>, message: string][] = [
    [
      'cacheMinSeconds above cacheMaxSeconds',
      { clientIdMetadataDocuments: { enabled: true, cacheMinSeconds: 100, cacheMaxSeconds: 10 } },
      'clientIdMetadataDocuments.cacheMinSeconds must not exceed clientIdMetadataDocuments.cacheMaxSeconds.',
    ],
    [
      'a negative cacheMinSeconds',
      { clientIdMetadataDocuments: { enabled: true, cacheMinSeconds: -1 } },
      'clientIdMetadataDocuments.cacheMinSeconds must be a non-negative integer.',
    ],
    [
      'a zero document cap',
      { clientIdMetadataDocuments: { enabled: true, maxBytes: 0 } },
      'clientIdMetadataDocuments.maxBytes must be a positive integer.',
    ],
    [
      'a document cap above the fetch cap',
      { clientIdMetadataDocuments: { enabled: true, maxBytes: 10000 }, fetch: { maxBytes: 8000 } },
      'clientIdMetadataDocuments.maxBytes must not exceed fetch.maxBytes.',
    ],
    [
      'a non-boolean enabled',
      { clientIdMetadataDocuments: { enabled: 'yes' } },
      'clientIdMetadataDocuments.enabled must be a boolean.',
    ],
    ['a zero time cap', { fetch: { timeoutMs: 0 } }, 'fetch.timeoutMs must be a positive integer.'],
    ['a fractional size cap', { fetch: { maxBytes: 1.5 } }, 'fetch.maxBytes must be a positive integer.'],
    [
      'a non-boolean allowLoopback',
      { fetch: { allowLoopback: 'yes' } },
      'fetch.allowLoopback must be a boolean.',
    ],
  ];
  for (const [name, config, message] of cases) {
    it(`refuses ${name}`, () => {
      assert.throws(() => createRegistrar({ issuer, ...config }), { name: 'ConfigurationError', message });
    });
  }

  it('applies the documented defaults', () => {
    const { settings } = createRegistrar({ issuer });
    assert.deepEqual(settings.clientIdMetadataDocuments, {
      enabled: false,
      cacheMinSeconds: 60,
      cacheMaxSeconds: 3600,
      maxBytes: 5120,
      cacheMaxEntries: 1000,
      allowHosts: ['*'],
      denyHosts: [],
      allowConfidentialClients: true,
      requiredMembers: [],
      storedCopyMaxAgeSeconds: 86400,
    });
  });

  it('fails every outbound fetch closed when the core is used without a platform fetcher', async () => {
    const { settings } = resolveConfig({ issuer });
    await assert.rejects(settings.outboundFetch('https://example.com/doc.json'), {
      name: 'OutboundFetchError',
      code: 'network',
    });
  });
});
