// `/metrics` of `registrar serve` over real HTTP on loopback (docs/operations.md#metrics): behind the
// admin token, in the Prometheus text format, every name prefixed `registrar_`; registrations by
// outcome and error code, management calls, rate-limit refusals, a metadata document fetch that
// failed, store call latency, a sweep and the clients by status all move as the server works, and
// no value a client chose (its client_name, its client_id, the document URL) reaches a label.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminUrlOf, type ServeProcess, startServe } from '../helpers/cli.js';
import { type HttpsTestServer, startHttpsServer, testCertificate } from '../helpers/tls.js';

const TOKEN = 'metrics-test-token-0123456789abcdefghijklmnopqrstuv';
const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const EVIL_NAME = 'evil"label\\ {client_id="x"}\nregistrar_fake 1';
const DOCUMENT_URL = 'https://127.0.0.1/evil-document-path.json';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (version 0.0.4), label values unescaped. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const pairs = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    const body = match[2] ?? '';
    let pair: RegExpExecArray | null = pairs.exec(body);
    let read = 0;
    while (pair !== null) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_all, escaped: string) =>
        escaped === 'n' ? '\n' : escaped,
      );
      read = pairs.lastIndex;
      pair = pairs.exec(body);
    }
    assert.equal(read, body.length, `labels not parsed whole: ${line}`);
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample with exactly these labels, 0 when there is none. */
function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).sort();
  const found = samples.find(
    (sample) =>
      sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(wanted),
  );
  return found?.value ?? 0;
}

/** A call to the admin listener at `admin` with the admin token, and `body` as JSON when given. */
const callAdmin = (admin: string, method: string, path: string, body?: unknown) =>
  fetch(`${admin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('registrar serve /metrics', () => {
  let serve: ServeProcess;
  let admin: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-metrics-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ clientIdMetadataDocuments: { enabled: true, allowHosts: ['127.0.0.1'] } }),
    );
    serve = await startServe(
      [
        '--store',
        'memory:',
        '--port',
        '0',
        '--admin-port',
        '0',
        '--config',
        config,
        '--rate-limit',
        '4/600s',
        '--management-rate-limit',
        '1/600s',
        '--activation-window',
        '1',
      ],
      { env: { REGISTRAR_ADMIN_TOKEN_HASH: `ops:${hex(TOKEN)}` } },
    );
    admin = adminUrlOf(serve);
  });
  after(async () => {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const adminCall = (method: string, path: string, body?: unknown) => callAdmin(admin, method, path, body);

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const response = await adminCall('GET', '/metrics');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parseExposition(text) };
  }

  const register = (body: unknown) =>
    fetch(`${serve.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('refuses a scrape without the admin token, or with a wrong one', async () => {
    const missing = await fetch(`${admin}/metrics`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    const wrong = await fetch(`${admin}/metrics`, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(wrong.status, 401);
    const text = await wrong.text();
    assert.equal(text.includes('registrar_'), false);
  });

  it('counts what the server does, under registrar_ names and fixed labels only', async () => {
    // No scrape before this test: the first one counts the clients, and the count then stands for a while.
    const good = await register({ redirect_uris: ['https://app.example/cb'], client_name: EVIL_NAME });
    assert.equal(good.status, 201);
    const client = (await good.json()) as {
      client_id: string;
      registration_access_token: string;
      registration_client_uri: string;
    };
    const bad = await register({ redirect_uris: ['not a uri'] });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_redirect_uri');
    assert.equal((await register({ redirect_uris: ['https://app.example/cb'] })).status, 201);
    assert.equal((await register({ redirect_uris: ['https://app.example/cb'] })).status, 201);
    const limited = await register({ redirect_uris: ['https://app.example/cb'] });
    assert.equal(limited.status, 429);

    const management = new URL(client.registration_client_uri).pathname;
    const read = await fetch(`${serve.url}${management}`, {
      headers: { authorization: `Bearer ${client.registration_access_token}` },
    });
    assert.equal(read.status, 200);
    const guess = () =>
      fetch(`${serve.url}${management}`, { headers: { authorization: 'Bearer wrong-token' } });
    assert.equal((await guess()).status, 401);
    assert.equal((await guess()).status, 429);

    const created = await adminCall('POST', '/admin/v1/clients', {
      redirect_uris: ['https://app.example/cb'],
      client_name: EVIL_NAME,
    });
    assert.equal(created.status, 201);
    const resolved = await adminCall('POST', '/admin/v1/resolve', { client_id: DOCUMENT_URL });
    assert.equal(resolved.status, 400, await resolved.clone().text());
    assert.equal(((await resolved.json()) as { error: string }).error, 'document_unavailable');

    // The three clients registered over HTTP expire one second after registration; the sweep takes
    // those whose expires_at is in a past second.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const middle = await scrape();
    assert.equal(sampleValue(middle.samples, 'registrar_clients', { status: 'expired' }), 3);
    assert.equal(sampleValue(middle.samples, 'registrar_clients', { status: 'active' }), 1);
    assert.equal(sampleValue(middle.samples, 'registrar_clients', { status: 'pending' }), 0);

    const swept = await adminCall('POST', '/admin/v1/sweep');
    assert.equal(swept.status, 200);
    assert.deepEqual(await swept.json(), { removed: 3 });

    const { text, samples } = await scrape();
    const count = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    assert.equal(count('registrar_registrations_total', { outcome: 'registered' }), 4);
    assert.equal(
      count('registrar_registrations_total', { outcome: 'refused', error: 'invalid_redirect_uri' }),
      1,
    );
    assert.equal(
      count('registrar_registrations_total', { outcome: 'refused', error: 'too_many_requests' }),
      1,
    );
    assert.equal(count('registrar_rate_limit_refusals_total', { limit: 'registrations' }), 1);
    assert.equal(count('registrar_rate_limit_refusals_total', { limit: 'management_failures' }), 1);
    assert.equal(count('registrar_management_requests_total', { method: 'GET', status: '200' }), 1);
    assert.equal(count('registrar_management_requests_total', { method: 'GET', status: '401' }), 1);
    assert.equal(count('registrar_management_requests_total', { method: 'GET', status: '429' }), 1);
    assert.equal(count('registrar_events_total', { type: 'management.auth_failed' }), 1);
    assert.equal(count('registrar_events_total', { type: 'client.expired' }), 3);
    assert.equal(count('registrar_swept_clients_total'), 3);
    assert.equal(count('registrar_admin_actions_total', { action: 'client.create' }), 1);
    assert.equal(count('registrar_admin_actions_total', { action: 'clients.sweep' }), 1);
    assert.equal(
      count('registrar_outbound_fetch_duration_seconds_count', {
        purpose: 'metadata_document',
        outcome: 'forbidden_address',
      }),
      1,
    );
    assert.ok(
      count('registrar_store_call_duration_seconds_count', { operation: 'loadClient', outcome: 'ok' }) >= 1,
    );
    assert.ok(
      count('registrar_store_call_duration_seconds_count', { operation: 'sweepExpired', outcome: 'ok' }) >= 1,
    );
    // The management lookups (the GET and the wrong token) are one read each.
    assert.ok(
      count('registrar_store_call_duration_seconds_count', {
        operation: 'loadClientWithRegistration',
        outcome: 'ok',
      }) >= 2,
    );
    assert.ok(
      samples.some(
        (sample) =>
          sample.name === 'registrar_store_call_duration_seconds_sum' &&
          sample.labels.operation === 'loadClient' &&
          sample.value > 0,
      ),
    );
    // Counted at most once per interval: the sweep does not show until the next count.
    assert.equal(count('registrar_clients', { status: 'expired' }), 3);

    for (const sample of samples) assert.ok(sample.name.startsWith('registrar_'), sample.name);
    for (const line of text.split('\n').filter((row) => row.startsWith('# '))) {
      assert.match(line, /^# (HELP|TYPE) registrar_/);
    }
    for (const chosen of ['evil', client.client_id, '127.0.0.1', 'app.example', 'wrong-token', TOKEN]) {
      assert.equal(text.includes(chosen), false, `${chosen} appears in the metrics`);
    }
    assert.equal(count('registrar_fake'), 0);
  });

  it('answers HEAD with the headers alone and refuses other methods', async () => {
    const head = await fetch(`${admin}/metrics`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const post = await adminCall('POST', '/metrics');
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
  });

  it('describes /metrics in the admin OpenAPI document', async () => {
    const document = (await (await adminCall('GET', '/admin/v1/openapi.json')).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    const metrics = document.paths['/metrics']?.get;
    assert.ok(metrics);
    assert.deepEqual(Object.keys(metrics.responses).sort(), ['200', '401', '500']);
  });
});

describe('registrar serve /metrics: metadata documents fetched', () => {
  let serve: ServeProcess;
  let admin: string;
  let docs: HttpsTestServer;
  let dir: string;
  const documentUrl = (path: string) => `https://127.0.0.1:${docs.port}${path}`;

  before(async () => {
    docs = await startHttpsServer((req, res) => {
      if (req.url !== '/client.json') {
        res.writeHead(404).end('no such document');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(
        JSON.stringify({
          client_id: documentUrl('/client.json'),
          client_name: 'Metrics document client',
          redirect_uris: ['http://127.0.0.1/callback'],
        }),
      );
    });
    dir = mkdtempSync(join(tmpdir(), 'registrar-metrics-documents-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        clientIdMetadataDocuments: { enabled: true },
        fetch: { allowLoopback: true, ca: testCertificate().cert },
      }),
    );
    serve = await startServe(['--store', 'memory:', '--port', '0', '--admin-port', '0', '--config', config], {
      env: { REGISTRAR_ADMIN_TOKEN_HASH: `ops:${hex(TOKEN)}` },
    });
    admin = adminUrlOf(serve);
  });
  after(async () => {
    await serve.stop();
    await docs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const adminCall = (method: string, path: string, body?: unknown) => callAdmin(admin, method, path, body);

  it('times a fetch that succeeds, and counts one that fails by its outcome', async () => {
    const resolved = await adminCall('POST', '/admin/v1/resolve', { client_id: documentUrl('/client.json') });
    assert.equal(resolved.status, 200, await resolved.clone().text());
    const { client } = (await resolved.json()) as {
      client: { client_id: string; source: string; metadata: { client_name?: string } };
    };
    assert.equal(client.source, 'metadata_document');
    assert.equal(client.metadata.client_name, 'Metrics document client');
    // Cached: a second resolution fetches nothing.
    assert.equal((await adminCall('POST', '/admin/v1/resolve', { client_id: client.client_id })).status, 200);
    const missing = await adminCall('POST', '/admin/v1/resolve', { client_id: documentUrl('/gone.json') });
    assert.equal(missing.status, 400);
    assert.equal(docs.requests.length, 2, 'one fetch for each document');

    const scraped = await adminCall('GET', '/metrics');
    assert.equal(scraped.status, 200);
    const text = await scraped.text();
    const samples = parseExposition(text);
    const ok = { purpose: 'metadata_document', outcome: 'ok' };
    assert.equal(sampleValue(samples, 'registrar_outbound_fetch_duration_seconds_count', ok), 1);
    const seconds = sampleValue(samples, 'registrar_outbound_fetch_duration_seconds_sum', ok);
    assert.ok(seconds > 0 && seconds < 5, `a fetch took ${seconds} s`);
    // The fastest bucket that holds it counts it, and every bucket above it too.
    assert.equal(
      sampleValue(samples, 'registrar_outbound_fetch_duration_seconds_bucket', { ...ok, le: '+Inf' }),
      1,
    );
    const failed = { purpose: 'metadata_document', outcome: 'http_status' };
    assert.equal(sampleValue(samples, 'registrar_outbound_fetch_duration_seconds_count', failed), 1);
    assert.ok(!text.includes('/client.json') && !text.includes('/gone.json'), 'no URL in any label');
  });
});
