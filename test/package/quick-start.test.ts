// The README's quick start, run as written: build as `npm ci` does, `npm start`, then the curl
// walk-through with bash and `registrar check`. The only substitution is the port: the server gets
// a free one through REGISTRAR_PORT (the demo authorization server another through
// REGISTRAR_DEMO_PORT, and both a temporary SQLite file through REGISTRAR_STORE), and the commands
// get that port in place of 4000, as the README says. Then the demo authorization server that
// `npm start` runs beside `registrar serve` is used as a client would: a code flow with PKCE and
// an ID token for a public client, client_credentials for a confidential one.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README_PORT = '4000';

/** The `sh` code blocks of the README section headed `## Quick start`, its subsections included. */
function quickStartBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Quick start\n');
  assert.notEqual(start, -1, 'the README has a "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
}

/** A port the system just handed out and released; the server binds it right after. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Environment without inherited REGISTRAR_* variables, plus `extra`. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRAR_'));
  return { ...Object.fromEntries(inherited), ...extra };
}

describe('README quick start', () => {
  const blocks = quickStartBlocks();
  const dir = mkdtempSync(join(tmpdir(), 'registrar-quick-start-'));
  let server: ChildProcess | undefined;
  let port = 0;
  let demoPort = 0;
  const output: string[] = [];

  before(async () => {
    // `npm ci` builds through the prepare script; the test does the same without reinstalling.
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const commands = (blocks[0] ?? '').split('\n')[0]?.replace(/\s+#.*$/, '') ?? '';
    assert.equal(commands, 'npm ci && npm start', 'the first quick start command');
    port = await freePort();
    demoPort = await freePort();
    // Its own process group, so the npm process and the server under it stop together.
    server = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      env: environment({
        REGISTRAR_PORT: String(port),
        REGISTRAR_STORE: `sqlite:${join(dir, 'registrar.db')}`,
        REGISTRAR_DEMO_PORT: String(demoPort),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output.push(chunk.toString('utf8'));
        if (/demo authorization server: /.test(output.join(''))) resolve();
      };
      server?.stdout?.on('data', onData);
      server?.stderr?.on('data', onData);
      server?.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.join('')}`)));
    });
  });

  after(async () => {
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = once(server, 'exit');
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves on the port npm start was given', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(response.status, 200);
  });

  it('runs the curl walk-through: 201, 200, 200, 204, then 401 with the rotated token', () => {
    const walkThrough = blocks[1] ?? '';
    assert.ok(walkThrough.includes(`http://127.0.0.1:${README_PORT}/oauth/register`), walkThrough);
    const script = walkThrough.replaceAll(`127.0.0.1:${README_PORT}`, `127.0.0.1:${port}`);
    // Each curl also writes its status to stderr, one line per call; what the README prints stays as is.
    const prelude = `curl() { command curl -w '%{stderr}status %{http_code}\\n' "$@"; }\n`;
    const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', prelude + script], {
      cwd: dir,
      encoding: 'utf8',
      env: environment({}),
      timeout: 30_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const statuses = [...run.stderr.matchAll(/^status (\d{3})$/gm)].map((match) => Number(match[1]));
    assert.deepEqual(statuses, [201, 200, 200, 204, 401], run.stderr);
    const documents = run.stdout;
    assert.match(documents, /"client_name": "Example 2"/);
    assert.match(documents, /"error":"invalid_token"/);
  });

  it('runs registrar check against it: every required case passes', () => {
    const block = (blocks[2] ?? '').trim();
    assert.equal(block, `npx registrar check http://127.0.0.1:${README_PORT}`);
    const run = spawnSync('bash', ['-c', block.replaceAll(`127.0.0.1:${README_PORT}`, `127.0.0.1:${port}`)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: environment({}),
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, / 0 failed, 0 warnings, /);
    assert.match(run.stdout, /^PASSED: no required case failed$/m);
    // The discovery document names the demo server's endpoints.
    assert.match(run.stdout, /^PASS +MUST +discovery\.required-members /m);
  });

  async function register(metadata: Record<string, unknown>): Promise<Record<string, string>> {
    const response = await fetch(`http://127.0.0.1:${port}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    assert.equal(response.status, 201);
    return (await response.json()) as Record<string, string>;
  }

  function token(form: Record<string, string>, basic?: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${demoPort}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic !== undefined && { authorization: `Basic ${Buffer.from(basic).toString('base64')}` }),
      },
      body: new URLSearchParams(form),
    });
  }

  it('publishes discovery naming the demo authorization server, which answers', async () => {
    const discovery = (await (
      await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    const demo = `http://127.0.0.1:${demoPort}`;
    assert.equal(discovery.authorization_endpoint, `${demo}/authorize`);
    assert.equal(discovery.token_endpoint, `${demo}/token`);
    assert.equal(discovery.jwks_uri, `${demo}/jwks.json`);
    const jwks = (await (await fetch(`${demo}/jwks.json`)).json()) as { keys: { alg: string }[] };
    assert.deepEqual(
      jwks.keys.map((key) => key.alg),
      discovery.id_token_signing_alg_values_supported,
    );
  });

  it('signs a public client in through the demo server: code with PKCE, tokens, an ID token', async () => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const client = await register({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: 'quick start public client',
    });
    const verifier = 'a-verifier-of-at-least-forty-three-characters-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = new URL(`http://127.0.0.1:${demoPort}/authorize`);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: client.client_id as string,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'openid',
      state: 's1',
      nonce: 'n1',
    }))
      authorize.searchParams.set(name, value);
    const redirect = await fetch(authorize, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const back = new URL(redirect.headers.get('location') as string);
    assert.equal(`${back.origin}${back.pathname}`, redirectUri);
    assert.equal(back.searchParams.get('state'), 's1');
    assert.equal(back.searchParams.get('iss'), `http://127.0.0.1:${port}`);
    const code = back.searchParams.get('code') as string;
    const exchange = {
      grant_type: 'authorization_code',
      client_id: client.client_id as string,
      code,
      redirect_uri: redirectUri,
    };
    const wrongVerifier = await token({ ...exchange, code_verifier: `${verifier}x` });
    assert.equal(wrongVerifier.status, 400);
    assert.equal(((await wrongVerifier.json()) as { error: string }).error, 'invalid_grant');

    // The refused attempt used the code up: a new one, then the right verifier.
    const again = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location') as string);
    const tokens = await token({
      ...exchange,
      code: again.searchParams.get('code') as string,
      code_verifier: verifier,
    });
    assert.equal(tokens.status, 200);
    assert.equal(tokens.headers.get('cache-control'), 'no-store');
    const body = (await tokens.json()) as Record<string, string>;
    assert.equal(body.token_type, 'Bearer');
    assert.ok((body.access_token as string).length > 20);
    const { payload } = await jwtVerify(
      body.id_token as string,
      createRemoteJWKSet(new URL(`http://127.0.0.1:${demoPort}/jwks.json`)),
      { issuer: `http://127.0.0.1:${port}`, audience: client.client_id as string },
    );
    assert.equal(payload.nonce, 'n1');
    const refreshed = await token({
      grant_type: 'refresh_token',
      client_id: client.client_id as string,
      refresh_token: body.refresh_token as string,
    });
    assert.equal(refreshed.status, 200);

    const unregistered = await fetch(
      `http://127.0.0.1:${demoPort}/authorize?client_id=${client.client_id}&redirect_uri=https://attacker.example/cb`,
      { redirect: 'manual' },
    );
    assert.equal(unregistered.status, 400, 'never a redirect to an unregistered URI');
  });

  it('gives a confidential client a token for its secret through the demo server, and 401 for a wrong one', async () => {
    const client = await register({
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      client_name: 'quick start service',
    });
    const good = await token(
      { grant_type: 'client_credentials' },
      `${client.client_id}:${client.client_secret}`,
    );
    assert.equal(good.status, 200);
    assert.equal(((await good.json()) as { token_type: string }).token_type, 'Bearer');
    const bad = await token({ grant_type: 'client_credentials' }, `${client.client_id}:not-the-secret`);
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_client');
    assert.match(bad.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  });
});
