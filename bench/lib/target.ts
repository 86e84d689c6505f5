// A server under test, in a child process of its own so its CPU time and memory are its own.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The `registrar` command as `npm start` runs it: compiled by `npm run build`, run by plain Node. */
export const REGISTRAR_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Writes the config file every bench server starts with and returns its path: the per-address rate
 * limits are off, because one address sends every request, as behind a proxy pool.
 */
export function unlimitedConfig(dir: string): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ rateLimit: false }));
  return path;
}

/** Compiles src/ to dist/ so the servers run the code users run, with no loader in between. */
export function buildRegistrar(): void {
  const result = spawnSync(
    process.execPath,
    [
      fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)),
      '-p',
      'tsconfig.build.json',
    ],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) throw new Error('npm run build failed');
}

// Kernel clock ticks per second for /proc/<pid>/stat (sysconf(_SC_CLK_TCK), 100 on Linux).
const CLOCK_TICKS = 100;

/** User plus system CPU time of the process `pid` so far, in microseconds (from /proc/<pid>/stat). */
function processCpuMicros(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) may contain spaces; the fields after the closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/**
 * The CPU time of every process of this machine's PostgreSQL server so far (those named
 * `postgres`): the database's share of a target's work, which the target's own figure leaves out.
 * A backend that exits between two readings takes its time with it; the pool's connections stay.
 */
export function postgresCpuMicros(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += processCpuMicros(pid);
    } catch {
      // The process exited while being read.
    }
  }
  return total;
}

/** A running target. */
export interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** User plus system CPU time the process has used so far, in microseconds (from /proc/<pid>/stat). */
  cpuMicros(): number;
  /** Resident set size now, in bytes (from /proc/<pid>/status). */
  rssBytes(): number;
  /** For a target on PostgreSQL: the CPU time of the database server's processes so far. */
  databaseCpuMicros?(): number;
  stop(): Promise<void>;
}

/**
 * Starts `script args` under plain Node (with `nodeFlags`) and waits for the JSON line
 * `{"msg":"listening","url":...}` that `registrar serve` and the bench targets print. The output
 * goes straight to `logFile`, so reading it costs the load generator nothing.
 */
export async function startTarget(
  name: string,
  script: string,
  args: string[],
  logFile: string,
  nodeFlags: readonly string[] = [],
): Promise<Target> {
  // BENCH_NODE_FLAGS, e.g. `--cpu-prof`, applies to every target, after the target's own `nodeFlags`.
  const flags = [...nodeFlags, ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRAR_')),
  );
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [...flags, script, ...args], {
    cwd: ROOT,
    env: { ...env, NODE_ENV: 'production' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  let url: string | undefined;
  for (let waited = 0; url === undefined; waited += 50) {
    if (child.exitCode !== null || waited > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start:\n${readFileSync(logFile, 'utf8').slice(0, 4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = readFileSync(logFile, 'utf8');
    const line = text.split('\n').find((entry) => entry.includes('"listening"'));
    if (line) url = (JSON.parse(line) as { url: string }).url;
  }
  const exited = once(child, 'exit');
  return {
    name,
    url,
    pid,
    cpuMicros: () => processCpuMicros(pid),
    rssBytes() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
      return match ? Number(match[1]) * 1024 : Number.NaN;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
