/**
 * The store conformance kit (docs/store-contract.md): one suite any store runs against
 * itself with `node:test`. Every store Registrar ships passes it.
 *
 * ```ts
 * import { storeConformance } from 'registrar/testkit';
 * storeConformance('my store', async () => ({ store: await openMyStore(), close: () => closeIt() }));
 * ```
 *
 * @module
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RegistrarConfig } from '../core/config/registrar-config.js';
import { hashCredential, webCrypto } from '../core/credentials/credentials.js';
import type { ClientMetadata } from '../core/metadata/client-metadata.js';
import {
  ALL_STORE_CALLBACKS,
  type CappedWriteResult,
  type ClientCaps,
  type ClientRegistration,
  hasInitialAccessTokens,
  type InitialAccessTokenRecord,
  type RegistrationStore,
} from '../core/store/registration-store.js';
import { createRegistrar } from '../registrar.js';

/** What the factory gives the kit: a fresh store and how to release it. */
export interface StoreUnderTest<C> {
  store: RegistrationStore<C>;
  close?: () => Promise<void> | void;
}

/** Options for the kit. */
export interface ConformanceOptions {
  /** Parallel callers in the atomicity cases. Default 20. */
  concurrency?: number;
}

function fakeHash(): string {
  return `sha256:${randomBytes(32).toString('base64url')}`;
}

/**
 * A registration as Registrar would hand it to `registerClient`.
 * @see docs/store-contract.md#bundled-stores-and-the-conformance-kit
 */
export function sampleRegistration(overrides: Partial<ClientRegistration> = {}): ClientRegistration {
  return {
    client_id: randomBytes(16).toString('base64url'),
    client_id_issued_at: 1_700_000_000,
    client_secret_hash: fakeHash(),
    client_secret_expires_at: 0,
    registration_access_token_hash: fakeHash(),
    metadata: {
      redirect_uris: ['https://client.example.org/cb'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      client_name: 'Conformance client',
      'client_name#ja-Jpan-JP': 'クライアント',
    },
    ...overrides,
  };
}

function required<T>(value: T | undefined, name: string): T {
  assert.ok(value, `the store must implement ${name}`);
  return value;
}

/**
 * Registers the conformance suite for a store with `node:test`. `create` is
 * called once for the suite; the cases use fresh random client ids, so the
 * store may already hold other clients.
 * @see docs/store-contract.md#bundled-stores-and-the-conformance-kit
 */
export function storeConformance<C>(
  name: string,
  create: () => Promise<StoreUnderTest<C>> | StoreUnderTest<C>,
  options: ConformanceOptions = {},
): void {
  const concurrency = options.concurrency ?? 20;

  describe(`store conformance: ${name}`, () => {
    let subject: StoreUnderTest<C>;
    let store: RegistrationStore<C>;
    before(async () => {
      subject = await create();
      store = subject.store;
    });
    after(async () => {
      await subject.close?.();
    });

    async function register(attrs = sampleRegistration()): Promise<{ attrs: ClientRegistration; client: C }> {
      const result = await required(store.registerClient, 'registerClient').call(store, attrs);
      assert.equal(result.ok, true, 'registerClient must accept a fresh registration');
      assert.ok(result.ok);
      return { attrs, client: result.client };
    }

    /**
     * A Registrar given the store's callbacks as flat configuration keys, with
     * `extra` configuration, and the headers of a registration request: with a
     * fresh one-use initial access token when the store keeps them.
     */
    async function flatKeyRegistrar(extra: Partial<RegistrarConfig<C>>) {
      const flat: Record<string, unknown> = {};
      for (const callback of ALL_STORE_CALLBACKS) {
        const method = store[callback];
        if (typeof method === 'function') flat[callback] = method.bind(store);
      }
      const tokens = hasInitialAccessTokens(store);
      const issuer = 'https://as.conformance.example';
      const registrar = createRegistrar<C>({
        issuer,
        registrationEnabled: true,
        rateLimit: false,
        ...extra,
        ...(tokens ? { initialAccessToken: { stored: true } } : {}),
        ...flat,
      });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (tokens) {
        const token = randomBytes(32).toString('base64url');
        await required(store.createInitialAccessToken, 'createInitialAccessToken').call(store, {
          id: randomBytes(12).toString('base64url'),
          token_hash: await hashCredential(webCrypto, token),
          created_at: Math.floor(Date.now() / 1000),
          uses: 0,
          max_uses: 1,
        });
        headers.authorization = `Bearer ${token}`;
      }
      return { registrar, issuer, headers };
    }

    async function load(clientId: string): Promise<C | null> {
      return required(store.loadClient, 'loadClient').call(store, clientId);
    }

    async function readBack(client: C): Promise<ClientRegistration | null | undefined> {
      return required(store.clientRegistration, 'clientRegistration').call(store, client);
    }

    it('registers a client and reads back exactly the attributes it was given', async () => {
      const { attrs } = await register();
      const client = await load(attrs.client_id);
      assert.ok(client, 'loadClient finds a registered client');
      const read = await readBack(client);
      assert.deepEqual(read, attrs);
    });

    it('answers null for an unknown client id', async () => {
      assert.equal(await load(randomBytes(16).toString('base64url')), null);
    });

    it('refuses a second registration with the same client id and keeps the first', async () => {
      const { attrs } = await register();
      const again = await required(store.registerClient, 'registerClient').call(store, {
        ...sampleRegistration(),
        client_id: attrs.client_id,
      });
      assert.equal(again.ok, false);
      assert.ok(!again.ok && typeof again.reason === 'string');
      const client = await load(attrs.client_id);
      assert.ok(client);
      assert.deepEqual(await readBack(client), attrs);
    });

    it('returns the stored registration access token hash', async () => {
      const { attrs } = await register();
      const client = await load(attrs.client_id);
      assert.ok(client);
      const hash = await required(
        store.clientRegistrationAccessTokenHash,
        'clientRegistrationAccessTokenHash',
      ).call(store, client);
      assert.equal(hash, attrs.registration_access_token_hash);
    });

    // docs/store-contract.md#one-read-per-lookup: an optional capability.
    it('answers loadClient and clientRegistration in one read, as the two answer them', async (t) => {
      if (!store.loadClientWithRegistration) {
        return t.skip('the store has no loadClientWithRegistration (one-read lookup)');
      }
      const both = store.loadClientWithRegistration;
      const { attrs } = await register();
      const found = await both.call(store, attrs.client_id);
      assert.ok(found, 'a registered client is found');
      assert.deepEqual(found.registration, attrs);
      const hash = await required(
        store.clientRegistrationAccessTokenHash,
        'clientRegistrationAccessTokenHash',
      ).call(store, found.client);
      assert.equal(hash, attrs.registration_access_token_hash, 'its client is one the other callbacks take');
      assert.equal(await both.call(store, randomBytes(16).toString('base64url')), null);
      found.registration.metadata.client_name = 'mutated';
      const again = await both.call(store, attrs.client_id);
      assert.equal(again?.registration.metadata.client_name, 'Conformance client', 'not changed by mutation');
      const now = Math.floor(Date.now() / 1000);
      if (store.touchClient) {
        await store.touchClient.call(store, attrs.client_id, now);
        const touched = await both.call(store, attrs.client_id);
        assert.equal(touched?.registration.last_used_at, now, 'reads what is stored now');
      }
      await required(store.unregisterClient, 'unregisterClient').call(store, found.client);
      assert.equal(await both.call(store, attrs.client_id), null, 'a removed client is gone');
    });

    it('is not changed by mutating what it returned', async () => {
      const { attrs } = await register();
      const client = await load(attrs.client_id);
      assert.ok(client);
      const read = await readBack(client);
      assert.ok(read);
      read.metadata.client_name = 'mutated';
      const again = await readBack(client);
      assert.equal(again?.metadata.client_name, 'Conformance client');
    });

    it('keeps a member named __proto__ inside metadata as a member, not as a prototype', async () => {
      // JSON.parse makes "__proto__" an own member, as it is when a client sends one in a JWK.
      const jwks = JSON.parse('{"keys":[{"kty":"EC","__proto__":{"polluted":true}}]}') as NonNullable<
        ClientMetadata['jwks']
      >;
      const { attrs } = await register(
        sampleRegistration({ metadata: { ...sampleRegistration().metadata, jwks } }),
      );
      const client = await load(attrs.client_id);
      assert.ok(client);
      const read = await readBack(client);
      assert.ok(read);
      const key = read.metadata.jwks?.keys[0];
      assert.ok(key);
      assert.ok(Object.hasOwn(key, '__proto__'), 'the member survives');
      assert.equal(Object.getPrototypeOf(key), Object.prototype);
      assert.equal(key.polluted, undefined);
    });

    it('replaces a registration when the expected token hash matches', async () => {
      const { attrs } = await register();
      const client = await load(attrs.client_id);
      assert.ok(client);
      const next: ClientRegistration = {
        ...attrs,
        registration_access_token_hash: fakeHash(),
        metadata: { ...attrs.metadata, client_name: 'Renamed' },
      };
      delete next.client_secret_hash;
      const result = await required(store.updateClient, 'updateClient').call(
        store,
        client,
        next,
        attrs.registration_access_token_hash as string,
      );
      assert.equal(result.ok, true);
      const fresh = await load(attrs.client_id);
      assert.ok(fresh);
      assert.deepEqual(await readBack(fresh), next);
      assert.equal(
        await required(store.clientRegistrationAccessTokenHash, 'clientRegistrationAccessTokenHash').call(
          store,
          fresh,
        ),
        next.registration_access_token_hash,
      );
    });

    it('answers conflict and changes nothing when the expected token hash is stale', async () => {
      const { attrs } = await register();
      const client = await load(attrs.client_id);
      assert.ok(client);
      const result = await required(store.updateClient, 'updateClient').call(
        store,
        client,
        { ...attrs, metadata: { ...attrs.metadata, client_name: 'Lost' } },
        fakeHash(),
      );
      assert.deepEqual(result, { ok: false, reason: 'conflict' });
      const read = await readBack(client);
      assert.deepEqual(read, attrs);
    });

    it(`lets exactly one of ${concurrency} concurrent updates with the same token hash win`, async () => {
      const { attrs, client } = await register();
      const update = required(store.updateClient, 'updateClient');
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, index) =>
          update.call(
            store,
            client,
            {
              ...attrs,
              registration_access_token_hash: fakeHash(),
              metadata: { ...attrs.metadata, client_name: `v${index}` },
            },
            attrs.registration_access_token_hash as string,
          ),
        ),
      );
      const winners = results.filter((result) => result.ok);
      assert.equal(winners.length, 1, 'exactly one compare-and-swap succeeds');
      for (const result of results) if (!result.ok) assert.equal(result.reason, 'conflict');
    });

    it('deletes a client once; afterwards it is gone and a second delete finds nothing', async () => {
      const { attrs, client } = await register();
      const unregister = required(store.unregisterClient, 'unregisterClient');
      const first = await unregister.call(store, client);
      assert.ok(first === undefined || first.ok === true, 'the first delete succeeds');
      assert.equal(await load(attrs.client_id), null);
      assert.deepEqual(await unregister.call(store, client), { ok: false, reason: 'not_found' });
    });

    it('answers not_found to an update of a deleted client', async () => {
      const { attrs, client } = await register();
      await required(store.unregisterClient, 'unregisterClient').call(store, client);
      const result = await required(store.updateClient, 'updateClient').call(
        store,
        client,
        attrs,
        attrs.registration_access_token_hash as string,
      );
      assert.equal(result.ok, false);
      assert.ok(!result.ok && ['not_found', 'conflict'].includes(result.reason));
      assert.equal(await load(attrs.client_id), null, 'an update never resurrects a deleted client');
    });

    it(`lets exactly one of ${concurrency} concurrent deletes succeed`, async () => {
      const { client } = await register();
      const unregister = required(store.unregisterClient, 'unregisterClient');
      const results = await Promise.all(
        Array.from({ length: concurrency }, () => unregister.call(store, client)),
      );
      const winners = results.filter((result) => result === undefined || result.ok);
      assert.equal(winners.length, 1);
      for (const result of results) {
        if (result !== undefined && !result.ok) assert.equal(result.reason, 'not_found');
      }
    });

    it('keeps concurrent registrations apart', async () => {
      const batch = Array.from({ length: concurrency }, () => sampleRegistration());
      const results = await Promise.all(
        batch.map((attrs) => required(store.registerClient, 'registerClient').call(store, attrs)),
      );
      assert.ok(results.every((result) => result.ok));
      for (const attrs of batch) {
        const client = await load(attrs.client_id);
        assert.ok(client);
        assert.deepEqual(await readBack(client), attrs);
      }
    });

    it('keeps a stateless deny-list entry until its until, apart from consumeOnce keys', async (t) => {
      const revoke = store.revokeStatelessClient;
      const revoked = store.isStatelessClientRevoked;
      if (!revoke || !revoked) return t.skip('the store has no deny list for stateless clients');
      const now = Math.floor(Date.now() / 1000);
      const key = `sha256:${randomBytes(32).toString('base64url')}`;
      assert.equal(await revoked.call(store, key), false);
      await revoke.call(store, key, now + 60);
      await revoke.call(store, key, now + 30);
      assert.equal(await revoked.call(store, key), true);
      const lapsed = `sha256:${randomBytes(32).toString('base64url')}`;
      await revoke.call(store, lapsed, now - 1);
      assert.equal(await revoked.call(store, lapsed), false);
      if (store.consumeOnce) assert.equal(await store.consumeOnce.call(store, key, now + 60), true);
    });

    it('consumes a key once, and concurrently only once', async (t) => {
      if (!store.consumeOnce) return t.skip('the store has no consumeOnce');
      const consume = store.consumeOnce;
      const until = Math.floor(Date.now() / 1000) + 60;
      const key = `jti:${randomBytes(8).toString('hex')}`;
      const results = await Promise.all(
        Array.from({ length: concurrency }, () => consume.call(store, key, until)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await consume.call(store, key, until), false);
    });

    // Identifiers a client chooses reach loadClient, touchClient and consumeOnce: text that is
    // very long, has NUL or is not well-formed Unicode must be an answer, never an error.
    const random = (bytes: number) => randomBytes(bytes).toString('base64url');
    const oddText = () => [
      `${random(8)}\u0000${random(8)}`,
      random(7500),
      `${'\u{1F600}'.repeat(1500)}${random(8)}`,
      `${random(8)}\uD800`,
      `\uDC00${random(8)}`,
    ];

    it('answers null for odd client ids (NUL, very long, lone surrogates) and touches nothing', async () => {
      const { attrs } = await register();
      for (const clientId of oddText()) {
        assert.equal(await load(clientId), null, `loadClient(${JSON.stringify(clientId.slice(0, 20))}…)`);
        await store.touchClient?.call(store, clientId, 1_700_000_500);
      }
      const client = await load(attrs.client_id);
      assert.ok(client);
      assert.deepEqual(await readBack(client), attrs);
    });

    it('consumes long keys of any Unicode text once, and never admits an odd key twice', async (t) => {
      if (!store.consumeOnce) return t.skip('the store has no consumeOnce');
      const consume = store.consumeOnce;
      const until = Math.floor(Date.now() / 1000) + 60;
      // Keys as long as Registrar builds them: a 4,096-character client id and a 1,024-character jti.
      const longest = [
        `private_key_jwt:${random(3072)}:${random(768)}`,
        `private_key_jwt:${'\u{1F600}'.repeat(2048)}:${'é'.repeat(1000)}${random(18)}`,
      ];
      const base = `private_key_jwt:${random(2048)}:`;
      const siblings = [`${base}a`, `${base}b`];
      for (const key of [...longest, ...siblings]) {
        assert.equal(await consume.call(store, key, until), true, 'the first use of a long key is admitted');
        assert.equal(await consume.call(store, key, until), false, 'its second use is a replay');
      }
      for (const key of oddText()) {
        const first = await consume.call(store, key, until);
        const second = await consume.call(store, key, until);
        assert.equal(typeof first, 'boolean');
        assert.equal(second, false, 'an odd key is never admitted twice');
      }
    });

    it('renews last_used_at on touch and sweeps only expired clients', async (t) => {
      if (!store.touchClient || !store.sweepExpired)
        return t.skip('the store has no touchClient and sweepExpired');
      const now = Math.floor(Date.now() / 1000);
      const stale = await register(
        sampleRegistration({ client_id_issued_at: now - 100, expires_at: now - 10 }),
      );
      const fresh = await register(
        sampleRegistration({ client_id_issued_at: now - 100, expires_at: now - 10 }),
      );
      const lasting = await register(
        sampleRegistration({ client_id_issued_at: now, expires_at: now + 3600 }),
      );
      await store.touchClient.call(store, fresh.attrs.client_id, now);
      const touched = await load(fresh.attrs.client_id);
      assert.ok(touched);
      const read = await readBack(touched);
      assert.equal(read?.last_used_at, now);
      assert.ok((read?.expires_at ?? 0) > now, 'a use renews the idle window');
      const reported: string[] = [];
      const removed = await store.sweepExpired.call(store, now, 1000, (clientId) => reported.push(clientId));
      assert.ok(removed >= 1);
      assert.equal(await load(stale.attrs.client_id), null);
      assert.ok(await load(fresh.attrs.client_id));
      assert.ok(await load(lasting.attrs.client_id));
      // Naming the removed clients is optional; a store that names them names exactly those.
      if (reported.length > 0) {
        assert.equal(reported.length, removed, 'every removed client is named once');
        assert.ok(reported.includes(stale.attrs.client_id));
        assert.ok(!reported.includes(fresh.attrs.client_id) && !reported.includes(lasting.attrs.client_id));
      }
    });

    it('sweeps at most limit clients per call', async (t) => {
      if (!store.sweepExpired) return t.skip('the store has no sweepExpired');
      const now = Math.floor(Date.now() / 1000);
      for (let i = 0; i < 3; i++) {
        await register(sampleRegistration({ client_id_issued_at: now - 100, expires_at: now - 10 }));
      }
      assert.equal(await store.sweepExpired.call(store, now, 2), 2);
      assert.ok((await store.sweepExpired.call(store, now, 1000)) >= 1);
      assert.equal(await store.sweepExpired.call(store, now, 1000), 0);
    });

    // docs/client-authentication.md#the-activation-window: an optional capability.
    it('activates a client once, and an update that did not know of it keeps the activation', async (t) => {
      if (!store.activateClient) return t.skip('the store has no activateClient (activation window)');
      const activate = store.activateClient;
      const now = Math.floor(Date.now() / 1000);
      const waiting = sampleRegistration({
        client_id_issued_at: now - 10,
        activation_deadline: now + 3590,
        expires_at: now + 3590,
      });
      const { attrs, client } = await register(waiting);
      assert.deepEqual(await readBack(client), attrs, 'activation_deadline is kept as given');
      assert.equal(await activate.call(store, attrs.client_id, now, now + 86400), true);
      assert.equal(await activate.call(store, attrs.client_id, now + 5, now + 90000), false, 'only once');
      const activated = await readBack(client);
      assert.equal(activated?.activated_at, now);
      assert.equal(activated?.last_used_at, now);
      assert.equal(activated?.expires_at, now + 86400);
      assert.equal(activated?.activation_deadline, now + 3590);
      // A PUT that read the client before its activation must not undo it.
      const result = await required(store.updateClient, 'updateClient').call(
        store,
        client,
        { ...attrs, metadata: { ...attrs.metadata, client_name: 'Updated' } },
        attrs.registration_access_token_hash as string,
      );
      assert.equal(result.ok, true);
      const updated = await readBack(client);
      assert.equal(updated?.metadata.client_name, 'Updated');
      assert.equal(updated?.activated_at, now);
      assert.equal(updated?.expires_at, now + 86400);
      const forever = await register(
        sampleRegistration({ activation_deadline: now + 60, expires_at: now + 60 }),
      );
      assert.equal(await activate.call(store, forever.attrs.client_id, now, null), true);
      const unexpiring = await readBack(forever.client);
      assert.equal(unexpiring?.expires_at, undefined, 'a null expiry removes expires_at');
      assert.equal(unexpiring?.activated_at, now);
      assert.equal(await activate.call(store, random(16), now, null), false, 'an unknown client');
      for (const clientId of oddText()) assert.equal(await activate.call(store, clientId, now, null), false);
      const racing = await register(
        sampleRegistration({ activation_deadline: now + 60, expires_at: now + 60 }),
      );
      const results = await Promise.all(
        Array.from({ length: concurrency }, () => activate.call(store, racing.attrs.client_id, now, null)),
      );
      assert.equal(results.filter((value) => value === true).length, 1, 'one of concurrent activations wins');
    });

    // docs/admission.md#the-approval-queue: an optional capability.
    it('approves or rejects a pending client exactly once; an update keeps the mark', async (t) => {
      if (!store.approveClient || !store.rejectClient) {
        return t.skip('the store has no approveClient and rejectClient (approval queue)');
      }
      const approve = store.approveClient;
      const reject = store.rejectClient;
      const { attrs, client } = await register(sampleRegistration({ pending_approval: true }));
      assert.deepEqual(await readBack(client), attrs);
      const { pending_approval: _pending, ...unmarked } = attrs;
      const result = await required(store.updateClient, 'updateClient').call(
        store,
        client,
        unmarked,
        attrs.registration_access_token_hash as string,
      );
      assert.equal(result.ok, true);
      assert.equal((await readBack(client))?.pending_approval, true, 'updateClient keeps the stored mark');
      const decisions = await Promise.all(
        Array.from({ length: concurrency }, (_, index) =>
          (index % 2 === 0 ? approve : reject).call(store, attrs.client_id),
        ),
      );
      assert.equal(decisions.filter((value) => value === true).length, 1, 'one decision wins');
      const after = await load(attrs.client_id);
      if (decisions[0] === true) {
        assert.ok(after, 'approved: the client stays');
        assert.equal((await readBack(after))?.pending_approval, undefined);
      }
      const approved = await register(sampleRegistration({ pending_approval: true }));
      assert.equal(await approve.call(store, approved.attrs.client_id), true);
      assert.equal(await reject.call(store, approved.attrs.client_id), false, 'an approved client stays');
      assert.ok(await load(approved.attrs.client_id));
      const rejected = await register(sampleRegistration({ pending_approval: true }));
      assert.equal(await reject.call(store, rejected.attrs.client_id), true);
      assert.equal(await load(rejected.attrs.client_id), null, 'a rejected client is gone');
      assert.equal(await approve.call(store, rejected.attrs.client_id), false);
      const plain = await register();
      assert.equal(await approve.call(store, plain.attrs.client_id), false, 'a client never pending');
      assert.equal(await reject.call(store, plain.attrs.client_id), false);
      assert.ok(await load(plain.attrs.client_id));
      for (const clientId of oddText()) {
        assert.equal(await approve.call(store, clientId), false);
        assert.equal(await reject.call(store, clientId), false);
      }
    });

    // Any store can receive one: an initial access token verifier may answer with a policy.
    it("keeps a client's initial_access_token_policy", async () => {
      const { attrs } = await register(
        sampleRegistration({ initial_access_token_policy: { force: { scope: 'read' } } }),
      );
      const client = await load(attrs.client_id);
      assert.ok(client);
      const read = await readBack(client);
      assert.deepEqual(read?.initial_access_token_policy, { force: { scope: 'read' } });
    });

    // docs/client-id-metadata-documents.md#pre-registered-documents: a URL as the id, and a refresh by compare-and-swap.
    it('keeps a pre-registered metadata document under its URL, with document_fetched_at through an update', async () => {
      const clientId = `https://client.example/${randomBytes(8).toString('base64url')}/client.json`;
      const { attrs, client } = await register(
        sampleRegistration({
          client_id: clientId,
          document_fetched_at: 1_700_000_100,
        }),
      );
      const loaded = await load(clientId);
      assert.ok(loaded, 'loadClient must find a client whose id is a URL');
      assert.equal((await readBack(loaded))?.document_fetched_at, 1_700_000_100);
      const refreshed = { ...attrs, document_fetched_at: 1_700_000_200 };
      const expected = attrs.registration_access_token_hash as string;
      const result = await required(store.updateClient, 'updateClient').call(
        store,
        client,
        refreshed,
        expected,
      );
      assert.equal(result.ok, true);
      const reloaded = await load(clientId);
      assert.ok(reloaded);
      assert.equal((await readBack(reloaded))?.document_fetched_at, 1_700_000_200);
    });

    // docs/admission.md#caps: an optional capability.
    describe('caps (registerClientWithinCaps, optional capability)', () => {
      const now = Math.floor(Date.now() / 1000);
      const before = now - 600;
      async function capped(
        t: { skip(message: string): void },
        attrs: ClientRegistration,
        caps: Partial<ClientCaps>,
      ): Promise<CappedWriteResult<C> | undefined> {
        if (!store.registerClientWithinCaps) {
          t.skip('the store has no registerClientWithinCaps (caps)');
          return undefined;
        }
        const owner = attrs.owner as string;
        return store.registerClientWithinCaps.call(store, attrs, {
          owner,
          reclaimIssuedBefore: before,
          ...caps,
        });
      }
      const owned = (owner: string, overrides: Partial<ClientRegistration> = {}) =>
        sampleRegistration({ owner, client_id_issued_at: now, ...overrides });

      it("reclaims the owner's oldest never-used client past the age, never a used or young one", async (t) => {
        const owner = `iat:${random(8)}`;
        const old = owned(owner, { client_id_issued_at: now - 1000 });
        const activated = owned(owner, { client_id_issued_at: now - 2000, activated_at: now - 1900 });
        const touched = owned(owner, { client_id_issued_at: now - 3000, last_used_at: now - 100 });
        for (const attrs of [old, activated, touched]) {
          const result = await capped(t, attrs, { maxClientsPerOwner: 3 });
          if (!result) return;
          assert.equal(result.ok, true);
          assert.ok(result.ok && result.reclaimed === undefined, 'below the cap nothing is reclaimed');
        }
        const fresh = owned(owner);
        const result = await capped(t, fresh, { maxClientsPerOwner: 3 });
        assert.ok(result?.ok, 'the cap made room');
        assert.deepEqual(result.reclaimed, { client_id: old.client_id, owner, cap: 'maxClientsPerOwner' });
        assert.equal(await load(old.client_id), null, 'the reclaimed client is deleted');
        const kept = await load(fresh.client_id);
        assert.ok(kept);
        assert.equal((await readBack(kept))?.owner, owner, 'the owner is stored');
        const refused = owned(owner);
        assert.deepEqual(await capped(t, refused, { maxClientsPerOwner: 3 }), {
          ok: false,
          reason: 'cap_reached',
          cap: 'maxClientsPerOwner',
        });
        assert.equal(await load(refused.client_id), null, 'a refused client is not stored');
        for (const attrs of [activated, touched, fresh]) assert.ok(await load(attrs.client_id));
      });

      it('for the total cap takes from the owner with the most clients, and refuses when none is old enough', async (t) => {
        const big = `iss:${random(8)}`;
        const small = `addr:${random(8)}`;
        const bigOnes = [1, 2, 3, 4, 5, 6].map((k) => owned(big, { client_id_issued_at: now - 900 + k }));
        const smallOne = owned(small, { client_id_issued_at: now - 5000 });
        for (const attrs of [...bigOnes, smallOne]) {
          const result = await capped(t, attrs, {});
          if (!result) return;
          assert.equal(result.ok, true);
        }
        const newcomer = owned(`iat:${random(8)}`);
        // The store may hold other clients: a cap of 1 is reached whatever it holds.
        const result = await capped(t, newcomer, { maxClients: 1 });
        assert.ok(result?.ok);
        assert.equal(result.reclaimed?.client_id, bigOnes[0]?.client_id, "the biggest owner's oldest");
        assert.equal(result.reclaimed?.cap, 'maxClients');
        assert.ok(await load(smallOne.client_id), 'an older client of a smaller owner stays');
        const refused = owned(`iat:${random(8)}`);
        assert.deepEqual(await capped(t, refused, { maxClients: 1, reclaimIssuedBefore: 0 }), {
          ok: false,
          reason: 'cap_reached',
          cap: 'maxClients',
        });
        assert.equal(await load(refused.client_id), null);
        assert.ok(await load(bigOnes[1]?.client_id as string), 'a refusal removes nothing');
      });

      it('refuses a taken client_id at a cap and reclaims nothing for it', async (t) => {
        const owner = `addr:${random(8)}`;
        const oldest = owned(owner, { client_id_issued_at: now - 1000 });
        const other = owned(owner, { client_id_issued_at: now - 900 });
        for (const attrs of [oldest, other]) {
          const result = await capped(t, attrs, {});
          if (!result) return;
          assert.equal(result.ok, true);
        }
        const taken = owned(owner, {
          client_id: other.client_id,
          metadata: { ...other.metadata, client_name: 'Second' },
        });
        const result = await capped(t, taken, { maxClientsPerOwner: 2 });
        assert.equal(result?.ok, false, 'a client_id already stored is refused');
        assert.notEqual(result && !result.ok && result.reason, 'cap_reached', 'the cap had room to make');
        assert.ok(await load(oldest.client_id), 'the client a reclaim would have removed stays');
        const kept = await load(other.client_id);
        assert.ok(kept);
        assert.equal((await readBack(kept))?.metadata.client_name, 'Conformance client', 'the first is kept');
      });

      it('refuses at the total cap when the per-owner cap already reclaims, and removes nothing', async (t) => {
        const owner = `iat:${random(8)}`;
        const oldest = owned(owner, { client_id_issued_at: now - 1000 });
        const result = await capped(t, oldest, {});
        if (!result) return;
        assert.equal(result.ok, true);
        const next = owned(owner);
        // The store may hold other clients: a total cap of 1 is reached whatever it holds.
        assert.deepEqual(await capped(t, next, { maxClientsPerOwner: 1, maxClients: 1 }), {
          ok: false,
          reason: 'cap_reached',
          cap: 'maxClients',
        });
        assert.ok(await load(oldest.client_id), 'the per-owner reclaim is not kept');
        assert.equal(await load(next.client_id), null);
      });

      it('keeps a per-owner cap exactly under concurrent registrations', async (t) => {
        const owner = `addr:${random(8)}`;
        const attempts = Array.from({ length: concurrency }, () => owned(owner));
        if (!store.registerClientWithinCaps)
          return t.skip('the store has no registerClientWithinCaps (caps)');
        const results = await Promise.all(
          attempts.map((attrs) => capped(t, attrs, { maxClientsPerOwner: 3 })),
        );
        assert.equal(results.filter((result) => result?.ok).length, 3);
        const stored = await Promise.all(attempts.map((attrs) => load(attrs.client_id)));
        assert.equal(stored.filter((client) => client !== null).length, 3);
      });
    });

    it('serves a Registrar when its callbacks are given as flat configuration keys', async () => {
      const { registrar, issuer, headers } = await flatKeyRegistrar({});
      const registered = await registrar.fetch(
        new Request(`${issuer}/oauth/register`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            redirect_uris: ['https://client.example.org/cb'],
            client_name: 'Flat keys',
          }),
        }),
      );
      assert.equal(registered.status, 201, await registered.clone().text());
      const body = (await registered.json()) as Record<string, string>;
      const read = await registrar.fetch(
        new Request(body.registration_client_uri as string, {
          headers: { authorization: `Bearer ${body.registration_access_token}` },
        }),
      );
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as Record<string, unknown>).client_name, 'Flat keys');
      const deleted = await registrar.fetch(
        new Request(body.registration_client_uri as string, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${body.registration_access_token}` },
        }),
      );
      assert.equal(deleted.status, 204);
      assert.equal(await load(body.client_id as string), null);
    });

    it('holds, approves and activates a client through flat keys when it has those capabilities', async (t) => {
      if (!store.activateClient || !store.approveClient || !store.rejectClient || !store.touchClient) {
        return t.skip('the store lacks activateClient, approveClient, rejectClient or touchClient');
      }
      const { registrar, issuer, headers } = await flatKeyRegistrar({
        activationWindow: '1h',
        clientTtl: 86400,
        policies: [() => ({ pending: true })],
      });
      const registered = await registrar.fetch(
        new Request(`${issuer}/oauth/register`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            redirect_uris: ['https://client.example.org/cb'],
            grant_types: ['client_credentials'],
          }),
        }),
      );
      assert.equal(registered.status, 201, await registered.clone().text());
      const body = (await registered.json()) as Record<string, string>;
      const clientId = body.client_id as string;
      const basic = `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(body.client_secret as string)}`)}`;
      const authenticate = () =>
        registrar.authenticateClient({
          headers: { authorization: basic },
          body: 'grant_type=client_credentials',
        });
      await assert.rejects(authenticate(), { code: 'invalid_client' }, 'a pending client is refused');
      assert.equal(await registrar.approveClient(clientId), true);
      const authenticated = await authenticate();
      assert.equal(authenticated.clientId, clientId);
      const stored = await load(clientId);
      assert.ok(stored);
      const read = await readBack(stored);
      assert.equal(typeof read?.activated_at, 'number', 'a secret proves use: the client is activated');
      assert.equal(read?.pending_approval, undefined);
      assert.ok((read?.expires_at ?? 0) >= (read?.activated_at ?? 0) + 86400 - 1, 'moved to clientTtl');
      assert.equal(await registrar.rejectClient(clientId), false, 'an approved client cannot be rejected');
    });

    describe('initial access tokens (optional capability)', () => {
      function sampleToken(overrides: Partial<InitialAccessTokenRecord> = {}): InitialAccessTokenRecord {
        return {
          id: randomBytes(12).toString('base64url'),
          token_hash: fakeHash(),
          created_at: Math.floor(Date.now() / 1000),
          uses: 0,
          ...overrides,
        };
      }

      it('creates, finds by hash, lists and revokes a token', async (t) => {
        if (!hasInitialAccessTokens(store)) return t.skip('the store has no initial-access-token methods');
        const record = sampleToken({
          expires_at: Math.floor(Date.now() / 1000) + 3600,
          max_uses: 5,
          label: 'partner A',
          policy: { force: { scope: 'read' }, defaults: { client_name: 'Partner' } },
        });
        await store.createInitialAccessToken(record);
        assert.deepEqual(await store.findInitialAccessToken(record.token_hash), record);
        assert.equal(await store.findInitialAccessToken(fakeHash()), null);
        const listed = await store.listInitialAccessTokens();
        assert.deepEqual(
          listed.find((entry) => entry.id === record.id),
          record,
        );
        assert.equal(await store.revokeInitialAccessToken(record.id), true);
        assert.equal(await store.findInitialAccessToken(record.token_hash), null);
        assert.equal(await store.revokeInitialAccessToken(record.id), false);
      });

      it(`counts uses atomically: ${concurrency} concurrent uses of a 3-use token, exactly 3 succeed`, async (t) => {
        if (!hasInitialAccessTokens(store)) return t.skip('the store has no initial-access-token methods');
        const tokens = store;
        const record = sampleToken({ max_uses: 3 });
        await tokens.createInitialAccessToken(record);
        const now = Math.floor(Date.now() / 1000);
        const results = await Promise.all(
          Array.from({ length: concurrency }, () => tokens.consumeInitialAccessToken(record.token_hash, now)),
        );
        assert.equal(results.filter((result) => result === true).length, 3);
        assert.equal((await store.findInitialAccessToken(record.token_hash))?.uses, 3);
        assert.equal(await store.consumeInitialAccessToken(record.token_hash, now), false);
      });

      it('never counts a use of an expired or unknown token; an unlimited token keeps working', async (t) => {
        if (!hasInitialAccessTokens(store)) return t.skip('the store has no initial-access-token methods');
        const now = Math.floor(Date.now() / 1000);
        const expired = sampleToken({ expires_at: now });
        const unlimited = sampleToken();
        await store.createInitialAccessToken(expired);
        await store.createInitialAccessToken(unlimited);
        assert.equal(await store.consumeInitialAccessToken(expired.token_hash, now), false);
        assert.equal((await store.findInitialAccessToken(expired.token_hash))?.uses, 0);
        assert.equal(await store.consumeInitialAccessToken(fakeHash(), now), false);
        for (let i = 0; i < 5; i++)
          assert.equal(await store.consumeInitialAccessToken(unlimited.token_hash, now), true);
        assert.equal((await store.findInitialAccessToken(unlimited.token_hash))?.uses, 5);
      });
    });
  });
}
