// Part 2: RFC 7592 GET latency with few and with very many stored clients, in interleaved rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, numberFromEnv } from './lib/env.js';
import { type Measured, measureInterleaved } from './lib/rounds.js';
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
import { REGISTRAR_MAIN, startTarget, type Target, unlimitedConfig } from './lib/target.js';

/** One measured database. */
export interface ManagementRow extends Measured {
  readonly name: string;
  readonly clients: number;
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
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-management-'));
  const config = unlimitedConfig(dir);
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
    if (stores.includes('postgres') && (await postgresReachable())) {
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
    } else if (stores.includes('postgres')) {
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
    const clientsOf = new Map(databases.map((database) => [database.name, database.clients]));
    const measured = await measureInterleaved(
      targets,
      (server) => ({ method: 'GET', path: '/', setupRequest: sampler(clientsOf.get(server.name) ?? 1) }),
      200,
    );
    return databases.map((database) => ({
      name: database.name,
      clients: database.clients,
      seedSeconds: database.seedSeconds,
      ...(measured.get(database.name) as Measured),
    }));
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
