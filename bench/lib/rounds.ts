// Interleaved measurement: in every round each target gets a warm-up and a measured window under
// the same load, in an order that rotates so no target always runs first, last or after another.
import { format, numberFromEnv } from './env.js';
import {
  concatLatencies,
  type LoadResult,
  type LoadSpec,
  percentile,
  runLoad,
  unexpectedAnswers,
} from './load.js';
import type { Target } from './target.js';

/** The aggregate of every measured window of one target. */
export interface Measured {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMicrosPerRequest: number;
  /** The database server's CPU per request, for a target whose `databaseCpuMicros` is set. */
  readonly databaseCpuMicrosPerRequest?: number;
  /** Answers other than the expected status, with their statuses. */
  readonly unexpected: string;
  readonly errors: number;
}

/**
 * Runs BENCH_ROUNDS rounds (3) of a BENCH_WARMUP_SECONDS warm-up (2) and a BENCH_SECONDS window
 * (5) on BENCH_CONNECTIONS connections (10) against every target, each with the load `specFor`
 * gives it, and returns the aggregate per target name.
 */
export async function measureInterleaved(
  targets: readonly Target[],
  specFor: (target: Target) => LoadSpec,
  expectedStatus: number,
): Promise<Map<string, Measured>> {
  const rounds = numberFromEnv('BENCH_ROUNDS', 3);
  const warmupSeconds = numberFromEnv('BENCH_WARMUP_SECONDS', 2);
  const seconds = numberFromEnv('BENCH_SECONDS', 5);
  const connections = numberFromEnv('BENCH_CONNECTIONS', 10);
  const windows = new Map<string, { load: LoadResult; cpu: number; database: number }[]>();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const server = targets[(i + round) % targets.length] as Target;
      const spec = specFor(server);
      await runLoad(server.url, spec, { seconds: warmupSeconds, connections, expectedStatus });
      const cpuBefore = server.cpuMicros();
      const databaseBefore = server.databaseCpuMicros?.() ?? 0;
      const load = await runLoad(server.url, spec, { seconds, connections, expectedStatus });
      const cpu = server.cpuMicros() - cpuBefore;
      const database = (server.databaseCpuMicros?.() ?? 0) - databaseBefore;
      windows.set(server.name, [...(windows.get(server.name) ?? []), { load, cpu, database }]);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${server.name}: ${format(load.responses / load.seconds)} req/s\n`,
      );
    }
  }
  return new Map(
    targets.map((server) => {
      const list = windows.get(server.name) ?? [];
      const responses = list.reduce((sum, w) => sum + w.load.responses, 0);
      const latencies = concatLatencies(list.map((w) => w.load.latencies));
      const measured: Measured = {
        requestsPerSecond: responses / list.reduce((sum, w) => sum + w.load.seconds, 0),
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        cpuMicrosPerRequest: list.reduce((sum, w) => sum + w.cpu, 0) / responses,
        ...(server.databaseCpuMicros === undefined
          ? {}
          : { databaseCpuMicrosPerRequest: list.reduce((sum, w) => sum + w.database, 0) / responses }),
        unexpected: unexpectedAnswers(
          list.map((w) => w.load),
          expectedStatus,
        ),
        errors: list.reduce((sum, w) => sum + w.load.errors, 0),
      };
      return [server.name, measured];
    }),
  );
}
