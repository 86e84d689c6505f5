// services: postgres
// Operator-managed clients (docs/operations.md#operator-managed-clients) on every bundled store:
// registrar.createClient, updateClient, rotateClientSecret and deleteClient, with the credentials
// they mint proven at a host token endpoint and at RFC 7592 management over real HTTP.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { RegistrationError } from '../../src/core/errors.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import { type OpenedStore, openStore, STORE_KINDS } from '../helpers/bundled-stores.js';
import { memoryLogger, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { rejectionOf } from '../helpers/rejection.js';
import { credentialsIn } from '../helpers/secrets.js';

const MACHINE = { client_name: 'Nightly export', grant_types: ['client_credentials'] };

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** The host's token endpoint: authenticates the client with `authenticateClient`. */
function tokenEndpoint(server: () => TestServer): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.url !== '/token') return false;
    (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const headers = req.headers.authorization ? { authorization: req.headers.authorization } : {};
      try {
        const client = await server().registrar.authenticateClient({ headers, body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ client_id: client.clientId }));
      } catch (error) {
        if (!(error instanceof RegistrationError)) throw error;
        res.writeHead(error.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: error.code }));
      }
    })().catch(() => res.destroy());
    return true;
  };
}

for (const kind of STORE_KINDS) {
  describe(`operator-managed clients on the ${kind} store`, () => {
    let opened: OpenedStore;
    let server: TestServer;
    const events: RegistrarEvent[] = [];
    const logger = memoryLogger();
    const minted = new Set<string>();

    const tokenStatus = async (clientId: string, secret: string): Promise<number> => {
      const response = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(clientId, secret),
        },
        body: 'grant_type=client_credentials',
      });
      await response.arrayBuffer();
      return response.status;
    };

    before(async () => {
      opened = await openStore(kind);
      server = await startRegistrar(
        {
          registrationEnabled: true,
          managementEnabled: true,
          registration: opened.store,
          // Open registration expires unused clients; an operator's clients must not.
          clientTtl: 3600,
          activationWindow: '10m',
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

    it('creates a confidential client whose secret works and which never expires for want of use', async () => {
      const body = await server.registrar.createClient(MACHINE);
      const clientId = body.client_id as string;
      const secret = body.client_secret as string;
      minted.add(secret).add(body.registration_access_token as string);
      assert.equal(body.client_name, 'Nightly export');
      assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
      assert.equal(typeof body.registration_access_token, 'string');
      const stored = await opened.store.loadClient(clientId);
      assert.ok(stored);
      assert.equal(stored.expires_at, undefined, 'no clientTtl expiry');
      assert.equal(stored.activation_deadline, undefined, 'no activation window');
      assert.equal(stored.owner, undefined, 'no owner: never reclaimed by the caps');
      assert.equal(await tokenStatus(clientId, secret), 200);
      assert.equal(await tokenStatus(clientId, `${secret}x`), 401);
      const read = await fetch(body.registration_client_uri as string, {
        headers: { authorization: `Bearer ${body.registration_access_token}` },
      });
      assert.equal(read.status, 200, 'the registration access token manages the client over RFC 7592');
      assert.equal(((await read.json()) as { client_name: string }).client_name, 'Nightly export');
      assert.ok(events.some((event) => event.type === 'client.registered' && event.client_id === clientId));
    });

    it('validates the metadata as registration does and refuses members the server owns', async () => {
      const badUri = await rejectionOf(
        server.registrar.createClient({ redirect_uris: ['javascript:alert(1)'] }),
        RegistrationError,
      );
      assert.equal(badUri.code, 'invalid_redirect_uri');
      for (const member of [
        'client_id',
        'client_secret',
        'registration_access_token',
        'client_id_issued_at',
      ]) {
        const error = await rejectionOf(
          server.registrar.createClient({ ...MACHINE, [member]: 'x' }),
          RegistrationError,
        );
        assert.equal(error.code, 'invalid_client_metadata', member);
        assert.match(error.description, new RegExp(member));
      }
      const notObject = await rejectionOf(
        server.registrar.createClient([] as unknown as Record<string, unknown>),
        RegistrationError,
      );
      assert.equal(notObject.code, 'invalid_request');
      const page = await opened.store.listClients({ limit: 100 });
      assert.equal(page.clients.length, 1, 'no refused client was stored');
    });

    it('updates the metadata whole and keeps the secret; a change to a public client drops it', async () => {
      const body = await server.registrar.createClient(MACHINE);
      const clientId = body.client_id as string;
      const secret = body.client_secret as string;
      minted.add(secret).add(body.registration_access_token as string);
      const updated = await server.registrar.updateClient(clientId, {
        client_id: clientId,
        client_name: 'Nightly export v2',
        grant_types: ['client_credentials'],
      });
      assert.equal(updated.client_name, 'Nightly export v2');
      assert.equal(updated.client_secret, undefined, 'the kept secret is not shown again');
      assert.equal(updated.registration_access_token, undefined);
      assert.equal(await tokenStatus(clientId, secret), 200, 'the secret still works');
      const read = await fetch(body.registration_client_uri as string, {
        headers: { authorization: `Bearer ${body.registration_access_token}` },
      });
      assert.equal(read.status, 200, 'the registration access token is kept');
      await read.arrayBuffer();

      const mismatch = await rejectionOf(
        server.registrar.updateClient(clientId, { client_id: 'other', client_name: 'x' }),
        RegistrationError,
      );
      assert.equal(mismatch.code, 'invalid_request');
      assert.match(mismatch.description, /client_id/);

      const publicClient = await server.registrar.updateClient(clientId, {
        redirect_uris: ['http://127.0.0.1/cb'],
        token_endpoint_auth_method: 'none',
      });
      assert.equal(publicClient.token_endpoint_auth_method, 'none');
      const stored = await opened.store.loadClient(clientId);
      assert.equal(stored?.client_secret_hash, undefined, 'the secret is gone');
      assert.equal(await tokenStatus(clientId, secret), 401);
      assert.ok(events.some((event) => event.type === 'client.updated' && event.client_id === clientId));
    });

    it('rotates a secret: the new one works at once and the old one stops', async () => {
      const body = await server.registrar.createClient(MACHINE);
      const clientId = body.client_id as string;
      const old = body.client_secret as string;
      minted.add(old).add(body.registration_access_token as string);
      const rotated = await server.registrar.rotateClientSecret(clientId);
      minted.add(rotated.client_secret);
      assert.equal(rotated.client_id, clientId);
      assert.notEqual(rotated.client_secret, old);
      assert.equal(await tokenStatus(clientId, rotated.client_secret), 200);
      assert.equal(await tokenStatus(clientId, old), 401);
      assert.ok(
        events.some((event) => event.type === 'client.secret_rotated' && event.client_id === clientId),
      );

      const publicBody = await server.registrar.createClient({
        redirect_uris: ['http://127.0.0.1/cb'],
        token_endpoint_auth_method: 'none',
      });
      minted.add(publicBody.registration_access_token as string);
      const noSecret = await rejectionOf(
        server.registrar.rotateClientSecret(publicBody.client_id as string),
        RegistrationError,
      );
      assert.equal(noSecret.code, 'invalid_request');
      assert.match(noSecret.description, /client secret/);
    });

    it('answers unknown_client for a client that is not stored, and deletes once', async () => {
      for (const call of [
        server.registrar.updateClient('no-such-client', { client_name: 'x' }),
        server.registrar.rotateClientSecret('no-such-client'),
      ]) {
        const error = await rejectionOf(call, ClientResolutionError);
        assert.equal(error.code, 'unknown_client');
      }
      const body = await server.registrar.createClient(MACHINE);
      const clientId = body.client_id as string;
      minted.add(body.client_secret as string).add(body.registration_access_token as string);
      assert.equal(await server.registrar.deleteClient(clientId), true);
      assert.equal(await server.registrar.deleteClient(clientId), false);
      assert.equal(await opened.store.loadClient(clientId), null);
      assert.equal(await tokenStatus(clientId, body.client_secret as string), 401);
      assert.ok(events.some((event) => event.type === 'client.deleted' && event.client_id === clientId));
    });

    it('changes a client registered with management off, whose token no one holds', async () => {
      const closed = await startRegistrar({
        registrationEnabled: true,
        managementEnabled: false,
        registration: opened.store,
      });
      try {
        const registered = await register(closed.url, MACHINE);
        assert.equal(registered.status, 201);
        assert.equal(registered.json.registration_access_token, undefined, 'no token is handed out');
        const clientId = registered.json.client_id as string;
        minted.add(registered.json.client_secret as string);
        const stored = await opened.store.loadClient(clientId);
        assert.match(stored?.registration_access_token_hash ?? '', /^sha256:/, 'a hash to compare is stored');
        const updated = await closed.registrar.updateClient(clientId, { ...MACHINE, client_name: 'Renamed' });
        assert.equal(updated.client_name, 'Renamed');
        const rotated = await closed.registrar.rotateClientSecret(clientId);
        minted.add(rotated.client_secret);
        assert.equal(await tokenStatus(clientId, rotated.client_secret), 200);
        const created = await closed.registrar.createClient(MACHINE);
        assert.equal(created.registration_access_token, undefined);
        assert.equal(created.registration_client_uri, undefined);
        minted.add(created.client_secret as string);
      } finally {
        await closed.close();
      }
    });

    it('puts no credential in any event or log line', () => {
      assert.ok(minted.size >= 8);
      const text = JSON.stringify(events) + JSON.stringify(logger.records);
      assert.deepEqual(credentialsIn(text, minted), []);
    });
  });
}
