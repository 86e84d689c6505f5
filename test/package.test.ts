// The published package's shape: an explicit exports map whose every subpath has types and a
// source file, mirrored by the tsconfig paths the examples compile against, and frameworks that
// stay optional. `npm run check:package` checks the packed tarball itself (publint, arethetypeswrong).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
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
        assert.equal(file, `adapters/${framework}.ts`, `${file} imports ${specifier}`);
        assert.ok(typeOnly, `${file} imports ${specifier} for types only, so nothing loads it at run time`);
      }
    }
    assert.deepEqual([...seen].sort(), FRAMEWORKS);
  });
});
