// A key RegistrarConfig does not have is a ConfigurationError naming it, with the closest known
// key when one is near: in the library, in nested option objects and in a `registrar serve
// --config` file. Every store callback, the initial-access-token methods and listClients
// included, is a known key that overrides the store's method of the same name.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closestKey } from '../../../../src/core/config/config-checks.js';
import type { RegistrarConfig } from '../../../../src/core/config/registrar-config.js';
import { hashCredential, webCrypto } from '../../../../src/core/credentials/credentials.js';
import { ConfigurationError } from '../../../../src/core/errors.js';
import type { InitialAccessTokenRecord } from '../../../../src/core/store/registration-store.js';
import { createRegistrar } from '../../../../src/registrar.js';
import { resolveCommandOptions } from '../../../../src/server/options.js';
import { createMemoryStore } from '../../../../src/store/memory.js';
import { startServe } from '../../../helpers/cli.js';

const BASE = { issuer: 'https://as.example.org', registrationEnabled: true };

function refused(config: Record<string, unknown>, message: string): void {
  assert.throws(
    () =>
      createRegistrar({ ...BASE, registration: createMemoryStore(), ...config } as RegistrarConfig<unknown>),
    (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, String(error));
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe('unknown configuration keys in the library', () => {
  it('names a misspelt top-level key and the key it is near', () => {
    assert.throws(
      () => createRegistrar({ isuer: 'https://as.example.org' } as unknown as RegistrarConfig<unknown>),
      { name: 'ConfigurationError', message: 'isuer is not a configuration key (did you mean issuer?).' },
    );
    refused({ rateLimt: false }, 'rateLimt is not a configuration key (did you mean rateLimit?).');
    refused(
      { registrationenabled: true },
      'registrationenabled is not a configuration key (did you mean registrationEnabled?).',
    );
    refused(
      { regsiterClient: () => undefined },
      'regsiterClient is not a configuration key (did you mean registerClient?).',
    );
    refused(
      { discoveryEnable: true },
      'discoveryEnable is not a configuration key (did you mean discoveryEnabled?).',
    );
  });

  it('names a key with nothing near it, without a guess', () => {
    refused({ colour: 'blue' }, 'colour is not a configuration key.');
  });

  it('names an unknown member of a nested option object by its full path', () => {
    refused(
      { rateLimit: { registration: '10/60s' } },
      'rateLimit.registration is not a configuration key (did you mean rateLimit.registrations?).',
    );
    refused(
      { cors: { origin: '*' } },
      'cors.origin is not a configuration key (did you mean cors.origins?).',
    );
    refused(
      { clientIdMetadataDocuments: { enable: true } },
      'clientIdMetadataDocuments.enable is not a configuration key (did you mean clientIdMetadataDocuments.enabled?).',
    );
  });

  it('guesses only near keys', () => {
    const known = ['issuer', 'rateLimit', 'cors'];
    assert.equal(closestKey('isseur', known), 'issuer');
    assert.equal(closestKey('CORS', known), 'cors');
    assert.equal(closestKey('limits', known), undefined);
  });
});

describe('store callbacks as flat keys', () => {
  it('takes the initial-access-token methods as flat keys, without a store object', async () => {
    const store = createMemoryStore();
    const { registration: _none, ...flat } = {
      registration: undefined,
      registerClient: store.registerClient.bind(store),
      loadClient: store.loadClient.bind(store),
      clientRegistrationAccessTokenHash: store.clientRegistrationAccessTokenHash.bind(store),
      clientRegistration: store.clientRegistration.bind(store),
      createInitialAccessToken: store.createInitialAccessToken.bind(store),
      findInitialAccessToken: store.findInitialAccessToken.bind(store),
      consumeInitialAccessToken: store.consumeInitialAccessToken.bind(store),
      listInitialAccessTokens: store.listInitialAccessTokens.bind(store),
      revokeInitialAccessToken: store.revokeInitialAccessToken.bind(store),
    };
    const registrar = createRegistrar({
      ...BASE,
      rateLimit: false,
      initialAccessToken: { stored: true },
      ...flat,
    });
    const token = 'flat-key-initial-access-token-0123456789';
    const record: InitialAccessTokenRecord = {
      id: 'flat',
      token_hash: await hashCredential(webCrypto, token),
      created_at: Math.floor(Date.now() / 1000),
      uses: 0,
      max_uses: 1,
    };
    await store.createInitialAccessToken(record);
    const register = (authorization: string) =>
      registrar.fetch(
        new Request('https://as.example.org/oauth/register', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ redirect_uris: ['https://client.example.org/cb'] }),
        }),
      );
    assert.equal((await register(`Bearer ${token}`)).status, 201);
    assert.equal((await store.findInitialAccessToken(record.token_hash))?.uses, 1);
    assert.equal((await register(`Bearer ${token}`)).status, 401, 'the one use is spent');
  });

  it('lets a flat key win over the store method of the same name', async () => {
    const store = createMemoryStore();
    let flatCalls = 0;
    const registrar = createRegistrar({
      ...BASE,
      registration: store,
      rateLimit: false,
      listClients: (options) => {
        flatCalls++;
        return store.listClients(options);
      },
    });
    const listed = await registrar.settings.store.listClients?.({ limit: 1 });
    assert.deepEqual(listed, { clients: [] });
    assert.equal(flatCalls, 1);
  });

  it('refuses stored tokens when a method is missing, naming it', () => {
    const store = createMemoryStore();
    assert.throws(
      () =>
        createRegistrar({
          ...BASE,
          registerClient: store.registerClient.bind(store),
          findInitialAccessToken: store.findInitialAccessToken.bind(store),
          initialAccessToken: { stored: true },
        }),
      {
        name: 'ConfigurationError',
        message:
          'initialAccessToken stored: true needs the initial-access-token callbacks, as store methods or flat keys; missing: createInitialAccessToken, consumeInitialAccessToken, listInitialAccessTokens, revokeInitialAccessToken.',
      },
    );
  });
});

describe('unknown configuration keys in a registrar serve --config file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-unknown-keys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a misspelt key before anything else', () => {
    const path = join(dir, 'typo.json');
    writeFileSync(path, JSON.stringify({ isuer: 'https://as.example.org' }));
    assert.throws(() => resolveCommandOptions(['--config', path], {}), {
      name: 'ConfigurationError',
      message: 'isuer is not a configuration key (did you mean issuer?).',
    });
  });

  it('exits with the message instead of starting', async () => {
    const path = join(dir, 'rate.json');
    writeFileSync(path, JSON.stringify({ rateLimt: { registrations: '5/60s' } }));
    await assert.rejects(
      startServe(['--port', '0', '--store', 'memory:', '--config', path]),
      (error: Error) => {
        assert.match(error.message, /^registrar serve exited with 2:/);
        assert.ok(
          error.message.includes('registrar: rateLimt is not a configuration key (did you mean rateLimit?).'),
          error.message,
        );
        return true;
      },
    );
  });
});

describe('the server keys of a --config file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-server-keys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts rateLimit.redis and rateLimit.redisKeyPrefix, and still names a misspelt rule', () => {
    const good = join(dir, 'redis.json');
    writeFileSync(
      good,
      JSON.stringify({ rateLimit: { redis: 'redis://127.0.0.1:6379', redisKeyPrefix: 'a:' } }),
    );
    assert.doesNotThrow(() => resolveCommandOptions(['--config', good], {}));
    const typo = join(dir, 'typo.json');
    writeFileSync(
      typo,
      JSON.stringify({ rateLimit: { redis: 'redis://127.0.0.1:6379', managementFailure: '3/60s' } }),
    );
    assert.throws(() => resolveCommandOptions(['--config', typo], {}), {
      name: 'ConfigurationError',
      message:
        'rateLimit.managementFailure is not a configuration key (did you mean rateLimit.managementFailures?).',
    });
  });
});
