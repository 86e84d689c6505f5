// Part 6: an authorization request's client lookup on 10 connections, in interleaved rounds: the
// ceiling (bench/targets/authorize-ceiling.mjs, a Map and an exact redirect URI comparison) beside
// an authorization endpoint on `registrar.resolveClient` (authorize-registrar.mjs) for a client
// stored in each bundled store and for a cached Client ID Metadata Document.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  baselineSpecs,
  type ComparedRow,
  compareTargets,
  costTable,
  type TargetSpec,
} from './lib/compare.js';
import { BENCH_POSTGRES_URL, benchSchema, dropPostgresSchema, postgresReachable } from './lib/seed.js';

const target = (file: string) => fileURLToPath(new URL(`./targets/${file}`, import.meta.url));

/** Runs the lookup comparison and returns one row per target. */
export async function resolve(): Promise<ComparedRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-resolve-'));
  const schema = benchSchema('resolve');
  const postgres = await postgresReachable();
  if (!postgres)
    process.stderr.write(`PostgreSQL does not answer at ${BENCH_POSTGRES_URL}: its row is left out\n`);
  const authorize = target('authorize-registrar.mjs');
  const specs: TargetSpec[] = [
    ['node:http authorize ceiling', target('authorize-ceiling.mjs'), []],
    ['Registrar, memory', authorize, ['memory:']],
    ['Registrar, SQLite', authorize, [`sqlite:${join(dir, 'resolve.db')}`]],
    ...(postgres ? [['Registrar, PostgreSQL', authorize, [BENCH_POSTGRES_URL, schema]] as const] : []),
    ['Registrar, metadata document (cached)', authorize, ['document']],
  ];
  // BENCH_BASELINE: the same endpoint on another build, in the same rounds.
  specs.push(...baselineSpecs('authorize-registrar.mjs', dir));
  // Each target names the client it holds (a document's URL carries its server's port).
  const paths = new Map<string, string>();
  try {
    return await compareTargets({
      dir,
      specs,
      expectedStatus: 200,
      async prepare(server) {
        const { client_id } = (await (await fetch(`${server.url}/client-id`)).json()) as {
          client_id: string;
        };
        const query = new URLSearchParams({
          response_type: 'code',
          client_id,
          redirect_uri: 'https://app.example/callback',
          state: 'bench-state',
        });
        paths.set(server.name, `/authorize?${query}`);
      },
      loadFor: (server) => ({ method: 'GET', path: paths.get(server.name) as string }),
    });
  } finally {
    if (postgres) await dropPostgresSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table, each row's CPU cost against the ceiling's. */
export function resolveTable(rows: readonly ComparedRow[]): string {
  return costTable(rows, 200);
}
