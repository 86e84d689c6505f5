// Part 1: registrations per second, latency and server CPU per request, for every target under
// the same load, in interleaved rounds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_BODY } from './lib/document.js';
import { format, numberFromEnv } from './lib/env.js';
import { concatLatencies, type LoadResult, percentile, runLoad, unexpectedAnswers } from './lib/load.js';
import { BENCH_POSTGRES_URL, benchSchema, dropPostgresSchema, postgresReachable } from './lib/seed.js';
import { REGISTRAR_MAIN, startTarget, type Target } from './lib/target.js';

const target = (file: string) => fileURLToPath(new URL(`./targets/${file}`, import.meta.url));

/** The aggregate of every measured window of one target. */
export interface ThroughputRow {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMicrosPerRequest: number;
  /** Answers other than the expected status, with their statuses. */
  readonly unexpected: string;
  readonly errors: number;
}

/** Runs the throughput comparison and returns one row per target. */
export async function throughput(): Promise<ThroughputRow[]> {
  const rounds = numberFromEnv('BENCH_ROUNDS', 3);
  const warmupSeconds = numberFromEnv('BENCH_WARMUP_SECONDS', 2);
  const seconds = numberFromEnv('BENCH_SECONDS', 5);
  const connections = numberFromEnv('BENCH_CONNECTIONS', 10);
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-'));
  // One address sends every request, so the per-address rate limits are off, as behind a proxy pool.
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ rateLimit: false }));
  const registrar = (store: string) => ['serve', '--port', '0', '--store', store, '--config', config];
  const schema = benchSchema('throughput');
  const postgres = await postgresReachable();
  if (!postgres)
    process.stderr.write(`PostgreSQL does not answer at ${BENCH_POSTGRES_URL}: its row is left out\n`);
  const specs: [string, string, string[]][] = [
    ['node:http ceiling', target('ceiling.mjs'), []],
    ['Registrar, memory', REGISTRAR_MAIN, registrar('memory:')],
    ['Registrar, SQLite', REGISTRAR_MAIN, registrar(`sqlite:${join(dir, 'bench.db')}`)],
    ...(postgres
      ? ([
          [
            'Registrar, PostgreSQL',
            REGISTRAR_MAIN,
            [...registrar(BENCH_POSTGRES_URL), '--pg-schema', schema],
          ],
        ] as [string, string, string[]][])
      : []),
    ['oidc-provider', target('oidc-provider.mjs'), []],
  ];
  // BENCH_BASELINE: the `dist/cli/main.js` of another build (an earlier commit, say), measured in
  // the same rounds on the memory and SQLite stores, so a change is judged against its baseline.
  const baseline = process.env.BENCH_BASELINE;
  if (baseline) {
    specs.push(
      ['Baseline, memory', baseline, registrar('memory:')],
      ['Baseline, SQLite', baseline, registrar(`sqlite:${join(dir, 'baseline.db')}`)],
    );
  }
  const only = process.env.BENCH_TARGETS?.split(',');
  const selected = only ? specs.filter(([name]) => only.some((part) => name.includes(part))) : specs;
  const targets: Target[] = [];
  try {
    for (const [index, [name, script, args]] of selected.entries()) {
      targets.push(await startTarget(name, script, args, join(dir, `target-${index}.log`)));
    }
    const windows = new Map<string, { load: LoadResult; cpu: number }[]>();
    const load = { method: 'POST', path: '/oauth/register', body: BENCH_BODY } as const;
    for (let round = 0; round < rounds; round++) {
      // Rotate the order every round so no target always runs first or last.
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
      for (const server of order) {
        await runLoad(server.url, load, { seconds: warmupSeconds, connections, expectedStatus: 201 });
        const cpuBefore = server.cpuMicros();
        const result = await runLoad(server.url, load, { seconds, connections, expectedStatus: 201 });
        const cpu = server.cpuMicros() - cpuBefore;
        const list = windows.get(server.name) ?? [];
        list.push({ load: result, cpu });
        windows.set(server.name, list);
        process.stderr.write(
          `round ${round + 1}/${rounds} ${server.name}: ${format(result.responses / result.seconds)} req/s\n`,
        );
      }
    }
    return targets.map((server) => {
      const list = windows.get(server.name) ?? [];
      const responses = list.reduce((sum, w) => sum + w.load.responses, 0);
      const duration = list.reduce((sum, w) => sum + w.load.seconds, 0);
      const latencies = concatLatencies(list.map((w) => w.load.latencies));
      return {
        name: server.name,
        requestsPerSecond: responses / duration,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        cpuMicrosPerRequest: list.reduce((sum, w) => sum + w.cpu, 0) / responses,
        unexpected: unexpectedAnswers(
          list.map((w) => w.load),
          201,
        ),
        errors: list.reduce((sum, w) => sum + w.load.errors, 0),
      };
    });
  } finally {
    await Promise.all(targets.map((server) => server.stop()));
    if (postgres) await dropPostgresSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table, with the ratios to the ceiling and to oidc-provider. */
export function throughputTable(rows: readonly ThroughputRow[]): string {
  const ceiling = rows.find((row) => row.name.includes('ceiling'));
  const oidc = rows.find((row) => row.name.includes('oidc-provider'));
  const ratio = (value: number, base: ThroughputRow | undefined) =>
    base ? `${format(value / base.requestsPerSecond, 2)}x` : 'n/a';
  const lines = [
    '| target | req/s | p50 ms | p99 ms | server CPU µs/req | vs ceiling | vs oidc-provider | non-201 | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${format(row.requestsPerSecond)} | ${format(row.p50, 2)} | ${format(row.p99, 2)} | ${format(row.cpuMicrosPerRequest)} | ${ratio(row.requestsPerSecond, ceiling)} | ${ratio(row.requestsPerSecond, oidc)} | ${row.unexpected} | ${row.errors} |`,
    );
  }
  return lines.join('\n');
}
