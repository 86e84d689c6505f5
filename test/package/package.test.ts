// The published package's shape: an explicit exports map whose every subpath has types and a
// source file, mirrored by the tsconfig paths the examples compile against, and frameworks that
// stay optional. `npm run check:package` checks the packed tarball itself (publint, arethetypeswrong).
// The lean install packs the tarball and installs it alone in a new project (from the npm
// registry, which must be reachable): no store or Redis driver comes with it, nothing is built,
// the memory store works, and a store or Redis chosen without its driver says what to install.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => JSON.parse(readFileSync(`${ROOT}/${path}`, 'utf8'));
const pkg = read('package.json') as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
};
const FRAMEWORKS = ['express', 'fastify', 'hono'];

/** `./dist/adapters/node.js` is built from `src/adapters/node.ts`. */
const sourceOf = (target: string) => target.replace(/^\.\/dist\//, './src/').replace(/\.(d\.ts|js)$/, '.ts');

describe('package exports', () => {
  const entries = Object.entries(pkg.exports).filter(([subpath]) => subpath !== './package.json');

  it('lists every subpath explicitly, each with types and code built from one source file', () => {
    assert.ok(entries.length > 0);
    for (const [subpath, target] of entries) {
      assert.ok(!subpath.includes('*'), `${subpath}: no wildcard subpaths`);
      assert.equal(typeof target, 'object', `${subpath}: conditions, not a bare path`);
      const { types, default: code } = target as { types: string; default: string };
      assert.deepEqual(Object.keys(target as object), ['types', 'default'], `${subpath}: types first`);
      assert.match(types, /^\.\/dist\/[\w/-]+\.d\.ts$/, subpath);
      assert.match(code, /^\.\/dist\/[\w/-]+\.js$/, subpath);
      assert.equal(sourceOf(types), sourceOf(code), `${subpath}: types and code describe the same module`);
      assert.ok(existsSync(`${ROOT}/${sourceOf(code)}`), `${subpath}: ${sourceOf(code)} exists`);
    }
  });

  it('serves each adapter from its own subpath', () => {
    for (const adapter of ['node', ...FRAMEWORKS]) {
      assert.ok(pkg.exports[`./${adapter}`], `registrar/${adapter}`);
    }
  });

  it('is mirrored by the tsconfig paths the examples compile against', () => {
    const paths = (read('tsconfig.json') as { compilerOptions: { paths: Record<string, string[]> } })
      .compilerOptions.paths;
    const expected = Object.fromEntries(
      entries.map(([subpath, target]) => [
        subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
        [sourceOf((target as { default: string }).default)],
      ]),
    );
    assert.deepEqual(paths, expected);
  });
});

describe('frameworks', () => {
  it('are optional peer dependencies, installed for development', () => {
    for (const framework of FRAMEWORKS) {
      assert.ok(pkg.peerDependencies[framework], `${framework} is a peer dependency`);
      assert.equal(pkg.peerDependenciesMeta[framework]?.optional, true, `${framework} is optional`);
      assert.ok(pkg.devDependencies[framework], `${framework} is installed for the tests`);
    }
  });

  it('are imported by their adapters for types only, and by nothing else in src/', () => {
    const seen = new Set<string>();
    const files = (readdirSync(`${ROOT}/src`, { recursive: true }) as string[]).filter((file) =>
      file.endsWith('.ts'),
    );
    for (const file of files) {
      const source = readFileSync(`${ROOT}/src/${file}`, 'utf8');
      for (const match of source.matchAll(/^import (type )?[^;]*? from '([^']+)';/gms)) {
        const [, typeOnly, specifier] = match as unknown as [string, string | undefined, string];
        const framework = FRAMEWORKS.find((name) => specifier === name || specifier.startsWith(`${name}/`));
        if (framework === undefined) continue;
        seen.add(framework);
        // The MCP SDK integration wraps the SDK's Express router, and names Express's types for it.
        const allowed = [
          `adapters/${framework}.ts`,
          ...(framework === 'express' ? ['integrations/mcp-sdk.ts'] : []),
        ];
        assert.ok(allowed.includes(file), `${file} imports ${specifier}`);
        assert.ok(typeOnly, `${file} imports ${specifier} for types only, so nothing loads it at run time`);
      }
    }
    assert.deepEqual([...seen].sort(), FRAMEWORKS);
  });
});

describe('a lean install', { timeout: 240_000 }, () => {
  const PEERS = ['better-sqlite3', 'pg', 'ioredis'];
  let work: string;
  let consumer: string;
  let packed: string[];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'registrar-package-'));
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    const pack = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    const [tarball] = JSON.parse(pack) as { filename: string; files: { path: string }[] }[];
    assert.ok(tarball);
    packed = tarball.files.map((file) => file.path);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    run(
      'npm',
      ['install', join(work, tarball.filename), '--no-audit', '--no-fund', '--prefer-offline'],
      consumer,
    );
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('lists the optional store and Redis drivers as optional peers, installed for development', () => {
    for (const peer of PEERS) {
      assert.ok(pkg.peerDependencies[peer], `${peer} is a peer dependency`);
      assert.equal(pkg.peerDependenciesMeta[peer]?.optional, true, `${peer} is optional`);
      assert.ok(pkg.devDependencies[peer], `${peer} is installed for development`);
    }
  });

  it('publishes the LICENSE and no source map', () => {
    assert.ok(packed.includes('LICENSE'), 'LICENSE is in the tarball');
    assert.deepEqual(
      packed.filter((path) => path.endsWith('.map')),
      [],
    );
    for (const path of packed.filter((file) => file.endsWith('.js') || file.endsWith('.d.ts'))) {
      const text = readFileSync(join(consumer, 'node_modules/registrar', path), 'utf8');
      assert.ok(!text.includes('sourceMappingURL'), `${path} points at no source map`);
    }
  });

  it('installs no optional peer and builds nothing', () => {
    const installed = JSON.parse(run('npm', ['query', '*'], consumer)) as {
      name: string;
      location: string;
      scripts?: Record<string, string>;
    }[];
    const names = installed.map((node) => node.name);
    assert.ok(names.includes('registrar'));
    for (const peer of PEERS) assert.ok(!names.includes(peer), `${peer} is not installed`);
    for (const node of installed) {
      for (const hook of ['preinstall', 'install', 'postinstall']) {
        assert.equal(node.scripts?.[hook], undefined, `${node.name} has no ${hook} script`);
      }
      assert.ok(
        !existsSync(join(consumer, node.location, 'binding.gyp')),
        `${node.name} has no native build`,
      );
    }
  });

  it('loads every entry a memory-store user needs and registers a client', () => {
    writeFileSync(
      join(consumer, 'register.mjs'),
      `import { createRegistrar } from 'registrar';
import { nodeCrypto } from 'registrar/node';
import 'registrar/express';
import 'registrar/fastify';
import 'registrar/hono';
import { createMemoryStore } from 'registrar/store/memory';

const registrar = createRegistrar({
  issuer: 'https://as.example.com',
  registrationEnabled: true,
  registration: createMemoryStore(),
  crypto: nodeCrypto,
});
const response = await registrar.fetch(
  new Request('https://as.example.com/oauth/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['https://client.example.org/cb'] }),
  }),
);
const body = await response.json();
console.log(JSON.stringify({ status: response.status, client_id: typeof body.client_id }));
`,
    );
    const out = run(process.execPath, ['register.mjs'], consumer);
    assert.deepEqual(JSON.parse(out), { status: 201, client_id: 'string' });
  });

  it('names the missing package when a store module that needs it is imported', () => {
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "await import('registrar/store/sqlite')"],
      {
        cwd: consumer,
        encoding: 'utf8',
      },
    );
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Cannot find package 'better-sqlite3'/);
  });

  it('names the MCP SDK when registrar/mcp-sdk is imported without it', () => {
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "await import('registrar/mcp-sdk')"],
      { cwd: consumer, encoding: 'utf8' },
    );
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Cannot find package '@modelcontextprotocol\/sdk'/);
  });

  const serveFails = (args: string[], peer: string) => {
    const result = spawnSync(
      process.execPath,
      [join(consumer, 'node_modules/registrar/dist/cli/main.js'), 'serve', '--port', '0', ...args],
      {
        cwd: consumer,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `registrar: ${peer} needs the ${PEER_OF[peer]} package: npm install ${PEER_OF[peer]}, or run npx -p registrar -p ${PEER_OF[peer]} registrar serve\n`,
    );
  };
  const PEER_OF: Record<string, string> = {
    'The sqlite: store': 'better-sqlite3',
    'The postgres: store': 'pg',
    'The Redis rate limiter': 'ioredis',
  };

  it('`registrar serve` on its default store says in one line how to bring better-sqlite3', () => {
    serveFails([], 'The sqlite: store');
    assert.ok(!existsSync(join(consumer, 'registrar.db')), 'no database file is left behind');
  });

  it('`registrar serve --store postgres://...` names pg', () => {
    serveFails(['--store', 'postgres://postgres@127.0.0.1:5432/test'], 'The postgres: store');
  });

  it('`registrar serve --redis` names ioredis', () => {
    serveFails(['--store', 'memory:', '--redis', 'redis://127.0.0.1:6379'], 'The Redis rate limiter');
  });
});

/** Runs a command to completion and returns its stdout; a failure fails the test with its stderr. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
