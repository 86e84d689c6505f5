// `registrar serve` against clients that misbehave at the connection level: a log reader that
// goes away, slow and piled-up connections, connections reset before their request is handled,
// uploads abandoned half-way, and a TLS-terminating proxy in front. Real processes, real sockets.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand, type ServeProcess, startServe } from '../helpers/cli.js';
import { register } from '../helpers/http.js';

const METADATA = { redirect_uris: ['https://client.example.org/cb'] };
const BODY = JSON.stringify(METADATA);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'registrar-serve-hardening-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A raw TCP connection to the server, from `localAddress` when given. */
async function open(url: string, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Resolves `true` once `socket` is closed by the other side, `false` if it is still open after `ms`. */
async function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return true;
  const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
  return Promise.race([closed, sleep(ms).then(() => false)]);
}

/** Registers from `localAddress` (a loopback address other than 127.0.0.1 makes another client). */
function registerFrom(
  url: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port: Number(port),
        localAddress,
        path: '/oauth/register',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(BODY),
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

function records(server: ServeProcess): Record<string, unknown>[] {
  return server.lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

const HEAD = `POST /oauth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`;

describe('registrar serve: a closed stdout', () => {
  it('keeps serving when the log reader goes away, and says so once on stderr', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:']);
    try {
      server.child.stdout?.destroy();
      for (let round = 0; round < 5; round++) {
        assert.equal((await register(server.url, METADATA)).status, 201);
        await sleep(50);
      }
      assert.equal(server.child.exitCode, null, 'the server is still running');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      const lost = server.lines.filter((line) => line.includes('stdout is closed'));
      assert.equal(lost.length, 1, server.lines.join('\n'));
      assert.equal(JSON.parse(lost[0] as string).level, 'warn');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});

describe('registrar serve: connection limits', () => {
  it('cuts a connection that sends its headers one byte at a time after --headers-timeout', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--headers-timeout',
      '1',
      '--request-timeout',
      '60',
      '--idle-timeout',
      '60',
    ]);
    try {
      const slow = await open(server.url);
      const bytes = Buffer.from(HEAD);
      let sent = 0;
      const drip = setInterval(() => {
        if (!slow.destroyed && sent < bytes.length) slow.write(bytes.subarray(sent, ++sent));
      }, 100);
      try {
        assert.ok(await closedWithin(slow, 10_000), 'the slow sender was cut');
        assert.ok(sent < bytes.length, 'before it finished its headers');
      } finally {
        clearInterval(drip);
      }
      assert.equal((await register(server.url, METADATA)).status, 201);
    } finally {
      await server.stop();
    }
  });

  it('cuts a connection that sends its body slowly after --request-timeout', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--headers-timeout',
      '1',
      '--request-timeout',
      '2',
      '--idle-timeout',
      '60',
    ]);
    try {
      const slow = await open(server.url);
      slow.write(`${HEAD}Content-Length: ${BODY.length}\r\n\r\n`);
      const bytes = Buffer.from(BODY);
      let sent = 0;
      const drip = setInterval(() => {
        if (!slow.destroyed && sent < bytes.length) slow.write(bytes.subarray(sent, ++sent));
      }, 200);
      try {
        assert.ok(await closedWithin(slow, 10_000), 'the slow body was cut');
        assert.ok(sent < bytes.length, 'before it was complete');
      } finally {
        clearInterval(drip);
      }
      assert.equal((await register(server.url, METADATA)).status, 201);
    } finally {
      await server.stop();
    }
  });

  it('closes a connection that goes silent mid-request after --idle-timeout', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:', '--idle-timeout', '1']);
    try {
      const silent = await open(server.url);
      silent.write(`${HEAD}Content-Length: ${BODY.length}\r\n\r\n${BODY.slice(0, 5)}`);
      assert.ok(await closedWithin(silent, 8000), 'the silent connection was closed');
      assert.equal((await register(server.url, METADATA)).status, 201);
    } finally {
      await server.stop();
    }
  });

  it('refuses the connection past --max-connections-per-address while another address is served', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--max-connections-per-address',
      '3',
      '--headers-timeout',
      '30',
    ]);
    try {
      const held = await Promise.all([1, 2, 3].map(() => open(server.url)));
      const refused = await open(server.url);
      assert.ok(await closedWithin(refused, 3000), 'the fourth connection from 127.0.0.1 is closed at once');
      for (const socket of held) assert.equal(socket.destroyed, false, 'the first three stay open');
      assert.equal((await registerFrom(server.url, '127.0.0.2')).status, 201, 'another address is served');
      const first = held[0] as Socket;
      first.destroy();
      await sleep(100);
      assert.equal((await registerFrom(server.url, '127.0.0.1')).status, 201, 'a freed slot is usable');
      for (const socket of held) socket.destroy();
      assert.ok(
        records(server).some((record) => String(record.msg).includes('max-connections-per-address')),
        'the refusal is logged',
      );
    } finally {
      await server.stop();
    }
  });

  it('refuses connections past --max-connections', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--max-connections',
      '2',
      '--headers-timeout',
      '30',
    ]);
    try {
      const held = await Promise.all([open(server.url, '127.0.0.2'), open(server.url, '127.0.0.3')]);
      const refused = await open(server.url, '127.0.0.4');
      assert.ok(await closedWithin(refused, 3000), 'the third connection is closed');
      for (const socket of held) socket.destroy();
      await sleep(100);
      assert.equal((await register(server.url, METADATA)).status, 201);
    } finally {
      await server.stop();
    }
  });
});

describe('registrar serve: connections reset before their request is handled', () => {
  it('counts them under their own address: past the limit they create no client', async () => {
    const database = join(dir, 'reset.db');
    const server = await startServe([
      '--port',
      '0',
      '--store',
      `sqlite:${database}`,
      '--rate-limit',
      '3/60s',
    ]);
    try {
      for (let index = 0; index < 3; index++) {
        assert.equal((await register(server.url, METADATA)).status, 201);
      }
      const request = `${HEAD}Content-Length: ${BODY.length}\r\n\r\n${BODY}`;
      await Promise.all(
        Array.from({ length: 40 }, async () => {
          const socket = await open(server.url);
          socket.write(request, () => socket.resetAndDestroy());
        }),
      );
      await sleep(500);
      assert.equal((await register(server.url, METADATA)).status, 429);
      const listed = runCommand(['clients', 'list', '--json', '--store', `sqlite:${database}`]);
      assert.equal(listed.status, 0, listed.stderr);
      assert.equal(JSON.parse(listed.stdout).length, 3, 'only the first three registrations created clients');
    } finally {
      await server.stop();
    }
  });
});

describe('registrar serve: aborted uploads', () => {
  it('logs an upload the client abandoned as aborted, with no error line and no 5xx', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:']);
    try {
      for (let index = 0; index < 5; index++) {
        const socket = await open(server.url);
        socket.write(`${HEAD}Content-Length: 1000\r\n\r\n{"redirect_uris":`);
        await sleep(100);
        socket.destroy();
      }
      await sleep(300);
      assert.equal((await register(server.url, METADATA)).status, 201);
      await sleep(100);
      const logged = records(server);
      assert.deepEqual(
        logged.filter((record) => record.level === 'error'),
        [],
        'no error-level line',
      );
      const requests = logged.filter((record) => record.msg === 'request');
      assert.ok(
        requests.every((record) => (record.status as number) < 500),
        'no 5xx in the request log',
      );
      assert.equal(
        requests.filter((record) => record.aborted === true).length,
        5,
        'each abort is logged as such',
      );
    } finally {
      await server.stop();
    }
  });
});

describe('registrar serve: behind a TLS-terminating proxy', () => {
  const ISSUER = 'https://as.example.com';

  it('accepts X-Forwarded-Proto: https from a --trusted-proxies peer only', async () => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      'memory:',
      '--issuer',
      ISSUER,
      '--trusted-proxies',
      '127.0.0.1,10.0.0.1',
    ]);
    try {
      const https = { 'x-forwarded-proto': 'https' };
      assert.equal((await register(server.url, METADATA, { headers: https })).status, 201);
      const plain = await register(server.url, METADATA);
      assert.equal(plain.status, 400);
      assert.equal(plain.json.error, 'invalid_request');
      // 127.0.0.2 is not a trusted proxy: its header is the client's own claim.
      assert.equal((await registerFrom(server.url, '127.0.0.2', https)).status, 400);
      // The client wrote "https", the proxy appended the scheme it really saw.
      const forged = await register(server.url, METADATA, {
        headers: { 'x-forwarded-proto': 'https, http', 'x-forwarded-for': '203.0.113.9' },
      });
      assert.equal(forged.status, 400);
      // Two trusted proxies: the outer one (10.0.0.1) terminated TLS, the inner one spoke HTTP to us.
      const chain = await register(server.url, METADATA, {
        headers: { 'x-forwarded-proto': 'https, http', 'x-forwarded-for': '203.0.113.9, 10.0.0.1' },
      });
      assert.equal(chain.status, 201);
      const warnings = records(server).filter((record) => String(record.msg).includes('plain HTTP'));
      assert.deepEqual(
        warnings.map((record) => record.peer),
        ['127.0.0.2'],
        'only the untrusted peer raises the warning',
      );
      const fromFile = join(dir, 'proxies.json');
      writeFileSync(fromFile, JSON.stringify({ trustedProxies: ['127.0.0.1'] }));
      const configured = await startServe([
        '--port',
        '0',
        '--store',
        'memory:',
        '--issuer',
        ISSUER,
        '--config',
        fromFile,
      ]);
      try {
        assert.equal((await register(configured.url, METADATA, { headers: https })).status, 201);
      } finally {
        await configured.stop();
      }
    } finally {
      await server.stop();
    }
  });

  it('warns once when an https issuer is reached over plain HTTP from an untrusted peer', async () => {
    const server = await startServe(['--port', '0', '--store', 'memory:', '--issuer', ISSUER]);
    try {
      for (let index = 0; index < 3; index++) {
        const refused = await register(server.url, METADATA, { headers: { 'x-forwarded-proto': 'https' } });
        assert.equal(refused.status, 400);
      }
      await sleep(100);
      const warnings = records(server).filter((record) => String(record.msg).includes('plain HTTP'));
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.level, 'warn');
      assert.match(String(warnings[0]?.msg), /trustedProxies/);
    } finally {
      await server.stop();
    }
  });

  it('refuses a --trusted-proxies entry that is not an IP address', () => {
    const result = runCommand([
      'serve',
      '--port',
      '0',
      '--store',
      'memory:',
      '--trusted-proxies',
      'proxy.internal',
    ]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--trusted-proxies/);
  });
});
