// Part 5: the token endpoint's client authentication, client_credentials with client_secret_basic
// on 10 connections, in interleaved rounds: the ceiling (bench/targets/token-ceiling.mjs), a token
// endpoint on `authenticateClient` on each bundled store (token-registrar.mjs) and oidc-provider's
// /token (oidc-provider-token.mjs), every one in a process of its own with the same client.
import { randomBytes } from 'node:crypto';
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

/** The measured load of one token endpoint. */
export type TokenRow = ComparedRow;

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
  const specs: TargetSpec[] = [
    ['node:http token ceiling', target('token-ceiling.mjs'), []],
    ['Registrar, memory', target('token-registrar.mjs'), ['memory:']],
    ['Registrar, SQLite', target('token-registrar.mjs'), [`sqlite:${join(dir, 'token.db')}`]],
    ...(postgres
      ? [['Registrar, PostgreSQL', target('token-registrar.mjs'), [BENCH_POSTGRES_URL, schema]] as const]
      : []),
    ['oidc-provider', target('oidc-provider-token.mjs'), []],
  ];
  // BENCH_BASELINE: the same endpoint on another build, in the same rounds.
  specs.push(...baselineSpecs('token-registrar.mjs', dir));
  const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  const load = {
    method: 'POST',
    path: '/token',
    body: 'grant_type=client_credentials',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
  } as const;
  try {
    return await compareTargets({ dir, specs, loadFor: () => load, expectedStatus: 200 });
  } finally {
    if (postgres) await dropPostgresSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table, each row's CPU cost against the ceiling's and oidc-provider's. */
export function tokenTable(rows: readonly TokenRow[]): string {
  return costTable(rows, 200, 'oidc-provider');
}
