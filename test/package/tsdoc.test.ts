// Every export in src/ carries a TSDoc comment (STYLE.md: "TSDoc on every export"), so the
// published declarations document themselves in an editor.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Exported declarations (not re-exports) that have no `/** ... *\/` comment. */
function undocumentedExports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  return source.statements
    .filter((statement) => {
      const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
      return modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword);
    })
    .filter((statement) => ts.getJSDocCommentsAndTags(statement).length === 0)
    .map((statement) => statement.getText(source).split('\n', 1)[0] as string);
}

describe('TSDoc', () => {
  it('documents every exported declaration in src/', () => {
    const missing = sourceFiles(SRC).flatMap((file) =>
      undocumentedExports(file).map((line) => `${relative(SRC, file)}: ${line}`),
    );
    assert.deepEqual(missing, []);
  });

  it('gives every public function a @see link, to its RFC section or its guide', () => {
    const root = join(SRC, '..');
    const { entryPoints } = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
      entryPoints: string[];
    };
    const files = entryPoints.map((entry) => join(root, entry));
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
    });
    const checker = program.getTypeChecker();
    const without: string[] = [];
    let functions = 0;
    for (const file of files) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(file) as ts.SourceFile) as ts.Symbol;
      for (const exported of checker.getExportsOfModule(module)) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        if (!(symbol.flags & ts.SymbolFlags.Function)) continue;
        functions++;
        if (!symbol.getJsDocTags(checker).some((tag) => tag.name === 'see')) {
          without.push(`${relative(root, file)}: ${exported.name}`);
        }
      }
    }
    assert.ok(functions > 25, `${functions} public functions found`);
    assert.deepEqual(without, []);
  });
});
