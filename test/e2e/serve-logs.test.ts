// The log of `registrar serve` (docs/operations.md#logs) over real HTTP on loopback: an
// X-Request-Id accepted when well-formed, else minted, echoed on both listeners and on every line
// written for the request (the request line, the admin API's audit line); --log-level and
// REGISTRAR_LOG_LEVEL; health checks at debug; no secret on any line.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OPEN_REGISTRATION, runCommand, type ServeProcess, startServe } from '../helpers/cli.js';

const ADMIN_TOKEN = 'logs-admin-token-0123456789abcdefghijklmnopqrstuv';
const ADMIN_HASH = `ops:${createHash('sha256').update(ADMIN_TOKEN).digest('hex')}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REGISTRATION = { redirect_uris: ['https://client.example/cb'], client_name: 'logs test' };

type Line = Record<string, unknown>;

function records(serve: ServeProcess): Line[] {
  return serve.lines.flatMap((text) => {
    try {
      return [JSON.parse(text) as Line];
    } catch {
      return [];
    }
  });
}

/** Waits until a line matching `match` has been written, and returns it. */
async function lineWhere(serve: ServeProcess, match: (line: Line) => boolean): Promise<Line> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = records(serve).find(match);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no such line in:\n${serve.lines.join('\n')}`);
}

function register(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(REGISTRATION),
  });
}

describe('registrar serve request ids and log lines', () => {
  let serve: ServeProcess;
  let admin: string;

  before(async () => {
    serve = await startServe(['--store', 'memory:', '--port', '0', '--admin-port', '0'], {
      env: { REGISTRAR_ADMIN_TOKEN_HASH: ADMIN_HASH },
    });
    admin = String((await lineWhere(serve, (line) => line.msg === 'admin listening')).url);
  });

  after(async () => {
    await serve.stop();
  });

  it('echoes a well-formed X-Request-Id and writes it on the request line', async () => {
    const response = await register(serve.url, { 'x-request-id': 'trace-abc.123' });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-request-id'), 'trace-abc.123');
    const body = (await response.json()) as Record<string, string>;
    const line = await lineWhere(
      serve,
      (entry) => entry.msg === 'request' && entry.request_id === 'trace-abc.123',
    );
    assert.equal(line.path, '/oauth/register');
    assert.equal(line.status, 201);
    // Neither the secret nor the registration access token reaches any line.
    const all = serve.lines.join('\n');
    assert.equal(all.includes(body.client_secret as string), false);
    assert.equal(all.includes(body.registration_access_token as string), false);
  });

  it('mints an id for a request without one or with a malformed one, and logs the same id', async () => {
    for (const headers of [{}, { 'x-request-id': 'not well formed!' }, { 'x-request-id': 'x'.repeat(129) }]) {
      const response = await register(serve.url, headers);
      assert.equal(response.status, 201);
      const id = response.headers.get('x-request-id') ?? '';
      assert.match(id, UUID);
      await lineWhere(serve, (entry) => entry.msg === 'request' && entry.request_id === id);
    }
    // Refusals carry one too.
    const refused = await fetch(`${serve.url}/oauth/register`, { method: 'POST', body: '{' });
    assert.equal(refused.status, 400);
    assert.match(refused.headers.get('x-request-id') ?? '', UUID);
  });

  it('on the admin listener, echoes the id and writes it on the request line and the audit line', async () => {
    const response = await fetch(`${admin}/admin/v1/clients`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/json',
        'x-request-id': 'admin-req-7',
      },
      body: JSON.stringify(REGISTRATION),
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-request-id'), 'admin-req-7');
    const audit = await lineWhere(serve, (entry) => entry.msg === 'admin action');
    assert.equal(audit.request_id, 'admin-req-7');
    const request = await lineWhere(serve, (entry) => entry.msg === 'admin request');
    assert.equal(request.request_id, 'admin-req-7');
    const minted = await fetch(`${admin}/admin/v1/clients`);
    assert.equal(minted.status, 401);
    assert.match(minted.headers.get('x-request-id') ?? '', UUID);
  });

  it('writes health checks at debug, so the default info level leaves them out', async () => {
    const health = await fetch(`${serve.url}/healthz`, { headers: { 'x-request-id': 'health-1' } });
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('x-request-id'), 'health-1');
    await register(serve.url, { 'x-request-id': 'after-health' });
    await lineWhere(serve, (entry) => entry.request_id === 'after-health');
    assert.equal(
      records(serve).some((entry) => entry.request_id === 'health-1'),
      false,
    );
  });
});

describe('registrar serve --log-level', () => {
  it('debug adds the health checks', async () => {
    const serve = await startServe(['--store', 'memory:', '--port', '0', '--log-level', 'debug']);
    try {
      await fetch(`${serve.url}/readyz`, { headers: { 'x-request-id': 'ready-1' } });
      const line = await lineWhere(serve, (entry) => entry.request_id === 'ready-1');
      assert.deepEqual([line.level, line.path], ['debug', '/readyz']);
    } finally {
      await serve.stop();
    }
  });

  it('REGISTRAR_LOG_LEVEL=warn keeps the info lines out and the warnings in', async () => {
    const serve = await startServe(['--store', 'memory:', '--port', '0'], {
      env: { REGISTRAR_LOG_LEVEL: 'warn' },
      until: OPEN_REGISTRATION,
    });
    try {
      const response = await register(serve.url, { 'x-request-id': 'quiet-1' });
      assert.equal(response.status, 201);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const lines = records(serve);
      assert.equal(
        lines.some((entry) => entry.level === 'info'),
        false,
        serve.lines.join('\n'),
      );
      assert.ok(lines.some((entry) => entry.level === 'warn'));
    } finally {
      await serve.stop();
    }
  });

  it('refuses a level it does not know, naming the flag and the levels', () => {
    const result = runCommand(['serve', '--store', 'memory:', '--port', '0', '--log-level', 'loud']);
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      /--log-level must be one of trace, debug, info, warn, error, fatal, silent, not "loud"/,
    );
  });
});
