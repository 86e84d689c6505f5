// services: postgres
// Caps that reclaim (docs/admission.md#caps) over real HTTP on every bundled store: the owner
// (initial access token, client address per IPv6 /64 through a trusted proxy), reclaiming a
// never-used client past the minimum age from the biggest owner, never an activated or young one,
// 429 naming the cap, the client.reclaimed event, configuration refusals, two instances on one
// PostgreSQL schema under 50 concurrent registrations, and the flags through `registrar serve`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { hashCredential, webCrypto } from '../../src/core/credentials/credentials.js';
import { ConfigurationError } from '../../src/core/errors.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import { createRegistrar } from '../../src/registrar.js';
import { resolveCommandOptions } from '../../src/server/options.js';
import type { BundledStoreWithTokens } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { type OpenedStore, openStore, STORE_KINDS } from '../helpers/bundled-stores.js';
import { runCommand, type ServeProcess, startServe } from '../helpers/cli.js';
import { memoryLogger, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { keyPair, type TestKeyPair } from '../helpers/key-server.js';
import { dropSchema, POSTGRES_URL, sql, uniqueName } from '../helpers/services.js';

const PUBLIC = { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' };
const T0 = 1_800_000_000;

async function storedToken(
  store: BundledStoreWithTokens,
  label: string,
): Promise<{ token: string; id: string }> {
  const token = randomBytes(32).toString('base64url');
  const id = `${label}-${randomBytes(6).toString('hex')}`;
  await store.createInitialAccessToken({
    id,
    token_hash: await hashCredential(webCrypto, token),
    created_at: T0,
    uses: 0,
  });
  return { token, id };
}

for (const kind of STORE_KINDS) {
  describe(`caps over HTTP on the ${kind} store`, () => {
    let opened: OpenedStore;
    let server: TestServer;
    let clock = T0 * 1000;
    const events: RegistrarEvent[] = [];
    const logger = memoryLogger();
    before(async () => {
      opened = await openStore(kind);
      server = await startRegistrar({
        registration: opened.store,
        registrationEnabled: true,
        trustedProxies: ['127.0.0.1'],
        activationWindow: '1h',
        maxClientsPerOwner: 2,
        now: () => clock,
        logger,
        onEvent: (event) => {
          events.push(event);
        },
      });
    });
    after(async () => {
      await server.close();
      await opened.close();
    });
    const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

    it('per address: reclaims the oldest never-used client past 10 minutes, keeps an activated one, then 429', async () => {
      clock = T0 * 1000;
      const first = await register(server.url, PUBLIC, from('203.0.113.5'));
      const second = await register(server.url, PUBLIC, from('203.0.113.5'));
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      await server.registrar.reportClientUse(second.json.client_id as string);
      const tooYoung = await register(server.url, PUBLIC, from('203.0.113.5'));
      assert.equal(tooYoung.status, 429, 'the unused client is younger than the minimum age');
      assert.equal(tooYoung.json.error, 'too_many_requests');
      assert.match(tooYoung.json.error_description as string, /maximum of 2 clients for one registrant/);
      assert.equal(tooYoung.headers.get('retry-after'), '600');
      assert.equal((await register(server.url, PUBLIC, from('203.0.113.6'))).status, 201, 'another address');
      clock += 601_000;
      const third = await register(server.url, PUBLIC, from('203.0.113.5'));
      assert.equal(third.status, 201);
      const reclaimed = events.filter((event) => event.type === 'client.reclaimed');
      assert.deepEqual(reclaimed, [
        {
          type: 'client.reclaimed',
          client_id: first.json.client_id,
          time: T0 + 601,
          cap: 'maxClientsPerOwner',
          owner_kind: 'addr',
        },
      ]);
      const gone = await fetch(first.json.registration_client_uri as string, {
        headers: { authorization: `Bearer ${first.json.registration_access_token}` },
      });
      assert.equal(gone.status, 401, 'the reclaimed client is deleted');
      await assert.rejects(server.registrar.reportClientUse(first.json.client_id as string), {
        code: 'unknown_client',
      });
      assert.ok(await opened.store.loadClient(second.json.client_id as string), 'the activated client stays');
      const full = await register(server.url, PUBLIC, from('203.0.113.5'));
      assert.equal(full.status, 429, 'an activated and a young client: nothing to reclaim');
      assert.equal(server.registrar.counts().events['client.reclaimed'], 1);
      const text = JSON.stringify([events, logger.records]);
      assert.ok(!text.includes('203.0.113.5'), 'no event or log names the address');
    });

    it('per address counts IPv6 per /64', async () => {
      clock = T0 * 1000 + 5_000_000;
      assert.equal((await register(server.url, PUBLIC, from('2001:db8:5:6::1'))).status, 201);
      assert.equal((await register(server.url, PUBLIC, from('2001:db8:5:6::2'))).status, 201);
      assert.equal((await register(server.url, PUBLIC, from('2001:db8:5:6:ffff::3'))).status, 429);
      assert.equal((await register(server.url, PUBLIC, from('2001:db8:5:7::1'))).status, 201);
    });

    it('the total cap with initial access tokens reclaims from the owner with the most clients', async () => {
      const localEvents: RegistrarEvent[] = [];
      let now = T0 * 1000 + 10_000_000;
      // A store of its own: the clients of the cases above would be reclaimable here.
      const own = await openStore(kind);
      const tokensServer = await startRegistrar({
        registration: own.store,
        registrationEnabled: true,
        initialAccessToken: { stored: true },
        maxClients: 3,
        now: () => now,
        onEvent: (event) => {
          localEvents.push(event);
        },
      });
      try {
        const big = await storedToken(own.store, 'big');
        const small = await storedToken(own.store, 'small');
        const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
        const bigFirst = await register(tokensServer.url, PUBLIC, as(big.token));
        assert.equal(bigFirst.status, 201);
        now += 1000;
        assert.equal((await register(tokensServer.url, PUBLIC, as(small.token))).status, 201);
        assert.equal((await register(tokensServer.url, PUBLIC, as(big.token))).status, 201);
        const refused = await register(tokensServer.url, PUBLIC, as(small.token));
        assert.equal(refused.status, 429);
        assert.match(
          refused.json.error_description as string,
          /^This server holds its maximum of \d+ clients; retry later\.$/,
        );
        now += 600_000;
        assert.equal((await register(tokensServer.url, PUBLIC, as(small.token))).status, 201);
        const reclaimed = localEvents.filter((event) => event.type === 'client.reclaimed');
        assert.equal(reclaimed.length, 1);
        assert.equal(reclaimed[0]?.client_id, bigFirst.json.client_id, "the big token's oldest client");
        assert.equal(reclaimed[0]?.owner_kind, 'iat');
        assert.equal(reclaimed[0]?.cap, 'maxClients');
        assert.equal(await own.store.loadClient(bigFirst.json.client_id as string), null);
        assert.ok(!JSON.stringify(localEvents).includes(big.token), 'no event carries a token');
      } finally {
        await tokensServer.close();
        await own.close();
      }
    });

    it("a refusal at the cap keeps the initial access token's use; a used-up token stores nothing", async () => {
      let now = T0 * 1000;
      const own = await openStore(kind);
      const tokensServer = await startRegistrar({
        registration: own.store,
        registrationEnabled: true,
        initialAccessToken: { stored: true },
        maxClients: 1,
        now: () => now,
      });
      try {
        const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
        const filler = await storedToken(own.store, 'filler');
        assert.equal((await register(tokensServer.url, PUBLIC, as(filler.token))).status, 201);
        const once = randomBytes(32).toString('base64url');
        await own.store.createInitialAccessToken({
          id: `once-${randomBytes(6).toString('hex')}`,
          token_hash: await hashCredential(webCrypto, once),
          created_at: T0,
          uses: 0,
          max_uses: 1,
        });
        const refused = await register(tokensServer.url, PUBLIC, as(once));
        assert.equal(refused.status, 429, 'the cap is full and nothing is reclaimable yet');
        now += 601_000;
        const admitted = await register(tokensServer.url, PUBLIC, as(once));
        assert.equal(admitted.status, 201, 'the refused attempt did not spend the only use');
        const spent = await register(tokensServer.url, PUBLIC, as(once));
        assert.equal(spent.status, 401);
        assert.equal(spent.json.error, 'invalid_token');
        const page = await own.store.listClients({ limit: 10 });
        assert.deepEqual(
          page.clients.map((client) => client.client_id),
          [admitted.json.client_id],
          'the reclaimed filler is gone and no refused request left a client behind',
        );
      } finally {
        await tokensServer.close();
        await own.close();
      }
    });

    it('of concurrent registrations with a one-use token exactly one stores a client', async () => {
      const own = await openStore(kind);
      const tokensServer = await startRegistrar({
        registration: own.store,
        registrationEnabled: true,
        initialAccessToken: { stored: true },
        maxClients: 100,
      });
      try {
        const once = randomBytes(32).toString('base64url');
        await own.store.createInitialAccessToken({
          id: `race-${randomBytes(6).toString('hex')}`,
          token_hash: await hashCredential(webCrypto, once),
          created_at: Math.floor(Date.now() / 1000),
          uses: 0,
          max_uses: 1,
        });
        const answers = await Promise.all(
          Array.from({ length: 8 }, () =>
            register(tokensServer.url, PUBLIC, { headers: { authorization: `Bearer ${once}` } }),
          ),
        );
        const statuses = answers.map((answer) => answer.status).sort();
        assert.deepEqual(statuses, [201, 401, 401, 401, 401, 401, 401, 401]);
        const page = await own.store.listClients({ limit: 10 });
        const winner = answers.find((answer) => answer.status === 201);
        assert.deepEqual(
          page.clients.map((client) => client.client_id),
          [winner?.json.client_id],
        );
      } finally {
        await tokensServer.close();
        await own.close();
      }
    });
  });
}

describe('caps per software-statement issuer', () => {
  const ISSUER = 'https://statements.example';
  let server: TestServer;
  let key: TestKeyPair;
  before(async () => {
    key = await keyPair('ES256', 'caps');
    server = await startRegistrar({
      registration: createMemoryStore(),
      registrationEnabled: true,
      trustedProxies: ['127.0.0.1'],
      softwareStatement: { issuers: { [ISSUER]: { jwks: { keys: [key.publicJwk] } } } },
      maxClientsPerOwner: 1,
    });
  });
  after(() => server.close());

  it('counts every client of one issuer together, whatever its address', async () => {
    const statement = () =>
      new SignJWT({ software_id: 'app' })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(ISSUER)
        .setIssuedAt()
        .sign(key.privateKey);
    const withStatement = async (address: string) =>
      register(
        server.url,
        { ...PUBLIC, software_statement: await statement() },
        { headers: { 'x-forwarded-for': address } },
      );
    assert.equal((await withStatement('198.51.100.1')).status, 201);
    const second = await withStatement('198.51.100.2');
    assert.equal(second.status, 429, 'the same issuer from another address');
    assert.match(second.json.error_description as string, /maximum of 1 clients for one registrant/);
    const plain = await register(server.url, PUBLIC, { headers: { 'x-forwarded-for': '198.51.100.1' } });
    assert.equal(plain.status, 201, 'without a statement the address is the owner');
  });
});

describe('caps configuration', () => {
  const base = { issuer: 'https://as.example', registrationEnabled: true, registration: createMemoryStore() };
  const refuses = (config: Record<string, unknown>, name: RegExp) =>
    assert.throws(
      () => createRegistrar({ ...base, ...config }),
      (error: unknown) => error instanceof ConfigurationError && name.test(error.message),
      JSON.stringify(config),
    );

  it('refuses bad values with a ConfigurationError naming the key', () => {
    for (const value of [0, -1, 1.5, '3', Number.NaN, null]) {
      refuses({ maxClients: value }, /^maxClients /);
      refuses({ maxClientsPerOwner: value }, /^maxClientsPerOwner /);
    }
    refuses({ maxClients: 3, reclaimMinAge: 'soon' }, /^reclaimMinAge /);
    refuses({ reclaimMinAge: '5m' }, /^reclaimMinAge needs maxClients/);
  });

  it('refuses a cap when the store lacks registerClientWithinCaps, and keeps an older store working', () => {
    const { registerClientWithinCaps: _capped, ...older } = createMemoryStore();
    refuses({ registration: older, maxClients: 5 }, /^maxClients needs a registerClientWithinCaps/);
    refuses(
      { registration: older, maxClientsPerOwner: 5 },
      /^maxClientsPerOwner needs a registerClientWithinCaps/,
    );
    assert.ok(createRegistrar({ ...base, registration: older }), 'without caps it serves as before');
  });
});

describe('two instances on one PostgreSQL schema', () => {
  const schema = uniqueName('caps');
  const stores: PostgresStore[] = [];
  const servers: TestServer[] = [];
  const CAP = 12;
  before(async () => {
    for (let i = 0; i < 2; i++) {
      const store = createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 10 });
      await store.migrate();
      stores.push(store);
      servers.push(await startRegistrar({ registration: store, registrationEnabled: true, maxClients: CAP }));
    }
  });
  after(async () => {
    for (const server of servers) await server.close();
    for (const store of stores) await store.close();
    await dropSchema(schema);
  });

  it(`store exactly ${CAP} of 50 concurrent registrations, the rest 429, none 5xx`, async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, k) => register((servers[k % 2] as TestServer).url, PUBLIC)),
    );
    const statuses = results.map((result) => result.status);
    assert.equal(statuses.filter((status) => status === 201).length, CAP, statuses.join(','));
    assert.equal(statuses.filter((status) => status === 429).length, 50 - CAP);
    const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".registrar_clients`);
    assert.equal(Number(row?.n), CAP);
  });
});

describe('--max-clients and --max-clients-per-owner', () => {
  it('reads the flags and their environment variables', () => {
    const options = resolveCommandOptions(['--max-clients', '100'], { REGISTRAR_MAX_CLIENTS_PER_OWNER: '5' });
    assert.equal(options.maxClients, 100);
    assert.equal(options.maxClientsPerOwner, 5);
    assert.equal(resolveCommandOptions([], {}).maxClients, undefined, 'no cap by default');
    for (const flag of ['--max-clients', '--max-clients-per-owner']) {
      assert.throws(
        () => resolveCommandOptions([`${flag}=0`], {}),
        (error: unknown) => error instanceof ConfigurationError && error.message.startsWith(`${flag} `),
      );
    }
    const result = runCommand(['serve', '--port', '0', '--store', 'memory:', '--max-clients', 'many']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--max-clients must be a positive integer/);
  });

  it('keeps the cap in registrar serve', async () => {
    let serve: ServeProcess | undefined;
    try {
      serve = await startServe([
        '--port',
        '0',
        '--store',
        'memory:',
        '--rate-limit',
        'off',
        '--max-clients',
        '2',
      ]);
      const url = serve.url;
      assert.equal((await register(url, PUBLIC)).status, 201);
      assert.equal((await register(url, PUBLIC)).status, 201);
      const full = await register(url, PUBLIC);
      assert.equal(full.status, 429);
      assert.equal(full.json.error_description, 'This server holds its maximum of 2 clients; retry later.');
    } finally {
      await serve?.stop();
    }
  });
});
