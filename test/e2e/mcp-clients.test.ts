// What widely used MCP clients really send (test/fixtures/mcp-clients, each with its source): every
// full registration body registers over real HTTP and authenticates at a token endpoint built on
// authenticateClient; every metadata document resolves and authenticates, ChatGPT's with
// private_key_jwt against a key set served over HTTPS on loopback and as none on a
// public-clients-only server, claude.ai's with its unsupported jwt-bearer grant dropped; each client's redirect URIs,
// the ephemeral loopback ports they really use included, match, and look-alikes do not.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createMemoryStore } from '../../src/store/memory.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  startHttpsServer,
  tableResolver,
} from '../helpers/tls.js';

interface Fixture {
  readonly file: string;
  readonly client: string;
  readonly kind: 'registration' | 'metadata-document';
  readonly redirect_uris_seen?: readonly string[];
  readonly body: Record<string, unknown>;
}

const DIR = fileURLToPath(new URL('../fixtures/mcp-clients/', import.meta.url));
const FIXTURES: Fixture[] = readdirSync(DIR)
  .filter((name) => name.endsWith('.json'))
  .map((file) => ({ file, ...(JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Omit<Fixture, 'file'>) }));

/** The fixtures whose sources show only part of the body, without redirect URIs: nothing to send as is. */
const PARTIAL = [
  'claude-ai-cimd.json',
  'claude-ai-dcr.json',
  'codex.json',
  'mcp-remote.json',
  'cline.json',
  'librechat.json',
];

function lookAlikes(uri: string): string[] {
  const url = new URL(uri);
  const alikes = [`${uri}x`, `${uri}/../evil`];
  if (url.protocol === 'https:') alikes.push(uri.replace(url.hostname, `${url.hostname}.evil.example`));
  if (url.protocol === 'http:') alikes.push(uri.replace(url.hostname, 'evil.example'));
  return alikes;
}

function form(fields: Record<string, string>) {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

describe('what real MCP clients send', () => {
  let server: TestServer;
  let docs: HttpsTestServer;
  const served = new Map<string, unknown>();
  before(async () => {
    docs = await startHttpsServer((req, res) => {
      const body = served.get(req.url ?? '');
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      clientIdMetadataDocuments: { enabled: true },
      fetch: loopbackFetchOptions(tableResolver({ 'client.test': '127.0.0.1' })),
    });
  });
  after(async () => {
    await server.close();
    await docs.close();
  });

  it('has the fixtures this suite names, and every partial one is named', () => {
    const names = FIXTURES.map((fixture) => fixture.file);
    for (const name of PARTIAL) assert.ok(names.includes(name), name);
    const usable = FIXTURES.filter((fixture) => !PARTIAL.includes(fixture.file));
    assert.ok(usable.length >= 7, `${usable.length} usable fixtures`);
    for (const fixture of usable) assert.ok(Array.isArray(fixture.body.redirect_uris), fixture.file);
  });

  for (const fixture of FIXTURES.filter((f) => f.kind === 'registration' && !PARTIAL.includes(f.file))) {
    it(`registers ${fixture.client} (${fixture.file}) and authenticates it at the token endpoint`, async () => {
      const { status, json } = await register(server.url, fixture.body);
      assert.equal(status, 201, JSON.stringify(json));
      const clientId = json.client_id as string;
      const resolved = await server.registrar.resolveClient(clientId);
      const uris = [...(fixture.body.redirect_uris as string[]), ...(fixture.redirect_uris_seen ?? [])];
      for (const uri of uris) assert.ok(server.registrar.matchRedirectUri(resolved.metadata, uri), uri);
      for (const uri of fixture.body.redirect_uris as string[]) {
        for (const alike of lookAlikes(uri)) {
          assert.ok(!server.registrar.matchRedirectUri(resolved.metadata, alike), alike);
        }
      }
      const method = json.token_endpoint_auth_method as string;
      const fields: Record<string, string> = { grant_type: 'authorization_code', client_id: clientId };
      if (method === 'client_secret_post') fields.client_secret = json.client_secret as string;
      const request = form(fields);
      if (method === 'client_secret_basic') {
        const credentials = `${encodeURIComponent(clientId)}:${encodeURIComponent(json.client_secret as string)}`;
        Object.assign(request.headers, {
          authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
        });
      }
      const authenticated = await server.registrar.authenticateClient(request);
      assert.equal(authenticated.clientId, clientId);
      assert.equal(authenticated.method, method);
      assert.equal(authenticated.publicClient, method === 'none');
    });
  }

  it('resolves the Claude Code metadata document as a public client, on the loopback ports it uses', async () => {
    const fixture = FIXTURES.find((f) => f.file === 'claude-code-cimd.json') as Fixture;
    const clientId = `${docs.origin('client.test')}/oauth/claude-code-client-metadata`;
    served.set('/oauth/claude-code-client-metadata', { ...fixture.body, client_id: clientId });
    const resolved = await server.registrar.resolveClient(clientId);
    assert.equal(resolved.source, 'metadata_document');
    assert.equal(resolved.metadata.token_endpoint_auth_method, 'none');
    for (const uri of fixture.redirect_uris_seen ?? []) {
      assert.ok(server.registrar.matchRedirectUri(resolved.metadata, uri), uri);
    }
    assert.ok(!server.registrar.matchRedirectUri(resolved.metadata, 'http://localhost:8080/callbackx'));
    const authenticated = await server.registrar.authenticateClient(
      form({ grant_type: 'authorization_code', client_id: clientId }),
    );
    assert.equal(authenticated.source, 'metadata_document');
    assert.equal(authenticated.publicClient, true);
  });

  it("resolves claude.ai's document, dropping the jwt-bearer grant the server does not support", async () => {
    const fixture = FIXTURES.find((f) => f.file === 'claude-ai-cimd-full.json') as Fixture;
    const clientId = `${docs.origin('client.test')}/oauth/mcp-oauth-client-metadata`;
    served.set('/oauth/mcp-oauth-client-metadata', { ...fixture.body, client_id: clientId });
    const resolved = await server.registrar.resolveClient(clientId);
    assert.equal(resolved.source, 'metadata_document');
    assert.deepEqual(resolved.metadata.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(resolved.metadata.response_types, ['code']);
    assert.equal(resolved.metadata.token_endpoint_auth_method, 'none');
    for (const uri of fixture.redirect_uris_seen ?? []) {
      assert.ok(server.registrar.matchRedirectUri(resolved.metadata, uri), uri);
      for (const alike of lookAlikes(uri))
        assert.ok(!server.registrar.matchRedirectUri(resolved.metadata, alike), alike);
    }
    const authenticated = await server.registrar.authenticateClient(
      form({ grant_type: 'authorization_code', client_id: clientId }),
    );
    assert.equal(authenticated.source, 'metadata_document');
    assert.equal(authenticated.publicClient, true);

    // The strict setting still refuses it, naming the grant.
    const strict = await startRegistrar({
      registration: createMemoryStore(),
      clientIdMetadataDocuments: { enabled: true },
      unsupportedGrantTypes: 'reject',
      fetch: loopbackFetchOptions(tableResolver({ 'client.test': '127.0.0.1' })),
    });
    try {
      await assert.rejects(strict.registrar.resolveClient(clientId), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid_document');
        assert.match(error.message, /grant_types/);
        assert.match(error.message, /jwt-bearer/);
        return true;
      });
    } finally {
      await strict.close();
    }
  });

  it('drops an unsupported grant but never a response type the server does not support', async () => {
    const register = (body: Record<string, unknown>) =>
      fetch(`${server.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // The password grant goes, and the code response type of a grant that is not kept goes with it.
    const dropped = await register({
      grant_types: ['client_credentials', 'password'],
      response_types: ['code'],
    });
    assert.equal(dropped.status, 201);
    const kept = (await dropped.json()) as { grant_types: string[]; response_types: string[] };
    assert.deepEqual(kept.grant_types, ['client_credentials']);
    assert.deepEqual(kept.response_types, []);
    // "code token" is no response type this server supports: a dropped grant does not hide that.
    const refused = await register({
      grant_types: ['client_credentials', 'password'],
      response_types: ['code token'],
    });
    assert.equal(refused.status, 400);
    const error = (await refused.json()) as { error: string; error_description: string };
    assert.equal(error.error, 'invalid_client_metadata');
    assert.match(error.error_description, /^response_types contains 'code token'/);
  });

  it("admits ChatGPT's document on a public-clients-only server as none, and chooses private_key_jwt where offered", async () => {
    const fixture = FIXTURES.find((f) => f.file === 'chatgpt-cimd-choices.json') as Fixture;
    const clientId = `${docs.origin('client.test')}/oauth/client.json`;
    served.set('/oauth/client.json', {
      ...fixture.body,
      client_id: clientId,
      jwks_uri: `${docs.origin('client.test')}/oauth/jwks.json`,
    });
    const publicOnly = await startRegistrar({
      registration: createMemoryStore(),
      tokenEndpointAuthMethodsSupported: ['none'],
      clientIdMetadataDocuments: { enabled: true },
      fetch: loopbackFetchOptions(tableResolver({ 'client.test': '127.0.0.1' })),
    });
    try {
      const resolved = await publicOnly.registrar.resolveClient(clientId);
      assert.equal(resolved.metadata.token_endpoint_auth_method, 'none');
      assert.ok(!('token_endpoint_auth_methods_supported' in resolved.metadata));
      for (const uri of fixture.redirect_uris_seen ?? []) {
        assert.ok(publicOnly.registrar.matchRedirectUri(resolved.metadata, uri), uri);
      }
      const authenticated = await publicOnly.registrar.authenticateClient(
        form({ grant_type: 'authorization_code', client_id: clientId }),
      );
      assert.equal(authenticated.method, 'none');
      assert.equal(authenticated.publicClient, true);
      const discovery = publicOnly.registrar.discovery();
      assert.deepEqual(discovery.token_endpoint_auth_methods_supported, ['none']);
      assert.equal(discovery.client_id_metadata_document_supported, true);
    } finally {
      await publicOnly.close();
    }
    // The default server lists private_key_jwt before none, so that is the method chosen.
    const chosen = await server.registrar.resolveClient(clientId);
    assert.equal(chosen.metadata.token_endpoint_auth_method, 'private_key_jwt');
  });

  it("authenticates ChatGPT's metadata document with private_key_jwt, once per assertion", async () => {
    const fixture = FIXTURES.find((f) => f.file === 'chatgpt-cimd.json') as Fixture;
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'chatgpt-test', alg: 'RS256', use: 'sig' };
    served.set('/oauth/jwks.json', { keys: [jwk] });
    // The document as published, at a loopback origin: its URL and its jwks_uri are ours.
    const clientId = `${docs.origin('client.test')}/oauth/connector/client.json`;
    served.set('/oauth/connector/client.json', {
      ...fixture.body,
      client_id: clientId,
      jwks_uri: `${docs.origin('client.test')}/oauth/jwks.json`,
    });
    const resolved = await server.registrar.resolveClient(clientId);
    assert.equal(resolved.metadata.token_endpoint_auth_method, 'private_key_jwt');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'chatgpt-test' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(server.registrar.settings.tokenEndpoint)
      .setIssuedAt()
      .setExpirationTime('2m')
      .setJti(`jti-${Date.now()}`)
      .sign(privateKey);
    const request = form({
      grant_type: 'authorization_code',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    const authenticated = await server.registrar.authenticateClient(request);
    assert.equal(authenticated.source, 'metadata_document');
    assert.equal(authenticated.method, 'private_key_jwt');
    assert.equal(authenticated.publicClient, false);
    await assert.rejects(
      server.registrar.authenticateClient(request),
      { code: 'invalid_client' },
      'a replay',
    );
    await assert.rejects(
      server.registrar.authenticateClient(form({ grant_type: 'authorization_code', client_id: clientId })),
      { code: 'invalid_client' },
      'a private_key_jwt document client cannot pass as public',
    );
  });
});
