// Part 1: registrations per second, latency and server CPU per request, for every target under
// the same load, in interleaved rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComparedRow, compareTargets, costTable, type TargetSpec } from './lib/compare.js';
import { BENCH_BODY } from './lib/document.js';
import { BENCH_POSTGRES_URL, benchSchema, dropPostgresSchema, postgresReachable } from './lib/seed.js';
import { REGISTRAR_MAIN, unlimitedConfig } from './lib/target.js';

const target = (file: string) => fileURLToPath(new URL(`./targets/${file}`, import.meta.url));

/** The measured load of one target. */
export type ThroughputRow = ComparedRow;

/** Runs the throughput comparison and returns one row per target. */
export async function throughput(): Promise<ThroughputRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-'));
  const config = unlimitedConfig(dir);
  const registrar = (store: string) => ['serve', '--port', '0', '--store', store, '--config', config];
  const schema = benchSchema('throughput');
  const postgres = await postgresReachable();
  if (!postgres)
    process.stderr.write(`PostgreSQL does not answer at ${BENCH_POSTGRES_URL}: its row is left out\n`);
  const specs: TargetSpec[] = [
    ['node:http ceiling', target('ceiling.mjs'), []],
    ['Registrar, memory', REGISTRAR_MAIN, registrar('memory:')],
    ['Registrar, SQLite', REGISTRAR_MAIN, registrar(`sqlite:${join(dir, 'bench.db')}`)],
    ...(postgres
      ? [
          [
            'Registrar, PostgreSQL',
            REGISTRAR_MAIN,
            [...registrar(BENCH_POSTGRES_URL), '--pg-schema', schema],
          ] as const,
        ]
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
  const load = { method: 'POST', path: '/oauth/register', body: BENCH_BODY } as const;
  try {
    return await compareTargets({ dir, specs, loadFor: () => load, expectedStatus: 201 });
  } finally {
    if (postgres) await dropPostgresSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table, each row's CPU cost against the ceiling's and oidc-provider's. */
export function throughputTable(rows: readonly ThroughputRow[]): string {
  return costTable(rows, 201, 'oidc-provider');
}
