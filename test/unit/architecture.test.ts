// The dependency rule of docs/architecture.md, checked on the import graph of src:
// every import counts (static, type-only, re-exports, side-effect imports, dynamic import()).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file names, as TypeScript's own pre-processor finds them. */
export function specifiers(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((file) => file.fileName);
}

interface Edge {
  readonly from: string;
  readonly specifier: string;
  /** The imported file, relative to src, for an import of another source file. */
  readonly to: string | null;
}

function edgesOf(file: string): Edge[] {
  return specifiers(readFileSync(file, 'utf8')).map((specifier) => {
    const from = relative(SRC, file);
    if (!specifier.startsWith('.')) return { from, specifier, to: null };
    const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
    return { from, specifier, to: relative(SRC, target) };
  });
}

const edges = sourceFiles(SRC).flatMap(edgesOf);
const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : path);

function cycles(): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.to === null) continue;
    next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  }
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of next.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('architecture', () => {
  it('finds every kind of import, so the rules below cannot be dodged', () => {
    const found = specifiers(
      [
        "import type { A } from './a.js';",
        "import './side-effect.js';",
        "export { b } from './b.js';",
        "export * from './c.js';",
        "const d = await import('./d.js');",
      ].join('\n'),
    );
    assert.deepEqual(found, ['./a.js', './side-effect.js', './b.js', './c.js', './d.js']);
  });

  it('has no import circle in src, type-only imports included', () => {
    assert.ok(edges.length > 100, 'the graph was read');
    assert.deepEqual(cycles(), []);
  });

  it('keeps src/core free of anything outside it: no outer folder, no node: module, no package', () => {
    const outside = edges.filter(
      (edge) => edge.from.startsWith('core/') && (edge.to === null || !edge.to.startsWith('core/')),
    );
    assert.deepEqual(outside, []);
  });

  it('keeps http/ away from admission/ and net/: it takes them already built', () => {
    const forbidden = edges.filter(
      (edge) =>
        folderOf(edge.from) === 'http' &&
        edge.to !== null &&
        ['admission', 'net'].includes(folderOf(edge.to)),
    );
    assert.deepEqual(forbidden, []);
  });

  it('lets the implementing folders import only core, never each other or the composition', () => {
    const implementers = ['admission', 'store', 'net', 'crypto', 'http'];
    const allowed: Record<string, readonly string[]> = {
      admission: ['core', 'admission'],
      store: ['core', 'store'],
      net: ['core', 'net'],
      crypto: ['core', 'crypto'],
      http: ['core', 'http'],
    };
    const wrong = edges.filter(
      (edge) =>
        implementers.includes(folderOf(edge.from)) &&
        edge.to !== null &&
        !(allowed[folderOf(edge.from)] ?? []).includes(folderOf(edge.to)),
    );
    assert.deepEqual(wrong, []);
  });

  it('keeps adapters/ to translating: they import http/ and core/, not the composition', () => {
    const wrong = edges.filter(
      (edge) =>
        folderOf(edge.from) === 'adapters' &&
        edge.to !== null &&
        !['adapters', 'http', 'core', 'crypto'].includes(folderOf(edge.to)),
    );
    assert.deepEqual(wrong, []);
  });

  it('keeps integrations/ to glue: the composition, adapters/, http/ and core/, and nothing in src imports them', () => {
    const wrong = edges.filter(
      (edge) =>
        folderOf(edge.from) === 'integrations' &&
        edge.to !== null &&
        !['integrations', 'adapters', 'http', 'core', 'registrar.ts'].includes(folderOf(edge.to)),
    );
    assert.deepEqual(wrong, []);
    const importers = edges.filter(
      (edge) =>
        folderOf(edge.from) !== 'integrations' && edge.to !== null && folderOf(edge.to) === 'integrations',
    );
    assert.deepEqual(importers, []);
  });
});
