// services: postgres
// The activation window (docs/client-authentication.md#the-activation-window) and the approval
// queue (docs/admission.md#the-approval-queue) on every bundled store, over real HTTP: a host
// token endpoint on the same server authenticates clients and reports a public client's grants.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ConfigurationError, RegistrationError } from '../../src/core/errors.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import type { RegistrationPolicy } from '../../src/core/metadata/registration-policy.js';
import { createRegistrar } from '../../src/registrar.js';
import type { ClientRegistration } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { type OpenedStore, openStore, STORE_KINDS } from '../helpers/bundled-stores.js';
import { memoryLogger, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { keyPair, type TestKeyPair } from '../helpers/key-server.js';

const WINDOW = 3600;
const TTL = 86400;
const MACHINE = { grant_types: ['client_credentials'] };
const PUBLIC = { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' };

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/**
 * The host's token endpoint: authenticates the client and, for a public client (whose
 * authentication proved nothing), reports the grant it would issue once the code and PKCE held.
 */
function tokenEndpoint(server: () => TestServer): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.url !== '/token') return false;
    (async () => {
      const body = await readBody(req);
      const headers = req.headers.authorization ? { authorization: req.headers.authorization } : {};
      try {
        const client = await server().registrar.authenticateClient({ headers, body });
        const use = client.publicClient
          ? await server().registrar.reportClientUse(client.clientId)
          : undefined;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'issued', reported: use?.activated ?? null }));
      } catch (error) {
        if (!(error instanceof RegistrationError)) throw error;
        const cause = error.cause instanceof ClientResolutionError ? error.cause.code : null;
        res.writeHead(error.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: error.code, error_description: error.description, cause }));
      }
    })().catch(() => res.destroy());
    return true;
  };
}

async function token(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

for (const kind of STORE_KINDS) {
  describe(`activation window on the ${kind} store`, () => {
    let opened: OpenedStore;
    let server: TestServer;
    let clientKey: TestKeyPair;
    const events: RegistrarEvent[] = [];
    const logger = memoryLogger();
    let clock = Date.now();
    const seconds = () => Math.floor(clock / 1000);
    const stored = async (clientId: string): Promise<ClientRegistration | null> =>
      opened.store.loadClient(clientId);

    before(async () => {
      opened = await openStore(kind);
      clientKey = await keyPair('ES256');
      server = await startRegistrar(
        {
          registrationEnabled: true,
          registration: opened.store,
          activationWindow: '1h',
          clientTtl: TTL,
          now: () => clock,
          logger,
          onEvent: (event) => {
            events.push(event);
          },
        },
        tokenEndpoint(() => server),
      );
    });
    after(async () => {
      await server.close();
      await opened.close();
    });

    it('gives a new client the window as its expiry, and activates it on its first secret', async () => {
      const { status, json } = await register(server.url, MACHINE);
      assert.equal(status, 201);
      const clientId = json.client_id as string;
      const before = await stored(clientId);
      assert.equal(before?.activation_deadline, seconds() + WINDOW);
      assert.equal(before?.expires_at, seconds() + WINDOW);
      assert.equal(before?.activated_at, undefined);
      clock += 60_000;
      const wrong = await token(
        server.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(clientId, 'wrong'),
        },
      );
      assert.equal(wrong.status, 401);
      assert.equal(
        (await stored(clientId))?.activated_at,
        undefined,
        'a failed authentication proves nothing',
      );
      const good = await token(
        server.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(clientId, json.client_secret as string),
        },
      );
      assert.equal(good.status, 200, JSON.stringify(good.json));
      const activated = await stored(clientId);
      assert.equal(activated?.activated_at, seconds(), 'written at once, by the first use');
      assert.equal(activated?.expires_at, seconds() + TTL, 'now on the ordinary lifetime');
      assert.deepEqual(
        events.filter((event) => event.type === 'client.activated' && event.client_id === clientId),
        [{ type: 'client.activated', client_id: clientId, time: seconds() }],
      );
      clock += 60_000;
      await token(
        server.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(clientId, json.client_secret as string),
        },
      );
      const renewed = await stored(clientId);
      assert.equal(renewed?.activated_at, seconds() - 60, 'activation happens once');
      assert.equal(renewed?.expires_at, seconds() + TTL, 'later uses renew as clientTtl says');
      assert.equal(
        events.filter((event) => event.type === 'client.activated' && event.client_id === clientId).length,
        1,
      );
    });

    it('activates a private_key_jwt client on its first verified assertion', async () => {
      const { json } = await register(server.url, {
        ...MACHINE,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [clientKey.publicJwk] },
      });
      const clientId = json.client_id as string;
      const assertion = await new SignJWT({
        iss: clientId,
        sub: clientId,
        aud: server.url,
        jti: crypto.randomUUID(),
        exp: seconds() + 60,
      })
        .setProtectedHeader({ alg: clientKey.alg, kid: clientKey.kid })
        .sign(clientKey.privateKey);
      const result = await token(server.url, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      assert.equal(result.status, 200, JSON.stringify(result.json));
      assert.equal((await stored(clientId))?.activated_at, seconds());
    });

    it('does not activate a public client on a bare client_id or a lookup, only on the reported grant', async () => {
      const { json } = await register(server.url, PUBLIC);
      const clientId = json.client_id as string;
      const deadline = seconds() + WINDOW;
      await server.registrar.resolveClient(clientId);
      const bare = await server.registrar.authenticateClient({ headers: {}, body: `client_id=${clientId}` });
      assert.equal(bare.publicClient, true);
      const untouched = await stored(clientId);
      assert.equal(untouched?.activated_at, undefined, 'neither resolveClient nor a bare client_id count');
      assert.equal(untouched?.last_used_at, undefined);
      assert.equal(untouched?.expires_at, deadline, 'nor do they move the deadline');
      const granted = await token(server.url, { grant_type: 'authorization_code', client_id: clientId });
      assert.equal(granted.status, 200);
      assert.equal(granted.json.reported, true, 'reportClientUse activated it');
      const activated = await stored(clientId);
      assert.equal(activated?.activated_at, seconds());
      assert.equal(activated?.expires_at, seconds() + TTL);
      assert.deepEqual(await server.registrar.reportClientUse(clientId), { activated: false });
    });

    it('expires and sweeps a client never proven used within the window', async () => {
      const { json } = await register(server.url, MACHINE);
      const clientId = json.client_id as string;
      const lazy = await register(server.url, PUBLIC);
      const lazyId = lazy.json.client_id as string;
      // A bare client_id within the window keeps nothing alive.
      await server.registrar.authenticateClient({ headers: {}, body: `client_id=${lazyId}` });
      clock += (WINDOW + 1) * 1000;
      const late = await token(
        server.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(clientId, json.client_secret as string),
        },
      );
      assert.equal(late.status, 401, 'past the window the client is dead');
      await assert.rejects(server.registrar.reportClientUse(lazyId), { code: 'unknown_client' });
      const read = await fetch(json.registration_client_uri as string, {
        headers: { authorization: `Bearer ${json.registration_access_token}` },
      });
      assert.equal(read.status, 401);
      events.length = 0;
      const swept = await server.registrar.sweep();
      assert.ok(swept.removed >= 2);
      assert.equal(await stored(clientId), null);
      assert.equal(await stored(lazyId), null);
      const expired = events
        .filter((event) => event.type === 'client.expired')
        .map((event) => event.client_id);
      assert.ok(expired.includes(clientId) && expired.includes(lazyId));
    });

    it('counts the activations', () => {
      assert.equal(server.registrar.counts().events['client.activated'], 3);
    });

    it('puts no secret or token in any event or log record', () => {
      const text = JSON.stringify([events, logger.records]);
      assert.doesNotMatch(text, /sha256:|client_secret"|registration_access_token"|eyJ/);
    });
  });

  describe(`approval queue on the ${kind} store`, () => {
    let opened: OpenedStore;
    let server: TestServer;
    const events: RegistrarEvent[] = [];
    const logger = memoryLogger();
    const review: RegistrationPolicy = (metadata) =>
      metadata.client_name === 'Needs review' ? { pending: true } : undefined;

    before(async () => {
      opened = await openStore(kind);
      server = await startRegistrar(
        {
          registrationEnabled: true,
          registration: opened.store,
          policies: [review],
          logger,
          onEvent: (event) => {
            events.push(event);
          },
        },
        tokenEndpoint(() => server),
      );
    });
    after(async () => {
      await server.close();
      await opened.close();
    });

    const reviewed = (body: Record<string, unknown>) =>
      register(server.url, { ...body, client_name: 'Needs review' });

    it('registers a pending client with its credentials, and refuses it until approved', async () => {
      const { status, json } = await reviewed(MACHINE);
      assert.equal(status, 201);
      assert.equal(typeof json.client_secret, 'string', 'a pending client gets its credentials');
      const clientId = json.client_id as string;
      assert.equal((await opened.store.loadClient(clientId))?.pending_approval, true);
      assert.deepEqual(
        events.filter((event) => event.client_id === clientId).map((event) => event.type),
        ['client.registered', 'client.pending'],
      );
      const refused = await token(
        server.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(clientId, json.client_secret as string),
        },
      );
      assert.equal(refused.status, 401);
      assert.equal(refused.json.error, 'invalid_client', 'on the wire, RFC 6749 §5.2');
      assert.equal(refused.json.error_description, 'Client authentication failed.');
      assert.equal(refused.json.cause, 'pending_approval', 'in the library, its own code');
      await assert.rejects(server.registrar.resolveClient(clientId), (error: unknown) => {
        assert.ok(error instanceof ClientResolutionError);
        assert.equal(error.code, 'pending_approval');
        return true;
      });
      await assert.rejects(server.registrar.reportClientUse(clientId), { code: 'pending_approval' });
      // RFC 7592 management stays open, so the client can read its registration while it waits.
      const read = await fetch(json.registration_client_uri as string, {
        headers: { authorization: `Bearer ${json.registration_access_token}` },
      });
      assert.equal(read.status, 200);
      assert.equal(await server.registrar.approveClient(clientId), true);
      assert.equal(await server.registrar.approveClient(clientId), false, 'approved once');
      assert.equal(events.at(-1)?.type, 'client.approved');
      const accepted = await token(
        server.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(clientId, json.client_secret as string),
        },
      );
      assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
      const resolved = await server.registrar.resolveClient(clientId);
      assert.equal(resolved.clientId, clientId);
    });

    it('a wrong secret for a pending client learns nothing of the queue', async () => {
      const { json } = await reviewed(MACHINE);
      const refused = await token(
        server.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(json.client_id as string, 'wrong'),
        },
      );
      assert.equal(refused.status, 401);
      assert.equal(refused.json.cause, null);
    });

    it('a PUT of a pending client keeps it pending', async () => {
      const { json } = await reviewed(MACHINE);
      const clientId = json.client_id as string;
      const updated = await fetch(json.registration_client_uri as string, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${json.registration_access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ client_id: clientId, ...MACHINE, client_name: 'Renamed' }),
      });
      assert.equal(updated.status, 200);
      assert.equal((await opened.store.loadClient(clientId))?.pending_approval, true);
    });

    it('rejects a pending client: it is deleted and its credentials are dead', async () => {
      const { json } = await reviewed(PUBLIC);
      const clientId = json.client_id as string;
      assert.equal(await server.registrar.rejectClient(clientId), true);
      assert.equal(await server.registrar.rejectClient(clientId), false);
      assert.equal(await server.registrar.approveClient(clientId), false);
      assert.deepEqual(events.at(-1), {
        type: 'client.rejected',
        client_id: clientId,
        time: (events.at(-1) as RegistrarEvent).time,
      });
      assert.equal(await opened.store.loadClient(clientId), null);
      const read = await fetch(json.registration_client_uri as string, {
        headers: { authorization: `Bearer ${json.registration_access_token}` },
      });
      assert.equal(read.status, 401);
    });

    it('leaves clients no policy holds alone', async () => {
      const { json } = await register(server.url, { ...MACHINE, client_name: 'Ordinary' });
      const clientId = json.client_id as string;
      assert.equal((await opened.store.loadClient(clientId))?.pending_approval, undefined);
      assert.equal(await server.registrar.approveClient(clientId), false);
      assert.equal(await server.registrar.rejectClient(clientId), false);
      assert.ok(await opened.store.loadClient(clientId), 'rejectClient never removes an approved client');
    });

    it('counts each step of the queue', () => {
      const { events: counted } = server.registrar.counts();
      assert.equal(counted['client.pending'], 4);
      assert.equal(counted['client.approved'], 1);
      assert.equal(counted['client.rejected'], 1);
    });

    it('puts no secret or token in any event or log record', () => {
      const text = JSON.stringify([events, logger.records]);
      assert.doesNotMatch(text, /sha256:|client_secret"|registration_access_token"|eyJ/);
    });
  });
}

describe('activation and approval configuration', () => {
  it('refuses a bad activationWindow with a ConfigurationError naming it', () => {
    for (const activationWindow of [
      -1,
      1.5,
      'soon',
      '0h',
      '',
      '1w',
      '-1h',
      true,
      {},
      3651 * 86400,
      '3651d',
    ]) {
      assert.throws(
        () =>
          createRegistrar({
            issuer: 'http://127.0.0.1',
            registration: createMemoryStore(),
            activationWindow: activationWindow as string,
          }),
        (error: unknown) => error instanceof ConfigurationError && /activationWindow/.test(error.message),
        JSON.stringify(activationWindow),
      );
    }
  });

  it('accepts seconds and durations, 0 for off', () => {
    for (const activationWindow of [0, 90, '90s', '30m', '1h', '7d', ' 1h ']) {
      createRegistrar({ issuer: 'http://127.0.0.1', registration: createMemoryStore(), activationWindow });
    }
  });

  it('refuses activationWindow without activateClient', () => {
    const { activateClient: _activate, ...store } = createMemoryStore();
    assert.throws(
      () => createRegistrar({ issuer: 'http://127.0.0.1', registration: store, activationWindow: '1h' }),
      (error: unknown) =>
        error instanceof ConfigurationError && /activationWindow needs an activateClient/.test(error.message),
    );
  });

  it('a flat activateClient key wins over the store method', async () => {
    const memory = createMemoryStore();
    const calls: string[] = [];
    let server: TestServer | undefined;
    try {
      server = await startRegistrar({
        registrationEnabled: true,
        registration: memory,
        activationWindow: 60,
        activateClient: async (clientId, at, expiresAt) => {
          calls.push(clientId);
          return memory.activateClient(clientId, at, expiresAt);
        },
      });
      const { json } = await register(server.url, MACHINE);
      await server.registrar.authenticateClient({
        headers: { authorization: basic(json.client_id as string, json.client_secret as string) },
        body: 'grant_type=client_credentials',
      });
      assert.deepEqual(calls, [json.client_id]);
      assert.equal(typeof (await memory.loadClient(json.client_id as string))?.activated_at, 'number');
    } finally {
      await server?.close();
    }
  });

  it('a policy holding a client without approveClient stores nothing; nor does a pending that is not a boolean', async () => {
    const memory = createMemoryStore();
    const { approveClient: _approve, ...store } = memory;
    const logger = memoryLogger();
    for (const [registration, policy] of [
      [store, () => ({ pending: true })],
      [memory, () => ({ pending: 'yes' as unknown as boolean })],
    ] as const) {
      const server = await startRegistrar({
        registrationEnabled: true,
        registration,
        policies: [policy],
        logger,
      });
      try {
        const { status, json } = await register(server.url, MACHINE);
        assert.equal(status, 500);
        assert.equal(json.error, 'server_error');
      } finally {
        await server.close();
      }
    }
    assert.deepEqual((await memory.listClients()).clients, [], 'nothing half-written');
  });

  it('a policy answering pending on an update changes nothing', async () => {
    const memory = createMemoryStore();
    let hold = false;
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: memory,
      policies: [() => (hold ? { pending: true } : undefined)],
    });
    try {
      const { json } = await register(server.url, MACHINE);
      hold = true;
      const updated = await fetch(json.registration_client_uri as string, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${json.registration_access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ client_id: json.client_id, ...MACHINE }),
      });
      assert.equal(updated.status, 200);
      assert.equal((await memory.loadClient(json.client_id as string))?.pending_approval, undefined);
    } finally {
      await server.close();
    }
  });
});
