// The README's quick start, run as written: build as `npm ci` does, `npm start`, then the curl
// walk-through with bash. The only substitution is the port: the server gets a free one through
// REGISTRAR_PORT (and a temporary SQLite file through REGISTRAR_STORE), and the commands get
// that port in place of 4000, as the README says.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README_PORT = '4000';

/** The `sh` code blocks of the README section headed `## Quick start`, its subsections included. */
function quickStartBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Quick start\n');
  assert.notEqual(start, -1, 'the README has a "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
}

/** A port the system just handed out and released; the server binds it right after. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Environment without inherited REGISTRAR_* variables, plus `extra`. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRAR_'));
  return { ...Object.fromEntries(inherited), ...extra };
}

describe('README quick start', () => {
  const blocks = quickStartBlocks();
  const dir = mkdtempSync(join(tmpdir(), 'registrar-quick-start-'));
  let server: ChildProcess | undefined;
  let port = 0;
  const output: string[] = [];

  before(async () => {
    // `npm ci` builds through the prepare script; the test does the same without reinstalling.
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const commands = (blocks[0] ?? '').split('\n')[0]?.replace(/\s+#.*$/, '') ?? '';
    assert.equal(commands, 'npm ci && npm start', 'the first quick start command');
    port = await freePort();
    // Its own process group, so the npm process and the server under it stop together.
    server = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      env: environment({
        REGISTRAR_PORT: String(port),
        REGISTRAR_STORE: `sqlite:${join(dir, 'registrar.db')}`,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output.push(chunk.toString('utf8'));
        if (/"msg":"listening"/.test(output.join(''))) resolve();
      };
      server?.stdout?.on('data', onData);
      server?.stderr?.on('data', onData);
      server?.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.join('')}`)));
    });
  });

  after(async () => {
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = once(server, 'exit');
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves on the port npm start was given', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(response.status, 200);
  });

  it('runs the curl walk-through: 201, 200, 200, 204, then 401 with the rotated token', () => {
    const walkThrough = blocks[1] ?? '';
    assert.ok(walkThrough.includes(`http://127.0.0.1:${README_PORT}/oauth/register`), walkThrough);
    const script = walkThrough.replaceAll(`127.0.0.1:${README_PORT}`, `127.0.0.1:${port}`);
    // Each curl also writes its status to stderr, one line per call; what the README prints stays as is.
    const prelude = `curl() { command curl -w '%{stderr}status %{http_code}\\n' "$@"; }\n`;
    const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', prelude + script], {
      cwd: dir,
      encoding: 'utf8',
      env: environment({}),
      timeout: 30_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const statuses = [...run.stderr.matchAll(/^status (\d{3})$/gm)].map((match) => Number(match[1]));
    assert.deepEqual(statuses, [201, 200, 200, 204, 401], run.stderr);
    const documents = run.stdout;
    assert.match(documents, /"client_name": "Example 2"/);
    assert.match(documents, /"error":"invalid_token"/);
  });
});
