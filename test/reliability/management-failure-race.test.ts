// services: postgres, redis
// The failed management authentication limit under a concurrent burst: 500 wrong-token GETs on
// one client at once over real HTTP, with the memory limiter and with the Redis limiter, on the
// SQLite and PostgreSQL stores. Each attempt takes its slot before its token is checked, so at
// most `limit` reach the store and the rest are 429; a right token gives its slot back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createMemoryRateLimiter } from '../../src/admission/memory-rate-limiter.js';
import { createRedisRateLimiter } from '../../src/admission/redis-rate-limiter.js';
import type { RateLimiter } from '../../src/core/ports/rate-limiter.js';
import { type OpenedStore, openStore, type StoreKind } from '../helpers/bundled-stores.js';
import { memoryLogger, recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { REDIS_URL, uniqueName } from '../helpers/services.js';

const LIMIT = 20;
const BURST = 500;
const RULE = { limit: LIMIT, windowSeconds: 60 };

const prefix = `${uniqueName('registrar_race')}:`;
const limiters: Record<string, () => RateLimiter> = {
  memory: () => createMemoryRateLimiter(),
  redis: () => createRedisRateLimiter({ url: REDIS_URL, keyPrefix: prefix, logger: memoryLogger() }),
};

after(async () => {
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

let suites = 0;
for (const [limiterName, createLimiter] of Object.entries(limiters)) {
  describe(`release on the ${limiterName} limiter`, () => {
    it('takes back one recorded event, so the window admits one more', async () => {
      const limiter = createLimiter();
      const key = uniqueName('release');
      try {
        for (let i = 0; i < 3; i++)
          assert.equal((await limiter.consume(key, { ...RULE, limit: 3 })).allowed, true);
        assert.equal((await limiter.consume(key, { ...RULE, limit: 3 })).allowed, false);
        await limiter.release?.(key);
        assert.equal((await limiter.consume(key, { ...RULE, limit: 3 })).allowed, true);
        assert.equal((await limiter.consume(key, { ...RULE, limit: 3 })).allowed, false);
      } finally {
        await limiter.close?.();
      }
    });
  });

  for (const storeKind of ['sqlite', 'postgres'] as StoreKind[]) {
    describe(`${BURST} concurrent wrong tokens: ${limiterName} limiter, ${storeKind} store`, () => {
      let opened: OpenedStore;
      let store: ReturnType<typeof recordingStore>;
      let limiter: RateLimiter;
      let server: TestServer;
      let client: Record<string, unknown>;

      before(async () => {
        opened = await openStore(storeKind);
        // A lookup answers after a network round trip's delay, as a remote database's would,
        // which leaves every concurrent request time to pass a check made before the store.
        const real = opened.store;
        const roundTrip = () => new Promise((resolve) => setTimeout(resolve, 25));
        store = recordingStore({
          ...real,
          loadClient: async (clientId: string) => {
            await roundTrip();
            return real.loadClient(clientId);
          },
          loadClientWithRegistration: async (clientId: string) => {
            await roundTrip();
            return real.loadClientWithRegistration(clientId);
          },
        });
        limiter = createLimiter();
        server = await startRegistrar({
          registrationEnabled: true,
          registration: store,
          // Each suite counts under its own forwarded address, so the Redis keys never meet.
          trustedProxies: ['127.0.0.1'],
          rateLimit: { registrations: false, managementFailures: RULE, limiter },
        });
        const created = await register(server.url, { redirect_uris: ['https://client.example.org/cb'] });
        assert.equal(created.status, 201);
        client = created.json;
      });
      after(async () => {
        await server.close();
        await limiter.close?.();
        await opened.close();
      });

      suites += 1;
      const address = `198.51.100.${suites}`;
      const get = (token: string, from = address) =>
        fetch(client.registration_client_uri as string, {
          headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': from },
        });
      const loads = () =>
        store.calls.filter((call) => call.name === 'loadClient' || call.name === 'loadClientWithRegistration')
          .length;

      it('gives the slot of a right token back: more successes than the limit all pass', async () => {
        let token = client.registration_access_token as string;
        for (let i = 0; i < LIMIT + 5; i++) {
          const response = await get(token);
          assert.equal(response.status, 200);
          token = ((await response.json()) as { registration_access_token: string })
            .registration_access_token;
        }
        client.registration_access_token = token;
      });

      it(`evaluates at most ${LIMIT} guesses against the store and answers the rest 429`, async () => {
        const before = loads();
        const responses = await Promise.all(Array.from({ length: BURST }, (_, i) => get(`wrong-token-${i}`)));
        const statuses = responses.map((response) => response.status);
        await Promise.all(responses.map((response) => response.arrayBuffer()));
        const evaluated = loads() - before;
        assert.ok(evaluated <= LIMIT, `${evaluated} guesses reached the store`);
        assert.equal(statuses.filter((status) => status === 401).length, evaluated);
        assert.equal(statuses.filter((status) => status === 429).length, BURST - evaluated);
        assert.equal(evaluated, LIMIT, 'the limit is used up, not more and not less');
      });

      it('refuses even the right token from that address for the window, and serves other addresses', async () => {
        const token = client.registration_access_token as string;
        assert.equal((await get(token)).status, 429);
        assert.equal((await get(token, '203.0.113.7')).status, 200);
      });
    });
  }
}
