// The flags this slice adds to the registrar command (--rate-limit, --redis,
// --no-migrate, --pg-pool-size, --pg-schema) and their REGISTRAR_ variables,
// and the rate limit and /healthz of `registrar serve` on the embedded stores.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigurationError } from '../../src/core/errors.js';
import { resolveCommandOptions } from '../../src/server/options.js';
import { runCommand, startServe } from '../helpers/cli.js';
import { register } from '../helpers/http.js';

const METADATA = { redirect_uris: ['https://client.example.org/cb'] };

describe('command options', () => {
  it('has the documented defaults', () => {
    const options = resolveCommandOptions([], {});
    assert.equal(options.pgPoolSize, 10);
    assert.equal(options.pgSchema, 'public');
    assert.equal(options.migrate, true);
    assert.equal(options.rateLimit, undefined);
    assert.equal(options.redis, undefined);
  });

  it('reads each flag, and its REGISTRAR_ variable when the flag is absent', () => {
    const fromFlags = resolveCommandOptions(
      [
        '--rate-limit',
        '20/60s',
        '--redis',
        'redis://flag:6379',
        '--no-migrate',
        '--pg-pool-size',
        '3',
        '--pg-schema',
        'tenant_a',
      ],
      { REGISTRAR_RATE_LIMIT: 'off', REGISTRAR_REDIS: 'redis://env:6379' },
    );
    assert.deepEqual(fromFlags.rateLimit, { limit: 20, windowSeconds: 60 });
    assert.equal(fromFlags.redis, 'redis://flag:6379');
    assert.equal(fromFlags.migrate, false);
    assert.equal(fromFlags.pgPoolSize, 3);
    assert.equal(fromFlags.pgSchema, 'tenant_a');
    const fromEnv = resolveCommandOptions([], {
      REGISTRAR_RATE_LIMIT: 'off',
      REGISTRAR_REDIS: 'redis://env:6379',
      REGISTRAR_NO_MIGRATE: 'true',
      REGISTRAR_PG_POOL_SIZE: '25',
      REGISTRAR_PG_SCHEMA: 'tenant_b',
    });
    assert.equal(fromEnv.rateLimit, null);
    assert.equal(fromEnv.redis, 'redis://env:6379');
    assert.equal(fromEnv.migrate, false);
    assert.equal(fromEnv.pgPoolSize, 25);
    assert.equal(fromEnv.pgSchema, 'tenant_b');
  });

  it('refuses a malformed --rate-limit or --pg-pool-size', () => {
    for (const args of [
      ['--rate-limit', '20'],
      ['--rate-limit', '20/60m'],
      ['--pg-pool-size', '0'],
    ]) {
      assert.throws(() => resolveCommandOptions(args, {}), ConfigurationError, args.join(' '));
    }
  });
});

describe('connection limit and proxy options', () => {
  it('has the documented defaults', () => {
    const options = resolveCommandOptions([], {});
    assert.equal(options.headersTimeoutSeconds, 10);
    assert.equal(options.requestTimeoutSeconds, 30);
    assert.equal(options.idleTimeoutSeconds, 10);
    assert.equal(options.maxConnections, 1000);
    assert.equal(options.maxConnectionsPerAddress, 128);
    assert.equal(options.trustedProxies, undefined);
  });

  it('reads each flag, and its REGISTRAR_ variable when the flag is absent', () => {
    const fromFlags = resolveCommandOptions(
      [
        '--headers-timeout',
        '2',
        '--request-timeout',
        '4',
        '--idle-timeout',
        '3',
        '--max-connections',
        '7',
        '--max-connections-per-address',
        '5',
        '--trusted-proxies',
        '10.0.0.1, ::1',
      ],
      { REGISTRAR_MAX_CONNECTIONS: '99', REGISTRAR_TRUSTED_PROXIES: '10.9.9.9' },
    );
    assert.equal(fromFlags.headersTimeoutSeconds, 2);
    assert.equal(fromFlags.requestTimeoutSeconds, 4);
    assert.equal(fromFlags.idleTimeoutSeconds, 3);
    assert.equal(fromFlags.maxConnections, 7);
    assert.equal(fromFlags.maxConnectionsPerAddress, 5);
    assert.deepEqual(fromFlags.trustedProxies, ['10.0.0.1', '::1']);
    const fromEnv = resolveCommandOptions([], {
      REGISTRAR_HEADERS_TIMEOUT: '6',
      REGISTRAR_REQUEST_TIMEOUT: '8',
      REGISTRAR_IDLE_TIMEOUT: '9',
      REGISTRAR_MAX_CONNECTIONS: '99',
      REGISTRAR_MAX_CONNECTIONS_PER_ADDRESS: '11',
      REGISTRAR_TRUSTED_PROXIES: '10.9.9.9',
    });
    assert.equal(fromEnv.headersTimeoutSeconds, 6);
    assert.equal(fromEnv.requestTimeoutSeconds, 8);
    assert.equal(fromEnv.idleTimeoutSeconds, 9);
    assert.equal(fromEnv.maxConnections, 99);
    assert.equal(fromEnv.maxConnectionsPerAddress, 11);
    assert.deepEqual(fromEnv.trustedProxies, ['10.9.9.9']);
  });

  it('refuses values that are not positive integers, a headers timeout past the request timeout, and a proxy that is not an address', () => {
    for (const args of [
      ['--headers-timeout', '0'],
      ['--request-timeout', '1.5'],
      ['--idle-timeout', 'soon'],
      ['--max-connections=-1'],
      ['--max-connections-per-address', ''],
      ['--headers-timeout', '40', '--request-timeout', '30'],
      ['--trusted-proxies', '10.0.0.1,proxy.internal'],
    ]) {
      assert.throws(() => resolveCommandOptions(args, {}), ConfigurationError, args.join(' '));
    }
  });
});

describe('registrar serve rate limits', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-limits-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies --rate-limit to registrations and answers 429 with Retry-After', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:', '--rate-limit', '2/3600s']);
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await register(server.url, METADATA)).status);
      assert.deepEqual(statuses, [201, 201, 429]);
      const refused = await register(server.url, METADATA);
      assert.equal(refused.json.error, 'too_many_requests');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      const listening = server.lines.find((line) => line.includes('"listening"')) as string;
      assert.match(listening, /"rate_limits":"memory"/);
    } finally {
      await server.stop();
    }
  });

  it('lets the flag win over the config file, and the file set the failed-authentication limit', async () => {
    const config = join(dir, 'limits.json');
    writeFileSync(
      config,
      JSON.stringify({ rateLimit: { registrations: '1/3600s', managementFailures: '1/3600s' } }),
    );
    const server = await startServe(['--port', '0', '--store', 'memory:', '--config', config], {
      env: { REGISTRAR_RATE_LIMIT: '2/3600s' },
    });
    try {
      const first = await register(server.url, METADATA);
      assert.equal(
        (await register(server.url, METADATA)).status,
        201,
        'REGISTRAR_RATE_LIMIT wins over the file',
      );
      assert.equal((await register(server.url, METADATA)).status, 429);
      const uri = first.json.registration_client_uri as string;
      assert.equal((await fetch(uri, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const refused = await fetch(uri, {
        headers: { authorization: `Bearer ${first.json.registration_access_token}` },
      });
      assert.equal(refused.status, 429, 'one failure allowed by the file, then 429');
    } finally {
      await server.stop();
    }
  });

  it('turns every limit off with rateLimit: false in the config file', async () => {
    const config = join(dir, 'off.json');
    writeFileSync(config, JSON.stringify({ rateLimit: false }));
    const server = await startServe(['--port', '0', '--store', 'memory:', '--config', config]);
    try {
      const burst = await Promise.all(Array.from({ length: 65 }, () => register(server.url, METADATA)));
      assert.ok(burst.every((response) => response.status === 201));
    } finally {
      await server.stop();
    }
  });

  it('turns every limit off with --rate-limit off, management authentication included', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:', '--rate-limit', 'off']);
    try {
      const burst = await Promise.all(Array.from({ length: 65 }, () => register(server.url, METADATA)));
      assert.ok(burst.every((response) => response.status === 201));
      const uri = burst[0]?.json.registration_client_uri as string;
      const token = burst[0]?.json.registration_access_token as string;
      for (let i = 0; i < 25; i++) {
        assert.equal((await fetch(uri, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      }
      assert.equal((await fetch(uri, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('sets the failed-authentication limit with --management-rate-limit, also after --rate-limit off', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--rate-limit',
      'off',
      '--management-rate-limit',
      '2/3600s',
    ]);
    try {
      const registered = await register(server.url, METADATA);
      const uri = registered.json.registration_client_uri as string;
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await fetch(uri, { headers: { authorization: 'Bearer wrong' } })).status);
      }
      assert.deepEqual(statuses, [401, 401, 429]);
    } finally {
      await server.stop();
    }
    assert.equal(
      resolveCommandOptions([], { REGISTRAR_MANAGEMENT_RATE_LIMIT: 'off' }).managementRateLimit,
      null,
      'the variable works like the flag',
    );
    assert.throws(() => resolveCommandOptions(['--management-rate-limit', 'many'], {}), {
      name: 'ConfigurationError',
      message: /^--management-rate-limit /,
    });
  });

  it('exits 2 with a clear message for a malformed --rate-limit', () => {
    const result = runCommand(['serve', '--port', '0', '--store', 'memory:', '--rate-limit', 'lots']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--rate-limit must be COUNT\/SECONDSs/);
  });
});

describe('/healthz on the embedded stores', () => {
  it('answers 200 on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-health-'));
    const server = await startServe(['--port', '0', '--store', `sqlite:${join(dir, 'registrar.db')}`]);
    try {
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
