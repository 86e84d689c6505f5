// `import 'registrar'` loads no network module: the safe fetcher, with node:dns and node:https,
// is loaded on the first outbound fetch only. Measured in a fresh process, by the modules Node
// reports as loaded. The library's entries load none of the CLI's and the server's own
// dependencies (commander, pino, prom-client), seen by a resolve hook in a fresh process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const NETWORK_MODULES = ['NativeModule dns/promises', 'NativeModule https', 'NativeModule tls'];

function loadedAfter(script: string): string[] {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as string[];
}

const report = 'console.log(JSON.stringify(process.moduleLoadList));';

describe('import cost', () => {
  it('loads no network module on import and on createRegistrar', () => {
    const loaded = loadedAfter(
      `const { createRegistrar } = await import('./src/index.ts');
       createRegistrar({ issuer: 'https://as.example.org', clientIdMetadataDocuments: { enabled: true } });
       ${report}`,
    );
    for (const name of NETWORK_MODULES) assert.ok(!loaded.includes(name), `${name} was loaded`);
  });

  it('loads the safe fetcher when a fetch is first needed', () => {
    const loaded = loadedAfter(
      `const { createRegistrar } = await import('./src/index.ts');
       const registrar = createRegistrar({
         issuer: 'https://as.example.org',
         clientIdMetadataDocuments: { enabled: true },
         fetch: { timeoutMs: 200, resolve: async () => [] },
       });
       await registrar.resolveClient('https://client.example.org/metadata.json').catch(() => undefined);
       ${report}`,
    );
    for (const name of NETWORK_MODULES) assert.ok(loaded.includes(name), `${name} was not loaded`);
  });

  it("loads none of the CLI's and the server's dependencies from the library's entries", () => {
    const hook = `export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      const match = /node_modules\\/(commander|pino|prom-client)\\//.exec(result.url);
      if (match) process.stderr.write('LOADED ' + match[1] + '\\n');
      return result;
    }`;
    const entries = [
      './src/index.ts',
      './src/adapters/node.ts',
      './src/store/memory.ts',
      './src/store/sqlite.ts',
      './src/store/postgres.ts',
      './src/testkit/store-conformance.ts',
    ];
    const script = `import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
      ${entries.map((entry) => `await import('${entry}');`).join('\n')}
      await import('./src/server/serve.ts');
      console.log('imported');`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    assert.equal(run.status, 0, run.stderr);
    const loaded = [...run.stderr.matchAll(/^LOADED (\S+)$/gm)].map((match) => match[1]);
    // serve.ts, imported last, brings the logger: the hook sees it, so it sees the others too.
    assert.deepEqual(loaded, ['pino'], run.stderr);
  });
});
