// The real services some suites talk to: PostgreSQL and Redis on this machine.
// scripts/run-tests.mjs checks that they answer before running the suites
// whose first line says `// services: ...`; these helpers only give each
// suite its own schema or key prefix, so parallel runs never collide.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test database: trust authentication on loopback, database `test`. */
export const POSTGRES_URL =
  process.env.REGISTRAR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The test Redis. */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A fresh name for a schema or key prefix: `prefix_` plus random hex. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs one statement on a short-lived connection. */
export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** The local PostgreSQL cluster's version directory under /etc/postgresql (one cluster named `main`). */
function clusterVersion(): string {
  return execFileSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).trim().split('\n')[0] as string;
}

/** Whether PostgreSQL accepts connections now. */
export function postgresReady(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    return true;
  } catch {
    return false;
  }
}

/** Stops or starts this machine's PostgreSQL cluster; `start` waits until it accepts connections. */
export async function postgresCluster(action: 'stop' | 'start'): Promise<void> {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', clusterVersion(), 'main', action], {
    stdio: 'ignore',
  });
  if (action === 'stop') return;
  for (let attempt = 0; attempt < 60 && !postgresReady(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!postgresReady()) throw new Error('PostgreSQL did not come back within 30 seconds');
}
