// RFC 7592 client management over real HTTP (docs/management.md), on every bundled store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RegistrarConfig } from '../../src/core/config/registrar-config.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import type { BundledStore } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';

const METADATA = {
  redirect_uris: ['https://client.example.org/cb'],
  client_name: 'Managed',
  scope: 'read write',
};

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function manage(
  uri: string,
  method: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(uri, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : {} };
}

interface Registered {
  client_id: string;
  client_secret?: string;
  registration_access_token: string;
  registration_client_uri: string;
  [member: string]: unknown;
}

const stores: [string, () => { store: BundledStore; cleanup: () => void }][] = [
  ['memory', () => ({ store: createMemoryStore(), cleanup: () => {} })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'registrar-management-'));
      return {
        store: createSqliteStore({ filename: join(dir, 'r.db') }),
        cleanup: () => rmSync(dir, { recursive: true }),
      };
    },
  ],
];

for (const [storeName, makeStore] of stores) {
  describe(`RFC 7592 management (${storeName} store)`, () => {
    let server: TestServer;
    let store: BundledStore;
    let cleanup: () => void;
    const events: RegistrarEvent[] = [];

    before(async () => {
      ({ store, cleanup } = makeStore());
      server = await startRegistrar({
        registrationEnabled: true,
        registration: store,
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'client.updated') throw new Error('event handler failure must not matter');
        },
      });
    });
    after(async () => {
      await server.close();
      await store.close();
      cleanup();
    });

    async function fresh(metadata: Record<string, unknown> = METADATA): Promise<Registered> {
      const { status, json } = await register(server.url, metadata);
      assert.equal(status, 201, JSON.stringify(json));
      return json as Registered;
    }

    it('GET answers the registration with a usable token and never a hash', async () => {
      const client = await fresh();
      const { status, headers, json, text } = await manage(
        client.registration_client_uri,
        'GET',
        client.registration_access_token,
      );
      assert.equal(status, 200);
      assert.equal(headers.get('cache-control'), 'no-store');
      assert.equal(json.client_id, client.client_id);
      assert.equal(json.client_name, 'Managed');
      assert.equal(json.scope, 'read write');
      assert.equal(json.registration_client_uri, client.registration_client_uri);
      assert.equal(json.client_secret_expires_at, 0);
      assert.ok(!('client_secret' in json), 'the hashed secret cannot be returned');
      assert.ok(!text.includes('sha256:'), 'no hash ever leaves the server');
      // Default rotation is on-update: GET hands back the presented token, which keeps working.
      assert.equal(json.registration_access_token, client.registration_access_token);
      assert.equal(
        (await manage(client.registration_client_uri, 'GET', json.registration_access_token as string))
          .status,
        200,
      );
    });

    it('reads the token from the Authorization header only', async () => {
      const client = await fresh();
      const query = await manage(
        `${client.registration_client_uri}?access_token=${client.registration_access_token}`,
        'GET',
      );
      assert.equal(query.status, 401);
      assert.equal(query.headers.get('www-authenticate'), 'Bearer');
      assert.equal(query.json.error, 'invalid_request');
      const form = await fetch(client.registration_client_uri, {
        method: 'DELETE',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${client.registration_access_token}`,
      });
      assert.equal(form.status, 401);
      assert.equal(form.headers.get('www-authenticate'), 'Bearer');
      assert.equal(
        (await manage(client.registration_client_uri, 'GET', client.registration_access_token)).status,
        200,
      );
    });

    it('answers 401 with a bare challenge when no token is sent, and for a non-Bearer scheme', async () => {
      const client = await fresh();
      for (const headers of [{}, { authorization: `Basic ${btoa('a:b')}` }, { authorization: 'Bearer' }]) {
        const answer = await manage(client.registration_client_uri, 'GET', undefined, undefined, headers);
        assert.equal(answer.status, 401);
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
        assert.equal(answer.json.error, 'invalid_request');
      }
    });

    it('answers byte-identical 401 invalid_token for a wrong token and an unknown client', async () => {
      const client = await fresh();
      const wrong = await manage(client.registration_client_uri, 'GET', 'A'.repeat(43));
      const unknown = await manage(
        `${server.url}/oauth/register/unknownclient`,
        'GET',
        client.registration_access_token,
      );
      for (const answer of [wrong, unknown]) {
        assert.equal(answer.status, 401);
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
        assert.equal(answer.json.error, 'invalid_token');
      }
      assert.equal(wrong.text, unknown.text);
      const otherClient = await fresh();
      const crossed = await manage(
        client.registration_client_uri,
        'GET',
        otherClient.registration_access_token,
      );
      assert.equal(crossed.status, 401);
      assert.equal(crossed.text, wrong.text, "another client's token is just a wrong token");
    });

    it('PUT replaces the metadata whole, rotates the token and keeps the secret', async () => {
      const client = await fresh({ ...METADATA, client_uri: 'https://client.example.org' });
      const { status, json } = await manage(
        client.registration_client_uri,
        'PUT',
        client.registration_access_token,
        {
          client_id: client.client_id,
          redirect_uris: ['https://client.example.org/new-cb'],
          client_name: 'Renamed',
        },
      );
      assert.equal(status, 200, JSON.stringify(json));
      assert.deepEqual(json.redirect_uris, ['https://client.example.org/new-cb']);
      assert.equal(json.client_name, 'Renamed');
      assert.ok(!('client_uri' in json), 'an omitted member is removed');
      assert.ok(!('scope' in json), 'an omitted member is removed');
      assert.deepEqual(json.grant_types, ['authorization_code'], 'an omitted member with a default gets it');
      assert.equal(json.token_endpoint_auth_method, 'client_secret_basic');
      assert.ok(!('client_secret' in json), 'the existing secret is kept, not re-issued');
      assert.equal(json.client_secret_expires_at, 0);
      assert.equal(json.client_id_issued_at, client.client_id_issued_at);
      const newToken = json.registration_access_token as string;
      assert.notEqual(newToken, client.registration_access_token);
      assert.equal(
        (await manage(client.registration_client_uri, 'GET', client.registration_access_token)).status,
        401,
      );
      const read = await manage(client.registration_client_uri, 'GET', newToken);
      assert.equal(read.status, 200);
      assert.equal(read.json.client_name, 'Renamed');
    });

    it('PUT accepts the current client_secret and refuses any other', async () => {
      const client = await fresh();
      const ok = await manage(client.registration_client_uri, 'PUT', client.registration_access_token, {
        ...METADATA,
        client_id: client.client_id,
        client_secret: client.client_secret,
      });
      assert.equal(ok.status, 200);
      const token = ok.json.registration_access_token as string;
      const bad = await manage(client.registration_client_uri, 'PUT', token, {
        ...METADATA,
        client_id: client.client_id,
        client_secret: 'chosen-by-the-client',
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error, 'invalid_request');
      assert.ok(!bad.text.includes('chosen-by-the-client'));
      assert.equal(
        (await manage(client.registration_client_uri, 'GET', token)).status,
        200,
        'the old token still works',
      );
    });

    it('PUT switching to none drops the secret; switching back mints and returns a new one', async () => {
      const client = await fresh();
      const toPublic = await manage(client.registration_client_uri, 'PUT', client.registration_access_token, {
        ...METADATA,
        client_id: client.client_id,
        token_endpoint_auth_method: 'none',
      });
      assert.equal(toPublic.status, 200);
      assert.ok(!('client_secret' in toPublic.json));
      assert.ok(!('client_secret_expires_at' in toPublic.json));
      const stored = await store.loadClient(client.client_id);
      assert.equal(stored?.client_secret_hash, undefined, 'the secret hash is dropped');
      const back = await manage(
        client.registration_client_uri,
        'PUT',
        toPublic.json.registration_access_token as string,
        { ...METADATA, client_id: client.client_id, token_endpoint_auth_method: 'client_secret_post' },
      );
      assert.equal(back.status, 200);
      assert.match(back.json.client_secret as string, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(back.json.client_secret, client.client_secret);
      assert.equal(back.json.client_secret_expires_at, 0);
      const reloaded = await store.loadClient(client.client_id);
      assert.match(reloaded?.client_secret_hash ?? '', /^sha256:/);
    });

    describe('PUT refuses bad requests and changes nothing', () => {
      const cases: [string, (client: Registered) => unknown, string][] = [
        ['a missing client_id', () => ({ ...METADATA }), 'invalid_request'],
        ['a different client_id', () => ({ ...METADATA, client_id: 'someone-else' }), 'invalid_request'],
        [
          'registration_access_token',
          (c) => ({ ...METADATA, client_id: c.client_id, registration_access_token: 'x' }),
          'invalid_request',
        ],
        [
          'registration_client_uri',
          (c) => ({ ...METADATA, client_id: c.client_id, registration_client_uri: 'https://x' }),
          'invalid_request',
        ],
        [
          'client_secret_expires_at',
          (c) => ({ ...METADATA, client_id: c.client_id, client_secret_expires_at: 0 }),
          'invalid_request',
        ],
        [
          'client_id_issued_at',
          (c) => ({ ...METADATA, client_id: c.client_id, client_id_issued_at: 1 }),
          'invalid_request',
        ],
        [
          'a bad redirect URI',
          (c) => ({ client_id: c.client_id, redirect_uris: ['javascript:alert(1)'] }),
          'invalid_redirect_uri',
        ],
        [
          'bad metadata',
          (c) => ({ ...METADATA, client_id: c.client_id, grant_types: ['password'] }),
          'invalid_client_metadata',
        ],
        ['a JSON array', () => [1], 'invalid_request'],
      ];
      for (const [name, body, error] of cases) {
        it(name, async () => {
          const client = await fresh();
          const before = await store.loadClient(client.client_id);
          const answer = await manage(
            client.registration_client_uri,
            'PUT',
            client.registration_access_token,
            body(client),
          );
          assert.equal(answer.status, 400, answer.text);
          assert.equal(answer.json.error, error);
          assert.equal(answer.headers.get('cache-control'), 'no-store');
          assert.deepEqual(
            await store.loadClient(client.client_id),
            before,
            'the stored registration is unchanged',
          );
          assert.equal(
            (await manage(client.registration_client_uri, 'GET', client.registration_access_token)).status,
            200,
          );
        });
      }
    });

    it('two concurrent PUTs with the same token cannot both win', async () => {
      const client = await fresh();
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          manage(client.registration_client_uri, 'PUT', client.registration_access_token, {
            ...METADATA,
            client_id: client.client_id,
            client_name: `writer ${index}`,
          }),
        ),
      );
      const winners = answers.filter((answer) => answer.status === 200);
      assert.equal(winners.length, 1);
      for (const answer of answers) {
        if (answer.status !== 200) {
          assert.equal(answer.status, 401);
          assert.equal(answer.json.error, 'invalid_token');
        }
      }
      const read = await manage(
        client.registration_client_uri,
        'GET',
        winners[0]?.json.registration_access_token as string,
      );
      assert.equal(read.json.client_name, winners[0]?.json.client_name);
    });

    it('DELETE answers 204 with an empty body; afterwards every management call is 401', async () => {
      const client = await fresh();
      const deleted = await manage(
        client.registration_client_uri,
        'DELETE',
        client.registration_access_token,
      );
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      assert.equal(deleted.headers.get('cache-control'), 'no-store');
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const body = method === 'PUT' ? { ...METADATA, client_id: client.client_id } : undefined;
        const answer = await manage(
          client.registration_client_uri,
          method,
          client.registration_access_token,
          body,
        );
        assert.equal(answer.status, 401, method);
        assert.equal(answer.json.error, 'invalid_token');
      }
      assert.equal(await store.loadClient(client.client_id), null);
    });

    it('twenty concurrent DELETEs with the same token give exactly one 204 and no 5xx', async () => {
      const client = await fresh();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          manage(client.registration_client_uri, 'DELETE', client.registration_access_token),
        ),
      );
      assert.equal(answers.filter((answer) => answer.status === 204).length, 1);
      assert.ok(answers.every((answer) => answer.status === 204 || answer.status === 401));
    });

    it('answers 405 with Allow for other methods', async () => {
      const client = await fresh();
      const answer = await manage(
        client.registration_client_uri,
        'POST',
        client.registration_access_token,
        {},
      );
      assert.equal(answer.status, 405);
      assert.equal(answer.headers.get('allow'), 'GET, PUT, DELETE, OPTIONS');
      assert.equal(answer.json.error, 'invalid_request');
    });

    it('emits client.updated, client.deleted and management.auth_failed without secrets', async () => {
      const client = await fresh();
      const start = events.length;
      await manage(client.registration_client_uri, 'GET', 'wrong-token');
      const updated = await manage(client.registration_client_uri, 'PUT', client.registration_access_token, {
        ...METADATA,
        client_id: client.client_id,
      });
      assert.equal(updated.status, 200, 'a throwing event handler does not change the response');
      await manage(
        client.registration_client_uri,
        'DELETE',
        updated.json.registration_access_token as string,
      );
      const mine = events.slice(start).filter((event) => event.client_id === client.client_id);
      assert.deepEqual(
        mine.map((event) => event.type),
        ['management.auth_failed', 'client.updated', 'client.deleted'],
      );
      const serialised = JSON.stringify(mine);
      for (const secret of [
        client.client_secret,
        client.registration_access_token,
        updated.json.registration_access_token,
      ]) {
        assert.ok(!serialised.includes(secret as string));
      }
    });
  });
}

describe('management configuration', () => {
  async function withServer(
    config: Partial<RegistrarConfig<unknown>>,
    run: (server: TestServer) => Promise<void>,
  ) {
    const server = await startRegistrar({ registrationEnabled: true, ...config } as RegistrarConfig<unknown>);
    try {
      await run(server);
    } finally {
      await server.close();
    }
  }

  it('answers 405 with Allow listing only what is mounted', async () => {
    const store = createMemoryStore();
    await withServer(
      {
        registerClient: store.registerClient,
        loadClient: store.loadClient,
        clientRegistrationAccessTokenHash: store.clientRegistrationAccessTokenHash,
        clientRegistration: store.clientRegistration,
      },
      async (server) => {
        const client = (await register(server.url, METADATA)).json as Registered;
        const put = await manage(client.registration_client_uri, 'PUT', client.registration_access_token, {
          ...METADATA,
          client_id: client.client_id,
        });
        assert.equal(put.status, 405);
        assert.equal(put.headers.get('allow'), 'GET, OPTIONS');
        const del = await manage(client.registration_client_uri, 'DELETE', client.registration_access_token);
        assert.equal(del.status, 405);
        assert.equal(
          (await manage(client.registration_client_uri, 'GET', client.registration_access_token)).status,
          200,
        );
      },
    );
  });

  for (const [name, hash] of [
    ['unset', undefined],
    ['returning null', () => null],
  ] as const) {
    it(`fails closed when clientRegistrationAccessTokenHash is ${name}`, async () => {
      const store = createMemoryStore();
      await withServer(
        {
          registration: { ...store, clientRegistrationAccessTokenHash: undefined },
          ...(hash ? { clientRegistrationAccessTokenHash: hash } : {}),
        } as unknown as Partial<RegistrarConfig<unknown>>,
        async (server) => {
          const client = (await register(server.url, METADATA)).json as Registered;
          for (const method of ['GET', 'DELETE']) {
            const answer = await manage(
              client.registration_client_uri,
              method,
              client.registration_access_token,
            );
            assert.equal(answer.status, 401);
            assert.equal(answer.json.error, 'invalid_token');
          }
          assert.ok(await store.loadClient(client.client_id), 'nothing was deleted');
        },
      );
    });
  }

  it("answers 403 access_denied when the store refuses a deletion, and 401 for 'not_found'", async () => {
    const store = createMemoryStore();
    let answer: { ok: false; reason: string } = { ok: false, reason: 'client is pinned by policy' };
    await withServer(
      { registration: store, unregisterClient: () => answer } as Partial<RegistrarConfig<unknown>>,
      async (server) => {
        const client = (await register(server.url, METADATA)).json as Registered;
        const refused = await manage(
          client.registration_client_uri,
          'DELETE',
          client.registration_access_token,
        );
        assert.equal(refused.status, 403);
        assert.equal(refused.json.error, 'access_denied');
        assert.ok(!refused.text.includes('pinned'));
        answer = { ok: false, reason: 'not_found' };
        const gone = await manage(client.registration_client_uri, 'DELETE', client.registration_access_token);
        assert.equal(gone.status, 401);
        assert.equal(gone.json.error, 'invalid_token');
      },
    );
  });

  it("rotates the token on every call under 'always' and keeps it under 'never'", async () => {
    await withServer(
      { registration: createMemoryStore(), rotateRegistrationAccessToken: 'always' },
      async (server) => {
        const client = (await register(server.url, METADATA)).json as Registered;
        const first = await manage(client.registration_client_uri, 'GET', client.registration_access_token);
        assert.equal(first.status, 200);
        const rotated = first.json.registration_access_token as string;
        assert.notEqual(rotated, client.registration_access_token);
        assert.equal(
          (await manage(client.registration_client_uri, 'GET', client.registration_access_token)).status,
          401,
        );
        assert.equal((await manage(client.registration_client_uri, 'GET', rotated)).status, 200);
      },
    );
    await withServer(
      { registration: createMemoryStore(), rotateRegistrationAccessToken: 'never' },
      async (server) => {
        const client = (await register(server.url, METADATA)).json as Registered;
        const put = await manage(client.registration_client_uri, 'PUT', client.registration_access_token, {
          ...METADATA,
          client_id: client.client_id,
        });
        assert.equal(put.json.registration_access_token, client.registration_access_token);
        assert.equal(
          (await manage(client.registration_client_uri, 'GET', client.registration_access_token)).status,
          200,
        );
      },
    );
  });

  it('percent-encodes the client id in registration_client_uri and routes it back', async () => {
    const store = recordingStore(createMemoryStore());
    await withServer({ registration: store }, async (server) => {
      const client = (await register(server.url, METADATA)).json as Registered;
      assert.equal(
        client.registration_client_uri,
        `${server.url}/oauth/register/${encodeURIComponent(client.client_id)}`,
      );
      const loads = () =>
        store.calls.filter((call) => call.name === 'loadClientWithRegistration').map((call) => call.args[0]);
      await manage(client.registration_client_uri, 'GET', client.registration_access_token);
      assert.deepEqual(loads(), [client.client_id]);
    });
  });

  it('issues no registration access token when management is disabled', async () => {
    const store = createMemoryStore();
    await withServer({ registerClient: store.registerClient, managementEnabled: false }, async (server) => {
      const { status, json } = await register(server.url, METADATA);
      assert.equal(status, 201);
      assert.ok(!('registration_access_token' in json));
      assert.ok(!('registration_client_uri' in json));
      const answer = await manage(`${server.url}/oauth/register/${json.client_id}`, 'GET', 'anything');
      assert.equal(answer.status, 404);
    });
  });
});
