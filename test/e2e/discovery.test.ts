// The discovery document as the handler serves it with discoveryEnabled (RFC 8414 §3, OpenID
// Connect Discovery §4), through whichever adapter the parity run mounts: both well-known paths
// inserted before the issuer's path and the OpenID one appended to it, GET and HEAD, the cors
// setting's headers, a short public cache lifetime, 405 for other methods, and nothing at all
// (the host's own 404) while the option is off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DISCOVERY_MAX_AGE_SECONDS } from '../../src/http/discovery.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';

const ISSUER = 'http://127.0.0.1/tenant-a';
const PATHS = [
  '/.well-known/oauth-authorization-server/tenant-a',
  '/.well-known/openid-configuration/tenant-a',
  '/tenant-a/.well-known/openid-configuration',
];
const ORIGIN = 'https://app.example';

describe('discovery served by the handler', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegistrar({
      issuer: ISSUER,
      registrationEnabled: true,
      registration: createMemoryStore(),
      discoveryEnabled: true,
      clientIdMetadataDocuments: { enabled: true },
    });
  });
  after(() => server.close());

  it('answers GET at each well-known path with the whole document, cacheable for a short while', async () => {
    for (const path of PATHS) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'application/json', path);
      assert.equal(response.headers.get('cache-control'), `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`);
      assert.equal(response.headers.get('access-control-allow-origin'), null, 'no Origin, no CORS header');
      const document = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(document, server.registrar.discovery(), path);
      assert.equal(document.issuer, ISSUER);
      assert.equal(document.registration_endpoint, `${ISSUER}/oauth/register`);
      assert.deepEqual(document.code_challenge_methods_supported, ['S256']);
      assert.equal(document.client_id_metadata_document_supported, true);
    }
    const withQuery = await fetch(`${server.url}${PATHS[0]}?probe=1`);
    assert.equal(withQuery.status, 200, 'a query string does not move the path');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const response = await fetch(`${server.url}${PATHS[0]}`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.headers.get('cache-control'), `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`);
    assert.equal(await response.text(), '');
  });

  it('serves only the paths of the issuer: the root paths and other tenants go to the host', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/tenant-b',
      '/.well-known/oauth-authorization-server/tenant-a/x',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 404, path);
      assert.deepEqual(await response.json(), {
        error: 'invalid_request',
        error_description: 'No such endpoint.',
      });
    }
  });

  it('allows any origin by default and answers a preflight for the MCP-Protocol-Version header', async () => {
    const response = await fetch(`${server.url}${PATHS[0]}`, {
      headers: { origin: ORIGIN, 'mcp-protocol-version': '2025-06-18' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.equal(response.headers.get('vary'), null, 'the answer is the same for every origin');
    const preflight = await fetch(`${server.url}${PATHS[1]}`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'mcp-protocol-version',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, HEAD, OPTIONS');
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'MCP-Protocol-Version');
    assert.equal(preflight.headers.get('access-control-max-age'), '600');
  });

  it('refuses other methods with 405 and the Allow header', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(`${server.url}${PATHS[2]}`, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'GET, HEAD, OPTIONS', method);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
    }
  });

  it('leaves registration where it was', async () => {
    const { status } = await register(
      server.url,
      { redirect_uris: ['https://client.example.org/cb'] },
      {
        path: '/tenant-a/oauth/register',
      },
    );
    assert.equal(status, 201);
  });
});

describe('discovery under the cors setting', () => {
  it('echoes a listed origin, varies by Origin for every request, and says nothing to others', async () => {
    const server = await startRegistrar({
      registration: createMemoryStore(),
      discoveryEnabled: true,
      cors: { origins: [ORIGIN] },
    });
    try {
      const path = '/.well-known/oauth-authorization-server';
      const listed = await fetch(`${server.url}${path}`, { headers: { origin: ORIGIN } });
      assert.equal(listed.headers.get('access-control-allow-origin'), ORIGIN);
      assert.equal(listed.headers.get('vary'), 'Origin');
      const other = await fetch(`${server.url}${path}`, { headers: { origin: 'https://other.example' } });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      assert.equal(other.headers.get('vary'), 'Origin');
      const none = await fetch(`${server.url}${path}`);
      assert.equal(none.headers.get('vary'), 'Origin', 'a shared cache keys on Origin even without one');
    } finally {
      await server.close();
    }
  });

  it('sends no CORS header and answers no preflight with cors false', async () => {
    const server = await startRegistrar({
      registration: createMemoryStore(),
      discoveryEnabled: true,
      cors: false,
    });
    try {
      const path = '/.well-known/openid-configuration';
      const response = await fetch(`${server.url}${path}`, { headers: { origin: ORIGIN } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      assert.equal(response.headers.get('vary'), null);
      const preflight = await fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.status, 405);
      assert.equal(preflight.headers.get('allow'), 'GET, HEAD');
    } finally {
      await server.close();
    }
  });
});

describe('discovery while discoveryEnabled is off', () => {
  it('leaves every well-known path to the host, which is the default', async () => {
    const server = await startRegistrar({ registrationEnabled: true, registration: createMemoryStore() });
    try {
      assert.equal(server.registrar.settings.discoveryEnabled, false);
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        for (const method of ['GET', 'HEAD', 'OPTIONS']) {
          const response = await fetch(`${server.url}${path}`, { method });
          assert.equal(response.status, 404, `${method} ${path}`);
          await response.body?.cancel();
        }
      }
    } finally {
      await server.close();
    }
  });
});
