// Rate limits (docs/admission.md#rate-limits; step 3 of docs/architecture.md#a-registration): the in-memory sliding
// window, rule parsing, client addresses, and the two limits over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryRateLimiter } from '../../src/admission/memory-rate-limiter.js';
import { ConfigurationError } from '../../src/core/errors.js';
import {
  DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  parseRateLimitRule,
  type RateLimiter,
} from '../../src/core/ports/rate-limiter.js';
import { clientAddress, rateLimitKey } from '../../src/http/client-address.js';
import type { RegistrarRequest } from '../../src/http/types.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { memoryLogger, recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'] };

describe('memory rate limiter', () => {
  const rule = { limit: 2, windowSeconds: 60 };

  it('admits limit events per window and refuses the next with the time until one leaves', async () => {
    let clock = 1_000_000;
    const limiter = createMemoryRateLimiter({ now: () => clock });
    assert.deepEqual(await limiter.consume('k', rule), { allowed: true, retryAfterSeconds: 0 });
    clock += 30_000;
    assert.deepEqual(await limiter.consume('k', rule), { allowed: true, retryAfterSeconds: 0 });
    clock += 29_500;
    assert.deepEqual(await limiter.consume('k', rule), { allowed: false, retryAfterSeconds: 1 });
    clock += 500;
    assert.equal((await limiter.consume('k', rule)).allowed, true, 'the first event left the window');
    assert.deepEqual(await limiter.consume('k', rule), { allowed: false, retryAfterSeconds: 30 });
  });

  it('does not record refused events, so hammering does not extend the wait', async () => {
    let clock = 0;
    const limiter = createMemoryRateLimiter({ now: () => clock });
    await limiter.consume('k', rule);
    await limiter.consume('k', rule);
    for (let i = 0; i < 50; i++) {
      clock += 1000;
      assert.equal((await limiter.consume('k', rule)).allowed, false);
    }
    clock = 60_000;
    assert.equal((await limiter.consume('k', rule)).allowed, true);
  });

  it('check answers without recording', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0 });
    for (let i = 0; i < 5; i++) assert.equal((await limiter.check('k', rule)).allowed, true);
    await limiter.consume('k', rule);
    assert.equal((await limiter.check('k', rule)).allowed, true);
    await limiter.consume('k', rule);
    assert.deepEqual(await limiter.check('k', rule), { allowed: false, retryAfterSeconds: 60 });
  });

  it('keeps keys apart', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0 });
    await limiter.consume('a', { limit: 1, windowSeconds: 60 });
    assert.equal((await limiter.consume('a', { limit: 1, windowSeconds: 60 })).allowed, false);
    assert.equal((await limiter.consume('b', { limit: 1, windowSeconds: 60 })).allowed, true);
  });

  it('bounds its memory by forgetting the oldest keys past maxKeys', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0, maxKeys: 10 });
    const one = { limit: 1, windowSeconds: 60 };
    for (let i = 0; i <= 20; i++) await limiter.consume(`key${i}`, one);
    assert.equal((await limiter.consume('key0', one)).allowed, true, 'the oldest key was forgotten');
    assert.equal((await limiter.consume('key20', one)).allowed, false, 'a recent key is still counted');
  });
});

describe('rate-limit rules', () => {
  it('parses COUNT/SECONDSs, objects and off', () => {
    assert.deepEqual(parseRateLimitRule('20/60s'), { limit: 20, windowSeconds: 60 });
    assert.deepEqual(parseRateLimitRule({ limit: 5, windowSeconds: 1 }), { limit: 5, windowSeconds: 1 });
    assert.equal(parseRateLimitRule('off'), null);
    assert.equal(parseRateLimitRule(false), null);
  });

  it('refuses anything else with a ConfigurationError', () => {
    for (const bad of [
      '20/60',
      '0/60s',
      '20/0s',
      '20 / 60s',
      'many',
      '',
      20,
      true,
      null,
      { limit: 1.5, windowSeconds: 1 },
    ]) {
      assert.throws(() => parseRateLimitRule(bad), ConfigurationError, String(bad));
    }
  });

  it('has the documented defaults', () => {
    assert.deepEqual(DEFAULT_REGISTRATION_RATE_LIMIT, { limit: 60, windowSeconds: 60 });
    assert.deepEqual(DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT, { limit: 20, windowSeconds: 60 });
  });

  it('fails at construction for a malformed rateLimit', () => {
    const base = { issuer: 'http://127.0.0.1', registrationEnabled: true, registration: createMemoryStore() };
    assert.throws(
      () => createRegistrar({ ...base, rateLimit: { registrations: '60 a minute' } }),
      ConfigurationError,
    );
    assert.throws(
      () => createRegistrar({ ...base, rateLimit: { managementFailures: { limit: 0, windowSeconds: 60 } } }),
      ConfigurationError,
    );
    assert.throws(
      () => createRegistrar({ ...base, rateLimit: { limiter: {} as unknown as RateLimiter } }),
      ConfigurationError,
    );
  });
});

describe('client addresses', () => {
  const request = (remoteAddress: string | undefined, forwarded?: string): RegistrarRequest => ({
    method: 'POST',
    url: 'http://127.0.0.1/oauth/register',
    remoteAddress,
    header: (name) => (name === 'x-forwarded-for' && forwarded !== undefined ? forwarded : null),
    body: async () => new Uint8Array(),
  });

  it('uses the socket peer and ignores X-Forwarded-For from an untrusted peer', () => {
    assert.equal(clientAddress(request('203.0.113.9', '198.51.100.1'), new Set()), '203.0.113.9');
  });

  it('takes the nearest untrusted hop when the peer is a trusted proxy', () => {
    const proxies = new Set(['10.0.0.1', '10.0.0.2']);
    assert.equal(clientAddress(request('10.0.0.1', '198.51.100.7, 203.0.113.5'), proxies), '203.0.113.5');
    assert.equal(
      clientAddress(request('10.0.0.1', 'forged, 198.51.100.7, 10.0.0.2'), proxies),
      '198.51.100.7',
    );
    assert.equal(clientAddress(request('10.0.0.1', '10.0.0.2'), proxies), '10.0.0.2');
    assert.equal(clientAddress(request('10.0.0.1'), proxies), '10.0.0.1');
  });

  it('keys IPv4 by address, IPv4-mapped IPv6 as IPv4, and IPv6 by /64', () => {
    assert.equal(rateLimitKey('203.0.113.5'), '203.0.113.5');
    assert.equal(rateLimitKey('::ffff:203.0.113.5'), '203.0.113.5');
    assert.equal(rateLimitKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('2001:DB8:1:2::9'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('[2001:db8:1:2::9]'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(rateLimitKey('::1'), '0:0:0:0::/64');
    assert.equal(rateLimitKey('2001:db8::1.2.3.4'), '2001:db8:0:0::/64');
    assert.equal(rateLimitKey(undefined), 'unknown');
    assert.equal(rateLimitKey('not:an:address:::'), 'not:an:address:::');
  });
});

describe('registration rate limit over HTTP', () => {
  let server: TestServer;
  const store = recordingStore(createMemoryStore());
  const registerCalls = () => store.calls.filter((call) => call.name === 'registerClient').length;
  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      trustedProxies: ['127.0.0.1'],
      rateLimit: { registrations: '3/3600s' },
    });
  });
  after(() => server.close());

  it('answers 429 too_many_requests with Retry-After past the limit, before reading the body', async () => {
    const from = { 'x-forwarded-for': '198.51.100.1' };
    for (let i = 0; i < 3; i++)
      assert.equal((await register(server.url, GOOD, { headers: from })).status, 201);
    const calls = registerCalls();
    const refused = await register(server.url, GOOD, { headers: from });
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error, 'too_many_requests');
    assert.equal(typeof refused.json.error_description, 'string');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 3600, String(retryAfter));
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    const malformed = await register(server.url, '{not json', { headers: from });
    assert.equal(malformed.status, 429, 'step 3 comes before the body is parsed');
    assert.equal(registerCalls(), calls, 'the store was not called');
  });

  it('counts each client address separately', async () => {
    const other = { 'x-forwarded-for': '198.51.100.2' };
    assert.equal((await register(server.url, GOOD, { headers: other })).status, 201);
  });

  it('counts an IPv6 /64 as one address', async () => {
    for (const host of ['2001:db8:5::1', '2001:db8:5::2', '2001:db8:5::3']) {
      assert.equal((await register(server.url, GOOD, { headers: { 'x-forwarded-for': host } })).status, 201);
    }
    const sameBlock = await register(server.url, GOOD, {
      headers: { 'x-forwarded-for': '2001:db8:5::ffff' },
    });
    assert.equal(sameBlock.status, 429);
    const nextBlock = await register(server.url, GOOD, { headers: { 'x-forwarded-for': '2001:db8:6::1' } });
    assert.equal(nextBlock.status, 201);
  });
});

describe('X-Forwarded-For from an untrusted peer', () => {
  it('does not let a client pick a fresh address per request', async () => {
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: { registrations: '2/3600s' },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          (await register(server.url, GOOD, { headers: { 'x-forwarded-for': `192.0.2.${i}` } })).status,
        );
      }
      assert.deepEqual(statuses, [201, 201, 429]);
    } finally {
      await server.close();
    }
  });
});

describe('the default registration limit', () => {
  it('lets a burst of 60 honest clients behind one address register at once, and refuses the 61st', async () => {
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: {},
    });
    try {
      const burst = await Promise.all(Array.from({ length: 60 }, () => register(server.url, GOOD)));
      assert.deepEqual(
        burst.map((response) => response.status),
        Array(60).fill(201),
      );
      assert.equal((await register(server.url, GOOD)).status, 429);
    } finally {
      await server.close();
    }
  });
});

describe('failed management authentication limit over HTTP', () => {
  let server: TestServer;
  let client: Record<string, unknown>;
  const logger = memoryLogger();
  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      trustedProxies: ['127.0.0.1'],
      rateLimit: { registrations: false, managementFailures: '3/3600s' },
      logger,
    });
    client = (await register(server.url, GOOD)).json;
  });
  after(() => server.close());

  const manage = (token: string | null, address: string) =>
    fetch(client.registration_client_uri as string, {
      headers: {
        'x-forwarded-for': address,
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
    });

  it('does not count successful authentications or requests without a token', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await manage(client.registration_access_token as string, '198.51.100.10')).status, 200);
      assert.equal((await manage(null, '198.51.100.10')).status, 401);
    }
  });

  it('refuses an address that keeps failing with 429, before trying even a correct token', async () => {
    for (let i = 0; i < 3; i++) {
      const wrong = await manage('wrong-token', '198.51.100.11');
      assert.equal(wrong.status, 401);
      assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_token');
    }
    const auditBefore = logger.records.filter(
      (record) => record.msg === 'management authentication failed',
    ).length;
    const refused = await manage(client.registration_access_token as string, '198.51.100.11');
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: string }).error, 'too_many_requests');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const auditAfter = logger.records.filter(
      (record) => record.msg === 'management authentication failed',
    ).length;
    assert.equal(auditAfter, auditBefore, 'the token was not checked');
    assert.equal((await manage(client.registration_access_token as string, '198.51.100.12')).status, 200);
  });
});

describe('rateLimit: false', () => {
  it('disables both limits', async () => {
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: false,
    });
    try {
      const burst = await Promise.all(Array.from({ length: 70 }, () => register(server.url, GOOD)));
      assert.ok(burst.every((response) => response.status === 201));
      const uri = burst[0]?.json.registration_client_uri as string;
      for (let i = 0; i < 25; i++) {
        const response = await fetch(uri, { headers: { authorization: 'Bearer wrong' } });
        assert.equal(response.status, 401);
      }
    } finally {
      await server.close();
    }
  });
});

describe('a host limiter that fails', () => {
  it('fails closed with 503 temporarily_unavailable and Retry-After', async () => {
    const broken: RateLimiter = {
      consume: async () => {
        throw new Error('limiter backend down');
      },
      check: async () => {
        throw new Error('limiter backend down');
      },
    };
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      rateLimit: { limiter: broken },
    });
    try {
      const response = await register(server.url, GOOD);
      assert.equal(response.status, 503);
      assert.equal(response.json.error, 'temporarily_unavailable');
      assert.ok(Number(response.headers.get('retry-after')) > 0);
      assert.ok(!JSON.stringify(response.json).includes('limiter backend down'));
    } finally {
      await server.close();
    }
  });
});
