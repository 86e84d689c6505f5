// Part 7: what a refusal costs, on 10 connections in interleaved rounds, `registrar serve` beside a
// bare node:http server giving the same answer (bench/targets/refusal-bare.mjs): 429 from the
// registration rate limit, 400 invalid_client_metadata, and 401 on management with a wrong token.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComparedRow, compareTargets, costTable, type TargetSpec } from './lib/compare.js';
import { BENCH_BODY, BENCH_DOCUMENT } from './lib/document.js';
import type { LoadSpec } from './lib/load.js';
import { REGISTRAR_MAIN } from './lib/target.js';

const BARE = fileURLToPath(new URL('./targets/refusal-bare.mjs', import.meta.url));

/** One refusal's rows. */
export interface RefusalRows {
  readonly refusal: string;
  readonly status: number;
  readonly rows: ComparedRow[];
}

/** Runs the three refusal comparisons. */
export async function refusals(): Promise<RefusalRows[]> {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-refusals-'));
  const serve = (store: string, ...flags: string[]) => ['serve', '--port', '0', '--store', store, ...flags];
  const register = { method: 'POST', path: '/oauth/register', body: BENCH_BODY } as const;
  // BENCH_BASELINE: another build's `dist/cli/main.js`, given each refusal beside this one.
  const baseline = process.env.BENCH_BASELINE;
  const withBaseline = (specs: TargetSpec[], args: readonly string[]): TargetSpec[] =>
    baseline ? [...specs, ['Baseline, memory', baseline, args]] : specs;
  const results: RefusalRows[] = [];
  try {
    // One registration an hour per address: the load's first request is the hour's, every other a 429.
    results.push({
      refusal: '429 too_many_requests (registration rate limit)',
      status: 429,
      rows: await compareTargets({
        dir,
        specs: withBaseline(
          [
            ['bare server', BARE, ['429']],
            ['Registrar, memory', REGISTRAR_MAIN, serve('memory:', '--rate-limit', '1/3600s')],
          ],
          serve('memory:', '--rate-limit', '1/3600s'),
        ),
        loadFor: () => register,
        expectedStatus: 429,
      }),
    });
    const malformed = JSON.stringify({ ...BENCH_DOCUMENT, grant_types: 'authorization_code' });
    results.push({
      refusal: '400 invalid_client_metadata (grant_types not an array)',
      status: 400,
      rows: await compareTargets({
        dir,
        specs: withBaseline(
          [
            ['bare server', BARE, ['400']],
            ['Registrar, memory', REGISTRAR_MAIN, serve('memory:', '--rate-limit', 'off')],
          ],
          serve('memory:', '--rate-limit', 'off'),
        ),
        loadFor: () => ({ ...register, body: malformed }),
        expectedStatus: 400,
      }),
    });
    // A token of the real one's length that is not it, on the URI of a client that exists.
    const wrong = `Bearer ${randomBytes(32).toString('base64url')}`;
    const uris = new Map<string, string>();
    results.push({
      refusal: '401 invalid_token (management with a wrong token)',
      status: 401,
      rows: await compareTargets({
        dir,
        specs: withBaseline(
          [
            ['bare server', BARE, ['401']],
            ['Registrar, memory', REGISTRAR_MAIN, serve('memory:', '--rate-limit', 'off')],
            [
              'Registrar, SQLite',
              REGISTRAR_MAIN,
              serve(`sqlite:${join(dir, 'refusals.db')}`, '--rate-limit', 'off'),
            ],
          ],
          serve('memory:', '--rate-limit', 'off'),
        ),
        async prepare(server) {
          const answer = await fetch(`${server.url}/oauth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: BENCH_BODY,
          });
          const { registration_client_uri } = (await answer.json()) as { registration_client_uri: string };
          uris.set(server.name, new URL(registration_client_uri).pathname);
        },
        loadFor: (server): LoadSpec => ({
          method: 'GET',
          path: uris.get(server.name) as string,
          headers: { authorization: wrong },
        }),
        expectedStatus: 401,
      }),
    });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One table per refusal, each row's CPU cost against the bare server's. */
export function refusalsTable(results: readonly RefusalRows[]): string {
  return results
    .map((result) => `### ${result.refusal}\n\n${costTable(result.rows, result.status)}`)
    .join('\n\n');
}
