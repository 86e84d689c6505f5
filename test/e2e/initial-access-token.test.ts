// Initial access tokens (RFC 7591 §3, docs/architecture.md#a-registration step 4): static, verifier and
// stored tokens over real HTTP; use counts atomic across two instances on one
// SQLite file; `registrar tokens` and the serve flag.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeCrypto } from '../../src/adapters/node.js';
import { hashCredential } from '../../src/core/credentials/credentials.js';
import { ConfigurationError } from '../../src/core/errors.js';
import type { InitialAccessTokenRecord } from '../../src/core/store/registration-store.js';
import { createRegistrar } from '../../src/registrar.js';
import { resolveCommandOptions } from '../../src/server/options.js';
import { serve } from '../../src/server/serve.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { runCommand } from '../helpers/cli.js';
import { memoryLogger, recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Example' };
const STATIC_TOKEN = 'static-initial-access-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function storedToken(
  store: { createInitialAccessToken(record: InitialAccessTokenRecord): Promise<void> | void },
  token: string,
  overrides: Partial<InitialAccessTokenRecord> = {},
): Promise<InitialAccessTokenRecord> {
  const record: InitialAccessTokenRecord = {
    id: `id-${token.slice(0, 8)}`,
    token_hash: await hashCredential(nodeCrypto, token),
    created_at: Math.floor(Date.now() / 1000),
    uses: 0,
    ...overrides,
  };
  await store.createInitialAccessToken(record);
  return record;
}

describe('a static initial access token', () => {
  let server: TestServer;
  const store = recordingStore(createMemoryStore());
  const logger = memoryLogger();

  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      initialAccessToken: STATIC_TOKEN,
      logger,
    });
  });
  after(() => server.close());

  it('registers with the token in the Authorization header', async () => {
    const { status, json } = await register(server.url, GOOD, { headers: bearer(STATIC_TOKEN) });
    assert.equal(status, 201, JSON.stringify(json));
  });

  it('answers a missing token with 401 invalid_request and a bare Bearer challenge, before reading the body', async () => {
    const calls = store.calls.length;
    for (const body of [GOOD, '{not json', JSON.stringify({ pad: 'x'.repeat(70_000) })]) {
      const { status, headers, json } = await register(server.url, body);
      assert.equal(status, 401);
      assert.equal(json.error, 'invalid_request');
      assert.equal(headers.get('www-authenticate'), 'Bearer');
    }
    assert.equal(store.calls.length, calls, 'the store was not called');
  });

  it('answers a wrong token with 401 invalid_token and error="invalid_token"', async () => {
    const { status, headers, json } = await register(server.url, GOOD, { headers: bearer('wrong-token') });
    assert.equal(status, 401);
    assert.equal(json.error, 'invalid_token');
    assert.equal(headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });

  it('reads the token from the Authorization header only', async () => {
    const inBody = await register(server.url, {
      ...GOOD,
      initial_access_token: STATIC_TOKEN,
      access_token: STATIC_TOKEN,
    });
    assert.equal(inBody.status, 401);
    const inQuery = await register(server.url, GOOD, {
      path: `/oauth/register?access_token=${STATIC_TOKEN}`,
    });
    assert.equal(inQuery.status, 401);
    const basic = await register(server.url, GOOD, {
      headers: { authorization: `Basic ${Buffer.from(`x:${STATIC_TOKEN}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401);
    assert.equal(basic.headers.get('www-authenticate'), 'Bearer');
  });

  it('never logs the token', () => {
    assert.ok(!JSON.stringify(logger.records).includes(STATIC_TOKEN));
  });
});

describe('a verifier function', () => {
  let server: TestServer;
  const logger = memoryLogger();
  const seen: string[] = [];

  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      logger,
      initialAccessToken: async (token) => {
        seen.push(token);
        if (token === 'good') return true;
        if (token === 'partner')
          return {
            policy: { force: { scope: 'read' }, defaults: { client_uri: 'https://partner.example' } },
          };
        if (token === 'broken') throw new Error(`verifier crashed on ${token}`);
        return false;
      },
    });
  });
  after(() => server.close());

  it('admits what it accepts and refuses the rest with invalid_token', async () => {
    assert.equal((await register(server.url, GOOD, { headers: bearer('good') })).status, 201);
    const refused = await register(server.url, GOOD, { headers: bearer('bad') });
    assert.equal(refused.status, 401);
    assert.equal(refused.json.error, 'invalid_token');
    assert.deepEqual(seen.slice(0, 2), ['good', 'bad']);
  });

  it('applies the policy it grants at registration and again on every update', async () => {
    const { status, json } = await register(
      server.url,
      { ...GOOD, scope: 'admin' },
      { headers: bearer('partner') },
    );
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.scope, 'read', 'forced');
    assert.equal(json.client_uri, 'https://partner.example', 'defaulted');
    const put = await fetch(json.registration_client_uri as string, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...bearer(json.registration_access_token as string) },
      body: JSON.stringify({
        client_id: json.client_id,
        ...GOOD,
        scope: 'admin',
        client_uri: 'https://mine.example',
      }),
    });
    const updated = (await put.json()) as Record<string, unknown>;
    assert.equal(put.status, 200, JSON.stringify(updated));
    assert.equal(updated.scope, 'read', 'a PUT cannot undo the token policy');
    assert.equal(updated.client_uri, 'https://mine.example', 'a default yields to a sent value');
  });

  it('fails closed with 500 when it throws, without logging the token', async () => {
    const { status, json } = await register(server.url, GOOD, { headers: bearer('broken') });
    assert.equal(status, 500);
    assert.equal(json.error, 'server_error');
    assert.ok(!JSON.stringify(json).includes('crashed'));
  });
});

describe('stored initial access tokens', () => {
  let server: TestServer;
  const store = createMemoryStore();

  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      initialAccessToken: { stored: true },
    });
  });
  after(() => server.close());

  it('allows as many registrations as the token has uses', async () => {
    await storedToken(store, 'two-uses-token', { max_uses: 2 });
    assert.equal((await register(server.url, GOOD, { headers: bearer('two-uses-token') })).status, 201);
    assert.equal((await register(server.url, GOOD, { headers: bearer('two-uses-token') })).status, 201);
    const third = await register(server.url, GOOD, { headers: bearer('two-uses-token') });
    assert.equal(third.status, 401);
    assert.equal(third.json.error, 'invalid_token');
    assert.equal(third.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });

  it('does not spend a use on a request refused for its metadata', async () => {
    await storedToken(store, 'one-use-token', { max_uses: 1 });
    const refused = await register(
      server.url,
      { redirect_uris: ['javascript:alert(1)'] },
      { headers: bearer('one-use-token') },
    );
    assert.equal(refused.json.error, 'invalid_redirect_uri');
    assert.equal((await register(server.url, GOOD, { headers: bearer('one-use-token') })).status, 201);
    assert.equal((await register(server.url, GOOD, { headers: bearer('one-use-token') })).status, 401);
  });

  it('refuses an expired token and a revoked one', async () => {
    const now = Math.floor(Date.now() / 1000);
    await storedToken(store, 'expired-token', { expires_at: now - 1 });
    assert.equal((await register(server.url, GOOD, { headers: bearer('expired-token') })).status, 401);
    const record = await storedToken(store, 'revoked-token', { expires_at: now + 3600 });
    assert.equal((await register(server.url, GOOD, { headers: bearer('revoked-token') })).status, 201);
    await store.revokeInitialAccessToken(record.id);
    assert.equal((await register(server.url, GOOD, { headers: bearer('revoked-token') })).status, 401);
  });

  it('stores the token policy with the client', async () => {
    await storedToken(store, 'policy-token', { policy: { force: { grant_types: ['client_credentials'] } } });
    // Step 9 comes before step 10: the request must pass the rules on its own before a policy applies.
    const { status, json } = await register(server.url, GOOD, { headers: bearer('policy-token') });
    assert.equal(status, 201, JSON.stringify(json));
    assert.deepEqual(json.grant_types, ['client_credentials']);
    const stored = await store.loadClient(json.client_id as string);
    assert.deepEqual(stored?.initial_access_token_policy, { force: { grant_types: ['client_credentials'] } });
  });

  it('cannot be configured on a store without the capability', () => {
    const { registerClient, loadClient } = createMemoryStore();
    assert.throws(
      () =>
        createRegistrar({
          issuer: 'http://127.0.0.1',
          registrationEnabled: true,
          registerClient,
          loadClient,
          initialAccessToken: { stored: true },
        }),
      ConfigurationError,
    );
  });

  it('rejects unusable settings at construction', () => {
    for (const initialAccessToken of ['', {}, { token: 42 }, { stored: 'yes' }, { tokn: 'x' }]) {
      assert.throws(
        () =>
          createRegistrar({
            issuer: 'http://127.0.0.1',
            registrationEnabled: true,
            registration: createMemoryStore(),
            initialAccessToken: initialAccessToken as never,
          }),
        ConfigurationError,
        JSON.stringify(initialAccessToken),
      );
    }
  });
});

describe('stored token use counts across two instances on one SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-iat-'));
  const filename = join(dir, 'registrar.db');
  const stores = [createSqliteStore({ filename }), createSqliteStore({ filename })];
  const servers: TestServer[] = [];

  before(async () => {
    for (const store of stores) {
      servers.push(
        await startRegistrar({
          registrationEnabled: true,
          registration: store,
          initialAccessToken: { stored: true },
        }),
      );
    }
  });
  after(async () => {
    for (const server of servers) await server.close();
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets exactly 5 of 30 concurrent registrations through a 5-use token', async () => {
    await storedToken(stores[0] as ReturnType<typeof createSqliteStore>, 'shared-five-use-token', {
      max_uses: 5,
    });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        register((servers[index % 2] as TestServer).url, GOOD, { headers: bearer('shared-five-use-token') }),
      ),
    );
    const statuses = results.map((result) => result.status);
    assert.equal(statuses.filter((status) => status === 201).length, 5, statuses.join(','));
    assert.equal(statuses.filter((status) => status === 401).length, 25);
    const record = await stores[1]?.findInitialAccessToken(
      await hashCredential(nodeCrypto, 'shared-five-use-token'),
    );
    assert.equal(record?.uses, 5);
  });
});

const registrar = (args: string[], env: Record<string, string> = {}) => runCommand(args, { env });

describe('registrar tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-tokens-'));
  const storeSpec = `sqlite:${join(dir, 'registrar.db')}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a token printed once, stores only its hash, lists and revokes it', async () => {
    const created = registrar([
      'tokens',
      'create',
      '--store',
      storeSpec,
      '--uses',
      '1',
      '--expires-in',
      '1h',
      '--label',
      'partner A',
      '--policy',
      '{"force":{"scope":"read"}}',
    ]);
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /shown only now/);
    for (const file of readdirSync(dir)) {
      assert.ok(
        !readFileSync(join(dir, file)).toString('latin1').includes(token),
        `${file} holds no plaintext token`,
      );
    }

    const listed = registrar(['tokens', 'list', '--json', '--store', storeSpec]);
    assert.equal(listed.status, 0, listed.stderr);
    const records = JSON.parse(listed.stdout) as Record<string, unknown>[];
    assert.equal(records.length, 1);
    assert.equal(records[0]?.label, 'partner A');
    assert.equal(records[0]?.max_uses, 1);
    assert.ok(!listed.stdout.includes('sha256:'), 'no hash in the listing');
    assert.ok(!listed.stdout.includes(token));

    const store = createSqliteStore({ filename: join(dir, 'registrar.db') });
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      initialAccessToken: { stored: true },
    });
    try {
      const { status, json } = await register(
        server.url,
        { ...GOOD, scope: 'write' },
        { headers: bearer(token) },
      );
      assert.equal(status, 201, JSON.stringify(json));
      assert.equal(json.scope, 'read');
      assert.equal((await register(server.url, GOOD, { headers: bearer(token) })).status, 401);
    } finally {
      await server.close();
      await store.close();
    }

    const revoked = registrar(['tokens', 'revoke', records[0]?.id as string, '--store', storeSpec]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(registrar(['tokens', 'revoke', records[0]?.id as string, '--store', storeSpec]).status, 1);
  });

  it('refuses a malformed duration, use count or policy', () => {
    for (const flags of [
      ['--expires-in', 'soon'],
      ['--uses', '0'],
      ['--policy', '{"allow":{}}'],
      ['--policy', 'nope'],
    ]) {
      const result = registrar(['tokens', 'create', '--store', storeSpec, ...flags]);
      assert.equal(result.status, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '', 'no token printed');
    }
  });
});

describe('registrar serve --initial-access-token', () => {
  it('requires the token given by flag or environment, and also accepts stored tokens', async () => {
    for (const [args, env] of [
      [['--initial-access-token', STATIC_TOKEN], {}],
      [[], { REGISTRAR_INITIAL_ACCESS_TOKEN: STATIC_TOKEN }],
    ] as const) {
      const logger = memoryLogger();
      const options = resolveCommandOptions([...args, '--store', 'memory:', '--port', '0'], env);
      const running = await serve(options, logger);
      try {
        const url = running.url;
        const endpoint = { path: '/oauth/register' };
        assert.equal((await register(url, GOOD, endpoint)).status, 401);
        assert.equal((await register(url, GOOD, { ...endpoint, headers: bearer(STATIC_TOKEN) })).status, 201);
        assert.ok(!JSON.stringify(logger.records).includes(STATIC_TOKEN), 'the token is never logged');
        assert.ok(
          !logger.records.some((record) => String(record.msg).startsWith('open registration')),
          'no open-registration warning',
        );
      } finally {
        await running.close();
      }
    }
  });
});
