// RFC 7591 registration over real HTTP: the happy path, and every bad input of
// docs/architecture.md#a-registration and docs/behaviour.md in this slice answered with its status and code, without
// the store being called.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryStore } from '../../src/store/memory.js';
import { recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Example' };

describe('POST /oauth/register', () => {
  let server: TestServer;
  const store = recordingStore(createMemoryStore());
  const registerCalls = () => store.calls.filter((call) => call.name === 'registerClient').length;

  before(async () => {
    server = await startRegistrar({ registrationEnabled: true, registration: store });
  });
  after(() => server.close());

  it('registers a client with defaults, credentials and management members', async () => {
    const { status, headers, json } = await register(server.url, GOOD);
    assert.equal(status, 201);
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.equal(headers.get('pragma'), 'no-cache');
    assert.match(headers.get('content-type') ?? '', /^application\/json/);
    assert.match(json.client_id as string, /^[A-Za-z0-9_-]{22}$/);
    assert.match(json.client_secret as string, /^[A-Za-z0-9_-]{43}$/);
    assert.match(json.registration_access_token as string, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(json.client_secret_expires_at, 0);
    assert.equal(typeof json.client_id_issued_at, 'number');
    assert.deepEqual(json.grant_types, ['authorization_code']);
    assert.deepEqual(json.response_types, ['code']);
    assert.equal(json.application_type, 'web');
    assert.equal(json.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(json.client_name, 'Example');
    assert.equal(json.registration_client_uri, `${server.url}/oauth/register/${json.client_id}`);
  });

  it('hands the store hashes only, never the plaintext credentials', async () => {
    const before = store.calls.length;
    const { json } = await register(server.url, GOOD);
    const call = store.calls.slice(before).find((entry) => entry.name === 'registerClient');
    assert.ok(call);
    const stored = JSON.stringify(call.args);
    assert.ok(!stored.includes(json.client_secret as string));
    assert.ok(!stored.includes(json.registration_access_token as string));
    const attrs = call.args[0] as Record<string, unknown>;
    assert.match(attrs.client_secret_hash as string, /^sha256:[A-Za-z0-9_-]{43}$/);
    assert.match(attrs.registration_access_token_hash as string, /^sha256:[A-Za-z0-9_-]{43}$/);
    assert.ok(!('registration_client_uri' in attrs));
  });

  it('infers native for loopback and private-use redirect URIs and echoes it', async () => {
    const { status, json } = await register(server.url, {
      redirect_uris: ['http://127.0.0.1:33418/callback', 'com.example.app:/oauth2redirect'],
      token_endpoint_auth_method: 'none',
    });
    assert.equal(status, 201);
    assert.equal(json.application_type, 'native');
    assert.ok(!('client_secret' in json), 'a public client gets no secret');
    assert.ok(!('client_secret_expires_at' in json));
  });

  it('accepts http://localhost and [::1] loopback redirects', async () => {
    const { status } = await register(server.url, {
      redirect_uris: ['http://localhost:8080/cb', 'http://[::1]:9000/cb'],
    });
    assert.equal(status, 201);
  });

  it('lets a client_credentials client omit redirect_uris and response_types', async () => {
    const { status, json } = await register(server.url, { grant_types: ['client_credentials'] });
    assert.equal(status, 201);
    assert.deepEqual(json.response_types, []);
    assert.ok(!('redirect_uris' in json));
  });

  it('keeps language-tagged members with their keys exactly as sent', async () => {
    const { status, json } = await register(server.url, {
      ...GOOD,
      'client_name#ja-Jpan-JP': 'クライアント名',
      'tos_uri#en-US': 'https://client.example.org/tos',
    });
    assert.equal(status, 201);
    assert.equal(json['client_name#ja-Jpan-JP'], 'クライアント名');
    assert.equal(json['tos_uri#en-US'], 'https://client.example.org/tos');
  });

  it('drops unknown members and ignores server-owned members', async () => {
    const { status, json } = await register(server.url, {
      ...GOOD,
      client_id: 'chosen-by-client',
      client_secret: 'chosen-secret',
      client_id_issued_at: 1,
      client_secret_expires_at: 99,
      registration_access_token: 'chosen-token',
      registration_client_uri: 'https://evil.example/x',
      unknown_member: 'dropped',
    });
    assert.equal(status, 201);
    assert.notEqual(json.client_id, 'chosen-by-client');
    assert.notEqual(json.client_secret, 'chosen-secret');
    assert.notEqual(json.registration_access_token, 'chosen-token');
    assert.notEqual(json.client_id_issued_at, 1);
    assert.equal(json.client_secret_expires_at, 0);
    assert.equal(json.registration_client_uri, `${server.url}/oauth/register/${json.client_id}`);
    assert.ok(!('unknown_member' in json));
  });

  it('accepts a charset parameter on the media type, case-insensitively', async () => {
    const { status } = await register(server.url, GOOD, {
      headers: { 'content-type': 'Application/JSON; charset=UTF-8' },
    });
    assert.equal(status, 201);
  });

  it('treats null members as absent', async () => {
    const { status, json } = await register(server.url, { ...GOOD, client_uri: null, grant_types: null });
    assert.equal(status, 201);
    assert.deepEqual(json.grant_types, ['authorization_code']);
    assert.ok(!('client_uri' in json));
  });

  describe('refuses bad input without calling the store', () => {
    const cases: {
      name: string;
      body: unknown;
      status?: number;
      error: string;
      headers?: Record<string, string>;
    }[] = [
      { name: 'malformed JSON', body: '{"redirect_uris": [', error: 'invalid_request' },
      { name: 'JSON that is an array', body: '[1,2]', error: 'invalid_request' },
      { name: 'JSON that is a string', body: '"hello"', error: 'invalid_request' },
      { name: 'JSON null', body: 'null', error: 'invalid_request' },
      {
        name: 'invalid UTF-8',
        body: new Uint8Array([0x7b, 0x22, 0x61, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
        error: 'invalid_request',
      },
      {
        name: 'a form-encoded body',
        body: 'redirect_uris=https%3A%2F%2Fclient.example.org%2Fcb',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        error: 'invalid_request',
      },
      {
        name: 'a missing content type',
        body: JSON.stringify(GOOD),
        headers: { 'content-type': '' },
        error: 'invalid_request',
      },
      {
        name: 'a body over 64 KiB',
        body: JSON.stringify({ ...GOOD, pad: 'x'.repeat(70_000) }),
        status: 413,
        error: 'invalid_request',
      },
      { name: 'missing redirect_uris', body: { client_name: 'x' }, error: 'invalid_redirect_uri' },
      { name: 'empty redirect_uris', body: { redirect_uris: [] }, error: 'invalid_redirect_uri' },
      {
        name: 'redirect_uris not an array',
        body: { redirect_uris: 'https://a.example/cb' },
        error: 'invalid_redirect_uri',
      },
      {
        name: '101 redirect URIs',
        body: { redirect_uris: Array.from({ length: 101 }, (_, i) => `https://client.example.org/cb${i}`) },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a redirect URI over 2 KiB',
        body: { redirect_uris: [`https://a.example/${'x'.repeat(2100)}`] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'javascript: in mixed case',
        body: { redirect_uris: ['JavaScript:alert(1)'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'javascript://host/%0a',
        body: { redirect_uris: ['javascript://example.com/%0aalert(1)'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'data:',
        body: { redirect_uris: ['data:text/html,<script>alert(1)</script>'] },
        error: 'invalid_redirect_uri',
      },
      { name: 'file:', body: { redirect_uris: ['file:///etc/passwd'] }, error: 'invalid_redirect_uri' },
      { name: 'vbscript:', body: { redirect_uris: ['vbscript:msgbox'] }, error: 'invalid_redirect_uri' },
      {
        name: 'blob:',
        body: { redirect_uris: ['blob:https://a.example/uuid'] },
        error: 'invalid_redirect_uri',
      },
      { name: 'about:', body: { redirect_uris: ['about:blank'] }, error: 'invalid_redirect_uri' },
      {
        name: 'a fragment',
        body: { redirect_uris: ['https://client.example.org/cb#frag'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'an empty fragment',
        body: { redirect_uris: ['https://client.example.org/cb#'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'userinfo',
        body: { redirect_uris: ['https://user:pass@client.example.org/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'userinfo without password',
        body: { redirect_uris: ['https://evil.example@client.example.org/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a wildcard host',
        body: { redirect_uris: ['https://*.example.org/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a wildcard path',
        body: { redirect_uris: ['https://client.example.org/*'] },
        error: 'invalid_redirect_uri',
      },
      { name: 'a relative URI', body: { redirect_uris: ['/callback'] }, error: 'invalid_redirect_uri' },
      {
        name: 'a scheme-relative URI',
        body: { redirect_uris: ['//client.example.org/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'https without slashes',
        body: { redirect_uris: ['https:client.example.org/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'whitespace',
        body: { redirect_uris: ['https://client.example.org/c b'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a newline',
        body: { redirect_uris: ['https://client.example.org/cb\n'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a tab inside the host',
        body: { redirect_uris: ['https://client.exa\tmple.org/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'plain http on a public host',
        body: { redirect_uris: ['http://client.example.org/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'http on a host that merely starts with 127',
        body: { redirect_uris: ['http://127.0.0.1.evil.example/cb'] },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a private-use scheme on a web client',
        body: { redirect_uris: ['com.example.app:/cb'], application_type: 'web' },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a refused scheme on a native client',
        body: { redirect_uris: ['view-source:https://client.example.org/cb'], application_type: 'native' },
        error: 'invalid_redirect_uri',
      },
      {
        name: 'a private-use scheme without a path',
        body: { redirect_uris: ['com.example.app:'], application_type: 'native' },
        error: 'invalid_redirect_uri',
      },
      { name: 'a non-string redirect URI', body: { redirect_uris: [42] }, error: 'invalid_redirect_uri' },
      {
        name: 'an unknown application_type',
        body: { ...GOOD, application_type: 'desktop' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'an unsupported grant type',
        body: { ...GOOD, grant_types: ['password'] },
        error: 'invalid_client_metadata',
      },
      {
        name: 'grant_types not an array',
        body: { ...GOOD, grant_types: 'authorization_code' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'an unsupported response type',
        body: { ...GOOD, response_types: ['token'] },
        error: 'invalid_client_metadata',
      },
      {
        name: 'authorization_code without code',
        body: { ...GOOD, grant_types: ['authorization_code', 'client_credentials'], response_types: [] },
        error: 'invalid_client_metadata',
      },
      {
        name: 'code without authorization_code',
        body: { ...GOOD, grant_types: ['client_credentials'], response_types: ['code'] },
        error: 'invalid_client_metadata',
      },
      {
        name: 'an unsupported auth method',
        body: { ...GOOD, token_endpoint_auth_method: 'tls_client_auth' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'private_key_jwt without keys',
        body: { ...GOOD, token_endpoint_auth_method: 'private_key_jwt' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'none with client_credentials',
        body: { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'token_endpoint_auth_signing_alg none',
        body: { ...GOOD, token_endpoint_auth_signing_alg: 'none' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a private key inside jwks',
        body: {
          ...GOOD,
          jwks: {
            keys: [
              {
                kty: 'EC',
                crv: 'P-256',
                x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
                y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
                d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
              },
            ],
          },
        },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a symmetric key inside jwks',
        body: { ...GOOD, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
        error: 'invalid_client_metadata',
      },
      { name: 'jwks without keys', body: { ...GOOD, jwks: {} }, error: 'invalid_client_metadata' },
      {
        name: 'a jwks kty of constructor',
        body: { ...GOOD, jwks: { keys: [{ kty: 'constructor' }] } },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a jwks kty of __proto__',
        body: { ...GOOD, jwks: { keys: [{ kty: '__proto__' }] } },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a jwks kty of toString',
        body: { ...GOOD, jwks: { keys: [{ kty: 'toString' }] } },
        error: 'invalid_client_metadata',
      },
      {
        name: 'more than 100 language variants of one member',
        body: {
          ...GOOD,
          ...Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`client_name#x-v${i}`, `name ${i}`])),
        },
        error: 'invalid_client_metadata',
      },
      {
        name: 'both jwks and jwks_uri',
        body: {
          ...GOOD,
          jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] },
          jwks_uri: 'https://client.example.org/jwks.json',
        },
        error: 'invalid_client_metadata',
      },
      {
        name: 'jwks_uri over http',
        body: { ...GOOD, jwks_uri: 'http://client.example.org/jwks.json' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a malformed scope',
        body: { ...GOOD, scope: 'read  write' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a scope with a quote',
        body: { ...GOOD, scope: 'read "write"' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a scope over 8 KiB',
        body: { ...GOOD, scope: 'a'.repeat(8193) },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a non-string client_name',
        body: { ...GOOD, client_name: 5 },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a javascript: logo_uri',
        body: { ...GOOD, logo_uri: 'javascript:alert(1)' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a relative client_uri',
        body: { ...GOOD, client_uri: '/home' },
        error: 'invalid_client_metadata',
      },
      { name: 'contacts not strings', body: { ...GOOD, contacts: [1] }, error: 'invalid_client_metadata' },
      {
        name: 'a non-string software_id',
        body: { ...GOOD, software_id: {} },
        error: 'invalid_client_metadata',
      },
      {
        name: 'a malformed language tag',
        body: { ...GOOD, 'client_name#not a tag': 'x' },
        error: 'invalid_client_metadata',
      },
      {
        name: 'two language variants differing only in case',
        body: { ...GOOD, 'client_name#en-US': 'a', 'client_name#en-us': 'b' },
        error: 'invalid_client_metadata',
      },
    ];

    for (const testCase of cases) {
      it(testCase.name, async () => {
        const callsBefore = registerCalls();
        const { status, headers, json } = await register(server.url, testCase.body, {
          headers: testCase.headers ?? {},
        });
        assert.equal(status, testCase.status ?? 400, JSON.stringify(json));
        assert.equal(json.error, testCase.error, JSON.stringify(json));
        assert.equal(typeof json.error_description, 'string');
        assert.equal(headers.get('cache-control'), 'no-store');
        assert.equal(headers.get('pragma'), 'no-cache');
        assert.equal(registerCalls(), callsBefore, 'the store was not called');
      });
    }
  });

  it('never lets __proto__, constructor or prototype reach an object prototype', async () => {
    const body =
      '{"redirect_uris":["https://client.example.org/cb"],"__proto__":{"polluted":true,"token_endpoint_auth_method":"none"},' +
      '"constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true}}';
    const { status, json } = await register(server.url, body);
    assert.equal(status, 201);
    assert.equal(json.token_endpoint_auth_method, 'client_secret_basic');
    assert.ok(!('__proto__' in json && (json as { polluted?: unknown }).polluted));
    assert.ok(!Object.hasOwn(json, 'constructor'));
    assert.ok(!Object.hasOwn(json, 'prototype'));
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('answers 405 with Allow for other methods', async () => {
    const response = await fetch(`${server.url}/oauth/register`, { method: 'GET' });
    assert.equal(response.status, 405);
    assert.match(response.headers.get('allow') ?? '', /POST/);
    assert.equal((await response.json()).error, 'invalid_request');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('answers a CORS preflight and sets the allow-origin header', async () => {
    const preflight = await fetch(`${server.url}/oauth/register`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const { headers } = await register(server.url, GOOD, { headers: { origin: 'https://app.example' } });
    assert.equal(headers.get('access-control-allow-origin'), '*');
  });

  it('keeps serving after bad input', async () => {
    await register(server.url, '{{{');
    const { status } = await register(server.url, GOOD);
    assert.equal(status, 201);
  });
});

describe('requireHttps', () => {
  it('refuses plain HTTP before minting anything when the issuer is https', async () => {
    const store = recordingStore(createMemoryStore());
    const server = await startRegistrar({
      issuer: 'https://as.example.com',
      registrationEnabled: true,
      registration: store,
    });
    try {
      const response = await fetch(`${server.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(GOOD),
      });
      // The issuer path is '', so the endpoint path matches.
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error, 'invalid_request');
      assert.equal(store.calls.length, 0);
    } finally {
      await server.close();
    }
  });

  it('counts X-Forwarded-Proto only from a trusted proxy', async () => {
    const server = await startRegistrar({
      issuer: 'https://as.example.com',
      registrationEnabled: true,
      registration: createMemoryStore(),
      trustedProxies: ['127.0.0.1'],
    });
    try {
      const { status } = await register(server.url, GOOD, { headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(status, 201);
    } finally {
      await server.close();
    }
    const untrusting = await startRegistrar({
      issuer: 'https://as.example.com',
      registrationEnabled: true,
      registration: createMemoryStore(),
    });
    try {
      const { status } = await register(untrusting.url, GOOD, { headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(status, 400);
    } finally {
      await untrusting.close();
    }
  });
});

describe('rules that need more grant and response types', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      grantTypesSupported: ['authorization_code', 'implicit', 'client_credentials'],
      responseTypesSupported: ['code', 'token', 'id_token', 'code id_token'],
    });
  });
  after(() => server.close());

  it('compares multi-valued response types order-insensitively and stores them as sent', async () => {
    const { status, json } = await register(server.url, {
      redirect_uris: ['https://client.example.org/cb'],
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['id_token code'],
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.deepEqual(json.response_types, ['id_token code']);
  });

  it('refuses implicit without token or id_token, and token without implicit', async () => {
    const implicitOnly = await register(server.url, {
      redirect_uris: ['https://client.example.org/cb'],
      grant_types: ['implicit'],
      response_types: ['code'],
    });
    assert.equal(implicitOnly.json.error, 'invalid_client_metadata');
    const tokenOnly = await register(server.url, {
      redirect_uris: ['https://client.example.org/cb'],
      response_types: ['code', 'token'],
    });
    assert.equal(tokenOnly.json.error, 'invalid_client_metadata');
  });

  it('lets a web client use implicit only with https redirect URIs off localhost', async () => {
    const implicit = { grant_types: ['implicit'], response_types: ['token'], application_type: 'web' };
    const ok = await register(server.url, { ...implicit, redirect_uris: ['https://client.example.org/cb'] });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    for (const uri of ['http://localhost/cb', 'http://127.0.0.1/cb', 'https://localhost/cb']) {
      const refused = await register(server.url, { ...implicit, redirect_uris: [uri] });
      assert.equal(refused.status, 400, uri);
      assert.equal(refused.json.error, 'invalid_redirect_uri', uri);
    }
  });

  it('compares the redirect URI scheme case-insensitively', async () => {
    const ok = await register(server.url, { redirect_uris: ['HTTPS://client.example.org/cb'] });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.json.redirect_uris, ['HTTPS://client.example.org/cb']);
    const loopback = await register(server.url, { redirect_uris: ['HTTP://127.0.0.1:8000/cb'] });
    assert.equal(loopback.status, 201);
    assert.equal(loopback.json.application_type, 'native');
  });

  it('applies scopesSupported and defaultScope', async () => {
    const scoped = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      scopesSupported: ['openid', 'read'],
      defaultScope: 'read',
    });
    try {
      const defaulted = await register(scoped.url, GOOD);
      assert.equal(defaulted.json.scope, 'read');
      const refused = await register(scoped.url, { ...GOOD, scope: 'read admin' });
      assert.equal(refused.json.error, 'invalid_client_metadata');
      assert.match(refused.json.error_description as string, /admin/);
    } finally {
      await scoped.close();
    }
  });

  it('accepts extra members only through their validators', async () => {
    const extra = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      extraMetadata: {
        tenant: (value) => {
          if (typeof value !== 'string' || !/^[a-z]+$/.test(value))
            throw new Error('internal detail: bad tenant');
          return value;
        },
      },
    });
    try {
      const ok = await register(extra.url, { ...GOOD, tenant: 'acme', other: 'dropped' });
      assert.equal(ok.json.tenant, 'acme');
      assert.ok(!('other' in ok.json));
      // A member that shares its name with an Object.prototype member is still the host's member.
      const named = await startRegistrar({
        registrationEnabled: true,
        registration: createMemoryStore(),
        extraMetadata: { toString: (value: unknown) => String(value) },
      });
      try {
        assert.equal((await register(named.url, { ...GOOD, toString: 'kept' })).json.toString, 'kept');
      } finally {
        await named.close();
      }
      const bad = await register(extra.url, { ...GOOD, tenant: 'ACME!' });
      assert.equal(bad.json.error, 'invalid_client_metadata');
      assert.ok(!(bad.json.error_description as string).includes('internal detail'));
    } finally {
      await extra.close();
    }
  });
});
