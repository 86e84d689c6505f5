// `registrar serve` and `registrar clients` as real processes on a real SQLite file.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { redactUrl } from '../../src/server/open-store.js';
import { ENDPOINT_FLAGS, runCommand, startServe } from '../helpers/cli.js';
import { register } from '../helpers/http.js';

const METADATA = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Served' };

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'registrar-serve-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('registrar serve', () => {
  it('serves /healthz and both discovery documents, with the endpoints its flags name', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:', ...ENDPOINT_FLAGS]);
    try {
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const response = await fetch(`${server.url}${path}`);
        assert.equal(response.status, 200, path);
        const document = (await response.json()) as Record<string, unknown>;
        assert.equal(document.issuer, server.url);
        assert.equal(document.registration_endpoint, `${server.url}/oauth/register`);
        for (const member of [
          'authorization_endpoint',
          'token_endpoint',
          'jwks_uri',
          'response_types_supported',
          'subject_types_supported',
          'id_token_signing_alg_values_supported',
        ]) {
          assert.ok(member in document, `${path} has ${member}`);
        }
        assert.deepEqual(document.code_challenge_methods_supported, ['S256']);
        assert.equal(document.authorization_endpoint, 'https://as.example/authorize');
        assert.equal(document.token_endpoint, 'https://as.example/token');
        assert.equal(document.jwks_uri, 'https://as.example/jwks.json');
      }
      assert.ok(
        server.lines.some((line) => line.includes('memory store')),
        'the memory store says so at start-up',
      );
      assert.ok(
        server.lines.some((line) => line.includes('open registration')),
        'open registration says so',
      );
    } finally {
      await server.stop();
    }
  });

  it('inserts the well-known path before an issuer path (RFC 8414 §3.1)', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--issuer',
      'http://127.0.0.1/tenant-a',
      ...ENDPOINT_FLAGS,
    ]);
    try {
      const inserted = await fetch(`${server.url}/.well-known/oauth-authorization-server/tenant-a`);
      assert.equal(inserted.status, 200);
      const document = (await inserted.json()) as Record<string, unknown>;
      assert.equal(document.issuer, 'http://127.0.0.1/tenant-a');
      assert.equal(document.registration_endpoint, 'http://127.0.0.1/tenant-a/oauth/register');
      assert.equal((await fetch(`${server.url}/.well-known/openid-configuration/tenant-a`)).status, 200);
      assert.equal((await fetch(`${server.url}/tenant-a/.well-known/openid-configuration`)).status, 200);
      assert.equal((await fetch(`${server.url}/.well-known/oauth-authorization-server`)).status, 404);
      const { status } = await register(server.url, METADATA, { path: '/tenant-a/oauth/register' });
      assert.equal(status, 201);
    } finally {
      await server.stop();
    }
  });

  it('takes flags over the environment over the config file', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        issuer: 'http://127.0.0.1/from-file',
        authorizationEndpoint: 'https://as.example/authorize',
        tokenEndpoint: 'https://as.example/token',
        jwksUri: 'https://as.example/jwks.json',
        scopesSupported: ['read'],
        clientSecretTtl: 3600,
      }),
    );
    const fileOnly = await startServe(['--port', '0', '--store', 'memory:', '--config', config]);
    try {
      const document = (await (
        await fetch(`${fileOnly.url}/.well-known/oauth-authorization-server/from-file`)
      ).json()) as Record<string, unknown>;
      assert.deepEqual(document.scopes_supported, ['read']);
      const refused = await register(
        fileOnly.url,
        { ...METADATA, scope: 'write' },
        { path: '/from-file/oauth/register' },
      );
      assert.equal(refused.json.error, 'invalid_client_metadata');
      const accepted = await register(
        fileOnly.url,
        { ...METADATA, scope: 'read' },
        { path: '/from-file/oauth/register' },
      );
      assert.equal(accepted.status, 201);
      assert.ok(
        (accepted.json.client_secret_expires_at as number) > 0,
        'clientSecretTtl from the file applies',
      );
    } finally {
      await fileOnly.stop();
    }
    const fromEnv = await startServe(['--port', '0', '--config', config], {
      env: { REGISTRAR_STORE: 'memory:', REGISTRAR_ISSUER: 'http://127.0.0.1/from-env' },
    });
    try {
      assert.equal(
        (await fetch(`${fromEnv.url}/.well-known/oauth-authorization-server/from-env`)).status,
        200,
      );
    } finally {
      await fromEnv.stop();
    }
    const fromFlag = await startServe(
      ['--port', '0', '--config', config, '--issuer', 'http://127.0.0.1/from-flag'],
      {
        env: { REGISTRAR_STORE: 'memory:', REGISTRAR_ISSUER: 'http://127.0.0.1/from-env' },
      },
    );
    try {
      assert.equal(
        (await fetch(`${fromFlag.url}/.well-known/oauth-authorization-server/from-flag`)).status,
        200,
      );
    } finally {
      await fromFlag.stop();
    }
  });

  it('refuses a bad configuration with a clear message and exit code 2', () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, '{"rotateRegistrationAccessToken": "sometimes"}');
    const result = runCommand(['serve', '--port', '0', '--store', 'memory:', '--config', config]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /rotateRegistrationAccessToken/);
    const unknownFlag = runCommand(['serve', '--bogus']);
    assert.equal(unknownFlag.status, 2);
    const unknownStore = runCommand(['serve', '--store', 'mongodb://x']);
    assert.equal(unknownStore.status, 2);
    assert.match(unknownStore.stderr, /--store/);
  });

  it('logs one JSON line per request and never a credential', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:']);
    let issued: Record<string, unknown>;
    try {
      issued = (await register(server.url, METADATA)).json;
      await fetch(`${issued.registration_client_uri}?access_token=${issued.registration_access_token}`, {
        headers: { authorization: `Bearer ${issued.registration_access_token}` },
      });
      await register(server.url, '{bad json');
    } finally {
      await server.stop();
    }
    const requests = server.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((r) => r.msg === 'request');
    assert.deepEqual(
      requests.map((r) => r.status),
      [201, 200, 400],
    );
    for (const record of requests) {
      assert.equal(typeof record.method, 'string');
      assert.equal(typeof record.duration_ms, 'number');
    }
    const all = server.lines.join('\n');
    for (const secret of [issued.client_secret, issued.registration_access_token]) {
      assert.ok(!all.includes(secret as string), 'no credential in any log line');
    }
  });

  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:']);
    const body = JSON.stringify(METADATA);
    const { hostname, port } = new URL(server.url);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          hostname,
          port,
          path: '/oauth/register',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    const { status, body: text } = await answer;
    assert.equal(status, 201);
    assert.ok(JSON.parse(text).client_id);
    assert.equal(await server.exited, 0);
    assert.ok(server.lines.some((line) => line.includes('"stopped"')));
  });
});

describe('the SQLite store under registrar serve', () => {
  it('keeps every 201 across kill -9 and stores only hashes', async () => {
    const database = join(dir, 'durable.db');
    const first = await startServe(['--port', '0', '--store', `sqlite:${database}`]);
    const issued: Record<string, unknown>[] = [];
    try {
      for (let round = 0; round < 5; round++) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => register(first.url, METADATA)));
        for (const answer of batch) {
          assert.equal(answer.status, 201);
          issued.push(answer.json);
        }
      }
    } finally {
      assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
    }
    const files = readdirSync(dir).filter((name) => name.startsWith('durable.db'));
    const bytes = Buffer.concat(files.map((name) => readFileSync(join(dir, name))));
    for (const client of issued) {
      assert.ok(
        !bytes.includes(client.client_secret as string),
        'no plaintext client_secret in the database files',
      );
      assert.ok(
        !bytes.includes(client.registration_access_token as string),
        'no plaintext token in the database files',
      );
    }
    assert.ok(bytes.includes('sha256:'), 'the hashes are there');

    const second = await startServe(['--port', '0', '--store', `sqlite:${database}`]);
    try {
      for (const client of issued) {
        // The restarted server listens on another port: same path, new origin.
        const path = new URL(client.registration_client_uri as string).pathname;
        const read = await fetch(`${second.url}${path}`, {
          headers: { authorization: `Bearer ${client.registration_access_token}` },
        });
        assert.equal(read.status, 200, `client ${client.client_id} survived`);
      }
    } finally {
      await second.stop();
    }
  });

  it('creates ./registrar.db in the working directory by default', async () => {
    const cwd = mkdtempSync(join(dir, 'default-'));
    const server = await startServe(['--port', '0'], { cwd });
    try {
      assert.equal((await register(server.url, METADATA)).status, 201);
    } finally {
      await server.stop();
    }
    assert.ok(readdirSync(cwd).includes('registrar.db'));
  });
});

describe('registrar clients', () => {
  it('lists, shows and deletes clients in the configured store, never printing a hash', async () => {
    const database = join(dir, 'admin.db');
    const server = await startServe(['--port', '0', '--store', `sqlite:${database}`]);
    const clients: Record<string, unknown>[] = [];
    try {
      for (const name of ['Alpha', 'Beta'])
        clients.push((await register(server.url, { ...METADATA, client_name: name })).json);
    } finally {
      await server.stop();
    }
    const env = { REGISTRAR_STORE: `sqlite:${database}` };
    const list = runCommand(['clients', 'list'], { env });
    assert.equal(list.status, 0, list.stderr);
    for (const client of clients) assert.ok(list.stdout.includes(client.client_id as string));
    assert.match(list.stdout, /Alpha/);
    const json = runCommand(['clients', 'list', '--json'], { env });
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[];
    assert.equal(listed.length, 2);
    assert.ok(listed.every((entry) => entry.has_client_secret === true));
    const [first, second] = clients as [Record<string, unknown>, Record<string, unknown>];
    const show = runCommand(['clients', 'show', first.client_id as string], { env });
    assert.equal(show.status, 0);
    assert.equal(JSON.parse(show.stdout).client_name, 'Alpha');
    for (const output of [list.stdout, json.stdout, show.stdout]) {
      assert.ok(!output.includes('sha256:'), 'no hash is printed');
    }
    const del = runCommand(['clients', 'delete', first.client_id as string], { env });
    assert.equal(del.status, 0);
    assert.equal(runCommand(['clients', 'show', first.client_id as string], { env }).status, 1);
    assert.equal(runCommand(['clients', 'delete', first.client_id as string], { env }).status, 1);
    const after = JSON.parse(runCommand(['clients', 'list', '--json'], { env }).stdout) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      after.map((entry) => entry.client_id),
      [second.client_id],
    );
  });
});

describe('what reaches a terminal or a log', () => {
  it('escapes control characters a client put in its name when listing clients', async () => {
    const database = join(dir, 'escape.db');
    const server = await startServe(['--port', '0', '--store', `sqlite:${database}`]);
    try {
      const forged = 'x\u001b[31mRED\nADMIN_CLIENT\t2020-01-01\tnone\tTrusted';
      assert.equal((await register(server.url, { ...METADATA, client_name: forged })).status, 201);
    } finally {
      await server.stop();
    }
    const list = runCommand(['clients', 'list'], { env: { REGISTRAR_STORE: `sqlite:${database}` } });
    assert.equal(list.status, 0);
    assert.ok(!list.stdout.includes('\u001b'), 'no raw escape sequence');
    assert.equal(list.stdout.trim().split('\n').length, 2, 'a header and one row: no forged row');
    assert.ok(list.stdout.includes('\\u001b[31mRED\\nADMIN_CLIENT'), 'the name is shown escaped');
  });

  it('keeps connection parameters and passwords of the store URL out of the log', () => {
    assert.equal(
      redactUrl('postgres://app:hunter2@db.internal:5432/clients?password=s3cret&sslpassword=k3y'),
      'postgres://app:***@db.internal:5432/clients',
    );
  });

  it('leaves discovery to a front server when its config file sets discoveryEnabled false', async () => {
    const config = join(dir, 'no-discovery.json');
    writeFileSync(config, JSON.stringify({ discoveryEnabled: false }));
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--config',
      config,
      ...ENDPOINT_FLAGS,
    ]);
    try {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const response = await fetch(`${server.url}${path}`);
        assert.equal(response.status, 404, path);
        await response.body?.cancel();
      }
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('serves discovery without CORS headers when cors is false', async () => {
    const config = join(dir, 'no-cors.json');
    writeFileSync(config, JSON.stringify({ cors: false }));
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--config',
      config,
      ...ENDPOINT_FLAGS,
    ]);
    try {
      const response = await fetch(`${server.url}/.well-known/oauth-authorization-server`, {
        headers: { origin: 'https://app.example' },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    } finally {
      await server.stop();
    }
    const open = await startServe(['--port', '0', '--store', 'memory:', ...ENDPOINT_FLAGS]);
    try {
      const response = await fetch(`${open.url}/.well-known/oauth-authorization-server`, {
        headers: { origin: 'https://app.example' },
      });
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
    } finally {
      await open.stop();
    }
  });
});
