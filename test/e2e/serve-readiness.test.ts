// `registrar serve` answers every request from the moment its port is bound: 503
// temporarily_unavailable with Retry-After while it is starting (Redis not answering yet),
// /healthz (alive) and /readyz (ready, and how rate limits are kept) apart; and it publishes
// discovery only with the authorization server's real endpoints. The PostgreSQL-down start is in
// postgres-serve.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServe } from '../helpers/cli.js';

const BODY = JSON.stringify({ redirect_uris: ['https://app.example/cb'] });

async function registration(url: string): Promise<Response> {
  return fetch(`${url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
}

describe('registrar serve readiness', () => {
  it('answers every request while Redis does not answer at start, then serves with per-instance limits', async () => {
    // Nothing listens on this port: the limiter waits about a second, then falls back.
    const server = await startServe(
      ['--port', '0', '--store', 'memory:', '--redis', 'redis://127.0.0.1:6999'],
      { until: 'starting' },
    );
    try {
      const early = await Promise.all([
        registration(server.url),
        fetch(`${server.url}/healthz`),
        fetch(`${server.url}/readyz`),
      ]);
      const [first, health, ready] = early;
      assert.ok(first.status === 503 || first.status === 201, `answered ${first.status}`);
      if (first.status === 503) {
        assert.equal(first.headers.get('retry-after'), '1');
        assert.equal(first.headers.get('cache-control'), 'no-store');
        assert.deepEqual(await first.json(), {
          error: 'temporarily_unavailable',
          error_description: 'The server is starting; retry shortly.',
        });
      }
      assert.equal(health.status, 200);
      assert.ok(ready.status === 503 || ready.status === 200);
      while (!server.lines.some((line) => line.includes('"msg":"listening"'))) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(server.lines.some((line) => line.includes('Redis does not answer yet')));
      const readyNow = await fetch(`${server.url}/readyz`);
      assert.equal(readyNow.status, 200);
      assert.deepEqual(await readyNow.json(), {
        status: 'ready',
        store: 'ok',
        rate_limits: 'redis-fallback',
      });
      assert.equal((await registration(server.url)).status, 201);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('reports a connected Redis and the memory limiter in /readyz', async () => {
    const withRedis = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--redis',
      'redis://127.0.0.1:6379',
    ]);
    try {
      assert.deepEqual(await (await fetch(`${withRedis.url}/readyz`)).json(), {
        status: 'ready',
        store: 'ok',
        rate_limits: 'redis',
      });
    } finally {
      await withRedis.stop();
    }
    const memory = await startServe(['--port', '0', '--store', 'memory:']);
    try {
      const ready = await fetch(`${memory.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { rate_limits: string }).rate_limits, 'memory');
      assert.equal((await fetch(`${memory.url}/readyz`, { method: 'HEAD' })).status, 200);
    } finally {
      await memory.stop();
    }
  });

  it('publishes no discovery document without the endpoints, and says which flags are missing', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--token-endpoint',
      'https://as.example/token',
    ]);
    try {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const response = await fetch(`${server.url}${path}`);
        assert.equal(response.status, 404, path);
        await response.body?.cancel();
      }
      const warning = server.lines.filter((line) => line.includes('no discovery document'));
      assert.equal(warning.length, 1, 'said once');
      assert.match(warning[0] as string, /--authorization-endpoint, --jwks-uri/);
      assert.doesNotMatch(warning[0] as string, /--token-endpoint/);
      assert.equal((await registration(server.url)).status, 201, 'registration still serves');
    } finally {
      await server.stop();
    }
  });

  it('takes the endpoints from the environment too', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:'], {
      env: {
        REGISTRAR_AUTHORIZATION_ENDPOINT: 'https://env.example/authorize',
        REGISTRAR_TOKEN_ENDPOINT: 'https://env.example/token',
        REGISTRAR_JWKS_URI: 'https://env.example/jwks.json',
      },
    });
    try {
      const document = (await (
        await fetch(`${server.url}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      assert.equal(document.authorization_endpoint, 'https://env.example/authorize');
      assert.equal(document.token_endpoint, 'https://env.example/token');
      assert.equal(document.jwks_uri, 'https://env.example/jwks.json');
    } finally {
      await server.stop();
    }
  });

  it('refuses an endpoint that is not a URL, naming it', async () => {
    await assert.rejects(
      startServe(['--port', '0', '--store', 'memory:', '--token-endpoint', 'not a url']),
      /tokenEndpoint/,
    );
  });
});
