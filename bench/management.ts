// Part 2: RFC 7592 GET latency with few and with very many stored clients, in interleaved rounds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, numberFromEnv } from './lib/env.js';
import { concatLatencies, type LoadResult, percentile, runLoad, unexpectedAnswers } from './lib/load.js';
import {
  BENCH_POSTGRES_URL,
  benchSchema,
  dropPostgresSchema,
  postgresReachable,
  seededClientId,
  seededToken,
  seedPostgres,
  seedSqlite,
} from './lib/seed.js';
import { REGISTRAR_MAIN, startTarget, type Target } from './lib/target.js';

/** One measured database. */
export interface ManagementRow {
  readonly name: string;
  readonly clients: number;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMicrosPerRequest: number;
  /** Answers other than the expected status, with their statuses. */
  readonly unexpected: string;
  readonly seedSeconds: number;
}

/** A request for a random one of `count` seeded clients, from a sample drawn across the whole id space. */
function sampler(count: number) {
  const sample = Array.from({ length: 10_000 }, () => {
    const index = Math.floor(Math.random() * count);
    return {
      path: `/oauth/register/${seededClientId(index)}`,
      authorization: `Bearer ${seededToken(index)}`,
    };
  });
  return () => {
    const pick = sample[Math.floor(Math.random() * sample.length)] as (typeof sample)[number];
    return { path: pick.path, headers: { authorization: pick.authorization } };
  };
}

/** Seeds one small and one large SQLite database and measures GET against both. */
export async function management(): Promise<ManagementRow[]> {
  const small = numberFromEnv('BENCH_SMALL_CLIENTS', 1_000);
  const large = numberFromEnv('BENCH_LARGE_CLIENTS', 1_000_000);
  const rounds = numberFromEnv('BENCH_ROUNDS', 3);
  const warmupSeconds = numberFromEnv('BENCH_WARMUP_SECONDS', 2);
  const seconds = numberFromEnv('BENCH_SECONDS', 5);
  const connections = numberFromEnv('BENCH_CONNECTIONS', 10);
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-management-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ rateLimit: false }));
  const databases: { name: string; clients: number; args: string[]; seedSeconds: number }[] = [];
  const schemas: string[] = [];
  const targets: Target[] = [];
  const timed = async (seed: () => Promise<void>) => {
    const started = process.hrtime.bigint();
    await seed();
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const stores = process.env.BENCH_STORES?.split(',') ?? ['sqlite', 'postgres'];
  try {
    for (const clients of stores.includes('sqlite') ? [small, large] : []) {
      const filename = join(dir, `clients-${clients}.db`);
      const seedSeconds = await timed(() => seedSqlite(filename, clients));
      process.stderr.write(`seeded ${format(clients)} SQLite clients in ${format(seedSeconds, 1)} s\n`);
      databases.push({
        name: `SQLite, ${format(clients)} clients`,
        clients,
        args: ['--store', `sqlite:${filename}`],
        seedSeconds,
      });
    }
    if (!stores.includes('postgres')) {
      // Left out on request.
    } else if (await postgresReachable()) {
      for (const clients of [small, large]) {
        const schema = benchSchema(`management_${clients}`);
        schemas.push(schema);
        const seedSeconds = await timed(() => seedPostgres(schema, clients));
        process.stderr.write(`seeded ${format(clients)} PostgreSQL clients in ${format(seedSeconds, 1)} s\n`);
        databases.push({
          name: `PostgreSQL, ${format(clients)} clients`,
          clients,
          args: ['--store', BENCH_POSTGRES_URL, '--pg-schema', schema, '--no-migrate'],
          seedSeconds,
        });
      }
    } else {
      process.stderr.write(`PostgreSQL does not answer at ${BENCH_POSTGRES_URL}: its rows are left out\n`);
    }
    for (const [index, database] of databases.entries()) {
      targets.push(
        await startTarget(
          database.name,
          REGISTRAR_MAIN,
          ['serve', '--port', '0', ...database.args, '--config', config],
          join(dir, `target-${index}.log`),
        ),
      );
    }
    const windows = new Map<string, { load: LoadResult; cpu: number }[]>();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        const server = targets[(i + round) % targets.length] as Target;
        const database = databases.find((entry) => entry.name === server.name);
        const spec = { method: 'GET', path: '/', setupRequest: sampler(database?.clients ?? 1) } as const;
        await runLoad(server.url, spec, { seconds: warmupSeconds, connections, expectedStatus: 200 });
        const cpuBefore = server.cpuMicros();
        const load = await runLoad(server.url, spec, { seconds, connections, expectedStatus: 200 });
        const cpu = server.cpuMicros() - cpuBefore;
        windows.set(server.name, [...(windows.get(server.name) ?? []), { load, cpu }]);
        process.stderr.write(
          `round ${round + 1}/${rounds} ${server.name}: ${format(load.responses / load.seconds)} req/s\n`,
        );
      }
    }
    return databases.map((database) => {
      const list = windows.get(database.name) ?? [];
      const responses = list.reduce((sum, w) => sum + w.load.responses, 0);
      const latencies = concatLatencies(list.map((w) => w.load.latencies));
      return {
        name: database.name,
        clients: database.clients,
        requestsPerSecond: responses / list.reduce((sum, w) => sum + w.load.seconds, 0),
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        cpuMicrosPerRequest: list.reduce((sum, w) => sum + w.cpu, 0) / responses,
        unexpected: unexpectedAnswers(
          list.map((w) => w.load),
          200,
        ),
        seedSeconds: database.seedSeconds,
      };
    });
  } finally {
    await Promise.all(targets.map((server) => server.stop()));
    for (const schema of schemas) await dropPostgresSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table, with the p99 ratio of the large database to the small one. */
export function managementTable(rows: readonly ManagementRow[]): string {
  const lines = [
    '| database | GET req/s | p50 ms | p99 ms | server CPU µs/req | non-200 | seeded in |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${format(row.requestsPerSecond)} | ${format(row.p50, 2)} | ${format(row.p99, 2)} | ${format(row.cpuMicrosPerRequest)} | ${row.unexpected} | ${format(row.seedSeconds, 1)} s |`,
    );
  }
  for (const backend of ['SQLite', 'PostgreSQL']) {
    const [small, large] = rows.filter((row) => row.name.startsWith(backend));
    if (!small || !large) continue;
    lines.push(
      '',
      `${backend}: p99 with ${format(large.clients)} clients / p99 with ${format(small.clients)}: ${format(large.p99 / small.p99, 2)}x (target at most 1.30x)`,
    );
  }
  return lines.join('\n');
}
