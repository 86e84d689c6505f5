// registrar.counts() and the registration.refused event (docs/admission.md#counts): accepted
// registrations, refusals by the code answered (the rate limit among them), and every event by
// type, over real HTTP; a refusal's event carries the code and nothing the client sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RegistrarEvent } from '../../src/core/events.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';

describe('registrar.counts()', () => {
  let server: TestServer;
  const events: RegistrarEvent[] = [];
  let clock = 1_700_000_000_000;
  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: { registrations: { limit: 4, windowSeconds: 60 }, managementFailures: false },
      clientTtl: 60,
      onEvent: (event) => {
        events.push(event);
      },
      now: () => clock,
    });
  });
  after(() => server.close());

  it('starts at zero', () => {
    assert.deepEqual(server.registrar.counts(), { registered: 0, refused: {}, events: {} });
  });

  it('counts accepted and refused registrations by code, the rate limit among them, and swept clients', async () => {
    const good = { redirect_uris: ['https://app.example/cb'], client_name: 'Counted' };
    assert.equal((await register(server.url, good)).status, 201);
    assert.equal((await register(server.url, good)).status, 201);
    const bad = await register(server.url, { redirect_uris: ['javascript:alert(1)//<secret-looking>'] });
    assert.equal(bad.json.error, 'invalid_redirect_uri');
    const malformed = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"redirect_uris":',
    });
    assert.equal(malformed.status, 400);
    const limited = await register(server.url, good);
    assert.equal(limited.status, 429);

    const counts = server.registrar.counts();
    assert.equal(counts.registered, 2);
    assert.deepEqual(counts.refused, { invalid_redirect_uri: 1, invalid_request: 1, too_many_requests: 1 });
    assert.equal(counts.events['client.registered'], 2);
    assert.equal(counts.events['registration.refused'], 3);

    const refusals = events.filter((event) => event.type === 'registration.refused');
    assert.deepEqual(
      refusals.map((event) => event.error),
      ['invalid_redirect_uri', 'invalid_request', 'too_many_requests'],
    );
    for (const event of refusals) {
      assert.equal(event.client_id, '');
      assert.equal(event.time, Math.floor(clock / 1000));
      assert.ok(!JSON.stringify(event).includes('secret-looking'), 'nothing the client sent');
    }

    clock += 120_000;
    const swept = await server.registrar.sweep();
    assert.equal(swept.removed, 2);
    assert.equal(server.registrar.counts().events['client.expired'], 2);
  });

  it('answers a copy the caller cannot change', () => {
    const counts = server.registrar.counts() as { refused: Record<string, number> };
    counts.refused.invalid_redirect_uri = 99;
    assert.equal(server.registrar.counts().refused.invalid_redirect_uri, 1);
  });
});
