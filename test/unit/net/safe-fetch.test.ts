// The safe fetcher (docs/operations.md#outbound-fetches-the-ssrf-guard) against real TLS servers and TCP sinkholes on
// loopback. Every refusal is checked twice: by its reason, and by counting the
// connections a sinkhole at the forbidden address accepted (zero).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OutboundFetchError, type OutboundFetchFailure } from '../../../src/core/ports/outbound-fetch.js';
import { createSafeFetch, systemResolver } from '../../../src/net/safe-fetch.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  type Sinkhole,
  startHttpsServer,
  startSinkhole,
  tableResolver,
  testCertificate,
} from '../../helpers/tls.js';

async function refusal(promise: Promise<unknown>): Promise<OutboundFetchFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OutboundFetchError, String(error));
    return error.code;
  }
  assert.fail('the fetch was not refused');
}

describe('safe fetcher', () => {
  let sink: Sinkhole;
  let sink6: Sinkhole;
  let server: HttpsTestServer;

  before(async () => {
    sink = await startSinkhole('127.0.0.1');
    sink6 = await startSinkhole('::1', sink.port).catch(() => startSinkhole('::1'));
    server = await startHttpsServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `https://127.0.0.1:${sink.port}/` }).end();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('['.padEnd(40_000, ' '));
        res.end(`${' '.repeat(40_000)}]`);
      } else if (req.url === '/declared-big') {
        res.writeHead(200, { 'content-length': '100000' }).end();
      } else if (req.url === '/exact') {
        res.writeHead(200).end('x'.repeat(100));
      } else if (req.url === '/stall') {
        res.writeHead(200);
        res.write('[');
      } else {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(200, { 'content-type': 'application/json', 'X-Custom': 'Value' });
        res.end('["ok"]');
      }
    });
  });
  after(async () => {
    await server.close();
    await sink.close();
    await sink6.close();
  });

  it('fetches over TLS, connecting to the checked address with the name for SNI and the certificate', async () => {
    const resolve = tableResolver({ 'docs.test': '127.0.0.1' });
    const fetch = createSafeFetch(loopbackFetchOptions(resolve));
    const response = await fetch(`https://docs.test:${server.port}/doc.json?x=1`, {
      accept: 'application/json',
    });
    assert.equal(response.status, 200);
    assert.equal(new TextDecoder().decode(response.body), '["ok"]');
    assert.equal(response.headers['content-type'], 'application/json');
    assert.equal(response.headers['x-custom'], 'Value');
    assert.equal(response.headers['set-cookie'], 'a=1, b=2');
    const seen = server.requests.at(-1);
    assert.equal(seen?.path, '/doc.json?x=1');
    assert.equal(seen?.headers.host, `docs.test:${server.port}`);
    assert.equal(seen?.servername, 'docs.test');
    assert.equal(seen?.headers.accept, 'application/json');
    assert.equal(seen?.headers['accept-encoding'], 'identity');
    assert.deepEqual(resolve.calls, ['docs.test']);
  });

  it('takes the address family from the address, not from what the resolver claimed', async () => {
    const fetch = createSafeFetch(loopbackFetchOptions(async () => [{ address: '127.0.0.1', family: 6 }]));
    const response = await fetch(`https://docs.test:${server.port}/doc.json`);
    assert.equal(response.status, 200);
  });

  it('refuses a certificate that does not name the host, though the address is right', async () => {
    const fetch = createSafeFetch(loopbackFetchOptions(tableResolver({ 'other.example': '127.0.0.1' })));
    assert.equal(await refusal(fetch(`https://other.example:${server.port}/`)), 'network');
  });

  it('refuses a certificate from an untrusted authority', async () => {
    const fetch = createSafeFetch({ allowLoopback: true });
    assert.equal(await refusal(fetch(`https://127.0.0.1:${server.port}/`)), 'network');
  });

  describe('refuses URLs that are not https', () => {
    const fetch = createSafeFetch(loopbackFetchOptions());
    const cases: [string, () => string, OutboundFetchFailure][] = [
      ['http', () => `http://127.0.0.1:${sink.port}/`, 'not_https'],
      ['HTTP in capitals', () => `HTTP://127.0.0.1:${sink.port}/`, 'not_https'],
      ['ftp', () => `ftp://127.0.0.1:${sink.port}/`, 'not_https'],
      ['file', () => 'file:///etc/passwd', 'not_https'],
      ['a relative URL', () => '/doc.json', 'invalid_url'],
      ['garbage', () => 'https://exa mple.com/', 'invalid_url'],
      ['user information', () => `https://user:pw@127.0.0.1:${sink.port}/`, 'invalid_url'],
    ];
    for (const [name, url, reason] of cases) {
      it(name, async () => {
        assert.equal(await refusal(fetch(url())), reason);
        assert.equal(sink.connections(), 0);
      });
    }
  });

  describe('refuses loopback in every spelling, and no connection reaches the sinkhole', () => {
    // sink.test is made to resolve to loopback; localhost goes through the system resolver.
    const resolve = async (hostname: string) =>
      hostname === 'sink.test' ? [{ address: '127.0.0.1', family: 4 }] : systemResolver(hostname);
    const fetch = createSafeFetch({ ca: testCertificate().cert, resolve });
    const spellings = [
      '127.0.0.1',
      '2130706433',
      '0177.0.0.1',
      '0x7f.1',
      '0x7f.0.0.1',
      '0x7F000001',
      '017700000001',
      '127.1',
      '127.0.0.1.',
      '%31%32%37.0.0.1',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[0:0:0:0:0:ffff:7f00:1]',
      '[::1]',
      '[0:0:0:0:0:0:0:1]',
      'localhost',
      'sink.test',
      '0.0.0.0',
      '0',
    ];
    for (const host of spellings) {
      it(host, async () => {
        const port =
          host.startsWith('[') && host.endsWith('1]') && !host.includes('ffff') ? sink6.port : sink.port;
        assert.equal(await refusal(fetch(`https://${host}:${port}/`)), 'forbidden_address');
        assert.equal(sink.connections(), 0);
        assert.equal(sink6.connections(), 0);
      });
    }
  });

  it('refuses 0.0.0.0 even when loopback is allowed (it reaches local listeners)', async () => {
    const fetch = createSafeFetch(loopbackFetchOptions());
    assert.equal(await refusal(fetch(`https://0.0.0.0:${sink.port}/`)), 'forbidden_address');
    assert.equal(sink.connections(), 0);
  });

  describe('refuses names that resolve to addresses that are not globally reachable', () => {
    const targets = [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '240.0.0.1',
      '255.255.255.255',
      '224.0.0.1',
      '198.18.0.1',
      '192.0.2.1',
      'fd00::1',
      'fe80::1',
      'ff02::1',
      '::',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      '2001:0:a9fe:a9fe::1',
      '2001:db8::1',
    ];
    for (const address of targets) {
      it(address, async () => {
        // Loopback allowed: the allowance covers loopback and nothing else.
        const fetch = createSafeFetch(loopbackFetchOptions(tableResolver({ 'internal.test': address })));
        assert.equal(await refusal(fetch('https://internal.test/')), 'forbidden_address');
      });
    }
  });

  it('refuses a name when any one of its addresses is forbidden', async () => {
    const fetch = createSafeFetch(
      loopbackFetchOptions(tableResolver({ 'mixed.test': ['127.0.0.1', '10.0.0.1'] })),
    );
    assert.equal(await refusal(fetch(`https://mixed.test:${server.port}/`)), 'forbidden_address');
  });

  it('reports a name that does not resolve, or resolves to nothing', async () => {
    const fetch = createSafeFetch(loopbackFetchOptions(tableResolver({ 'empty.test': [] })));
    assert.equal(await refusal(fetch('https://missing.test/')), 'dns_failure');
    assert.equal(await refusal(fetch('https://empty.test/')), 'dns_failure');
  });

  it('returns a redirect as it is and never follows it', async () => {
    const fetch = createSafeFetch(loopbackFetchOptions());
    const response = await fetch(`https://127.0.0.1:${server.port}/redirect`);
    assert.equal(response.status, 302);
    assert.equal(response.headers.location, `https://127.0.0.1:${sink.port}/`);
    assert.equal(sink.connections(), 0);
  });

  describe('DNS rebinding', () => {
    let good: HttpsTestServer;
    let rebound: Sinkhole;

    before(async () => {
      good = await startHttpsServer((_req, res) => res.writeHead(200).end('"first"'));
      // The sinkhole listens on the same port at another loopback address.
      rebound = await startSinkhole('127.0.0.2', good.port);
    });
    after(async () => {
      await good.close();
      await rebound.close();
    });

    it('connects only to the address it checked; a second answer is never asked for', async () => {
      let calls = 0;
      const resolve = async () => {
        calls++;
        return [{ address: calls === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
      };
      const fetch = createSafeFetch(loopbackFetchOptions(resolve));
      const response = await fetch(`https://rebind.test:${good.port}/`);
      assert.equal(new TextDecoder().decode(response.body), '"first"');
      assert.equal(calls, 1);
      assert.equal(rebound.connections(), 0);
      // The control: had the fetcher used the second answer, the sinkhole would have counted it.
      assert.equal(await refusal(fetch(`https://rebind.test:${good.port}/`)), 'network');
      assert.equal(calls, 2);
      assert.equal(rebound.connections(), 1);
    });

    it('refuses a rebinding name whose checked answer is forbidden, reaching nothing', async () => {
      let calls = 0;
      const resolve = async () => {
        calls++;
        return [{ address: calls === 1 ? '127.0.0.1' : '8.8.8.8', family: 4 }];
      };
      const fetch = createSafeFetch({ resolve });
      assert.equal(await refusal(fetch(`https://rebind.test:${sink.port}/`)), 'forbidden_address');
      assert.equal(calls, 1);
      assert.equal(sink.connections(), 0);
    });
  });

  describe('size cap', () => {
    it('aborts a body that grows past the cap', async () => {
      const fetch = createSafeFetch({ ...loopbackFetchOptions(), maxBytes: 65536 });
      assert.equal(
        await refusal(fetch(`https://127.0.0.1:${server.port}/big`, { maxBytes: 5120 })),
        'too_large',
      );
    });

    it('refuses a declared Content-Length over the cap before reading', async () => {
      const fetch = createSafeFetch({ ...loopbackFetchOptions(), maxBytes: 1000 });
      assert.equal(await refusal(fetch(`https://127.0.0.1:${server.port}/declared-big`)), 'too_large');
    });

    it('accepts a body of exactly the cap, and a per-call cap cannot exceed the fetcher cap', async () => {
      const fetch = createSafeFetch({ ...loopbackFetchOptions(), maxBytes: 100 });
      const response = await fetch(`https://127.0.0.1:${server.port}/exact`, { maxBytes: 1_000_000 });
      assert.equal(response.body.length, 100);
      const tighter = createSafeFetch({ ...loopbackFetchOptions(), maxBytes: 99 });
      assert.equal(await refusal(tighter(`https://127.0.0.1:${server.port}/exact`)), 'too_large');
    });
  });

  describe('time cap', () => {
    it('gives up on a body that never ends', async () => {
      const fetch = createSafeFetch({ ...loopbackFetchOptions(), timeoutMs: 300 });
      assert.equal(await refusal(fetch(`https://127.0.0.1:${server.port}/stall`)), 'timeout');
    });

    it('gives up on a resolver that never answers, and connects nowhere', async () => {
      const fetch = createSafeFetch({
        ...loopbackFetchOptions(() => new Promise(() => undefined)),
        timeoutMs: 200,
      });
      assert.equal(await refusal(fetch(`https://slow.test:${sink.port}/`)), 'timeout');
      assert.equal(sink.connections(), 0);
    });

    it('gives up on a server that accepts and never speaks', async () => {
      const silent = await startSinkhole('127.0.0.1', 0, { hold: true });
      try {
        const fetch = createSafeFetch({ ...loopbackFetchOptions(), timeoutMs: 300 });
        assert.equal(await refusal(fetch(`https://127.0.0.1:${silent.port}/`)), 'timeout');
      } finally {
        await silent.close();
      }
    });
  });
});
