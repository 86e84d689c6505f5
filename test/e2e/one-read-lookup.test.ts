// The one-read lookup (docs/store-contract.md#one-read-per-lookup): with a store that has
// loadClientWithRegistration, each lookup by client_id is one store read; a flat loadClient
// or clientRegistration is never bypassed by it; an answer outside the contract is a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistrationError } from '../../src/core/errors.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { rejectionOf } from '../helpers/rejection.js';

const SERVICE = {
  grant_types: ['client_credentials'],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  client_name: 'One read',
};
const WEB = { redirect_uris: ['https://client.example.org/cb'], client_name: 'One read web' };
const READS = new Set(['loadClientWithRegistration', 'loadClient', 'clientRegistration']);

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe('the one-read lookup', () => {
  const store = recordingStore(createMemoryStore());
  let server: TestServer;
  let service: Record<string, unknown>;
  let web: Record<string, unknown>;
  const reads = () => store.calls.filter((call) => READS.has(call.name)).map((call) => call.name);

  before(async () => {
    server = await startRegistrar({ registrationEnabled: true, rateLimit: false, registration: store });
    service = (await register(server.url, SERVICE)).json;
    web = (await register(server.url, WEB)).json;
  });
  after(() => server.close());

  it('reads the store once for authenticateClient', async () => {
    store.calls.length = 0;
    const found = await server.registrar.authenticateClient({
      headers: { authorization: basic(service.client_id as string, service.client_secret as string) },
      body: 'grant_type=client_credentials',
    });
    assert.equal(found.clientId, service.client_id);
    assert.deepEqual(reads(), ['loadClientWithRegistration']);
  });

  it('reads the store once for resolveClient', async () => {
    store.calls.length = 0;
    const resolved = await server.registrar.resolveClient(web.client_id as string);
    assert.equal(resolved.metadata.client_name, 'One read web');
    assert.deepEqual(reads(), ['loadClientWithRegistration']);
  });

  it('reads the store once for a management GET, and a wrong token is still a 401', async () => {
    store.calls.length = 0;
    const uri = web.registration_client_uri as string;
    const read = await fetch(uri, { headers: { authorization: `Bearer ${web.registration_access_token}` } });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { client_id: string }).client_id, web.client_id);
    assert.deepEqual(reads(), ['loadClientWithRegistration']);
    const wrong = await fetch(uri, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
  });

  it('never bypasses a flat loadClient or clientRegistration', async () => {
    for (const flat of ['loadClient', 'clientRegistration'] as const) {
      const backing = createMemoryStore();
      const seen: string[] = [];
      const withFlat = await startRegistrar({
        registrationEnabled: true,
        rateLimit: false,
        registration: {
          ...backing,
          loadClientWithRegistration: (clientId: string) => {
            seen.push('store loadClientWithRegistration');
            return backing.loadClientWithRegistration(clientId);
          },
        },
        [flat]: (arg: never) => {
          seen.push(`flat ${flat}`);
          return (backing[flat] as (a: never) => unknown)(arg);
        },
      });
      try {
        const client = (await register(withFlat.url, WEB)).json;
        await withFlat.registrar.resolveClient(client.client_id as string);
        assert.deepEqual(seen, [`flat ${flat}`], `a flat ${flat} is called and the store's one read is not`);
      } finally {
        await withFlat.close();
      }
    }
  });

  it('answers 500, and a resolution server_error, for an answer outside the contract', async () => {
    for (const answer of [{ client: null, registration: {} }, { client: 'c' }, 'text']) {
      const backing = createMemoryStore();
      const odd = await startRegistrar({
        registrationEnabled: true,
        rateLimit: false,
        registration: {
          ...backing,
          loadClientWithRegistration: () => answer as never,
        },
      });
      try {
        const client = (await register(odd.url, SERVICE)).json;
        const refused = await rejectionOf(
          odd.registrar.authenticateClient({
            headers: { authorization: basic(client.client_id as string, client.client_secret as string) },
            body: 'grant_type=client_credentials',
          }),
          RegistrationError,
        );
        assert.equal(refused.status, 500, JSON.stringify(answer));
        assert.equal(refused.code, 'server_error');
        const unresolved = await rejectionOf(
          odd.registrar.resolveClient(client.client_id as string),
          ClientResolutionError,
        );
        assert.equal(unresolved.code, 'server_error');
        const managed = await fetch(client.registration_client_uri as string, {
          headers: { authorization: `Bearer ${client.registration_access_token}` },
        });
        assert.equal(managed.status, 500);
        assert.equal(((await managed.json()) as { error: string }).error, 'server_error');
      } finally {
        await odd.close();
        await backing.close();
      }
    }
  });
});
