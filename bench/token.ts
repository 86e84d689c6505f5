// Part 5: the token endpoint's client authentication, client_credentials with client_secret_basic
// on 10 connections, in interleaved rounds: the ceiling (bench/targets/token-ceiling.mjs), a token
// endpoint on `authenticateClient` on each bundled store (token-registrar.mjs) and oidc-provider's
// /token (oidc-provider-token.mjs), every one in a process of its own with the same client.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from './lib/env.js';
import { type Measured, measureInterleaved } from './lib/rounds.js';
import { BENCH_POSTGRES_URL, benchSchema, dropPostgresSchema, postgresReachable } from './lib/seed.js';
import { postgresCpuMicros, startTarget, type Target } from './lib/target.js';

const target = (file: string) => fileURLToPath(new URL(`./targets/${file}`, import.meta.url));

/** The measured load of one token endpoint. */
export interface TokenRow extends Measured {
  readonly name: string;
}

/** Runs the token endpoint comparison and returns one row per target. */
export async function token(): Promise<TokenRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-token-'));
  const schema = benchSchema('token');
  const postgres = await postgresReachable();
  if (!postgres)
    process.stderr.write(`PostgreSQL does not answer at ${BENCH_POSTGRES_URL}: its row is left out\n`);
  const clientId = 'bench-service';
  // Made for this run, known to each target through its environment, never printed.
  const clientSecret = randomBytes(32).toString('base64url');
  process.env.BENCH_CLIENT_ID = clientId;
  process.env.BENCH_CLIENT_SECRET = clientSecret;
  const specs: [string, string, string[]][] = [
    ['node:http token ceiling', target('token-ceiling.mjs'), []],
    ['Registrar, memory', target('token-registrar.mjs'), ['memory:']],
    ['Registrar, SQLite', target('token-registrar.mjs'), [`sqlite:${join(dir, 'token.db')}`]],
    ...(postgres
      ? ([['Registrar, PostgreSQL', target('token-registrar.mjs'), [BENCH_POSTGRES_URL, schema]]] as [
          string,
          string,
          string[],
        ][])
      : []),
    ['oidc-provider', target('oidc-provider-token.mjs'), []],
  ];
  const only = process.env.BENCH_TARGETS?.split(',');
  const selected = only ? specs.filter(([name]) => only.some((part) => name.includes(part))) : specs;
  const targets: Target[] = [];
  try {
    for (const [index, [name, script, args]] of selected.entries()) {
      const started = await startTarget(name, script, args, join(dir, `target-${index}.log`));
      targets.push(
        name.includes('PostgreSQL') ? { ...started, databaseCpuMicros: postgresCpuMicros } : started,
      );
    }
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const load = {
      method: 'POST',
      path: '/token',
      body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    } as const;
    const measured = await measureInterleaved(targets, () => load, 200);
    return targets.map((server) => ({ name: server.name, ...(measured.get(server.name) as Measured) }));
  } finally {
    await Promise.all(targets.map((server) => server.stop()));
    if (postgres) await dropPostgresSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rows as a Markdown table. The ratios are of server CPU per request, the figure that holds
 * from run to run: the ceiling's cost over each row's, and oidc-provider's over each row's.
 */
export function tokenTable(rows: readonly TokenRow[]): string {
  const ceiling = rows.find((row) => row.name.includes('ceiling'));
  const oidc = rows.find((row) => row.name.includes('oidc-provider'));
  const cost = (base: TokenRow | undefined, row: TokenRow) =>
    base ? format(base.cpuMicrosPerRequest / row.cpuMicrosPerRequest, 2) : 'n/a';
  const lines = [
    '| target | req/s | p50 ms | p99 ms | p99 / ceiling p99 | server CPU µs/req | database CPU µs/req | ceiling / this (CPU) | oidc-provider / this (CPU) | non-200 | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const p99 = ceiling ? format(row.p99 / ceiling.p99, 2) : 'n/a';
    const database =
      row.databaseCpuMicrosPerRequest === undefined ? '' : format(row.databaseCpuMicrosPerRequest);
    lines.push(
      `| ${row.name} | ${format(row.requestsPerSecond)} | ${format(row.p50, 2)} | ${format(row.p99, 2)} | ${p99} | ${format(row.cpuMicrosPerRequest)} | ${database} | ${cost(ceiling, row)} | ${cost(oidc, row)} | ${row.unexpected} | ${row.errors} |`,
    );
  }
  return lines.join('\n');
}
