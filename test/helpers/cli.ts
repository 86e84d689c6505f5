// Test helpers: run the real `registrar` command as a child process.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// An absolute loader URL, so a child started in another working directory still finds tsx.
const TSX = import.meta.resolve('tsx');

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every line the process wrote to stdout and stderr so far. */
  readonly lines: string[];
  /** Sends `signal` and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** The warning `registrar serve` writes once listening with open registration, which a warn level keeps. */
export const OPEN_REGISTRATION = 'open registration: anyone who can reach this server can register a client';

/** The authorization server's endpoints, without which `registrar serve` publishes no discovery document. */
export const ENDPOINT_FLAGS: readonly string[] = [
  '--authorization-endpoint',
  'https://as.example/authorize',
  '--token-endpoint',
  'https://as.example/token',
  '--jwks-uri',
  'https://as.example/jwks.json',
];

/** Environment without inherited REGISTRAR_* variables, plus `extra`. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRAR_')),
  );
  return { ...env, ...extra };
}

/**
 * Starts `registrar serve` and waits for its "listening" line (the server is
 * ready), or with `until: 'starting'` for the "starting" line (the port is bound).
 */
export async function startServe(
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    until?: 'listening' | 'starting' | typeof OPEN_REGISTRATION;
  } = {},
): Promise<ServeProcess> {
  const until = options.until ?? 'listening';
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'serve', ...args], {
    cwd: options.cwd ?? ROOT,
    env: environment(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let url: string | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        lines.push(line);
        try {
          const record = JSON.parse(line) as { msg?: string; url?: string; registration_endpoint?: string };
          // The open-registration warning names the endpoint: the URL of a server whose level is warn.
          const bound =
            record.url ??
            (record.registration_endpoint === undefined
              ? undefined
              : new URL(record.registration_endpoint).origin);
          if (record.msg === until && bound !== undefined) {
            url = bound;
            resolve(bound);
          }
        } catch {
          // Not every line is JSON (a crash prints a stack trace); keep it for the failure message.
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      if (url === undefined) reject(new Error(`registrar serve exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  const exited = (once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>).then(
    ([code, killedBy]) => code ?? (killedBy as string),
  );
  const resolvedUrl = await listening;
  return {
    url: resolvedUrl,
    child,
    lines,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Runs a one-shot `registrar` command and returns its output. `nodeArgs` go to node before the
 * command (a heap limit, say); with `stdoutFile`, stdout goes to that file and `stdout` is empty,
 * for output larger than a pipe buffer kept in memory should hold.
 */
export function runCommand(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; nodeArgs?: string[]; stdoutFile?: string } = {},
): { status: number | null; stdout: string; stderr: string } {
  const file = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
  try {
    const result = spawnSync(
      process.execPath,
      [...(options.nodeArgs ?? []), '--import', TSX, MAIN, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: environment(options.env ?? {}),
        encoding: 'utf8',
        stdio: ['ignore', file ?? 'pipe', 'pipe'],
      },
    );
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr };
  } finally {
    if (file !== undefined) closeSync(file);
  }
}

/**
 * As `runCommand`, without blocking the event loop: for a command that calls
 * back into a server this test process runs (a metadata document, say).
 */
export async function runCommandAsync(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: environment(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

/** The bytes of a SQLite database and its `-wal` and `-shm` files, as far as they exist. */
export function sqliteFileBytes(database: string): Buffer {
  const files = [database, `${database}-wal`, `${database}-shm`].filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

/**
 * Writes a `--config` file that turns the rate limits off, for suites that drive one server
 * from one address far past what an honest client does. Returns its path.
 */
export function unlimitedConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `unlimited-${process.pid}-${Date.now()}.json`);
  writeFileSync(path, JSON.stringify({ rateLimit: false, ...extra }));
  return path;
}

/** The admin listener's URL, from the line `registrar serve` logs when it listens. */
export function adminUrlOf(serve: ServeProcess): string {
  for (const line of serve.lines) {
    try {
      const record = JSON.parse(line) as { msg?: string; url?: string };
      if (record.msg === 'admin listening' && typeof record.url === 'string') return record.url;
    } catch {
      // Not a JSON line.
    }
  }
  throw new Error(`no "admin listening" line:\n${serve.lines.join('\n')}`);
}

/** `value` as one word of a POSIX shell command. */
const shellWord = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the `registrar` command with its stderr on a terminal, as an operator
 * sees it: util-linux's `script` gives it a pseudo-terminal, and `stdoutFile`
 * (required, so the terminal holds stderr alone) takes its stdout. Resolves
 * with the exit code and what the terminal showed, carriage returns kept.
 */
export async function runOnTerminal(
  args: string[],
  stdoutFile: string,
): Promise<{ status: number | null; terminal: string }> {
  const command = [process.execPath, '--import', TSX, MAIN, ...args].map(shellWord).join(' ');
  const child = spawn(
    'script',
    ['--quiet', '--return', '--command', `${command} > ${shellWord(stdoutFile)}`, '/dev/null'],
    {
      cwd: ROOT,
      env: environment({}),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let terminal = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    terminal += chunk;
  });
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, terminal };
}
