// services: postgres
// Stateless registration (docs/stateless-registration.md, RFC 7591 Appendix A.5.2) over real HTTP:
// the client_id carries the registration, nothing is stored, the id authenticates and resolves,
// tampered or foreign ids fail alike, keys rotate, the 4,096-character budget is refused by name,
// RFC 7592 is GET and DELETE only, and the deny list revokes on every bundled store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ConfigurationError, RegistrationError } from '../../src/core/errors.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import type { Registrar } from '../../src/registrar.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { openStore, STORE_KINDS } from '../helpers/bundled-stores.js';
import { startServe, unlimitedConfig } from '../helpers/cli.js';
import { memoryLogger, recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { keyPair } from '../helpers/key-server.js';

const newKey = (kid: string) => ({ kid, secret: randomBytes(32).toString('base64url') });

/** A host token endpoint at /token answering what `authenticateClient` resolved, or its error. */
function tokenRoute(registrar: () => Registrar): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.url !== '/token') return false;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
      if (req.headers.authorization) headers.set('authorization', req.headers.authorization);
      try {
        const result = await registrar().authenticateClient(
          new Request('http://host/token', { method: 'POST', headers, body: Buffer.concat(chunks) }),
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ source: result.source, client_id: result.clientId, method: result.method }));
      } catch (error) {
        res.writeHead(error instanceof RegistrationError ? error.status : 500);
        res.end(error instanceof RegistrationError ? error.code : String(error));
      }
    });
    return true;
  };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function token(url: string, form: Record<string, string>, authorization?: string) {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: authorization ? { authorization } : {},
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: response.status === 200 ? JSON.parse(text) : text };
}

describe('stateless registration', () => {
  const logger = memoryLogger();
  const events: RegistrarEvent[] = [];
  const store = recordingStore(createMemoryStore());
  const oldKey = newKey('2026-01');
  const currentKey = newKey('2026-06');
  let server: TestServer;
  let client: Record<string, unknown>;

  before(async () => {
    let mounted: Registrar | undefined;
    server = await startRegistrar(
      {
        registrationEnabled: true,
        revokeStatelessClient: store.revokeStatelessClient as NonNullable<typeof store.revokeStatelessClient>,
        isStatelessClientRevoked: store.isStatelessClientRevoked as NonNullable<
          typeof store.isStatelessClientRevoked
        >,
        consumeOnce: store.consumeOnce as NonNullable<typeof store.consumeOnce>,
        statelessRegistration: { keys: [currentKey, oldKey], lifetime: '30d' },
        logger,
        onEvent: (event) => {
          events.push(event);
        },
      },
      tokenRoute(() => mounted as Registrar),
    );
    mounted = server.registrar;
    const { status, json } = await register(server.url, {
      redirect_uris: ['https://app.example/cb', 'http://127.0.0.1/cb'],
      client_name: 'Stateless',
    });
    assert.equal(status, 201, JSON.stringify(json));
    client = json;
  });
  after(() => server.close());

  const id = () => client.client_id as string;

  it('answers 201 with an sr. id of URL-safe characters and stores nothing', () => {
    assert.match(id(), /^sr\.[A-Za-z0-9_.-]+$/);
    assert.ok(id().length <= 4096);
    assert.equal(typeof client.client_secret, 'string');
    assert.equal(typeof client.registration_access_token, 'string');
    assert.equal(client.client_name, 'Stateless');
    assert.deepEqual(store.calls, [], 'no store callback ran');
    assert.ok(events.some((event) => event.type === 'client.registered' && event.client_id === id()));
  });

  it('carries only sealed hashes: neither plaintext credential is in the id', () => {
    assert.ok(!id().includes(client.client_secret as string));
    assert.ok(!id().includes(client.registration_access_token as string));
    const parts = id().slice(3).split('.');
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString());
    assert.deepEqual(header, { alg: 'dir', enc: 'A256GCM', kid: '2026-06' });
    // The payload is ciphertext: not even the hashes or the metadata can be read from it.
    const payload = Buffer.from(parts[3] as string, 'base64url').toString('latin1');
    for (const readable of ['sha256:', 'Stateless', 'redirect_uris']) assert.ok(!payload.includes(readable));
  });

  it('authenticates with client_secret_basic and client_secret_post', async () => {
    const secret = client.client_secret as string;
    const viaBasic = await token(server.url, { grant_type: 'client_credentials' }, basic(id(), secret));
    assert.deepEqual(viaBasic.body, { source: 'stateless', client_id: id(), method: 'client_secret_basic' });
    const wrong = await token(server.url, { grant_type: 'client_credentials' }, basic(id(), `${secret}x`));
    assert.equal(wrong.status, 401);
    // The client's registered method is Basic, so the same secret in the body is refused.
    assert.equal((await token(server.url, { client_id: id(), client_secret: secret })).status, 401);
    const { json } = await register(server.url, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const form = { client_id: json.client_id as string, client_secret: json.client_secret as string };
    assert.equal((await token(server.url, form)).body.method, 'client_secret_post');
    assert.equal((await token(server.url, { ...form, client_secret: 'wrong' })).status, 401);
  });

  it('resolves for the authorization endpoint and matches its redirect URIs', async () => {
    const resolved = await server.registrar.resolveClient(id());
    assert.equal(resolved.source, 'stateless');
    assert.equal(server.registrar.matchRedirectUri(resolved.metadata, 'http://127.0.0.1:5173/cb'), true);
    assert.equal(server.registrar.matchRedirectUri(resolved.metadata, 'https://evil.example/cb'), false);
    assert.deepEqual(await server.registrar.reportClientUse(id()), { activated: false });
    // No stored clients here: any other id is unknown, not a missing callback.
    await assert.rejects(server.registrar.resolveClient('plain-id'), { code: 'unknown_client' });
    await assert.rejects(server.registrar.reportClientUse('plain-id'), { code: 'unknown_client' });
  });

  it('refuses a tampered id, an id under an unknown key and one sealed for another issuer alike', async () => {
    const parts = id().split('.');
    const cipher = parts[4] as string;
    parts[4] = (cipher[0] === 'A' ? 'B' : 'A') + cipher.slice(1);
    const tampered = parts.join('.');
    const other = createRegistrar({
      issuer: 'https://other.example',
      registrationEnabled: true,
      rateLimit: false,
      logger: memoryLogger(),
      registration: createMemoryStore(),
      statelessRegistration: { keys: [newKey('2026-06')] },
    });
    const response = await other.fetch(
      new Request('https://other.example/oauth/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://app.example/cb'] }),
      }),
    );
    const foreign = (await response.json()) as Record<string, string>;
    for (const candidate of [tampered, foreign.client_id as string, 'sr.not-a-jwe']) {
      const secret =
        candidate === tampered ? (client.client_secret as string) : (foreign.client_secret ?? 'x');
      const result = await token(server.url, { grant_type: 'client_credentials' }, basic(candidate, secret));
      assert.deepEqual(result, { status: 401, body: 'invalid_client' });
      await assert.rejects(server.registrar.resolveClient(candidate), { code: 'unknown_client' });
    }
  });

  it('keeps ids working while their key is configured, and refuses them once it is retired', async () => {
    const shared = createMemoryStore();
    const config = (keys: { kid: string; secret: string }[]) =>
      createRegistrar({
        issuer: 'https://rotate.example',
        registrationEnabled: true,
        rateLimit: false,
        logger: memoryLogger(),
        registration: shared,
        statelessRegistration: { keys },
      });
    const registered = await config([oldKey]).fetch(
      new Request('https://rotate.example/oauth/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://app.example/cb'] }),
      }),
    );
    const { client_id: oldId } = (await registered.json()) as { client_id: string };
    assert.equal((await config([currentKey, oldKey]).resolveClient(oldId)).source, 'stateless');
    await assert.rejects(config([currentKey]).resolveClient(oldId), { code: 'unknown_client' });
  });

  it('refuses a registration whose id would not fit in 4,096 characters, naming the budget', async () => {
    const { status, json } = await register(server.url, {
      redirect_uris: Array.from(
        { length: 40 },
        (_, i) => `https://app.example/callback/${i}/${'x'.repeat(40)}`,
      ),
    });
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_client_metadata');
    assert.match(json.error_description as string, /4096 characters/);
  });

  it('reads through RFC 7592 GET with the token, answers 405 Allow: GET, DELETE to PUT, and revokes on DELETE', async () => {
    const { json } = await register(server.url, { redirect_uris: ['https://app.example/cb'] });
    const uri = json.registration_client_uri as string;
    const auth = { authorization: `Bearer ${json.registration_access_token}` };
    const read = await fetch(uri, { headers: auth });
    assert.equal(read.status, 200);
    const body = (await read.json()) as Record<string, unknown>;
    assert.equal(body.client_id, json.client_id);
    assert.equal(body.registration_access_token, json.registration_access_token);
    assert.equal(body.client_secret, undefined);
    const wrongToken = await fetch(uri, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(wrongToken.status, 401);
    const put = await fetch(uri, { method: 'PUT', headers: auth, body: '{}' });
    assert.equal(put.status, 405);
    assert.match(put.headers.get('allow') ?? '', /^GET, DELETE/);
    const deleted = await fetch(uri, { method: 'DELETE', headers: auth });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(uri, { headers: auth })).status, 401);
    const refused = await token(
      server.url,
      { grant_type: 'client_credentials' },
      basic(json.client_id as string, json.client_secret as string),
    );
    assert.equal(refused.status, 401);
  });

  it('verifies private_key_jwt against the keys the id carries', async () => {
    const key = await keyPair('ES256');
    const { json } = await register(server.url, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
    const clientId = json.client_id as string;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid as string })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(server.url)
      .setIssuedAt()
      .setExpirationTime('2m')
      .setJti(randomBytes(8).toString('hex'))
      .sign(key.privateKey);
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    assert.equal((await token(server.url, form)).body.method, 'private_key_jwt');
    assert.equal((await token(server.url, form)).status, 401, 'a replayed assertion is refused');
  });

  it('puts no credential in any event or log record', () => {
    const text = JSON.stringify([events, logger.records]);
    assert.ok(!text.includes(client.client_secret as string));
    assert.ok(!text.includes(client.registration_access_token as string));
  });
});

describe('stateless revocation through the deny list', () => {
  for (const kind of STORE_KINDS) {
    it(`revokes with revokeClient on the ${kind} store, until the id expires`, async () => {
      const opened = await openStore(kind);
      let clock = Date.now();
      const server = await startRegistrar({
        registrationEnabled: true,
        registration: opened.store,
        now: () => clock,
        statelessRegistration: { keys: [newKey('k1')], lifetime: 3600 },
      });
      try {
        const { json } = await register(server.url, { redirect_uris: ['https://app.example/cb'] });
        const clientId = json.client_id as string;
        assert.equal((await opened.store.listClients()).clients.length, 0, 'nothing stored');
        assert.equal((await server.registrar.resolveClient(clientId)).source, 'stateless');
        assert.equal(await server.registrar.revokeClient(clientId), true);
        assert.equal(await server.registrar.revokeClient(clientId), false);
        await assert.rejects(server.registrar.resolveClient(clientId), { code: 'unknown_client' });
        await assert.rejects(server.registrar.revokeClient('not-stateless'), TypeError);
        const { json: second } = await register(server.url, { redirect_uris: ['https://app.example/cb'] });
        clock += 3600_000;
        await assert.rejects(server.registrar.resolveClient(second.client_id as string), {
          code: 'unknown_client',
        });
      } finally {
        await server.close();
        await opened.close();
      }
    });
  }
});

describe('stateless registration under registrar serve --config', () => {
  it('seals ids with the config file keys, stores nothing, and keeps reads and revocation across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-stateless-serve-'));
    const file = join(dir, 'registrar.db');
    const key = newKey('k1');
    // The issuer is fixed, as in production (an id opens only under the issuer that sealed it),
    // behind a proxy on loopback that terminates TLS.
    const args = [
      '--port',
      '0',
      '--issuer',
      'https://as.example',
      '--trusted-proxies',
      '127.0.0.1',
      '--store',
      `sqlite:${file}`,
      '--config',
      unlimitedConfig(dir, { statelessRegistration: { keys: [key], lifetime: '1d' } }),
    ];
    const lines: string[] = [];
    let serve = await startServe(args);
    try {
      const proto = { 'x-forwarded-proto': 'https' };
      const { status, json } = await register(
        serve.url,
        { redirect_uris: ['https://app.example/cb'] },
        { headers: proto },
      );
      assert.equal(status, 201, JSON.stringify(json));
      const clientId = json.client_id as string;
      assert.match(clientId, /^sr\./);
      const token = json.registration_access_token as string;
      const uri = json.registration_client_uri as string;
      const store = createSqliteStore({ filename: file });
      try {
        assert.equal((await store.listClients()).clients.length, 0, 'nothing stored');
      } finally {
        await store.close();
      }
      lines.push(...serve.lines);
      await serve.stop();

      // The id is the durable record: a new process with the same keys reads it.
      serve = await startServe(args);
      const path = new URL(uri).pathname;
      const read = await fetch(`${serve.url}${path}`, {
        headers: { ...proto, authorization: `Bearer ${token}` },
      });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { client_id: string }).client_id, clientId);
      const put = await fetch(`${serve.url}${path}`, {
        method: 'PUT',
        headers: { ...proto, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: clientId, redirect_uris: ['https://app.example/cb'] }),
      });
      assert.equal(put.status, 405);
      // serve answers CORS preflights, so OPTIONS is allowed beside the two RFC 7592 methods.
      assert.equal(put.headers.get('allow'), 'GET, DELETE, OPTIONS');
      await put.arrayBuffer();
      const removed = await fetch(`${serve.url}${path}`, {
        method: 'DELETE',
        headers: { ...proto, authorization: `Bearer ${token}` },
      });
      assert.equal(removed.status, 204);
      lines.push(...serve.lines);
      await serve.stop();

      // The revocation is on the store's deny list, which outlives the process.
      serve = await startServe(args);
      const after = await fetch(`${serve.url}${path}`, {
        headers: { ...proto, authorization: `Bearer ${token}` },
      });
      assert.equal(after.status, 401);
      await after.arrayBuffer();
      lines.push(...serve.lines);
      const log = lines.join('\n');
      for (const secret of [key.secret, token, json.client_secret].filter(
        (value) => typeof value === 'string',
      )) {
        assert.ok(!log.includes(secret as string), 'no key or credential in the log');
      }
    } finally {
      await serve.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('statelessRegistration configuration', () => {
  const base = { issuer: 'https://as.example', registration: createMemoryStore() };
  const refusals: [string, unknown, RegExp][] = [
    ['no keys', { keys: [] }, /statelessRegistration\.keys must be a non-empty array/],
    ['missing keys', {}, /statelessRegistration\.keys is required/],
    [
      'a short secret',
      { keys: [{ kid: 'a', secret: randomBytes(16).toString('base64url') }] },
      /keys\[0\]\.secret must be 32 bytes/,
    ],
    [
      'a padded secret',
      { keys: [{ kid: 'a', secret: `${randomBytes(32).toString('base64url')}=` }] },
      /keys\[0\]\.secret/,
    ],
    ['a repeated kid', { keys: [newKey('a'), newKey('a')] }, /keys\[1\]\.kid repeats/],
    ['an empty kid', { keys: [newKey('')] }, /keys\[0\]\.kid must be a non-empty string/],
    ['an unknown member', { keys: [newKey('a')], lifetme: 1 }, /lifetme/],
    [
      'a zero lifetime',
      { keys: [newKey('a')], lifetime: 0 },
      /statelessRegistration\.lifetime must be at least one second/,
    ],
    ['a bad lifetime', { keys: [newKey('a')], lifetime: 'soon' }, /statelessRegistration\.lifetime/],
  ];
  for (const [name, value, message] of refusals) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => createRegistrar({ ...base, statelessRegistration: value as never }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigurationError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('refuses a store without the deny list, and activationWindow', () => {
    const {
      revokeStatelessClient: _r,
      isStatelessClientRevoked: _i,
      ...withoutDenyList
    } = createMemoryStore();
    assert.throws(
      () =>
        createRegistrar({
          issuer: 'https://as.example',
          registration: withoutDenyList,
          statelessRegistration: { keys: [newKey('a')] },
        }),
      /statelessRegistration needs the revokeStatelessClient and isStatelessClientRevoked callbacks/,
    );
    assert.throws(
      () =>
        createRegistrar({ ...base, activationWindow: '1h', statelessRegistration: { keys: [newKey('a')] } }),
      /statelessRegistration cannot be combined with activationWindow/,
    );
  });
});
