// The documentation is checked against the code it describes: the configuration reference lists
// exactly the keys of RegistrarConfig, as the TypeScript compiler reads them; the API reference
// covers every entry point the package exports; every guide is linked from the README, and every
// relative link in the README and docs/ reaches an existing file and heading.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every property of the `RegistrarConfig` interface, inherited ones (the store callbacks) included. */
function registrarConfigKeys(): string[] {
  const declaring = sourceFiles('src').filter((file) =>
    /^export interface RegistrarConfig\b/m.test(read(file)),
  );
  assert.equal(declaring.length, 1, `one file declares RegistrarConfig, found: ${declaring.join(', ')}`);
  const file = join(ROOT, declaring[0] as string);
  const configPath = join(ROOT, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(configPath, ts.sys.readFile).config,
    ts.sys,
    ROOT,
  );
  const program = ts.createProgram([file], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source);
  const declaration = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === 'RegistrarConfig',
  );
  assert.ok(declaration);
  const type = checker.getTypeAtLocation(declaration.name);
  return checker
    .getPropertiesOfType(type)
    .map((property) => property.name)
    .sort();
}

/** The first cell of every row of the tables headed `| key |` in docs/configuration.md. */
function documentedKeys(): string[] {
  const keys: string[] = [];
  let inKeyTable = false;
  for (const line of read('docs/configuration.md').split('\n')) {
    if (!line.startsWith('|')) {
      inKeyTable = false;
      continue;
    }
    const first = line.split('|')[1]?.trim() ?? '';
    if (first === 'key') {
      inKeyTable = true;
      continue;
    }
    if (!inKeyTable || /^-+$/.test(first)) continue;
    const match = /^`(\w+)`$/.exec(first);
    assert.ok(match, `each row names exactly one key in backticks: ${line}`);
    keys.push(match[1] as string);
  }
  return keys;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const heading = inCode ? null : /^#{1,6} (.+)$/.exec(line);
    if (heading) anchors.add(slug(heading[1] as string));
  }
  return anchors;
}

/** Relative link targets of a Markdown file, outside code blocks. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z]+:/.test(target));
}

const guides = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);

describe('docs', () => {
  it('docs/configuration.md has one row for each key of RegistrarConfig, and no other', () => {
    const keys = registrarConfigKeys();
    const documented = documentedKeys();
    assert.ok(keys.includes('issuer') && keys.includes('registerClient'), keys.join(', '));
    assert.deepEqual(
      documented.filter((key, index) => documented.indexOf(key) !== index),
      [],
      'a key documented twice',
    );
    assert.deepEqual(
      keys.filter((key) => !documented.includes(key)),
      [],
      'keys of RegistrarConfig missing from docs/configuration.md',
    );
    assert.deepEqual(
      documented.filter((key) => !keys.includes(key)),
      [],
      'keys in docs/configuration.md that RegistrarConfig does not have',
    );
  });

  it('typedoc.json documents exactly the sources of the exported entry points', () => {
    const pkg = JSON.parse(read('package.json')) as {
      exports: Record<string, string | { default: string }>;
      scripts: Record<string, string>;
    };
    const sources = Object.values(pkg.exports)
      .filter((target) => typeof target === 'object')
      .map((target) => target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'))
      .sort();
    const typedoc = JSON.parse(read('typedoc.json')) as {
      entryPoints: string[];
      treatWarningsAsErrors: boolean;
      out: string;
    };
    assert.deepEqual([...typedoc.entryPoints].map((entry) => normalize(entry)).sort(), sources);
    assert.equal(typedoc.treatWarningsAsErrors, true);
    assert.equal(normalize(typedoc.out), 'docs/api');
    assert.match(read('.gitignore'), /^docs\/api\/$/m);
    assert.match(pkg.scripts.docs ?? '', /^typedoc\b/);
  });

  it('links every guide from the README', () => {
    const links = linksOf(read('README.md')).map((target) => normalize(target.split('#')[0] as string));
    assert.deepEqual(
      guides.filter((guide) => !links.includes(guide)),
      [],
    );
  });

  it('has no broken relative link or anchor in the README and docs/', () => {
    const broken: string[] = [];
    for (const file of ['README.md', 'BENCHMARKS.md', ...guides]) {
      for (const target of linksOf(read(file))) {
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : normalize(join(dirname(file), path));
        let text: string;
        try {
          text = read(resolved);
        } catch {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(text).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it('cites specifications and its own docs, never a design document it does not contain', () => {
    // Built from parts, so this file does not cite it either.
    const citation = new RegExp(['DESIGN', '§'].join(' '));
    const sources = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? sources(join(dir, entry.name))
          : /\.(ts|mjs|md)$/.test(entry.name)
            ? [join(dir, entry.name)]
            : [],
      );
    const files = [
      'README.md',
      'BENCHMARKS.md',
      'CHANGELOG.md',
      ...guides,
      ...['src', 'test', 'scripts', 'bench', 'examples'].flatMap(sources),
    ];
    assert.ok(files.length > 100, 'the tree was read');
    for (const file of files) assert.doesNotMatch(read(file), citation, file);
  });
});
