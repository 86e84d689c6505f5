// Part 4: a registration flood against `registrar serve` with an activation window and a total cap
// (docs/admission.md#caps), on SQLite and on PostgreSQL. The flood comes at half the registration
// capacity measured just before on the same settings, from 10,000 loopback addresses named in
// X-Forwarded-For by the trusted proxy 127.0.0.1. Meanwhile a real client registers once a second,
// gets a token from a token endpoint in its own process on the same store (its proven use), and
// counts every failure. The same real client runs alone first, as the baseline.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { BENCH_BODY } from './lib/document.js';
import { format, numberFromEnv } from './lib/env.js';
import { percentile } from './lib/load.js';
import { BENCH_POSTGRES_URL, benchSchema, dropPostgresSchema, postgresReachable } from './lib/seed.js';
import { REGISTRAR_MAIN, startTarget, type Target } from './lib/target.js';

const TOKEN_HOST = fileURLToPath(new URL('./targets/token-host.mjs', import.meta.url));
const ADDRESSES = 10_000;
// The reclaim age is the shorter of the window and 10 minutes: it must be shorter than the time the
// flood takes to fill the cap (cap / offered rate), or new clients, real ones included, are refused
// until the flood's first clients come of age (BENCHMARKS.md says what a one-hour window does).
const ACTIVATION_WINDOW = process.env.BENCH_FLOOD_WINDOW ?? '30s';
// The old-space limit docs/operations.md#memory recommends for a server facing floods: with Node's
// default limit (4 GiB on this machine) V8 lets the heap grow to several times what is
// live before a full collection, and the server's RSS swings by a quarter with it.
const SERVE_NODE_FLAGS = ['--max-old-space-size=512'];
const REAL_CLIENT = JSON.stringify({
  client_name: 'Real client',
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic',
});

/** The i-th flood address: 127.1.0.0 to 127.1.39.15. */
const floodAddress = (i: number) => `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
/** The n-th real attempt's address, apart from the flood's, as each real user has an address of its own. */
const realAddress = (n: number) => `127.200.${(n >> 8) & 255}.${n & 255}`;

/**
 * The server's resident memory split as /proc/<pid>/status gives it, in KiB: anonymous pages (the
 * JavaScript heap, native buffers, SQLite's page cache) apart from file-backed ones (code, mapped
 * files) and shared ones (SQLite's WAL index), so that a peak can be traced to its kind.
 */
function rssParts(pid: number): { anon: number; file: number; shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { anon: kib('RssAnon'), file: kib('RssFile'), shmem: kib('RssShmem') };
}

/** What the real client saw over one run. */
export interface RealClientRun {
  readonly attempts: number;
  readonly succeeded: number;
  /** Failed attempts by what failed: `register 429`, `token 401`, `error`. */
  readonly failures: ReadonlyMap<string, number>;
  readonly registerMs: Float64Array;
  readonly tokenMs: Float64Array;
}

/** One store's flood run. */
export interface FloodRun {
  readonly store: string;
  readonly capacity: number;
  readonly offeredRate: number;
  readonly sent: number;
  readonly statuses: ReadonlyMap<number, number>;
  readonly errors: number;
  readonly seconds: number;
  readonly cap: number;
  readonly mostClients: number;
  readonly clientsAtEnd: number;
  /** Server RSS at the end of the warm-up (the first tenth of the flood), its peak after, and at the end. */
  readonly rssWarm: number;
  readonly rssPeak: number;
  readonly rssEnd: number;
  readonly baseline: RealClientRun;
  readonly duringFlood: RealClientRun;
}

interface StoreUnderTest {
  readonly name: string;
  /** `--store` and the flags that go with it. */
  readonly args: string[];
  /** The token host's STORE [SCHEMA] arguments. */
  readonly hostArgs: string[];
  count(): Promise<number>;
  close(): Promise<void>;
}

function sqliteStore(dir: string, label: string): StoreUnderTest {
  const file = join(dir, `${label}.db`);
  let db: Database.Database | undefined;
  return {
    name: 'SQLite',
    args: ['--store', `sqlite:${file}`],
    hostArgs: [`sqlite:${file}`],
    async count() {
      db ??= new Database(file, { readonly: true, fileMustExist: true });
      return (db.prepare('SELECT count(*) AS n FROM registrar_clients').get() as { n: number }).n;
    },
    async close() {
      db?.close();
    },
  };
}

function postgresStore(label: string): StoreUnderTest {
  const schema = benchSchema(label);
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  let connected: Promise<void> | undefined;
  return {
    name: 'PostgreSQL',
    args: ['--store', BENCH_POSTGRES_URL, '--pg-schema', schema],
    hostArgs: [BENCH_POSTGRES_URL, schema],
    async count() {
      connected ??= client.connect().then(() => undefined);
      await connected;
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM "${schema}".registrar_clients`,
      );
      return Number(rows[0]?.n ?? 0);
    },
    async close() {
      if (connected) await client.end();
      await dropPostgresSchema(schema);
    },
  };
}

/** `registrar serve` with the flood's settings on `store`. */
function startServe(store: StoreUnderTest, cap: number, log: string): Promise<Target> {
  return startTarget(
    `Registrar, ${store.name}`,
    REGISTRAR_MAIN,
    [
      'serve',
      '--port',
      '0',
      ...store.args,
      '--trusted-proxies',
      '127.0.0.1',
      '--activation-window',
      ACTIVATION_WINDOW,
      '--max-clients',
      String(cap),
    ],
    log,
    SERVE_NODE_FLAGS,
  );
}

/** Registrations answered 201 per second, at full speed for `seconds`, from the flood's addresses. */
async function measureCapacity(url: string, seconds: number): Promise<number> {
  let next = 0;
  let created = 0;
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: 10,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/oauth/register',
            headers: { 'content-type': 'application/json' },
            body: BENCH_BODY,
            setupRequest: (request) => ({
              ...request,
              headers: { ...request.headers, 'x-forwarded-for': floodAddress(next++ % ADDRESSES) },
            }),
          },
        ],
      },
      (error) => (error ? reject(error) : resolve()),
    );
    instance.on('response', (_client, status) => {
      if (status === 201) created++;
    });
  });
  return created / ((Date.now() - started) / 1000);
}

/** The real client, once a second until `stop` resolves: register, then a token with the secret. */
async function realClient(serveUrl: string, tokenUrl: string, stop: Promise<void>): Promise<RealClientRun> {
  const registerMs: number[] = [];
  const tokenMs: number[] = [];
  const failures = new Map<string, number>();
  const fail = (what: string) => failures.set(what, (failures.get(what) ?? 0) + 1);
  let attempts = 0;
  let succeeded = 0;
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  const attempt = async (n: number) => {
    try {
      const t0 = performance.now();
      const registered = await fetch(`${serveUrl}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': realAddress(n) },
        body: REAL_CLIENT,
      });
      const body = (await registered.json()) as { client_id?: string; client_secret?: string };
      registerMs.push(performance.now() - t0);
      if (registered.status !== 201 || !body.client_id || !body.client_secret) {
        fail(`register ${registered.status}`);
        return;
      }
      const basic = Buffer.from(
        `${encodeURIComponent(body.client_id)}:${encodeURIComponent(body.client_secret)}`,
      ).toString('base64');
      const t1 = performance.now();
      const token = await fetch(`${tokenUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        body: 'grant_type=client_credentials',
      });
      await token.arrayBuffer();
      tokenMs.push(performance.now() - t1);
      if (token.status !== 200) {
        fail(`token ${token.status}`);
        return;
      }
      succeeded++;
    } catch {
      fail('error');
    }
  };
  const pending: Promise<void>[] = [];
  const started = performance.now();
  while (!stopped) {
    pending.push(attempt(attempts++));
    // A fixed schedule: an attempt every second whatever the last one took.
    const wait = started + attempts * 1000 - performance.now();
    await Promise.race([new Promise((resolve) => setTimeout(resolve, Math.max(0, wait))), stop]);
  }
  await Promise.all(pending);
  return {
    attempts,
    succeeded,
    failures,
    registerMs: Float64Array.from(registerMs),
    tokenMs: Float64Array.from(tokenMs),
  };
}

/** The whole run on one store: capacity, baseline, then the flood with the real client beside it. */
async function floodOne(make: (label: string) => StoreUnderTest, dir: string): Promise<FloodRun> {
  const total = numberFromEnv('BENCH_FLOOD_REGISTRATIONS', 1_000_000);
  const cap = numberFromEnv('BENCH_FLOOD_CAP', 100_000);
  const baselineSeconds = numberFromEnv('BENCH_FLOOD_BASELINE_SECONDS', 60);

  // Capacity on a store of its own, so its clients do not count in the flood's table.
  const probeStore = make('probe');
  const probe = await startServe(probeStore, cap, join(dir, `${probeStore.name}-probe.log`));
  let capacity: number;
  try {
    capacity = await measureCapacity(probe.url, numberFromEnv('BENCH_FLOOD_CAPACITY_SECONDS', 10));
  } finally {
    await probe.stop();
    await probeStore.close();
  }
  const offeredRate = Math.max(1, Math.floor(capacity / 2));

  const store = make('flood');
  // BENCH_FLOOD_TRACE=FILE keeps one line a second (elapsed s, answered, clients, RSS and its parts
  // in KiB) in FILE.<store>.csv, and the server's log (with BENCH_NODE_FLAGS=--trace-gc, its heap) beside it.
  const trace = process.env.BENCH_FLOOD_TRACE ? `${process.env.BENCH_FLOOD_TRACE}.${store.name}` : undefined;
  const serve = await startServe(
    store,
    cap,
    trace ? `${trace}.serve.log` : join(dir, `${store.name}-serve.log`),
  );
  const host = await startTarget(
    'token endpoint',
    TOKEN_HOST,
    [serve.url, ...store.hostArgs],
    join(dir, `${store.name}-host.log`),
  );
  try {
    const baseline = await realClient(
      serve.url,
      host.url,
      new Promise((resolve) => setTimeout(resolve, baselineSeconds * 1000)),
    );

    const statuses = new Map<number, number>();
    let sent = 0;
    let answered = 0;
    let mostClients = 0;
    let rssWarm = 0;
    let rssPeak = 0;
    const started = Date.now();
    if (trace)
      writeFileSync(`${trace}.csv`, 'seconds,answered,clients,rss_kib,anon_kib,file_kib,shmem_kib\n');
    const sample = async () => {
      const clients = await store.count();
      mostClients = Math.max(mostClients, clients);
      const rssNow = serve.rssBytes();
      if (trace) {
        const { anon, file, shmem } = rssParts(serve.pid);
        const elapsed = ((Date.now() - started) / 1000).toFixed(0);
        appendFileSync(
          `${trace}.csv`,
          `${elapsed},${answered},${clients},${Math.round(rssNow / 1024)},${anon},${file},${shmem}\n`,
        );
      }
      if (answered < total / 10) rssWarm = rssNow;
      else rssPeak = Math.max(rssPeak, rssNow);
    };
    let sampling = Promise.resolve();
    const timer = setInterval(() => {
      sampling = sampling.then(sample).catch(() => {});
    }, 1000);
    let floodDone: () => void = () => {};
    const floodOver = new Promise<void>((resolve) => {
      floodDone = resolve;
    });
    const beside = realClient(serve.url, host.url, floodOver);
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: serve.url,
          connections: 20,
          overallRate: offeredRate,
          amount: total,
          timeout: 30,
          requests: [
            {
              method: 'POST',
              path: '/oauth/register',
              headers: { 'content-type': 'application/json' },
              body: BENCH_BODY,
              setupRequest: (request) => ({
                ...request,
                headers: { ...request.headers, 'x-forwarded-for': floodAddress(sent++ % ADDRESSES) },
              }),
            },
          ],
        },
        (error, outcome) => (error ? reject(error) : resolve(outcome)),
      );
      instance.on('response', (_client, status) => {
        answered++;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      });
    });
    const seconds = (Date.now() - started) / 1000;
    floodDone();
    const duringFlood = await beside;
    clearInterval(timer);
    await sampling;
    await sample();
    return {
      store: store.name,
      capacity,
      offeredRate,
      sent: answered,
      statuses,
      errors: result.errors + result.timeouts,
      seconds,
      cap,
      mostClients,
      clientsAtEnd: await store.count(),
      rssWarm,
      rssPeak,
      rssEnd: serve.rssBytes(),
      baseline,
      duringFlood,
    };
  } finally {
    await host.stop();
    await serve.stop();
    await store.close();
  }
}

/** The flood on SQLite and, when it answers, PostgreSQL. */
export async function flood(): Promise<FloodRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-flood-'));
  try {
    // BENCH_FLOOD_STORES=sqlite or =postgres runs one of the two.
    const stores = (process.env.BENCH_FLOOD_STORES ?? 'sqlite,postgres').split(',');
    const runs: FloodRun[] = [];
    if (stores.includes('sqlite')) runs.push(await floodOne((label) => sqliteStore(dir, label), dir));
    if (!stores.includes('postgres')) return runs;
    if (await postgresReachable()) runs.push(await floodOne(postgresStore, dir));
    else process.stderr.write(`PostgreSQL does not answer at ${BENCH_POSTGRES_URL}: its flood is left out\n`);
    return runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function realRow(label: string, run: RealClientRun): string {
  const ms = (values: Float64Array, q: number) => format(percentile(values, q), 1);
  const failures = [...run.failures].map(([what, count]) => `${what} × ${count}`).join(', ') || 'none';
  return `| ${label} | ${format(run.attempts)} | ${format((run.succeeded / Math.max(1, run.attempts)) * 100, 1)}% | ${failures} | ${ms(run.registerMs, 0.5)} / ${ms(run.registerMs, 0.99)} | ${ms(run.tokenMs, 0.5)} / ${ms(run.tokenMs, 0.99)} |`;
}

/** Each store's flood and the real client's figures beside its baseline. */
export function floodTable(runs: readonly FloodRun[]): string {
  const mb = (bytes: number) => format(bytes / 2 ** 20, 1);
  const lines: string[] = [];
  for (const run of runs) {
    const statuses = [...run.statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status} × ${format(count)}`)
      .join(', ');
    const growth = ((run.rssPeak - run.rssWarm) / run.rssWarm) * 100;
    lines.push(
      `### ${run.store}`,
      '',
      `Capacity ${format(run.capacity)} registrations/s; flood offered at ${format(run.offeredRate)}/s: ${format(run.sent)} answered in ${format(run.seconds, 0)} s (${statuses}; ${run.errors} connection errors or timeouts).`,
      `Most clients in the table: ${format(run.mostClients)} (cap ${format(run.cap)}); at the end ${format(run.clientsAtEnd)}.`,
      `Server RSS after the warm-up (first tenth): ${mb(run.rssWarm)} MiB; peak after it ${mb(run.rssPeak)} MiB (${format(growth, 1)}%); at the end ${mb(run.rssEnd)} MiB.`,
      '',
      '| real client | attempts | succeeded | failures | register p50 / p99 ms | token p50 / p99 ms |',
      '| --- | ---: | ---: | --- | ---: | ---: |',
      realRow('alone (baseline)', run.baseline),
      realRow('during the flood', run.duringFlood),
      '',
    );
  }
  return lines.join('\n');
}
