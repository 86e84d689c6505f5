// The README's examples run as written: each server starts, registers a client, and leaves the
// host's own route to the host; the oidc-provider example logs a client in through openid-client;
// the store of docs/writing-a-store.md passes the conformance kit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import * as openid from 'openid-client';
import { createAppStore, createClientsTable } from '../../examples/custom-store.js';
import { storeConformance } from '../../src/testkit/store-conformance.js';
import { register } from '../helpers/http.js';
import { authorizeThrough, CLIENT_METADATA, callTool, MemoryProvider } from '../helpers/mcp-sdk-client.js';
import { followLogin } from '../helpers/oidc-login.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** A port the system just handed out and released; the example binds it right after. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('examples', () => {
  for (const name of ['node', 'express', 'fastify', 'hono']) {
    it(`examples/${name}.ts serves registration beside the host's routes`, async () => {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', TSX, `examples/${name}.ts`], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let output = '';
        await new Promise<void>((resolve, reject) => {
          const onData = (chunk: Buffer) => {
            output += chunk.toString('utf8');
            if (output.includes('registration endpoint:')) resolve();
          };
          child.stdout.on('data', onData);
          child.stderr.on('data', onData);
          child.once('exit', (code) =>
            reject(new Error(`examples/${name}.ts exited with ${code}:\n${output}`)),
          );
        });
        const url = `http://127.0.0.1:${port}`;
        assert.match(output, new RegExp(`registration endpoint: ${url}/oauth/register`));
        const { status, json } = await register(url, { redirect_uris: ['https://client.example.org/cb'] });
        assert.equal(status, 201);
        assert.equal(json.registration_client_uri, `${url}/oauth/register/${json.client_id}`);
        const home = await fetch(url);
        assert.equal(home.status, 200);
        assert.equal(await home.text(), 'the rest of the authorization server\n');
      } finally {
        child.kill('SIGTERM');
        if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      }
    });
  }
});

it('examples/oidc-provider.ts logs a dynamically registered client in through its demo login', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', TSX, 'examples/oidc-provider.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('discovery:')) resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`examples/oidc-provider.ts exited with ${code}:\n${output}`)),
      );
    });
    const issuer = `http://127.0.0.1:${port}`;
    assert.match(output, new RegExp(`registration endpoint: ${issuer}/oauth/register`));
    const redirectUri = 'http://127.0.0.1:8765/callback';
    const config = await openid.dynamicClientRegistration(
      new URL(issuer),
      { redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
      openid.None(),
      { execute: [openid.allowInsecureRequests] },
    );
    assert.equal(config.serverMetadata().registration_endpoint, `${issuer}/oauth/register`);
    const verifier = openid.randomPKCECodeVerifier();
    const url = openid.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await openid.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await openid.authorizationCodeGrant(config, await followLogin(url, redirectUri), {
      pkceCodeVerifier: verifier,
    });
    assert.equal(tokens.claims()?.sub, 'demo-user');
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
});

describe('examples/mcp-sdk.ts', () => {
  it('serves an MCP tool that the SDK client reaches after registering and logging in', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', TSX, 'examples/mcp-sdk.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.includes('MCP endpoint:')) resolve();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) =>
          reject(new Error(`examples/mcp-sdk.ts exited with ${code}:\n${output}`)),
        );
      });
      const resource = `http://127.0.0.1:${port}/mcp`;
      assert.match(output, new RegExp(`MCP endpoint: ${resource}`));
      const provider = new MemoryProvider({
        ...CLIENT_METADATA,
        token_endpoint_auth_method: 'client_secret_post',
      });
      await authorizeThrough(resource, provider, 'mcp:tools');
      assert.equal(typeof provider.information?.client_secret, 'string', 'registered with a secret');
      assert.equal(await callTool(resource, provider), `hello, ${provider.information?.client_id}`);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
  });
});

storeConformance('examples/custom-store.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-example-store-'));
  const db = new Database(join(dir, 'app.db'));
  createClientsTable(db);
  return {
    store: createAppStore(db),
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
