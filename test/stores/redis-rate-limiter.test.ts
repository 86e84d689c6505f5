// services: redis
// The Redis limiter against real Redis servers: limits shared by separate
// connections (as by separate instances), atomic under concurrency, keys that
// expire, and the deliberate fallback to per-instance memory limits while
// Redis does not answer, with the return to Redis when it does.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisRateLimiter, type RedisRateLimiter } from '../../src/admission/redis-rate-limiter.js';
import { memoryLogger } from '../helpers/http.js';
import { REDIS_URL, uniqueName } from '../helpers/services.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Redis rate limiter', () => {
  const prefix = `${uniqueName('registrar_test')}:`;
  const limiters: RedisRateLimiter[] = [];
  let admin: Redis;
  const open = (keyPrefix = prefix) => {
    const limiter = createRedisRateLimiter({ url: REDIS_URL, keyPrefix, logger: memoryLogger() });
    limiters.push(limiter);
    return limiter;
  };
  before(() => {
    admin = new Redis(REDIS_URL);
  });
  after(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('shares one limit between separate connections, as between instances', async () => {
    const first = open();
    const second = open();
    assert.equal(await first.ready(), true);
    assert.equal(await second.ready(), true);
    const rule = { limit: 5, windowSeconds: 3600 };
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await (i % 2 === 0 ? first : second).consume('shared', rule));
    assert.deepEqual(
      answers.map((answer) => answer.allowed),
      [true, true, true, true, true, false, false, false],
    );
    const refused = answers[5];
    assert.ok(refused && refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 3600);
    assert.equal(first.degraded, false);
  });

  it('admits exactly limit events among many concurrent callers', async () => {
    const first = open();
    const second = open();
    await Promise.all([first.ready(), second.ready()]);
    const rule = { limit: 10, windowSeconds: 3600 };
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? first : second).consume('burst', rule)),
    );
    assert.equal(answers.filter((answer) => answer.allowed).length, 10);
  });

  it('check records nothing', async () => {
    const limiter = open();
    await limiter.ready();
    const rule = { limit: 1, windowSeconds: 3600 };
    for (let i = 0; i < 3; i++) assert.equal((await limiter.check('checked', rule)).allowed, true);
    assert.equal((await limiter.consume('checked', rule)).allowed, true);
    assert.equal((await limiter.check('checked', rule)).allowed, false);
  });

  it('lets events leave the window, and lets Redis expire idle keys', async () => {
    const limiter = open();
    await limiter.ready();
    const rule = { limit: 1, windowSeconds: 1 };
    assert.equal((await limiter.consume('sliding', rule)).allowed, true);
    assert.equal((await limiter.consume('sliding', rule)).allowed, false);
    const ttl = await admin.pttl(`${prefix}sliding`);
    assert.ok(ttl > 0 && ttl <= 1000, `the key expires with its window (${ttl} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await limiter.consume('sliding', rule)).allowed, true);
  });

  it('keeps different key prefixes apart', async () => {
    const mine = open();
    const theirs = open(`${prefix}other:`);
    await Promise.all([mine.ready(), theirs.ready()]);
    const rule = { limit: 1, windowSeconds: 3600 };
    assert.equal((await mine.consume('apart', rule)).allowed, true);
    assert.equal((await theirs.consume('apart', rule)).allowed, true);
  });
});

describe('Redis rate limiter while Redis does not answer', () => {
  let port: number;
  let server: ChildProcess | undefined;
  let limiter: RedisRateLimiter;
  const logger = memoryLogger();
  before(async () => {
    port = await freePort();
    limiter = createRedisRateLimiter({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: `${uniqueName('registrar_test')}:`,
      logger,
      commandTimeoutMs: 500,
    });
  });
  after(async () => {
    await limiter.close();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });

  it('falls back to this instance’s memory: still limiting, logged once', async () => {
    assert.equal(await limiter.ready(300), false);
    const rule = { limit: 2, windowSeconds: 3600 };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await limiter.consume('offline', rule)).allowed);
    assert.deepEqual(answers, [true, true, false, false], 'fail-open to local limits, not to no limits');
    assert.equal(limiter.degraded, true);
    const warnings = logger.records.filter((record) => record.level === 'warn');
    assert.equal(warnings.length, 1, 'one warning per outage, not one per request');
  });

  it('returns to Redis by itself once Redis answers', async () => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    assert.equal(await limiter.ready(10_000), true, 'the limiter reconnected');
    const rule = { limit: 1, windowSeconds: 3600 };
    assert.equal((await limiter.consume('online', rule)).allowed, true);
    assert.equal(limiter.degraded, false);
    assert.ok(
      logger.records.some((record) => record.level === 'info' && /answers again/.test(String(record.msg))),
    );
    const direct = new Redis(`redis://127.0.0.1:${port}`);
    try {
      const keys = await direct.keys('*online');
      assert.equal(keys.length, 1, 'the decision was recorded in Redis');
    } finally {
      await direct.quit();
    }
  });
});
