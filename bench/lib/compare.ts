// One comparison: start every target in a process of its own, measure them in interleaved rounds
// under one load, stop them. The parts of `npm run bench` that compare servers side by side use it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format } from './env.js';
import type { LoadSpec } from './load.js';
import { type Measured, measureInterleaved } from './rounds.js';
import { postgresCpuMicros, startTarget, type Target } from './target.js';

/** Targets started so far by this process, to name their logs apart. */
let started = 0;

/** A target to start: its name, the script Node runs, and the script's arguments. */
export type TargetSpec = readonly [name: string, script: string, args: readonly string[]];

/**
 * The baseline rows, on the memory store and on a SQLite file in `dir`, of the bench target
 * `file` (whose first argument is the store): when BENCH_BASELINE names the `dist/cli/main.js`
 * of another build whose tree has the target, that tree's own copy, run on its build in the
 * same rounds; otherwise none.
 */
export function baselineSpecs(file: string, dir: string): TargetSpec[] {
  const baseline = process.env.BENCH_BASELINE;
  if (!baseline) return [];
  const script = join(dirname(dirname(dirname(baseline))), 'bench', 'targets', file);
  if (!existsSync(script)) {
    process.stderr.write(`The baseline has no bench/targets/${file}: its rows are left out\n`);
    return [];
  }
  return [
    ['Baseline, memory', script, ['memory:']],
    ['Baseline, SQLite', script, [`sqlite:${join(dir, 'baseline.db')}`]],
  ];
}

/** The measured load of one target. */
export interface ComparedRow extends Measured {
  readonly name: string;
}

/**
 * Starts the targets of `specs` that BENCH_TARGETS selects (every one when unset), their logs in
 * `dir`; a target named for PostgreSQL also reports the database server's CPU. `prepare` runs once
 * per target before the rounds (to register the client a load needs, say); then every target gets
 * the load `loadFor` gives it, expecting `expectedStatus`, and one row per target comes back.
 */
export async function compareTargets(options: {
  readonly dir: string;
  readonly specs: readonly TargetSpec[];
  readonly loadFor: (target: Target) => LoadSpec;
  readonly expectedStatus: number;
  readonly prepare?: (target: Target) => Promise<void>;
}): Promise<ComparedRow[]> {
  const only = process.env.BENCH_TARGETS?.split(',');
  const selected = only
    ? options.specs.filter(([name]) => only.some((part) => name.includes(part)))
    : options.specs;
  const targets: Target[] = [];
  try {
    for (const [index, [name, script, args]] of selected.entries()) {
      // A log of its own for every target ever started here: startTarget reads the URL from it.
      const log = join(options.dir, `target-${++started}-${index}.log`);
      const target = await startTarget(name, script, [...args], log);
      targets.push(
        name.includes('PostgreSQL') ? { ...target, databaseCpuMicros: postgresCpuMicros } : target,
      );
    }
    for (const target of targets) await options.prepare?.(target);
    const measured = await measureInterleaved(targets, options.loadFor, options.expectedStatus);
    return targets.map((server) => ({ name: server.name, ...(measured.get(server.name) as Measured) }));
  } finally {
    await Promise.all(targets.map((server) => server.stop()));
  }
}

/**
 * The rows as a Markdown table. The ratios are of server CPU per request, the figure that holds
 * from run to run: the reference's cost (the row named for a ceiling or a bare server) over each
 * row's, and, with `peer`, the row named for it over each row's; the p99 beside the reference's.
 */
export function costTable(rows: readonly ComparedRow[], expectedStatus: number, peer?: string): string {
  const reference = rows.find((row) => /ceiling|bare/.test(row.name));
  const other = peer === undefined ? undefined : rows.find((row) => row.name.includes(peer));
  const cost = (base: ComparedRow | undefined, row: ComparedRow) =>
    base ? format(base.cpuMicrosPerRequest / row.cpuMicrosPerRequest, 2) : 'n/a';
  const lines = [
    `| target | req/s | p50 ms | p99 ms | p99 / reference p99 | server CPU µs/req | database CPU µs/req | reference / this (CPU) |${peer === undefined ? '' : ` ${peer} / this (CPU) |`} non-${expectedStatus} | errors |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${peer === undefined ? '' : ' ---: |'} ---: | ---: |`,
  ];
  for (const row of rows) {
    const p99 = reference ? format(row.p99 / reference.p99, 2) : 'n/a';
    const database =
      row.databaseCpuMicrosPerRequest === undefined ? '' : format(row.databaseCpuMicrosPerRequest);
    lines.push(
      `| ${row.name} | ${format(row.requestsPerSecond)} | ${format(row.p50, 2)} | ${format(row.p99, 2)} | ${p99} | ${format(row.cpuMicrosPerRequest)} | ${database} | ${cost(reference, row)} |${peer === undefined ? '' : ` ${cost(other, row)} |`} ${row.unexpected} | ${row.errors} |`,
    );
  }
  return lines.join('\n');
}
