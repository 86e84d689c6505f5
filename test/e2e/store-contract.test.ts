// The RegistrationStore contract of docs/store-contract.md: the two configuration forms,
// the construction-time error, and the mapping of store answers to HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError, StoreUnavailableError } from '../../src/core/errors.js';
import type { ClientRegistration, RegistrationStore } from '../../src/core/store/registration-store.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { memoryLogger, register, startRegistrar } from '../helpers/http.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'] };

async function registerWith(config: Record<string, unknown>) {
  const logger = memoryLogger();
  const server = await startRegistrar({ registrationEnabled: true, logger, ...config });
  try {
    return { ...(await register(server.url, GOOD)), logger };
  } finally {
    await server.close();
  }
}

describe('configuration forms', () => {
  it('uses the store object methods', async () => {
    const seen: ClientRegistration[] = [];
    const store: RegistrationStore<string> = {
      registerClient(attrs) {
        seen.push(attrs);
        return { ok: true, client: attrs.client_id };
      },
    };
    const { status } = await registerWith({ registration: store });
    assert.equal(status, 201);
    assert.equal(seen.length, 1);
  });

  it('lets a flat key win over the store method of the same name', async () => {
    const calls: string[] = [];
    const store: RegistrationStore<string> = {
      registerClient: (attrs) => {
        calls.push('store');
        return { ok: true, client: attrs.client_id };
      },
    };
    const { status } = await registerWith({
      registration: store,
      registerClient: (attrs: ClientRegistration) => {
        calls.push('flat');
        return { ok: true, client: attrs.client_id };
      },
    });
    assert.equal(status, 201);
    assert.deepEqual(calls, ['flat']);
  });

  it('works with flat keys alone', async () => {
    const { status } = await registerWith({
      registerClient: (attrs: ClientRegistration) => ({ ok: true, client: attrs.client_id }),
    });
    assert.equal(status, 201);
  });

  it('binds store methods to their store', async () => {
    class ClassStore {
      readonly clients = new Map<string, ClientRegistration>();
      registerClient(attrs: ClientRegistration) {
        this.clients.set(attrs.client_id, attrs);
        return { ok: true as const, client: attrs.client_id };
      }
    }
    const store = new ClassStore();
    const { status } = await registerWith({ registration: store });
    assert.equal(status, 201);
    assert.equal(store.clients.size, 1);
  });

  it('throws a configuration error when registration is enabled without registerClient', () => {
    assert.throws(
      () => createRegistrar({ issuer: 'https://as.example.com', registrationEnabled: true }),
      (error: unknown) => error instanceof ConfigurationError && /registerClient/.test(error.message),
    );
    assert.throws(
      () =>
        createRegistrar({ issuer: 'https://as.example.com', registrationEnabled: true, registration: {} }),
      ConfigurationError,
    );
  });

  it('throws a configuration error for a defaultScope the server would refuse', () => {
    const registerClient = () => ({ ok: true as const, client: 'c' });
    for (const bad of [
      { defaultScope: 'admin', scopesSupported: ['read'] },
      { defaultScope: 'read  write' },
      { defaultScope: 'a"b' },
    ]) {
      assert.throws(
        () =>
          createRegistrar({
            issuer: 'https://as.example.com',
            registrationEnabled: true,
            registerClient,
            ...bad,
          }),
        (error: unknown) => error instanceof ConfigurationError && /defaultScope/.test(error.message),
        JSON.stringify(bad),
      );
    }
    assert.ok(
      createRegistrar({
        issuer: 'https://as.example.com',
        registrationEnabled: true,
        registerClient,
        defaultScope: 'read',
        scopesSupported: ['read'],
      }),
    );
  });

  it('throws a configuration error for a flat key that is not a function', () => {
    assert.throws(
      () =>
        createRegistrar({
          issuer: 'https://as.example.com',
          registrationEnabled: true,
          registerClient: 'nope' as unknown as NonNullable<RegistrationStore['registerClient']>,
        }),
      ConfigurationError,
    );
  });

  it('mounts nothing for registration when it is disabled', async () => {
    const server = await startRegistrar({ registration: createMemoryStore() });
    try {
      const { status } = await register(server.url, GOOD);
      assert.equal(status, 404);
    } finally {
      await server.close();
    }
  });
});

describe('result mapping', () => {
  it('answers 400 invalid_client_metadata for a store rejection and logs the reason without sending it', async () => {
    const { status, json, logger } = await registerWith({
      registerClient: () => ({ ok: false, reason: 'quota for tenant acme exceeded' }),
    });
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_client_metadata');
    assert.ok(!JSON.stringify(json).includes('acme'));
    assert.ok(logger.records.some((record) => record.reason === 'quota for tenant acme exceeded'));
  });

  it('answers 500 server_error with a generic description when the store throws', async () => {
    const { status, json, headers } = await registerWith({
      registerClient: () => {
        throw new Error('connection string postgres://admin:hunter2@db/clients refused');
      },
    });
    assert.equal(status, 500);
    assert.equal(json.error, 'server_error');
    assert.equal(json.error_description, 'The server encountered an internal error.');
    assert.ok(!JSON.stringify(json).includes('hunter2'));
    assert.equal(headers.get('cache-control'), 'no-store');
  });

  it('answers 500 server_error when the store rejects a promise', async () => {
    const { status, json } = await registerWith({
      registerClient: async () => Promise.reject(new Error('boom')),
    });
    assert.equal(status, 500);
    assert.equal(json.error, 'server_error');
    assert.ok(!JSON.stringify(json).includes('boom'));
  });

  for (const [name, answer] of [
    ['undefined', undefined],
    ['true', true],
    ['{ ok: true } without client', { ok: true }],
    ['{ ok: false } without reason', { ok: false }],
    ['a string', 'ok'],
  ] as const) {
    it(`answers 500 server_error for an off-contract answer: ${name}`, async () => {
      const { status, json } = await registerWith({ registerClient: () => answer });
      assert.equal(status, 500);
      assert.equal(json.error, 'server_error');
    });
  }

  it('answers 503 temporarily_unavailable with Retry-After when the store is unavailable', async () => {
    const { status, json, headers } = await registerWith({
      registerClient: () => {
        throw new StoreUnavailableError('database down', { retryAfterSeconds: 7 });
      },
    });
    assert.equal(status, 503);
    assert.equal(json.error, 'temporarily_unavailable');
    assert.equal(headers.get('retry-after'), '7');
  });

  it('keeps serving after a store fault', async () => {
    let fail = true;
    const store = createMemoryStore();
    const server = await startRegistrar({
      registrationEnabled: true,
      registerClient: (attrs: ClientRegistration) => {
        if (fail) throw new Error('transient');
        return store.registerClient(attrs);
      },
    });
    try {
      assert.equal((await register(server.url, GOOD)).status, 500);
      fail = false;
      assert.equal((await register(server.url, GOOD)).status, 201);
    } finally {
      await server.close();
    }
  });

  it('leaves no half-registered client and sends no 201 when the store fails', async () => {
    const store = createMemoryStore();
    const { status } = await registerWith({
      registration: store,
      registerClient: () => {
        throw new Error('disk full');
      },
    });
    assert.equal(status, 500);
    assert.equal((await store.listClients()).clients.length, 0);
  });
});

describe('events', () => {
  it('emits client.registered without secrets, and a throwing handler does not change the response', async () => {
    const events: unknown[] = [];
    const { status, json, logger } = await registerWith({
      registration: createMemoryStore(),
      onEvent: (event: unknown) => {
        events.push(event);
        throw new Error('handler broke');
      },
    });
    assert.equal(status, 201);
    assert.equal(events.length, 1);
    const [event] = events as Record<string, unknown>[];
    assert.equal(event?.type, 'client.registered');
    assert.equal(event?.client_id, json.client_id);
    assert.equal(typeof event?.time, 'number');
    const serialised = JSON.stringify(events);
    assert.ok(!serialised.includes(json.client_secret as string));
    assert.ok(!serialised.includes(json.registration_access_token as string));
    assert.ok(logger.records.some((record) => record.msg === 'event handler failed'));
  });
});
